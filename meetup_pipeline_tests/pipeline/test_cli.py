"""The README's main job, exactly as users type it (shorter ranges), in real subprocesses."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from meetup_pipeline.warehouse.embedded import ensure_server
from meetup_pipeline_tests.conftest import scratch_home

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
RANGE = "2024-02-12...2024-02-14"
"""The README's quickstart range, shortened."""


@pytest.fixture
def home() -> Iterator[Path]:
    with scratch_home("meetup-cli-") as path:
        yield path


def run(home: Path, *cmd: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DAGSTER_HOME", "MEETUP_"))}
    env.update(MEETUP_HOME=str(home), MEETUP_SANDBOX_NOW="2025-01-01T00:00:00-08:00")
    return subprocess.run(
        cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False
    )


def fact_days(home: Path) -> dict[str, int]:
    server = ensure_server(home / "pgdata")
    engine = sa.create_engine(server.url())
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT event_date::text, count(*) FROM marts.fact_events GROUP BY 1")
            )
            return dict(rows.all())
    finally:
        engine.dispose()


def test_readme_dg_launch_range_then_dagster_asset_materialize_day(home: Path) -> None:
    done = run(home, str(BIN / "dg"), "launch", "--assets", "*", "--partition-range", RANGE)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    output = done.stdout + done.stderr
    lines = output.splitlines()
    # Quiet and truthful: the server start comes first (no Dagster notice before it),
    # nothing per partition, a summary last.
    assert "Warning" not in output, output[:3000]
    assert lines[0].startswith("Starting the embedded PostgreSQL server in "), output[:2000]
    assert "meetup-pipeline warehouse stop" in lines[0]
    assert len(lines) < 80, output
    assert "Materialized value" not in output
    assert " succeeded in " in output
    # the 5 data checks, upcoming_events' and both freshness checks pass: a 2024 window
    # loaded by hand, with no schedule on, is not late (defs/checks/freshness.py); the check
    # steps have readable names
    assert "checks: 8 passed, 0 failed\n" in output, output
    assert "fact_events: keys_resolve: done" in output, output
    assert "freshness_check_" not in output and "fact_events_fact_events" not in output
    assert f"dashboard: {home / 'dashboard' / 'index.html'}" in output
    days = fact_days(home)
    assert sorted(days) == ["2024-02-12", "2024-02-13", "2024-02-14"]
    assert (home / "dashboard" / "index.html").stat().st_size > 10_000

    materialized = run(
        home,
        str(BIN / "dagster"),
        "asset",
        "materialize",
        "-m",
        "meetup_pipeline.definitions",
        "--select",
        "*",
        "--partition",
        "2024-02-15",
    )
    assert materialized.returncode == 0, materialized.stdout[-3000:] + materialized.stderr[-3000:]
    assert "2024-02-15" in fact_days(home)
    # Dagster's own notice that this command is superseded is its only warning.
    notices = [line for line in materialized.stderr.splitlines() if "Warning" in line]
    assert len(notices) == 1 and "SupersessionWarning" in notices[0], notices


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--partition", "2024-13-01"],
            "is a date that does not exist (month must be in 1..12); days run from 2008-01-01",
        ),
        (["--partition", "2001-01-01"], "is not a partition: days run from 2008-01-01"),
        (["--partition-range", "2024-01-01..2024-02-01"], "must be START...END"),
        (["--partition-range", "2024-03-01...2024-01-01"], "use 2024-01-01...2024-03-01"),
        (["--select", "fact_evnts", "--partition", "2024-01-01"], "did you mean fact_events"),
    ],
)
def test_materialize_refuses_bad_input_in_one_line(
    home: Path, args: list[str], message: str
) -> None:
    done = run(home, str(BIN / "meetup-pipeline"), "materialize", *args)
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and message in errors[0], done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert not (home / "pgdata").exists(), "nothing may start before the inputs are checked"


def test_materialize_hands_a_checked_range_to_dagster(home: Path) -> None:
    done = run(
        home,
        str(BIN / "meetup-pipeline"),
        "materialize",
        "--partition-range",
        "2024-01-01...2024-03-31",
        "--dry-run",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].endswith(
        "dagster asset materialize -m meetup_pipeline.definitions --select '*' "
        "--partition-range 2024-01-01...2024-03-31"
    )
