"""Each auth flow: static token, refresh token (with rotation), JWT bearer; expiry and 401."""

from __future__ import annotations

from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from meetup_pipeline.meetup.auth import JWT_GRANT, default_token_url
from meetup_pipeline.meetup.errors import MeetupAuthError, MeetupConfigError, MeetupRetryError
from meetup_pipeline.meetup.resource import MeetupResource

from .conftest import DATING, with_client
from .fakeapi import API, FakeMeetup, group_node, respond

CLIENT_SECRET = "cs-0123456789abcdef"
REFRESH = "rt-initial-abcdef123456"


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def key_file(tmp_path: Path, rsa_key: rsa.RSAPrivateKey) -> Path:
    pem = rsa_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path = tmp_path / "meetup.pem"
    path.write_bytes(pem)
    return path


class TokenServer:
    """Issues numbered tokens; the API accepts only the latest one."""

    def __init__(self, fake: FakeMeetup, expires_in: int = 3600) -> None:
        self.fake = fake
        self.expires_in = expires_in
        self.issued = 0
        fake.valid_tokens = set()
        fake.token_handler = self

    def __call__(self, form: dict[str, str]) -> httpx.Response:
        self.issued += 1
        token = f"access-{self.issued}-xyzxyz"
        self.fake.valid_tokens = {token}
        return httpx.Response(
            200,
            json={
                "access_token": token,
                "refresh_token": f"rt-rotated-{self.issued}-qwerty",
                "expires_in": self.expires_in,
                "token_type": "bearer",
            },
        )


def _refresh_resource(**extra) -> MeetupResource:
    return MeetupResource(
        api_url=API,
        client_id="client-key-1",
        client_secret=CLIENT_SECRET,
        refresh_token=REFRESH,
        **extra,
    )


def _search_twice(fake, clock, resource, advance: float = 0.0):
    fake.groups_by_query = {"dating": [group_node(0)]}

    async def use(client):
        await client.search_groups()
        clock.advance(advance)
        await client.search_groups()
        return client.stats

    return with_client(fake, clock, use, resource=resource, sources=DATING)


def test_default_token_endpoints() -> None:
    assert default_token_url(API) == "https://secure.meetup.com/oauth2/access"
    assert (
        default_token_url("http://127.0.0.1:8765/gql-ext") == "http://127.0.0.1:8765/oauth2/access"
    )


def test_static_token_is_sent_as_bearer(fake, clock) -> None:
    fake.valid_tokens = {"static-token-abcdef"}
    resource = MeetupResource(api_url=API, access_token="static-token-abcdef")
    _search_twice(fake, clock, resource)
    assert {r["auth"] for r in fake.requests} == {"Bearer static-token-abcdef"}
    assert fake.token_requests == []


def test_refresh_flow_grants_once_and_reuses_until_expiry(fake, clock) -> None:
    server = TokenServer(fake, expires_in=3600)
    stats = _search_twice(fake, clock, _refresh_resource(), advance=600)
    assert server.issued == 1 and stats.token_refreshes == 0
    assert fake.token_requests[0] == {
        "grant_type": "refresh_token",
        "client_id": "client-key-1",
        "client_secret": CLIENT_SECRET,
        "refresh_token": REFRESH,
    }
    assert {r["auth"] for r in fake.requests} == {"Bearer access-1-xyzxyz"}


def test_refresh_flow_renews_before_expiry_with_the_rotated_token(fake, clock) -> None:
    server = TokenServer(fake, expires_in=3600)
    # 3545 s later: inside the renewal margin (60 s) of a 3600 s token, so renew first
    _search_twice(fake, clock, _refresh_resource(deadline_s=7200), advance=3545)
    assert server.issued == 2
    assert fake.token_requests[1]["refresh_token"] == "rt-rotated-1-qwerty"
    assert [r["auth"] for r in fake.requests] == [
        "Bearer access-1-xyzxyz",
        "Bearer access-2-xyzxyz",
    ]


def test_a_401_triggers_exactly_one_refresh(fake, clock) -> None:
    server = TokenServer(fake)
    resource = _refresh_resource(access_token="stale-access-token-1")  # revoked upstream
    stats = _search_twice(fake, clock, resource)
    assert stats.token_refreshes == 1 and server.issued == 1
    assert fake.requests[0]["auth"] == "Bearer stale-access-token-1"
    assert fake.requests[1]["auth"] == "Bearer access-1-xyzxyz"


def test_a_401_surviving_the_refresh_fails_clearly(fake, clock) -> None:
    TokenServer(fake)
    fake.faults = [respond(401)] * 5
    with pytest.raises(MeetupAuthError, match="again after a token refresh"):
        _search_twice(fake, clock, _refresh_resource())
    assert len(fake.requests) == 2 and len(fake.token_requests) == 2


def test_invalid_grant_is_a_clear_error_without_secrets(fake, clock) -> None:
    fake.token_handler = lambda form: httpx.Response(
        400,
        json={"error": "invalid_grant", "error_description": f"bad token {form['refresh_token']}"},
    )
    with pytest.raises(MeetupAuthError) as info:
        _search_twice(fake, clock, _refresh_resource())
    message = str(info.value)
    assert "invalid_grant" in message and "refresh_token grant" in message
    assert REFRESH not in message and CLIENT_SECRET not in message
    assert fake.requests == []


def test_token_endpoint_outage_is_retried_then_reported(fake, clock) -> None:
    fake.token_handler = lambda form: httpx.Response(503, text="down")
    with pytest.raises(MeetupRetryError, match="token endpoint answered HTTP 503"):
        _search_twice(fake, clock, _refresh_resource(max_attempts=3))
    assert len(fake.token_requests) == 3


def test_jwt_bearer_flow_signs_a_valid_rs256_assertion(fake, clock, rsa_key, key_file) -> None:
    server = TokenServer(fake)
    resource = MeetupResource(
        api_url=API,
        client_id="client-key-1",
        member_id="member-77",
        signing_key_id="kid-2025",
        private_key_file=str(key_file),
    )
    _search_twice(fake, clock, resource)
    assert server.issued == 1
    form = fake.token_requests[0]
    assert form["grant_type"] == JWT_GRANT
    assertion = form["assertion"]
    assert jwt.get_unverified_header(assertion) == {"alg": "RS256", "kid": "kid-2025", "typ": "JWT"}
    claims = jwt.decode(
        assertion,
        rsa_key.public_key(),
        algorithms=["RS256"],
        audience="api.meetup.com",
        options={"verify_exp": False},
    )
    assert claims["sub"] == "member-77" and claims["iss"] == "client-key-1"
    assert claims["exp"] == int(clock.now().timestamp()) + 120
    assert {r["auth"] for r in fake.requests} == {"Bearer access-1-xyzxyz"}


def test_jwt_flow_with_an_unreadable_or_bad_key_is_a_config_error(fake, clock, tmp_path) -> None:
    base = dict(api_url=API, client_id="c", member_id="m", signing_key_id="k")
    TokenServer(fake)
    missing = MeetupResource(private_key_file=str(tmp_path / "nope.pem"), **base)
    with pytest.raises(MeetupConfigError, match="MEETUP_PRIVATE_KEY_FILE cannot be read"):
        _search_twice(fake, clock, missing)
    bad = tmp_path / "bad.pem"
    bad.write_text(
        "-----BEGIN PRIVATE KEY-----\nnot-a-key-at-all-really\n-----END PRIVATE KEY-----\n"
    )
    with pytest.raises(MeetupConfigError, match="usable RSA private key") as info:
        _search_twice(fake, clock, MeetupResource(private_key_file=str(bad), **base))
    assert "not-a-key-at-all-really" not in str(info.value)
