"""Cursors and page sizes as the live API shows them.

- `Group.events` cursors: base64 of `"<eventId>:<epochMillis>"` (observed); a cursor whose
  event has gone resumes after its (dateTime, id) position.
- `groupSearch` cursors: base64 of an offset (`MjAw` = "200").
- `first`: default 20, capped at the configured cap (200); bigger values are clamped,
  negative ones are an error.
"""

from __future__ import annotations

import base64
import binascii

from graphql import GraphQLError

from meetup_pipeline.sandbox.world import SimEvent

DEFAULT_FIRST = 20


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def unb64(cursor: str) -> str:
    try:
        return base64.b64decode(cursor.encode(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise GraphQLError(f"Invalid cursor: {cursor}") from exc


def page_size(first: int | None, cap: int) -> int:
    """`first` with the default and the cap applied; negative is an error."""
    if first is None:
        return min(DEFAULT_FIRST, cap)
    if first < 0:
        raise GraphQLError("first must be greater than or equal to 0")
    return min(first, cap)


def page_info(has_next: bool, start: str | None, end: str | None, has_prev: bool) -> dict:
    return {
        "hasNextPage": has_next,
        "hasPreviousPage": has_prev,
        "startCursor": start,
        "endCursor": end,
    }


def event_cursor(event: SimEvent) -> str:
    return b64(f"{event.id}:{event.start_ts * 1000}")


def after_position(matches: list[SimEvent], after: str, descending: bool) -> int:
    """Index just after the cursor's event; if gone, after its (dateTime, id) position."""
    raw = unb64(after)
    event_id, _, millis = raw.rpartition(":")
    if not event_id or not millis.isdigit():
        raise GraphQLError(f"Invalid cursor: {after}")
    for i, e in enumerate(matches):
        if e.id == event_id:
            return i + 1
    key = (int(millis) // 1000, event_id)
    for i, e in enumerate(matches):
        ekey = (e.start_ts, e.id)
        if (ekey < key) if descending else (ekey > key):
            return i
    return len(matches)
