"""The committed dagster.yaml on a real PostgreSQL: materialize, restart, read back.

The module runs its own embedded server in a temporary MEETUP_HOME and stops it afterwards;
nothing touches the working tree's ./.meetup. The home is a plain `mkdtemp` directory, not
pytest's tmp_path: the server runs as another user when tests run as root, and a concurrent
pytest session resets /tmp/pytest-of-root to 0700, which would lock pg_ctl out of it.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.instance import InstanceRef
from dagster_postgres.run_storage import PostgresRunStorage
from sqlalchemy.engine import make_url

from meetup_pipeline.instance import storage
from meetup_pipeline.instance.storage import STORAGE_URL_ENV, StorageConfigError
from meetup_pipeline.warehouse.embedded import ensure_server, stop_server
from meetup_pipeline_tests.conftest import reachable_tempdir

REPO_ROOT = Path(__file__).resolve().parents[2]
STORAGE_VARS = (
    STORAGE_URL_ENV,
    storage.PG_HOST_ENV,
    storage.PG_PORT_ENV,
    storage.PG_USER_ENV,
    storage.PG_PASSWORD_ENV,
    storage.PG_DB_ENV,
)


@dg.asset(
    partitions_def=dg.DailyPartitionsDefinition(start_date="2024-01-01"),
    pool="meetup_api",
)
def tiny_counts(context: dg.AssetExecutionContext) -> dict[str, int]:
    print(f"tiny_counts stdout for {context.partition_key}")
    return {"groups": 3, "events": 7}


def _stop(pgdata: Path) -> None:
    """Stop the server; if pg_ctl cannot, fast-shutdown the postmaster by its pid."""
    try:
        stop_server(pgdata)
        return
    except Exception:
        pass
    pidfile = pgdata / "postmaster.pid"
    if pidfile.exists():
        pid = int(pidfile.read_text().split()[0])
        try:
            os.kill(pid, signal.SIGINT)
        except ProcessLookupError:
            return
        for _ in range(50):
            if not pidfile.exists():
                break
            time.sleep(0.1)


@pytest.fixture(scope="module")
def meetup_home() -> Iterator[Path]:
    home = reachable_tempdir("meetup-instance-test-")
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("MEETUP_HOME", str(home))
            for name in (*STORAGE_VARS, "DAGSTER_HOME"):
                mp.delenv(name, raising=False)
            yield home
    finally:
        _stop(home / "pgdata")
        shutil.rmtree(home, ignore_errors=True)


def load_instance(dagster_home: Path) -> dg.DagsterInstance:
    """An instance configured by the repo's dagster.yaml, as the CLIs build it."""
    dagster_home.mkdir(parents=True, exist_ok=True)
    return dg.DagsterInstance.from_ref(
        InstanceRef.from_dir(str(dagster_home), config_dir=str(REPO_ROOT))
    )


READ_BACK = """
import json, sys
import dagster as dg
from dagster._core.instance import InstanceRef

dagster_home, config_dir, run_id = sys.argv[1:]
key = dg.AssetKey("tiny_counts")
with dg.DagsterInstance.from_ref(InstanceRef.from_dir(dagster_home, config_dir=config_dir)) as i:
    run = i.get_run_by_id(run_id)
    event = i.get_latest_materialization_event(key)
    print(json.dumps({
        "status": run.status.value if run else None,
        "latest_run_id": event.run_id if event else None,
        "partition": event.asset_materialization.partition if event else None,
        "materialized": sorted(i.get_materialized_partitions(key)),
        "step_success": any(
            e.dagster_event and e.dagster_event.event_type_value == "STEP_SUCCESS"
            for e in i.all_logs(run_id)
        ),
    }))
"""


def read_back_in_new_process(dagster_home: Path, run_id: str) -> dict:
    dagster_home.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [sys.executable, "-c", READ_BACK, str(dagster_home), str(REPO_ROOT), run_id],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_materialization_persists_across_restart(meetup_home: Path, tmp_path: Path) -> None:
    with load_instance(tmp_path / "dh") as instance:
        assert isinstance(instance.run_storage, PostgresRunStorage)
        url = make_url(instance.run_storage.postgres_url)
        assert url.drivername == "postgresql+psycopg2"
        assert url.database == "dagster"
        assert url.query["host"] == str(meetup_home / "pgdata")

        result = dg.materialize([tiny_counts], instance=instance, partition_key="2024-01-02")
        assert result.success
        run_id = result.run_id
        # The pool got the configured default limit when the step claimed its slot.
        assert instance.event_log_storage.get_concurrency_info("meetup_api").slot_count == 1

    # Restart everything: stop the server, then read back from a new process (which starts
    # the server again) with a new instance built from the same dagster.yaml.
    assert stop_server(meetup_home / "pgdata")
    after = read_back_in_new_process(tmp_path / "dh-after-restart", run_id)
    assert after == {
        "status": "SUCCESS",
        "latest_run_id": run_id,
        "partition": "2024-01-02",
        "materialized": ["2024-01-02"],
        "step_success": True,
    }

    # Outputs and captured stdout live under MEETUP_HOME, not the (temporary) DAGSTER_HOME.
    assert (meetup_home / "dagster" / "storage" / "tiny_counts" / "2024-01-02").exists()
    logs = list((meetup_home / "dagster" / "logs").rglob("*.out"))
    assert any("tiny_counts stdout for 2024-01-02" in p.read_text() for p in logs)


def test_plain_postgresql_url_is_normalized_and_works(
    meetup_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A user's `postgresql://` URL (psycopg 3 under SQLAlchemy 2.1) still works."""
    server = ensure_server(meetup_home / "pgdata", databases=("dagster_from_url",))
    raw = f"postgresql://postgres@/dagster_from_url?host={server.socket_dir}&port={server.port}"
    monkeypatch.setenv(STORAGE_URL_ENV, raw)

    with load_instance(tmp_path / "dh") as instance:
        url = make_url(instance.event_log_storage.postgres_url)
        assert url.drivername == "postgresql+psycopg2"
        assert url.database == "dagster_from_url"
        # Storing events runs dagster-postgres' NOTIFY, where psycopg 3 fails.
        result = dg.materialize([tiny_counts], instance=instance, partition_key="2024-01-03")
        assert result.success
        run_id = result.run_id

    # The run went to the URL's database, not the embedded default one.
    monkeypatch.delenv(STORAGE_URL_ENV)
    with load_instance(tmp_path / "dh-default") as instance:
        assert instance.get_run_by_id(run_id) is None


def test_missing_database_names_the_variable(
    meetup_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = ensure_server(meetup_home / "pgdata", databases=())
    monkeypatch.setenv(
        STORAGE_URL_ENV,
        f"postgresql://postgres@/no_such_db?host={server.socket_dir}&port={server.port}",
    )
    with pytest.raises(StorageConfigError) as info:
        load_instance(tmp_path / "dh")
    message = str(info.value)
    assert STORAGE_URL_ENV in message
    assert "no_such_db" in message
    assert "\n" not in message


def test_unreachable_url_is_one_clear_cli_error(meetup_home: Path, tmp_path: Path) -> None:
    """The Dagster CLI prints one line naming the variable; the password never appears."""
    password = "pw-Do-Not-Print-4711"
    dagster_home = tmp_path / "dh"
    dagster_home.mkdir()
    shutil.copy(REPO_ROOT / "dagster.yaml", dagster_home / "dagster.yaml")
    env = {
        **os.environ,
        "DAGSTER_HOME": str(dagster_home),
        STORAGE_URL_ENV: f"postgresql://meetup:{password}@127.0.0.1:1/dagster",
    }
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "dagster"), "instance", "info"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert password not in output
    assert "Traceback" not in output
    error_lines = [line for line in output.splitlines() if line.startswith("Error:")]
    assert len(error_lines) == 1, output
    assert "cannot connect to postgresql+psycopg2://meetup:***@127.0.0.1:1/dagster" in output
    assert f"Fix {STORAGE_URL_ENV}" in error_lines[0]
