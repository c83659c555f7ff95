"""Per-token point budget: 500 points per 60-second window (see `gql.py` for the cost formula).

A window opens at a token's first request and lasts `window_s`; a request whose cost would
take the window past the budget is refused and costs nothing. The refusal carries the live
API's shape: message "Too many requests, please try again shortly." and
`extensions: {code: "RATE_LIMITED", consumedPoints, resetAt}` (resetAt = ISO-8601 UTC with
milliseconds). No `X-RateLimit-*` or `Retry-After` headers, as on the live gql-ext.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from meetup_pipeline.sandbox.config import RateLimitConfig

RATE_LIMIT_MESSAGE = "Too many requests, please try again shortly."


@dataclass
class _Window:
    start: float
    consumed: int


class RateLimiter:
    """Fixed windows per key, measured on an injectable monotonic clock."""

    def __init__(self, config: RateLimitConfig, clock: Callable[[], float]) -> None:
        self.config = config
        self.clock = clock
        self._windows: dict[str, _Window] = {}

    def charge(self, key: str, cost: int) -> tuple[bool, int, float]:
        """Try to spend `cost`; returns (allowed, consumed points, seconds until reset)."""
        now = self.clock()
        window = self._windows.get(key)
        if window is None or now - window.start >= self.config.window_s:
            window = self._windows[key] = _Window(now, 0)
        reset_in = window.start + self.config.window_s - now
        if not self.config.enabled:
            return True, window.consumed, reset_in
        if window.consumed + cost > self.config.points:
            return False, window.consumed, reset_in
        window.consumed += cost
        return True, window.consumed, reset_in


def rate_limited_error(consumed: int, reset_at: datetime) -> dict:
    """The live API's RATE_LIMITED error object."""
    stamp = reset_at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {
        "message": RATE_LIMIT_MESSAGE,
        "extensions": {"code": "RATE_LIMITED", "consumedPoints": consumed, "resetAt": stamp},
    }


def reset_at(wall_now: datetime, reset_in: float) -> datetime:
    """Wall-clock time of the window's end (UTC), the wait rounded up to whole seconds so a
    fixed "now" gives the same bytes run after run."""
    return (wall_now + timedelta(seconds=math.ceil(max(0.0, reset_in)))).astimezone(UTC)
