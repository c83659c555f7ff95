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
    if engine in _WHERE:
        _WHERE[engine] = where
        return
    _WHERE[engine] = where

    @sa.event.listens_for(engine, "handle_error")
    def _named(context: sa.engine.ExceptionContext) -> None:
        if is_disk_full(context.original_exception):
            raise DiskFullError(message(_WHERE.get(engine, where))) from (
                context.original_exception
            )


def where_for(engine: sa.Engine) -> str:
    return _WHERE.get(engine, "the warehouse's data directory")
