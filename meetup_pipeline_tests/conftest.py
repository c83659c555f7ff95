"""Shared fixtures: a real (embedded) PostgreSQL server, a fresh database per test."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import URL

from meetup_pipeline.warehouse.embedded import EmbeddedServer, ensure_server, stop_server


def reachable_tempdir(prefix: str) -> Path:
    """A new temporary directory that other users may enter (mode 0711).

    As root the embedded server runs as user `embedded_postgres`, and nothing outside its
    data directory is chmodded for it (warehouse/embedded.py): a server's home must be
    enterable. `mkdtemp` and pytest's `tmp_path` are 0700.
    """
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o711)
    return path


@contextmanager
def scratch_home(prefix: str) -> Iterator[Path]:
    """A `MEETUP_HOME` for one test or module: its server stopped and its files removed
    afterwards."""
    path = reachable_tempdir(prefix)
    try:
        yield path
    finally:
        if (path / "pgdata").exists():
            stop_server(path / "pgdata")
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def isolated_meetup_home() -> Iterator[Path]:
    """Keep every test's local state (embedded server, files) out of the working tree.

    Not under pytest's basetemp: a concurrent pytest session prunes old basetemps, and
    a server whose data directory vanishes dies mid-test.
    """
    home = reachable_tempdir("meetup-home-")
    saved = {k: os.environ.get(k) for k in ("MEETUP_HOME", "MEETUP_WAREHOUSE_URL")}
    os.environ["MEETUP_HOME"] = str(home)
    os.environ.pop("MEETUP_WAREHOUSE_URL", None)
    yield home
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    if (home / "pgdata").exists():
        stop_server(home / "pgdata")
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[EmbeddedServer]:
    root = reachable_tempdir("meetup-pg-")
    server = ensure_server(root / "pgdata", databases=())
    yield server
    stop_server(root / "pgdata")
    shutil.rmtree(root, ignore_errors=True)


def create_database(server: EmbeddedServer, prefix: str = "t") -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server.conninfo("postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name


@pytest.fixture
def warehouse_url(pg_server: EmbeddedServer) -> URL:
    """A fresh, empty database on the session's real PostgreSQL server."""
    return pg_server.url(create_database(pg_server))
