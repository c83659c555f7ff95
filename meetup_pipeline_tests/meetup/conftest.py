"""Fixtures of the client tests: a fake clock and a client wired to a scripted fake API."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import httpx
import pytest

from meetup_pipeline.meetup.client import MeetupClient
from meetup_pipeline.meetup.resource import MeetupResource
from meetup_pipeline.meetup.sources import DEFAULT_SOURCES, SearchSettings, Sources
from meetup_pipeline_tests.clock import FakeClock

from .fakeapi import API, FakeMeetup

T = TypeVar("T")

DATING = Sources(search=SearchSettings(("dating",)))
"""One keyword at the default centre: what most client tests ask the API for."""


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake() -> FakeMeetup:
    return FakeMeetup()


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


ClientUser = Callable[[MeetupClient], Coroutine[Any, Any, T]]


def with_client(
    fake: FakeMeetup,
    clock: FakeClock,
    use: ClientUser,
    resource: MeetupResource | None = None,
    sources: Sources = DEFAULT_SOURCES,
    **settings: Any,
) -> Any:
    """Run ``use(client)`` against the fake API, with no real sleeping anywhere."""
    resource = resource or MeetupResource(api_url=API, **settings)

    async def main() -> Any:
        async with httpx.AsyncClient(transport=fake.transport()) as http:
            client = resource.build_client(http, clock=clock, sources=sources)
            client.transport.rng.seed(0)
            return await use(client)

    return run(main())
