"""`meetup-pipeline` as a newcomer meets it: help, version, examples, a pasteable dry run."""

from __future__ import annotations

import importlib.metadata
import os
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from meetup_pipeline_tests.conftest import scratch_home

CLI = Path(sys.executable).with_name("meetup-pipeline")


@pytest.fixture(scope="module")
def home() -> Iterator[Path]:
    with scratch_home("meetup-cli-help-") as path:
        yield path


def cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEETUP_", "DAGSTER_"))}
    env.update(MEETUP_HOME=str(home), MEETUP_SANDBOX_NOW="2025-01-01T00:00:00-08:00")
    return subprocess.run(
        [str(CLI), *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_alone_it_prints_help(home: Path) -> None:
    done = cli(home)
    assert done.returncode == 0, done.stderr
    for command in ("warehouse", "materialize", "dashboard", "examples:"):
        assert command in done.stdout
    assert done.stderr == ""


def test_version(home: Path) -> None:
    done = cli(home, "--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"meetup-pipeline {importlib.metadata.version('meetup-pipeline')}"


@pytest.mark.parametrize("command", ["warehouse", "materialize", "dashboard"])
def test_every_subcommand_has_a_description_and_examples(home: Path, command: str) -> None:
    done = cli(home, command, "--help")
    assert done.returncode == 0
    examples = done.stdout.split("examples:\n", 1)[1]
    assert f"meetup-pipeline {command} " in examples
    if command == "warehouse":
        for action in ("status", "start", "stop"):
            line = next(x for x in done.stdout.splitlines() if x.startswith(f"{action}  "))
            assert len(line.split()) > 3, line  # says what it does


def test_dry_run_prints_a_command_that_can_be_pasted(home: Path) -> None:
    done = cli(home, "materialize", "--partition", "2024-02-14", "--dry-run")
    assert done.returncode == 0, done.stderr
    printed = done.stdout.strip().splitlines()[-1]
    assert "--select '*'" in printed  # quoted: a shell would expand a bare *
    argv = shlex.split(printed)
    assert argv[1:] == [
        "asset",
        "materialize",
        "-m",
        "meetup_pipeline.definitions",
        "--select",
        "*",
        "--partition",
        "2024-02-14",
    ]


def test_a_day_that_does_not_exist_is_one_line_saying_so(home: Path) -> None:
    done = cli(home, "materialize", "--partition", "2024-02-30")
    assert done.returncode == 2
    errors = done.stderr.strip().splitlines()
    assert len(errors) == 1, done.stderr  # no Dagster warning after it
    assert errors[0].startswith("Error: Partition key '2024-02-30' is a date that does not exist")
    assert "YYYY-MM-DD" not in errors[0]
