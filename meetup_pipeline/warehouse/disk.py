"""A full disk, named: the one cause a user can fix at once, otherwise shown as an OS or
PostgreSQL error (`No space left on device`, `could not extend file`) deep in a traceback.

Every write is atomic per window, so a write that fails on a full disk changed nothing,
and the ordinary rerun heals once there is space again: the message says exactly that.
"""

from __future__ import annotations

import errno
import shutil
import weakref
from pathlib import Path

import sqlalchemy as sa

DISK_FULL_SQLSTATE = "53100"
MIN_FREE_BYTES = 32 * 1024 * 1024
"""Less free space than this before a run: it would fail at its first write (or, for the
embedded server, at its start), so it is refused with the cause instead."""
_MARKERS = ("no space left on device", "could not extend file", "disk full")

_WHERE: weakref.WeakKeyDictionary[sa.Engine, str] = weakref.WeakKeyDictionary()
_SERVERS: dict[tuple[object, ...], tuple[str, type[DiskFullError]]] = {}
"""Databases named by `name_full_disk_on`, by server and database: where, and what to raise."""


class DiskFullError(RuntimeError):
    """The disk holding the warehouse (or `$MEETUP_HOME`) is full."""


def message(where: str | Path) -> str:
    return f"the disk holding {where} is full; free space, then rerun: nothing was changed"


def is_disk_full(exc: BaseException | None) -> bool:
    """Whether `exc` (or what it wraps or was raised from) is a full disk."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
            return True
        if getattr(exc, "sqlstate", None) == DISK_FULL_SQLSTATE:
            return True
        if getattr(exc, "pgcode", None) == DISK_FULL_SQLSTATE:
            return True
        if any(marker in str(exc).lower() for marker in _MARKERS):
            return True
        exc = getattr(exc, "orig", None) or exc.__cause__ or exc.__context__
    return False


def check_free_space(path: Path, minimum: int = MIN_FREE_BYTES) -> None:
    """Refuse to start on a disk that is (nearly) full, naming it."""
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if shutil.disk_usage(existing).free < minimum:
        raise DiskFullError(message(path))


def name_full_disk(engine: sa.Engine, where: str) -> None:
    """Statements on `engine` that fail on a full disk raise `DiskFullError` naming `where`."""
    _listen()
    _WHERE[engine] = where


def where_for(engine: sa.Engine) -> str:
    return _WHERE.get(engine, "the warehouse's data directory")


def _database_key(url: sa.URL) -> tuple[object, ...]:
    """Server and database, whatever options a URL carries (a socket dir is a query)."""
    query = url.query
    return (url.host, url.port, url.database, query.get("host"), query.get("port"))


def name_full_disk_on(url: sa.URL, where: str, error: type[DiskFullError] = DiskFullError) -> None:
    """Statements of ANY engine on `url`'s database that fail on a full disk raise `error`
    naming `where`: for engines made by others (dagster-postgres makes several per storage,
    some long after start), which `name_full_disk` cannot reach one by one."""
    _listen()
    _SERVERS[_database_key(url)] = (where, error)


def _listen() -> None:
    """One listener for every engine, named one by one or by database."""
    if not sa.event.contains(sa.Engine, "handle_error", _named):
        sa.event.listen(sa.Engine, "handle_error", _named)


def _named(context: sa.engine.ExceptionContext) -> None:
    engine = context.engine
    if engine is None:
        return
    if engine in _WHERE:  # named one by one: that name wins over its database's
        found: tuple[str, type[DiskFullError]] | None = (_WHERE[engine], DiskFullError)
    else:
        found = _SERVERS.get(_database_key(engine.url))
    if found is not None and is_disk_full(context.original_exception):
        where, error = found
        raise error(message(where)) from context.original_exception
