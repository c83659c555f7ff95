"""A MEETUP_API_URL where nothing listens: the error names the variable, never a secret."""

from __future__ import annotations

import socket

import httpx
import pytest

from meetup_pipeline.meetup.errors import MeetupRetryError
from meetup_pipeline.meetup.resource import MeetupResource
from meetup_pipeline_tests.clock import FakeClock

from .conftest import run

SECRET = "tok-Do-Not-Print-2718"


def dead_port() -> int:
    """A port that was just free on 127.0.0.1: connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("limit", ["attempts", "deadline"])
def test_dead_port_names_the_variable(clock: FakeClock, limit: str) -> None:
    url = f"http://someone:{SECRET}@127.0.0.1:{dead_port()}/gql-ext?access_token={SECRET}"
    settings = {"max_attempts": 2} if limit == "attempts" else {"deadline_s": 1}
    resource = MeetupResource(api_url=url, access_token=SECRET, queries=["dating"], **settings)

    async def main() -> None:
        async with httpx.AsyncClient() as http:  # a real connection attempt, refused
            client = resource.build_client(http, clock=clock)
            await client.search_groups()

    with pytest.raises(MeetupRetryError) as info:
        run(main())
    message = str(info.value)
    assert "connection error (ConnectError" in message
    assert "check MEETUP_API_URL (unset it to use the offline sandbox)" in message
    assert "Nothing answers at http://127.0.0.1:" in message
    assert SECRET not in message
