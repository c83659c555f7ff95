"""Date-time formats exactly as the live API prints and parses them.

- Output: ISO-8601 with seconds and a numeric offset (`2019-09-21T09:00:00+01:00`); a zero
  offset prints as `Z` (seen in the recordings: `2024-11-16T08:27:52Z`).
- Input `DateTime` values must carry an offset; `2023-01-01` or `2023-01-01T00:00:00` are
  rejected with the live API's message ("Failed to parse input value ... as ZonedDateTime").
- Durations print as ISO-8601 durations in hours and minutes (`PT7H`, `PT1H30M`, `PT30H`).
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

PACIFIC = ZoneInfo("America/Los_Angeles")
EASTERN = ZoneInfo("America/New_York")


class DateTimeParseError(ValueError):
    """An input date-time the live API would refuse."""


def iso(ts: float, tz: tzinfo) -> str:
    """Epoch seconds -> ISO-8601 with seconds in `tz`'s offset at that instant."""
    text = datetime.fromtimestamp(ts, tz).isoformat(timespec="seconds")
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def iso_duration(minutes: int) -> str:
    """Minutes -> `PT2H`, `PT1H30M`, `PT45M` (hours are not folded into days, like Meetup)."""
    hours, mins = divmod(minutes, 60)
    out = "PT"
    if hours:
        out += f"{hours}H"
    if mins or not hours:
        out += f"{mins}M"
    return out


def parse_zoned(value: object) -> datetime:
    """Parse a `DateTime` input; an offset (or `Z`) is required, like the live API."""
    if not isinstance(value, str):
        raise DateTimeParseError(f"Failed to parse input value {value} as ZonedDateTime")
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None or "T" not in text.upper():
        raise DateTimeParseError(f"Failed to parse input value {value} as ZonedDateTime")
    return parsed


def utc_now() -> datetime:
    """The wall clock, tz-aware (isolated so it is obvious where wall time enters)."""
    return datetime.now(UTC)
