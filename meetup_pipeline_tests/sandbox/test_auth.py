"""OAuth flows and Bearer checks, on an injected clock for expiry."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from meetup_pipeline.sandbox.auth import JWT_GRANT
from meetup_pipeline.sandbox.config import AuthConfig

from .conftest import Api, config

QUERY = "{ topicCategories { totalCount } }"
REDIRECT = "http://localhost:9999/callback"


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture(scope="module")
def rsa_keys() -> tuple[bytes, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public.decode()


def _api(rsa_keys: tuple[bytes, str], clock: FakeClock | None = None) -> Api:
    auth = AuthConfig(
        client_id="key123",
        client_secret="s3cret",
        redirect_uri=REDIRECT,
        jwt_public_key=rsa_keys[1],
        jwt_key_id="kid-1",
        member_id="42",
        static_tokens=["static-dev-token"],
    )
    return Api(config(auth=auth), clock)


def _token(api: Api, **form: str) -> tuple[int, dict]:
    response = api.request("POST", "/oauth2/access", data=form)
    return response.status_code, response.json()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_requests_need_a_token_when_configured(rsa_keys: tuple[bytes, str]) -> None:
    api = _api(rsa_keys)
    for headers in ({}, _bearer("made-up"), {"Authorization": "Basic abc"}):
        response = api.post(QUERY, headers=headers)
        assert response.status_code == 401
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert api.post(QUERY, headers=_bearer("static-dev-token")).status_code == 200


def test_open_sandbox_needs_no_token() -> None:
    assert Api(config()).post(QUERY).status_code == 200


def test_authorization_code_flow_and_refresh(rsa_keys: tuple[bytes, str]) -> None:
    clock = FakeClock()
    api = _api(rsa_keys, clock)
    redirect = api.request(
        "GET",
        "/oauth2/authorize",
        params={
            "client_id": "key123",
            "redirect_uri": REDIRECT,
            "response_type": "code",
            "state": "xyz",
        },
    )
    assert redirect.status_code == 302
    params = parse_qs(urlparse(redirect.headers["location"]).query)
    assert params["state"] == ["xyz"]
    code = params["code"][0]
    form = {
        "grant_type": "authorization_code",
        "client_id": "key123",
        "client_secret": "s3cret",
        "redirect_uri": REDIRECT,
        "code": code,
    }
    status, body = _token(api, **form)
    assert status == 200
    assert set(body) == {"access_token", "refresh_token", "expires_in", "token_type"}
    assert body["expires_in"] == 3600 and body["token_type"] == "bearer"
    assert api.post(QUERY, headers=_bearer(body["access_token"])).status_code == 200
    # codes are single-use
    assert _token(api, **form) == (
        400,
        {"error": "invalid_grant", "error_description": "Invalid or expired authorization code"},
    )
    # tokens expire on the sandbox clock
    clock.t += 3601
    assert api.post(QUERY, headers=_bearer(body["access_token"])).status_code == 401
    status, fresh = _token(
        api,
        grant_type="refresh_token",
        client_id="key123",
        client_secret="s3cret",
        refresh_token=body["refresh_token"],
    )
    assert status == 200 and fresh["access_token"] != body["access_token"]
    assert api.post(QUERY, headers=_bearer(fresh["access_token"])).status_code == 200


def test_expired_code_is_refused(rsa_keys: tuple[bytes, str]) -> None:
    clock = FakeClock()
    api = _api(rsa_keys, clock)
    location = api.request(
        "GET", "/oauth2/authorize", params={"client_id": "key123", "redirect_uri": REDIRECT}
    ).headers["location"]
    code = parse_qs(urlparse(location).query)["code"][0]
    clock.t += 601
    status, body = _token(
        api,
        grant_type="authorization_code",
        client_id="key123",
        client_secret="s3cret",
        redirect_uri=REDIRECT,
        code=code,
    )
    assert (status, body["error"]) == (400, "invalid_grant")


@pytest.mark.parametrize(
    "form,error",
    [
        ({}, "invalid_request"),
        ({"grant_type": "password"}, "unsupported_grant_type"),
        (
            {
                "grant_type": "authorization_code",
                "client_id": "key123",
                "client_secret": "bad",
                "code": "x",
            },
            "invalid_client",
        ),
        (
            {"grant_type": "authorization_code", "client_id": "key123", "client_secret": "s3cret"},
            "invalid_request",
        ),
        (
            {
                "grant_type": "refresh_token",
                "client_id": "key123",
                "client_secret": "s3cret",
                "refresh_token": "never-issued",
            },
            "invalid_grant",
        ),
    ],
)
def test_oauth_error_shapes(rsa_keys: tuple[bytes, str], form: dict, error: str) -> None:
    status, body = _token(_api(rsa_keys), **form)
    assert status == 400
    assert set(body) == {"error", "error_description"} and body["error"] == error


def _assertion(private: bytes, **overrides: object) -> str:
    claims = {"sub": "42", "iss": "key123", "aud": "api.meetup.com", "exp": int(time.time()) + 120}
    headers = {"kid": overrides.pop("kid", "kid-1")}
    alg = overrides.pop("alg", "RS256")
    key = overrides.pop("key", private)
    claims.update(overrides)
    return jwt.encode(claims, key, algorithm=alg, headers=headers)  # type: ignore[arg-type]


def test_jwt_bearer_grant(rsa_keys: tuple[bytes, str]) -> None:
    api = _api(rsa_keys)
    status, body = _token(api, grant_type=JWT_GRANT, assertion=_assertion(rsa_keys[0]))
    assert status == 200 and body["expires_in"] == 3600
    assert api.post(QUERY, headers=_bearer(body["access_token"])).status_code == 200


def test_jwt_bearer_refusals(rsa_keys: tuple[bytes, str]) -> None:
    api = _api(rsa_keys)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    bad = [
        _assertion(rsa_keys[0], exp=int(time.time()) - 10),
        _assertion(rsa_keys[0], aud="example.com"),
        _assertion(rsa_keys[0], iss="someone-else"),
        _assertion(rsa_keys[0], kid="kid-2"),
        _assertion(rsa_keys[0], sub="43"),
        _assertion(other),
        _assertion(b"a-shared-secret-that-is-long-enough", alg="HS256"),
        "not.a.jwt",
    ]
    for assertion in bad:
        status, body = _token(api, grant_type=JWT_GRANT, assertion=assertion)
        assert (status, body["error"]) == (400, "invalid_grant"), assertion
