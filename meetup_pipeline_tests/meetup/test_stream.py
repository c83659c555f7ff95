"""The thread bridge between the async client and the synchronous COPY."""

import asyncio
import threading
from collections.abc import AsyncIterator

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
