"""A window's records as a plain iterator, produced by the async client in its own thread.

The raw layer consumes records synchronously (a COPY inside a database transaction) while
the client pages the API asynchronously. A bounded queue joins the two: the client runs at
most a few pages ahead, so memory stays flat whatever the window, and a consumer that stops
(an error, a closed generator) stops the client too.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, TypeVar

from .models import Event, ExtractStats, Fetched, Group, Reject

T = TypeVar("T")
Record = Fetched[Group] | Fetched[Event] | Reject

_DONE = object()


@dataclass(frozen=True)
class _Failure:
    error: BaseException


def iterate_in_thread(produce: Callable[[], AsyncIterator[T]], ahead: int = 4) -> Iterator[T]:
    """Items of the async iterator ``produce()`` run on its own event loop in a thread."""
    items: queue.Queue[object] = queue.Queue(maxsize=ahead)
    stop = threading.Event()

    async def pump() -> None:
        async for item in produce():
            while not stop.is_set():
                try:
                    items.put_nowait(item)
                    break
                except queue.Full:
                    await asyncio.sleep(0.005)  # keep the loop (and the HTTP client) running
            if stop.is_set():
                return

    def run() -> None:
        outcome: object = _DONE
        try:
            asyncio.run(pump())
        except BaseException as exc:  # handed to the consumer, raised there
            outcome = _Failure(exc)
        while not stop.is_set():
            try:
                items.put(outcome, timeout=0.1)
                return
            except queue.Full:
                continue

    thread = threading.Thread(target=run, name="meetup-extract", daemon=True)
    thread.start()
    try:
        while (item := items.get()) is not _DONE:
            if isinstance(item, _Failure):
                raise item.error
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        while thread.is_alive():
            with contextlib.suppress(queue.Empty):
                items.get(timeout=0.1)
        thread.join()


@dataclass
class WindowStream:
    """One window's records, consumed once; counters are final once it is exhausted."""

    chunks: Iterator[list[Record]]
    source: Literal["sandbox", "api"]
    fetched_at: datetime
    stats: ExtractStats
    counts: dict[str, int] = field(default_factory=lambda: {"group": 0, "event": 0, "reject": 0})

    def __iter__(self) -> Iterator[Record]:
        for chunk in self.chunks:
            for record in chunk:
                kind = (
                    "reject"
                    if isinstance(record, Reject)
                    else "group"
                    if isinstance(record.model, Group)
                    else "event"
                )
                self.counts[kind] += 1
                yield record

    @property
    def reject_rate(self) -> float:
        """Rejects over all records received (events counted before cross-group dedup)."""
        total = sum(self.counts.values())
        return self.counts["reject"] / total if total else 0.0
