"""Each auth flow against the sandbox's own token endpoint, in-process, on a fake clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from meetup_pipeline.meetup.errors import MeetupAuthError
from meetup_pipeline.meetup.models import Extraction
from meetup_pipeline.meetup.resource import MeetupResource
from meetup_pipeline.meetup.sources import SearchSettings, Sources
from meetup_pipeline.sandbox.app import sandbox_transport
from meetup_pipeline.sandbox.config import AuthConfig, RateLimitConfig, SandboxConfig
from meetup_pipeline_tests.clock import FakeClock

PT = ZoneInfo("America/Los_Angeles")
NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
SANDBOX = "http://sandbox.test"
API = f"{SANDBOX}/gql-ext"
CLIENT_ID = "sandbox-client"
CLIENT_SECRET = "sandbox-secret-5b8e2c"
STATIC = "static-token-9d1f4a7c"
KID = "key-2025"
WINDOW = (datetime(2024, 1, 1, tzinfo=PT), datetime(2025, 1, 1, tzinfo=PT))
NEAR: dict[str, Any] = {"page_size": 25}
SMALL = Sources(search=SearchSettings(("dating",), radius_miles=5.0))
"""A small search: what every extraction here asks for."""


@pytest.fixture(scope="module")
def key_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = tmp_path_factory.mktemp("keys") / "meetup.pem"
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public.decode()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(start=datetime.now(UTC))  # JWT `exp` is checked on the wall clock


def sandbox(public_key: str, clock: FakeClock, ttl: int = 3600) -> httpx.AsyncBaseTransport:
    auth = AuthConfig(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        jwt_public_key=public_key,
        jwt_key_id=KID,
        access_token_ttl_s=ttl,
        static_tokens=[STATIC],
    )
    config = SandboxConfig(now=NOW, auth=auth, rate_limit=RateLimitConfig(enabled=False))
    return sandbox_transport(config, clock.monotonic)


def run(resource: MeetupResource, transport, clock: FakeClock) -> Extraction:
    return asyncio.run(
        resource.aextract_window(*WINDOW, transport=transport, clock=clock, sources=SMALL)
    )


def refresh_token_for(transport: httpx.AsyncBaseTransport) -> str:
    """The authorization-code dance a user does once to obtain a refresh token."""

    async def dance() -> str:
        async with httpx.AsyncClient(transport=transport, base_url=SANDBOX) as http:
            code = (await http.get("/oauth2/authorize", params={"client_id": CLIENT_ID})).json()
            answer = await http.post(
                "/oauth2/access",
                data={
                    "grant_type": "authorization_code",
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    "code": code["code"],
                },
            )
            return answer.json()["refresh_token"]

    return asyncio.run(dance())


def test_without_a_token_the_sandbox_refuses_and_the_error_is_clear(key_pair, clock) -> None:
    transport = sandbox(key_pair[1], clock)
    with pytest.raises(MeetupAuthError, match="HTTP 401"):
        run(MeetupResource(api_url=API, **NEAR), transport, clock)


def test_static_token(key_pair, clock) -> None:
    transport = sandbox(key_pair[1], clock)
    result = run(MeetupResource(api_url=API, access_token=STATIC, **NEAR), transport, clock)
    assert result.events and result.source == "api"


def test_jwt_bearer_flow(key_pair, clock) -> None:
    transport = sandbox(key_pair[1], clock)
    resource = MeetupResource(
        api_url=API,
        client_id=CLIENT_ID,
        member_id="1000001",
        signing_key_id=KID,
        private_key_file=str(key_pair[0]),
        **NEAR,
    )
    result = run(resource, transport, clock)
    assert result.events and result.stats.token_refreshes == 0


def test_jwt_with_the_wrong_key_id_is_refused_clearly(key_pair, clock) -> None:
    transport = sandbox(key_pair[1], clock)
    resource = MeetupResource(
        api_url=API,
        client_id=CLIENT_ID,
        member_id="1000001",
        signing_key_id="another-key",
        private_key_file=str(key_pair[0]),
        **NEAR,
    )
    with pytest.raises(MeetupAuthError, match=r"invalid_grant: Unknown key id"):
        run(resource, transport, clock)


def test_refresh_flow_renews_before_expiry_without_a_401(key_pair, clock) -> None:
    transport = sandbox(key_pair[1], clock, ttl=120)
    resource = MeetupResource(
        api_url=API,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        refresh_token=refresh_token_for(transport),
        points_per_minute=4,  # slow pacing: the extraction outlives several tokens
        **NEAR,
    )
    result = run(resource, transport, clock)
    provider = resource.token_provider()
    assert clock.monotonic() - 1000.0 > 240  # the run lasted more than two token lifetimes
    assert provider.grants >= 3  # type: ignore[attr-defined]
    assert result.stats.token_refreshes == 0  # renewed ahead of expiry, never after a 401
    assert result.events


def test_a_revoked_token_is_refreshed_once_after_a_401(key_pair, clock) -> None:
    transport = sandbox(key_pair[1], clock)
    resource = MeetupResource(
        api_url=API,
        access_token="revoked-token-0000",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        refresh_token=refresh_token_for(transport),
        **NEAR,
    )
    result = run(resource, transport, clock)
    assert result.stats.token_refreshes == 1 and result.events


def test_a_wrong_client_secret_is_a_clear_error_without_the_secret(key_pair, clock) -> None:
    transport = sandbox(key_pair[1], clock)
    wrong = "not-the-secret-77aa"
    resource = MeetupResource(
        api_url=API,
        client_id=CLIENT_ID,
        client_secret=wrong,
        refresh_token=refresh_token_for(transport),
        **NEAR,
    )
    with pytest.raises(MeetupAuthError, match="invalid_client") as info:
        run(resource, transport, clock)
    assert wrong not in str(info.value)
