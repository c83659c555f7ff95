"""The thread bridge between the async client and the synchronous COPY."""

import asyncio
import contextlib
import gc
import threading
from collections.abc import AsyncIterator, Callable

import pytest

from meetup_pipeline.meetup.stream import iterate_in_thread


def test_items_arrive_in_order_and_the_producer_stays_a_few_items_ahead() -> None:
    produced: list[int] = []

    async def produce() -> AsyncIterator[int]:
        for i in range(200):
            produced.append(i)
            yield i

    got = []
    for item in iterate_in_thread(produce, ahead=3):
        got.append(item)
        if item == 10:
            # the producer cannot run ahead of the consumer by more than the queue
            assert len(produced) <= 11 + 3 + 1
    assert got == list(range(200))


def test_a_producer_error_is_raised_in_the_consumer() -> None:
    async def produce() -> AsyncIterator[int]:
        yield 1
        raise ValueError("the API broke")

    with pytest.raises(ValueError, match="the API broke"):
        list(iterate_in_thread(produce))


def test_a_consumer_that_stops_stops_the_producer() -> None:
    closed = threading.Event()

    async def produce() -> AsyncIterator[int]:
        try:
            i = 0
            while True:
                await asyncio.sleep(0)
                yield i
                i += 1
        finally:
            closed.set()

    threads = threading.active_count()
    for item in iterate_in_thread(produce, ahead=2):
        if item == 5:
            break
    assert closed.wait(5)
    assert threading.active_count() == threads


def _extract_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "meetup-extract"]


def _wait_gone(threads: list[threading.Thread], timeout: float = 30) -> bool:
    for thread in threads:
        thread.join(timeout)
    return not any(t.is_alive() for t in threads)


def _ends(work: Callable[[], None], timeout: float = 60) -> bool:
    """Run ``work`` in a thread: True once it returned (a wedge fails the test, not CI)."""
    done = threading.Event()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # re-raised in the test
            errors.append(exc)
        done.set()

    threading.Thread(target=run, daemon=True).start()
    ended = done.wait(timeout)
    if errors:
        raise errors[0]
    return ended


async def _stuck() -> AsyncIterator[int]:
    """A producer that yields once, then waits on something that never comes (no timeout
    of its own); records whether it was cancelled."""
    yield 1
    try:
        await asyncio.Event().wait()
    except asyncio.CancelledError:
        _stuck.cancelled.set()  # type: ignore[attr-defined]
        raise
    yield 2  # pragma: no cover


def test_an_abandoned_iterator_stops_its_producer_when_collected() -> None:
    """The issue's hang: a half-read iterator dropped while its producer waits (collected
    later, in whatever thread): the collection must not wait forever for the producer."""
    _stuck.cancelled = threading.Event()  # type: ignore[attr-defined]
    before = set(_extract_threads())
    holder = [iterate_in_thread(_stuck)]
    assert next(holder[0]) == 1
    threads = list(set(_extract_threads()) - before)

    def drop() -> None:
        holder.clear()
        gc.collect()

    assert _ends(drop), "collecting an abandoned iterator waited for its producer"
    assert _stuck.cancelled.is_set()  # type: ignore[attr-defined]
    assert _wait_gone(threads)


def test_a_consumer_error_cancels_a_producer_stuck_in_an_await() -> None:
    """The consumer's failure (a failed COPY) ends a producer that is waiting, and the
    consumer's error is the one raised."""
    _stuck.cancelled = threading.Event()  # type: ignore[attr-defined]
    before = set(_extract_threads())

    def consume() -> None:
        with pytest.raises(RuntimeError, match="COPY failed"):
            for _ in iterate_in_thread(_stuck):
                raise RuntimeError("COPY failed")

    assert _ends(consume), "the consumer's failure waited for the producer"
    assert _stuck.cancelled.is_set()  # type: ignore[attr-defined]
    assert _wait_gone(list(set(_extract_threads()) - before))


def test_a_task_that_ignores_cancellation_cannot_hang_the_consumer() -> None:
    """What hung the process: a task left by the producer that swallows its cancellation
    (like a `finally` that waits on a full queue). The consumer returns after the bounded
    wait instead of waiting forever; the stuck thread is a daemon, left behind."""
    release = threading.Event()

    async def produce() -> AsyncIterator[int]:
        async def stubborn() -> None:
            while not release.is_set():
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.sleep(0.05)

        task = asyncio.create_task(stubborn())
        yield 1
        await task  # pragma: no cover

    def consume() -> None:
        with pytest.raises(RuntimeError, match="the write failed"):
            for _ in iterate_in_thread(produce, stop_timeout=0.5):
                raise RuntimeError("the write failed")

    before = set(_extract_threads())
    try:
        # decided by what happened: the consumer ends while the stubborn task still runs
        assert _ends(consume), "the consumer waited for a task that ignores cancellation"
    finally:
        release.set()
    assert _wait_gone(list(set(_extract_threads()) - before))


def test_a_producer_error_ends_the_thread_and_is_raised_as_is() -> None:
    class ApiDown(Exception):
        pass

    async def produce() -> AsyncIterator[int]:
        yield 1
        await asyncio.sleep(0)
        raise ApiDown("gave up after 6 attempts")

    before = set(_extract_threads())
    got = []
    with pytest.raises(ApiDown, match="gave up"):
        for item in iterate_in_thread(produce):
            got.append(item)
    assert got == [1]
    assert _wait_gone(list(set(_extract_threads()) - before))
