"""A manual clock for the client's tests: time passes only when the code under test waits."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta


class FakeClock:
    """A manual clock: ``sleep`` advances time instantly and records the wait."""

    def __init__(self, start: datetime | None = None) -> None:
        self._t = 1000.0
        self._start_wall = start or datetime(2026, 1, 1, tzinfo=UTC)
        self._start_t = self._t
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self._t

    def now(self) -> datetime:
        return self._start_wall + timedelta(seconds=self._t - self._start_t)

    def advance(self, seconds: float) -> None:
        self._t += max(0.0, seconds)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(seconds)
        await asyncio.sleep(0)  # still yield, so concurrency behaves like with real sleeps
