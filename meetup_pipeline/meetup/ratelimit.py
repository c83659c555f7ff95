"""Client-side pacing: a clock abstraction and a points budget per 60 seconds.

Meetup allows 500 points per 60 s. Waiting for the server to say ``RATE_LIMITED`` wastes a
request and its retries, so the client schedules its own requests inside the budget and only
falls back on the server's ``resetAt`` when its estimate was wrong. The budget is guarded by a
thread lock (not an asyncio lock) so one instance can be shared by every request of the
process, across event loops and threads.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections import deque
from collections.abc import Hashable
from datetime import UTC, datetime
from typing import Protocol

WINDOW_S = 60.0


class Clock(Protocol):
    """Time as the client sees it; injectable so tests never sleep for real."""

    def monotonic(self) -> float: ...

    def now(self) -> datetime: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock."""

    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        if seconds > 0:
            await asyncio.sleep(seconds)


class PointsBudget:
    """A sliding-window budget: at most ``limit`` points in any ``window_s`` seconds.

    ``reserve`` books the earliest slot where the cost fits and returns how long to wait for
    it; booking happens under the lock, so concurrent callers never overbook.
    """

    def __init__(self, limit: int, clock: Clock | None = None, window_s: float = WINDOW_S):
        if limit <= 0:
            raise ValueError("a points budget needs a positive limit")
        self.limit = limit
        self.window_s = window_s
        self.clock: Clock = clock or SystemClock()
        self._lock = threading.Lock()
        self._booked: deque[tuple[float, int]] = deque()
        self._blocked_until = 0.0

    def reserve(self, cost: int) -> float:
        """Book ``cost`` points; return the seconds to wait before spending them."""
        cost = max(1, min(int(cost), self.limit))
        with self._lock:
            now = self.clock.monotonic()
            while self._booked and self._booked[0][0] <= now - self.window_s:
                self._booked.popleft()
            t = max(now, self._blocked_until, self._booked[-1][0] if self._booked else now)
            used = sum(c for ts, c in self._booked if ts > t - self.window_s)
            for ts, c in self._booked:
                if used + cost <= self.limit:
                    break
                if ts > t - self.window_s:
                    used -= c
                    t = max(t, ts + self.window_s)
            self._booked.append((t, cost))
            return max(0.0, t - now)

    def block_for(self, seconds: float) -> None:
        """The server said the budget is spent: nobody starts a request for ``seconds``."""
        with self._lock:
            self._blocked_until = max(self._blocked_until, self.clock.monotonic() + seconds)

    async def acquire(self, cost: int) -> float:
        """Reserve and wait; returns the seconds waited."""
        delay = self.reserve(cost)
        if delay > 0:
            await self.clock.sleep(delay)
        return delay


_shared: dict[Hashable, PointsBudget] = {}
_shared_lock = threading.Lock()


def shared_budget(key: Hashable, limit: int) -> PointsBudget:
    """The process-wide budget for one API (and limit), shared by all clients and runs."""
    with _shared_lock:
        budget = _shared.get((key, limit))
        if budget is None:
            budget = _shared[(key, limit)] = PointsBudget(limit)
        return budget


def estimate_cost(first: int | None) -> int:
    """The points a paged query is expected to cost: ``1 + ceil(first / 100)``.

    Meetup does not publish its formula; this is the sandbox's documented one for a query
    with one paged connection (3 points for a page of 200). The server's ``RATE_LIMITED``
    answer stays the authority when the estimate is too low.
    """
    return 1 + math.ceil(max(1, int(first or 20)) / 100)
