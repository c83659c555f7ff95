"""A MEETUP_API_URL where nothing listens: the error names the variable, never a secret."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from meetup_pipeline.meetup.errors import MeetupRetryError
from meetup_pipeline.meetup.resource import MeetupResource
from meetup_pipeline_tests.clock import FakeClock

from .conftest import DATING, run

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
    resource = MeetupResource(api_url=url, access_token=SECRET, **settings)

    async def main() -> None:
        async with httpx.AsyncClient() as http:  # a real connection attempt, refused
            client = resource.build_client(http, clock=clock, sources=DATING)
            await client.search_groups()

    with pytest.raises(MeetupRetryError) as info:
        run(main())
    message = str(info.value)
    assert "connection error (ConnectError" in message
    assert "check MEETUP_API_URL (unset it to use the offline sandbox)" in message
    assert "Nothing answers at http://127.0.0.1:" in message
    assert SECRET not in message


def test_the_in_process_sandbox_is_named_as_the_source_not_a_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every answer of the in-process sandbox dropped: the message names it and its
    faults, never MEETUP_API_URL (which is not set)."""
    from meetup_pipeline.defs.resources import SandboxMeetupResource

    monkeypatch.setenv("MEETUP_SANDBOX_FAULTS", "drop=1.0")
    resource = SandboxMeetupResource(max_attempts=3)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    with pytest.raises(MeetupRetryError) as info:
        resource.extract_window(start, start + timedelta(days=1), sources=DATING)
    message = str(info.value)
    assert "gave up after 3 attempts (last problem: connection dropped" in message
    assert "the in-process sandbox fails only by MEETUP_SANDBOX_FAULTS" in message
    assert "MEETUP_API_URL" not in message and "meetup-sandbox.invalid" not in message
