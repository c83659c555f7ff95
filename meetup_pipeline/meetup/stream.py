"""A window's records as a plain iterator, produced by the async client in its own thread.

The raw layer consumes records synchronously (a COPY inside a database transaction) while
the client pages the API asynchronously. A bounded queue joins the two: the client runs at
most a few pages ahead, so memory stays flat whatever the window.

Whatever ends the consumer (the last item, a failed write, Ctrl-C, SIGTERM, a generator
closed or collected half-way), it stops the producer the same way: it cancels the
producer's task on the producer's loop (thread-safely) and waits a bounded time for the
thread. The producer's loop cancels what its task left behind and closes without
waiting for anything that ignores cancellation. Neither side ever waits forever for the
other, so no fault can wedge the process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, TypeVar

from .models import Event, ExtractStats, Fetched, Group, Reject

log = logging.getLogger(__name__)

T = TypeVar("T")
Record = Fetched[Group] | Fetched[Event] | Reject

STOP_TIMEOUT_S = 5.0
"""Longest wait for the producer's thread (and for its leftover tasks) once stopped; a
producer still running after it is left behind (a daemon thread), never waited for."""

_DONE = object()


@dataclass(frozen=True)
class _Failure:
    error: BaseException


def _settle(loop: asyncio.AbstractEventLoop, aw: Coroutine[Any, Any, Any], timeout: float) -> None:
    """Run ``aw`` on ``loop`` for at most ``timeout`` seconds, then give up on it."""
    task = loop.create_task(aw)
    loop.run_until_complete(asyncio.wait({task}, timeout=timeout))
    if not task.done():
        task.cancel()


def _close_loop(loop: asyncio.AbstractEventLoop, timeout: float) -> None:
    """`asyncio.Runner.close` without its unbounded waits (`_cancel_all_tasks` waits for
    every task to finish cancelling; one that ignores it hangs the thread for good)."""
    try:
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.wait(pending, timeout=timeout))
        stuck = [t for t in pending if not t.done()]
        if stuck:
            log.warning(
                "%d extraction task(s) ignored cancellation for %.0fs; left behind: %s",
                len(stuck),
                timeout,
                ", ".join(t.get_name() for t in stuck),
            )
        _settle(loop, loop.shutdown_asyncgens(), timeout)
        _settle(loop, loop.shutdown_default_executor(), timeout)
    finally:
        asyncio.set_event_loop(None)
        loop.close()


def iterate_in_thread(
    produce: Callable[[], AsyncIterator[T]],
    ahead: int = 4,
    stop_timeout: float = STOP_TIMEOUT_S,
) -> Iterator[T]:
    """Items of the async iterator ``produce()`` run on its own event loop in a thread."""
    items: queue.Queue[object] = queue.Queue(maxsize=ahead)
    stopped = threading.Event()

    async def pump() -> None:
        async with contextlib.aclosing(produce()) as source:  # type: ignore[type-var]
            async for item in source:
                while True:
                    try:
                        items.put_nowait(item)
                        break
                    except queue.Full:
                        # keep the loop (and the HTTP client) running; a cancel lands here
                        await asyncio.sleep(0.005)

    loop = asyncio.new_event_loop()
    task = loop.create_task(pump(), name="meetup-extract")

    def run() -> None:
        outcome: object = _DONE
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(task)
        except BaseException as exc:  # handed to the consumer, raised there
            outcome = _Failure(exc)
        finally:
            _close_loop(loop, stop_timeout)
        while not stopped.is_set():
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
        stopped.set()
        with contextlib.suppress(RuntimeError):  # the loop already closed: nothing to cancel
            loop.call_soon_threadsafe(task.cancel)
        thread.join(stop_timeout)
        if thread.is_alive():
            log.warning(
                "The extraction thread did not stop within %.0fs of being cancelled; "
                "it is left behind (a daemon thread) and ends with the process.",
                stop_timeout,
            )


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

    def close(self) -> None:
        """Stop the extraction now (idempotent); a stream not read to its end must be closed,
        or its thread lives on until garbage collection gets to it."""
        close = getattr(self.chunks, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> WindowStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def reject_rate(self) -> float:
        """Rejects over all records received (events counted before cross-group dedup)."""
        total = sum(self.counts.values())
        return self.counts["reject"] / total if total else 0.0
