"""The edge between the API and the warehouse: what PostgreSQL can store, and in which form.

A record is either landed in a form that the raw layer (JSONB) and the staging SQL (casts to
integer, numeric(12, 2), boolean, timestamptz, interval) cannot refuse, or rejected with the
field and the reason. Exactly representable values are coerced (``5.0`` and ``"7"`` become
``7``); everything else is refused rather than guessed.

Epoch numbers in date-time fields are refused, not converted: the schema's ``DateTime`` is an
ISO-8601 string with an offset, and the pipeline uses that offset (``foundedDate``'s date is
the group's local date). An epoch has no offset and no unit (seconds or milliseconds), so any
conversion would be a guess, and a producer that switched to epochs is a schema change the
reject-rate check should see.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel

INT4_MAX = 2**31 - 1
"""PostgreSQL ``integer``: counts and ``maxTickets`` land in such columns."""
MONEY_LIMIT = Decimal(10) ** 10
"""``numeric(12, 2)`` holds absolute values below 10^10."""
MAX_OFFSET = timedelta(hours=15, minutes=59)
"""PostgreSQL refuses time-zone displacements of 16 hours or more."""

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_STRICT_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$"
)
_ISO_DURATION = re.compile(
    r"^P(?=\d|T\d)(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$"
)


def _string_problem(text: str) -> str | None:
    if "\x00" in text:
        return "contains a NUL character (PostgreSQL text and JSONB refuse it)"
    if _LONE_SURROGATE.search(text):
        return "contains a lone UTF-16 surrogate (not valid Unicode; JSONB refuses it)"
    return None


def unstorable(value: Any, path: str = "") -> tuple[str, str] | None:
    """The first (field, reason) that PostgreSQL could not store, anywhere in ``value``."""
    if isinstance(value, str):
        problem = _string_problem(value)
        return (path or "<root>", problem) if problem else None
    if isinstance(value, float) and not math.isfinite(value):
        return path or "<root>", f"is {value!r}, which JSON and JSONB cannot hold"
    if isinstance(value, dict):
        for key, child in value.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and (problem := _string_problem(key)):
                return storable(where), f"a field name {problem}"
            if found := unstorable(child, where):
                return found
    elif isinstance(value, list):
        for i, child in enumerate(value):
            if found := unstorable(child, f"{path}[{i}]"):
                return found
    return None


def storable(value: Any) -> Any:
    """A copy PostgreSQL accepts: NULs dropped, lone surrogates and non-finite numbers shown."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value.replace("\x00", ""))
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, dict):
        return {storable(str(k)): storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [storable(v) for v in value]
    return value


# --- validators of the scalar types the staging SQL casts -------------------------------


def _decimal(value: Any, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"expected {what}, got {type(value).__name__}")
    try:
        number = Decimal(value.strip() if isinstance(value, str) else repr(value))
    except InvalidOperation:
        raise ValueError(f"expected {what}, got a string that is not a number") from None
    if not number.is_finite():
        raise ValueError(f"expected {what}, got {number}")
    return number


def count(value: Any) -> Any:
    """An integer count in PostgreSQL's ``integer`` range; ``5.0`` and ``"7.0"`` become 5, 7."""
    if value is None:
        return None
    number = value if type(value) is int else _decimal(value, "an integer")
    if number != int(number):
        raise ValueError(f"expected an integer, got {value!r} (not a whole number)")
    if not 0 <= number <= INT4_MAX:
        raise ValueError(f"{number} is out of range (0 to {INT4_MAX})")
    return int(number)


def money(value: Any) -> Any:
    """An amount ``numeric(12, 2)`` holds: finite, not negative, below 10^10."""
    if value is None:
        return None
    number = _decimal(value, "an amount")
    if not 0 <= number < MONEY_LIMIT:
        raise ValueError(f"amount {number} is out of range (0 to below 10^10)")
    return float(number)


def coordinate(value: Any) -> Any:
    """A finite number (out-of-range coordinates are kept: staging turns them into null)."""
    if value is None:
        return None
    return float(_decimal(value, "a number"))


def boolean(value: Any) -> Any:
    """JSON true/false, or the strings "true"/"false"."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValueError(f"expected true or false, got {type(value).__name__}")


def zoned_datetime(value: Any) -> Any:
    """An ISO-8601 date-time with an offset PostgreSQL accepts; epoch numbers are refused."""
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, int | float):  # bool is an int too
        raise ValueError(
            "an epoch number, expected an ISO-8601 date-time with an offset (its unit and "
            "offset would be guesses)"
        )
    if not isinstance(value, str):
        raise ValueError(f"expected an ISO-8601 date-time string, got {type(value).__name__}")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError("not an ISO-8601 date-time") from None
    offset = parsed.utcoffset()
    if offset is None:
        raise ValueError("an ISO-8601 date-time without an offset (ambiguous)")
    if abs(offset) > MAX_OFFSET:
        raise ValueError(f"UTC offset {offset} is beyond +/-15:59 (PostgreSQL refuses it)")
    if offset.total_seconds() % 60:
        raise ValueError(f"UTC offset {offset} has seconds (refused rather than rounded)")
    return parsed


def duration(value: Any) -> Any:
    """An ISO-8601 duration (``PT1H30M``) or seconds, whose minutes fit an ``integer``."""
    if value is None or isinstance(value, timedelta):
        return value
    if isinstance(value, str):
        match = _ISO_DURATION.match(value.strip())
        if not match:
            raise ValueError("not an ISO-8601 duration such as PT1H30M")
        days, hours, minutes, seconds = (Decimal(g) if g else Decimal(0) for g in match.groups())
        total = ((days * 24 + hours) * 60 + minutes) * 60 + seconds
    else:
        total = _decimal(value, "a duration")
        if total < 0:
            raise ValueError("a negative duration")
    if total / 60 > INT4_MAX or total > Decimal(timedelta.max.total_seconds()):
        raise ValueError("a duration too long to store")
    return timedelta(seconds=float(total))


# --- the landed payload ---------------------------------------------------------------


def _iso_duration(value: timedelta) -> str:
    seconds = value.total_seconds()
    return f"PT{int(seconds)}S" if seconds == int(seconds) else f"PT{seconds}S"


_CANONICAL: list[tuple[type, Callable[[Any], bool], Callable[[Any], Any]]] = [
    (bool, lambda raw: isinstance(raw, bool), lambda v: v),
    (int, lambda raw: type(raw) is int, lambda v: v),
    (float, lambda raw: type(raw) in (int, float), lambda v: v),
    (
        datetime,
        lambda raw: isinstance(raw, str) and bool(_STRICT_DATETIME.match(raw)),
        lambda v: v.isoformat(),
    ),
    (
        timedelta,
        lambda raw: isinstance(raw, str) and bool(_ISO_DURATION.match(raw)),
        _iso_duration,
    ),
]


def _canonical(value: Any, raw: Any) -> Any:
    for kind, kept, render in _CANONICAL:
        if isinstance(value, kind):
            return raw if kept(raw) else render(value)
    return raw


def landed(model: BaseModel, raw: dict[str, Any]) -> dict[str, Any]:
    """``raw`` with each coerced value in the form the model accepted; the rest as received."""
    out = dict(raw)
    for name, info in type(model).model_fields.items():
        key = info.alias or name
        if key not in raw or raw[key] is None:
            continue
        value, received = getattr(model, name), raw[key]
        if isinstance(value, BaseModel):
            if isinstance(received, dict):
                out[key] = landed(value, received)
        elif isinstance(value, list):
            if isinstance(received, list) and len(received) == len(value):
                out[key] = [
                    landed(v, r) if isinstance(v, BaseModel) and isinstance(r, dict) else r
                    for v, r in zip(value, received, strict=True)
                ]
        else:
            out[key] = _canonical(value, received)
    return out
