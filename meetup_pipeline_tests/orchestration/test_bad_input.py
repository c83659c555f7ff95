"""Bad input through `dagster asset materialize`: refused before any step, clearly, no secret.

The CLI runs as a subprocess with the committed dagster.yaml (copied into a temporary
DAGSTER_HOME) and a temporary MEETUP_HOME, from a temporary working directory so that a
developer's ./.env cannot change the outcome. `meetup_pipeline.preflight` is checked for
the same inputs: it names the fix where Dagster's own message does not.
"""

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from meetup_pipeline import preflight
from meetup_pipeline.preflight import PreflightError
from meetup_pipeline.warehouse.embedded import stop_server
from meetup_pipeline_tests.conftest import reachable_tempdir
from meetup_pipeline_tests.orchestration.conftest import SANDBOX_NOW

REPO_ROOT = Path(__file__).resolve().parents[2]
DAGSTER = Path(sys.executable).with_name("dagster")
RAW = "raw_groups*,raw_events*,raw_rejects*"
"""Everything downstream of the raw multi-asset (its three outputs go together)."""
PASSWORD = "pw-Do-Not-Print-8086"
SECRET = "refresh-Do-Not-Print-1917"
CLI_TIMEOUT_S = 180
MATERIALIZE = (str(DAGSTER), "asset", "materialize", "-m", "meetup_pipeline.definitions")
CLEARED_ENV = (
    "MEETUP_WAREHOUSE_URL",
    "MEETUP_DAGSTER_STORAGE_URL",
    "DAGSTER_POSTGRES_HOST",
    *preflight.ENV_VARS.values(),
    "MEETUP_ALERT_WEBHOOK_URL",
    "MEETUP_SANDBOX_FAULTS",
)


@dataclass
class Cli:
    root: Path
    env: dict[str, str]

    def materialize(
        self, select: str, partition: str, stop_at_first_step: bool = False, **env: str
    ) -> tuple[int, str]:
        """Exit code and output; optionally killed as soon as a step starts (work began)."""
        proc = subprocess.Popen(
            [*MATERIALIZE, "--select", select, "--partition", partition],
            cwd=self.root / "cwd",
            env={**self.env, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        lines: list[str] = []
        deadline = time.monotonic() + CLI_TIMEOUT_S
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                lines.append(line)
                if stop_at_first_step and "STEP_START" in line:
                    lines.append("[test: killed after the first step started]\n")
                    break
                if time.monotonic() > deadline:
                    lines.append("[test: killed after the timeout]\n")
                    break
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            code = proc.wait(timeout=30)
        return code, "".join(lines)


@pytest.fixture(scope="module")
def cli() -> Iterator[Cli]:
    root = reachable_tempdir("meetup-bad-input-")
    for name in ("home", "dagster_home", "cwd"):
        (root / name).mkdir()
    shutil.copy(REPO_ROOT / "dagster.yaml", root / "dagster_home" / "dagster.yaml")
    env = {k: v for k, v in os.environ.items() if k not in CLEARED_ENV}
    env.update(
        MEETUP_HOME=str(root / "home"),
        DAGSTER_HOME=str(root / "dagster_home"),
        MEETUP_SANDBOX_NOW=SANDBOX_NOW,
        MEETUP_SANDBOX_RATE_LIMIT="off",
        # Every event on the console (meetup_pipeline/console.py), so STEP_START shows.
        MEETUP_LOG_LEVEL="debug",
    )
    try:
        yield Cli(root, env)
    finally:
        if (root / "home" / "pgdata").exists():
            stop_server(root / "home" / "pgdata")
        shutil.rmtree(root, ignore_errors=True)


def one_error_line(output: str) -> str:
    """The one line answering the input, after Dagster's two-line notice that `dg launch`
    supersedes this command (and the embedded server's start on the module's first call)."""
    notices = ("SupersessionWarning", "return callback(", "Starting the embedded PostgreSQL")
    lines = [x for x in output.splitlines() if x.strip()]
    ours = [x for x in lines if not any(n in x for n in notices)]
    assert len(ours) == 1 and ours[0].startswith("Error: "), output[-3000:]
    return ours[0]


def test_invalid_partition_key(cli: Cli) -> None:
    code, output = cli.materialize(RAW, "2024-13-45")
    assert code != 0
    assert "RUN_START" not in output  # refused before a run exists
    assert one_error_line(output).startswith(
        "Error: Partition key '2024-13-45' is a date that does not exist (month must be in "
        "1..12); days run from 2008-01-01 to "
    )
    with pytest.raises(PreflightError) as info:
        preflight.check_partition_key("2024-1-45", now=datetime.fromisoformat(SANDBOX_NOW))
    assert info.value.message == (
        "Partition key '2024-1-45' is not a date: use YYYY-MM-DD; days run from 2008-01-01 "
        "to 2024-12-31 (yesterday in America/Los_Angeles)."
    )


@pytest.mark.parametrize("key", ["2007-12-31", "2025-01-01", "2024-1-5", "yesterday"])
def test_preflight_partition_keys_outside_the_partitions(key: str) -> None:
    now = datetime(2025, 1, 1, 0, 15, tzinfo=ZoneInfo("America/Los_Angeles"))
    with pytest.raises(PreflightError) as info:
        preflight.check_partition_key(key, now=now)
    assert "YYYY-MM-DD" in info.value.message or "is not a partition" in info.value.message
    assert "2008-01-01 to 2024-12-31" in info.value.message
    assert preflight.check_partition_key("2008-01-01", now=now) == "2008-01-01"
    assert preflight.check_partition_key("2024-12-31", now=now) == "2024-12-31"


def test_unknown_asset_selection(cli: Cli) -> None:
    code, output = cli.materialize("fact_event", "2024-12-30")
    assert code != 0
    assert "RUN_START" not in output
    line = one_error_line(output)
    assert line.startswith("Error: No asset is called 'fact_event': did you mean fact_events")


def test_part_of_the_raw_multi_asset(cli: Cli) -> None:
    code, output = cli.materialize("raw_events*", "2024-12-30")
    assert code != 0
    assert "RUN_START" not in output
    assert "select all of them, e.g. --select 'raw_events*,raw_groups*,raw_rejects*'" in (
        one_error_line(output)
    )


def test_missing_secret_in_api_mode(cli: Cli) -> None:
    code, output = cli.materialize(
        RAW,
        "2024-12-30",
        stop_at_first_step=True,
        MEETUP_CLIENT_ID="client-abc",
        MEETUP_REFRESH_TOKEN=SECRET,
    )
    assert code != 0
    assert "RUN_START" not in output  # refused when the code location loaded
    assert "incomplete Meetup refresh-token credentials: set MEETUP_CLIENT_SECRET" in (
        one_error_line(output)
    )
    assert SECRET not in output


def test_preflight_real_api_without_credentials() -> None:
    """The real API refuses anonymous requests; a local `meetup-sandbox serve` does not."""
    with pytest.raises(PreflightError) as info:
        preflight.check_meetup_settings({"MEETUP_API_URL": "https://api.meetup.com/gql-ext"})
    assert "set MEETUP_ACCESS_TOKEN" in info.value.message
    assert "unset MEETUP_API_URL" in info.value.message
    served = {"MEETUP_API_URL": "http://127.0.0.1:8765/gql-ext"}
    assert preflight.check_meetup_settings(served) == "api"
    assert preflight.check_meetup_settings({}) == "sandbox"


def test_preflight_unreachable_warehouse() -> None:
    url = f"postgresql://u:{PASSWORD}@127.0.0.1:9/x"
    with pytest.raises(PreflightError) as info:
        preflight.check_warehouse({"MEETUP_WAREHOUSE_URL": url})
    message = info.value.message
    assert message.startswith("Cannot connect to the warehouse postgresql+psycopg://u:***@")
    assert "Fix MEETUP_WAREHOUSE_URL" in message
    assert PASSWORD not in message


def test_preflight_webhook_url_is_checked_but_never_shown() -> None:
    secret_url = "ftp://hooks.example/T0-Not-Shown-42"
    with pytest.raises(PreflightError) as info:
        preflight.check_webhook({"MEETUP_ALERT_WEBHOOK_URL": secret_url})
    assert "MEETUP_ALERT_WEBHOOK_URL is not an http(s) URL" in info.value.message
    assert "Not-Shown" not in info.value.message
    ok = preflight.check_webhook({"MEETUP_ALERT_WEBHOOK_URL": "https://hooks.example/T0-x-42"})
    assert ok == "set (https URL, not shown)"


def test_unreachable_warehouse(cli: Cli) -> None:
    code, output = cli.materialize(
        RAW,
        "2024-12-30",
        stop_at_first_step=True,
        MEETUP_WAREHOUSE_URL=f"postgresql://u:{PASSWORD}@127.0.0.1:9/x",
    )
    assert PASSWORD not in output
    assert code != 0
    assert "RUN_START" not in output, "a run was created before the warehouse was checked"
    assert "Fix MEETUP_WAREHOUSE_URL" in one_error_line(output)
