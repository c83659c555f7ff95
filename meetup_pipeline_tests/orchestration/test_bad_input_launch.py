"""Bad input through the README's main command, `dg launch`: one line, and no run.

Each case runs the real command (`.venv/bin/dg launch --assets '*' --partition ...`) from
the repo root with the committed dagster.yaml in a temporary DAGSTER_HOME and a temporary
MEETUP_HOME whose embedded server is already running (its one "Starting ..." line is
the first run's, not an answer to bad input). The whole output must be one `Error:` line
naming the variable (or the key) and the fix, and Dagster's run storage must hold no run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from meetup_pipeline.warehouse.embedded import ensure_server, stop_server
from meetup_pipeline_tests.conftest import reachable_tempdir
from meetup_pipeline_tests.orchestration.conftest import SANDBOX_NOW

REPO_ROOT = Path(__file__).resolve().parents[2]
DG = Path(sys.executable).with_name("dg")
SECRET = "refresh-Do-Not-Print-1917"
PASSWORD = "pw-Do-Not-Print-8086"


@dataclass
class Launch:
    home: Path
    env: dict[str, str]

    def run(self, partition: str = "2024-02-14", select: str = "*", **env: str) -> list[str]:
        done = subprocess.run(
            [str(DG), "launch", "--assets", select, "--partition", partition],
            cwd=REPO_ROOT,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        lines = [x for x in (done.stdout + done.stderr).splitlines() if x.strip()]
        assert done.returncode != 0, lines
        return lines

    def runs(self) -> int:
        """How many runs Dagster's storage holds."""
        server = ensure_server(self.home / "pgdata", databases=("meetup", "dagster"))
        with psycopg.connect(server.conninfo("dagster")) as conn:
            exists = conn.execute("SELECT to_regclass('public.runs')").fetchone()
            if exists is None or exists[0] is None:
                return 0
            row = conn.execute("SELECT count(*) FROM runs").fetchone()
            return int(row[0]) if row else 0


@pytest.fixture(scope="module")
def launch() -> Iterator[Launch]:
    root = reachable_tempdir("meetup-bad-launch-")
    (root / "home").mkdir()
    (root / "dagster_home").mkdir()
    shutil.copy(REPO_ROOT / "dagster.yaml", root / "dagster_home" / "dagster.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEETUP_", "DAGSTER_"))}
    env.update(
        MEETUP_HOME=str(root / "home"),
        DAGSTER_HOME=str(root / "dagster_home"),
        MEETUP_SANDBOX_NOW=SANDBOX_NOW,
        MEETUP_SANDBOX_RATE_LIMIT="off",
    )
    ensure_server(root / "home" / "pgdata", databases=("meetup", "dagster"))
    try:
        yield Launch(root / "home", env)
    finally:
        stop_server(root / "home" / "pgdata")
        shutil.rmtree(root, ignore_errors=True)


CASES = {
    "day that does not exist": (
        {"partition": "2024-02-30"},
        "Partition key '2024-02-30' is a date that does not exist (day is out of range",
    ),
    "day before the partitions": (
        {"partition": "2007-12-31"},
        "Partition key '2007-12-31' is not a partition: days run from 2008-01-01 to ",
    ),
    "unknown asset": ({"select": "fact_event"}, "did you mean fact_events"),
    "negative radius": (
        {"MEETUP_SEARCH_RADIUS_MILES": "-5"},
        "MEETUP_SEARCH_RADIUS_MILES='-5' is not a number from 0.1 to 500",
    ),
    "sandbox scale": (
        {"MEETUP_SANDBOX_SCALE": "abc"},
        "MEETUP_SANDBOX_SCALE must be a number in (0, 50]",
    ),
    "sandbox seed": ({"MEETUP_SANDBOX_SEED": "x"}, "MEETUP_SANDBOX_SEED must be an integer"),
    "sandbox faults": ({"MEETUP_SANDBOX_FAULTS": "gremlins=1"}, "MEETUP_SANDBOX_FAULTS: "),
    "sandbox rate limit": (
        {"MEETUP_SANDBOX_RATE_LIMIT": "fast"},
        "MEETUP_SANDBOX_RATE_LIMIT must be graphql, http429 or off",
    ),
    "unknown time zone": ({"MEETUP_TIMEZONE": "Mars/Olympus"}, "MEETUP_TIMEZONE='Mars/Olympus'"),
    "unreachable warehouse": (
        {"MEETUP_WAREHOUSE_URL": f"postgresql://u:{PASSWORD}@127.0.0.1:9/x"},
        "Fix MEETUP_WAREHOUSE_URL",
    ),
    "block rate above 1": (
        {"MEETUP_REJECT_BLOCK_RATE": "2"},
        "MEETUP_REJECT_BLOCK_RATE='2' is not a share from 0 to 1",
    ),
    "warn rate not a number": (
        {"MEETUP_REJECT_WARN_RATE": "abc"},
        "MEETUP_REJECT_WARN_RATE='abc' is not a share from 0 to 1",
    ),
    "negative dashboard cap": (
        {"MEETUP_DASHBOARD_MAX_EVENTS": "-1"},
        "MEETUP_DASHBOARD_MAX_EVENTS='-1' is not a whole number of at least 100",
    ),
    "unknown log level": (
        {"MEETUP_LOG_LEVEL": "verbose"},
        "MEETUP_LOG_LEVEL='verbose' is not a level: use info",
    ),
    "incomplete credentials": (
        {"MEETUP_CLIENT_ID": "client-abc", "MEETUP_REFRESH_TOKEN": SECRET},
        "incomplete Meetup refresh-token credentials: set MEETUP_CLIENT_SECRET",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_one_line_and_no_run(launch: Launch, case: str) -> None:
    given, expected = CASES[case]
    args = {k: v for k, v in given.items() if k in ("partition", "select")}
    env = {k: v for k, v in given.items() if k not in args}
    before = launch.runs()
    lines = launch.run(**args, **env)
    assert len(lines) == 1 and lines[0].startswith("Error: "), "\n".join(lines[-60:])
    assert expected in lines[0], lines[0]
    assert SECRET not in lines[0] and PASSWORD not in lines[0]
    assert launch.runs() == before == 0, "a run was recorded for a configuration error"
