"""Access tokens for ``gql-ext``: a static token, the refresh-token flow, the JWT-bearer flow.

Tokens are fetched lazily, renewed shortly before they expire, and renewed once more when the
API answers 401 (the transport asks for that). Every secret or minted token is registered with
the shared :class:`~meetup_pipeline.meetup.errors.Redactor` before it can appear anywhere.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt

from .errors import MeetupAuthError, MeetupConfigError, Redactor, get_logger
from .ratelimit import Clock, SystemClock

log = get_logger(__name__)

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
JWT_AUDIENCE = "api.meetup.com"
JWT_LIFETIME_S = 120
DEFAULT_EXPIRES_IN_S = 3600
REAL_TOKEN_URL = "https://secure.meetup.com/oauth2/access"


class TransientAuthError(MeetupAuthError):
    """The token endpoint failed in a way worth retrying (5xx, bad JSON)."""


def default_token_url(api_url: str) -> str:
    """Meetup's token endpoint lives on ``secure.meetup.com``; a sandbox serves it itself."""
    parts = urlsplit(api_url)
    if parts.hostname and parts.hostname.endswith("meetup.com"):
        return REAL_TOKEN_URL
    return f"{parts.scheme}://{parts.netloc}/oauth2/access"


class TokenProvider:
    """No credentials: requests go out without ``Authorization`` (the open sandbox)."""

    can_refresh = False
    flow = "none"

    async def token(self, http: httpx.AsyncClient) -> str | None:
        return None

    def invalidate(self, token: str | None) -> None:
        """Forget ``token`` after a 401 so the next ``token()`` fetches a fresh one."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(flow={self.flow!r})"


class StaticToken(TokenProvider):
    """``MEETUP_ACCESS_TOKEN``: used as is; a 401 cannot be cured by refreshing."""

    flow = "static"

    def __init__(self, access_token: str, redactor: Redactor) -> None:
        redactor.add(access_token)
        self._token = access_token

    async def token(self, http: httpx.AsyncClient) -> str | None:
        return self._token


class _GrantingProvider(TokenProvider):
    """Shared machinery of the flows that obtain tokens from ``/oauth2/access``."""

    can_refresh = True

    def __init__(self, token_url: str, redactor: Redactor, clock: Clock | None = None) -> None:
        self.token_url = token_url
        self.redactor = redactor
        self.clock: Clock = clock or SystemClock()
        self._access: str | None = None
        self._expires_at = 0.0
        self._locks: dict[int, asyncio.Lock] = {}
        self.grants = 0

    def _lock(self) -> asyncio.Lock:
        # one lock per event loop: the resource runs each extraction in its own asyncio.run
        loop_id = id(asyncio.get_running_loop())
        lock = self._locks.get(loop_id)
        if lock is None:
            self._locks = {loop_id: (lock := asyncio.Lock())}
        return lock

    def _fresh(self) -> bool:
        return self._access is not None and self.clock.monotonic() < self._expires_at

    async def token(self, http: httpx.AsyncClient) -> str | None:
        if self._fresh():
            return self._access
        async with self._lock():
            if not self._fresh():
                await self._grant(http)
        return self._access

    def invalidate(self, token: str | None) -> None:
        if token is not None and token == self._access:
            self._access = None

    def _form(self) -> dict[str, str]:
        raise NotImplementedError

    def _accept(self, body: dict[str, Any]) -> None:
        """Hook for flows that keep something from the answer (a rotated refresh token)."""

    async def _grant(self, http: httpx.AsyncClient) -> None:
        form = self._form()
        grant = form["grant_type"].rsplit(":", 1)[-1]
        try:
            response = await http.post(
                self.token_url, data=form, headers={"Accept": "application/json"}
            )
        except httpx.HTTPError as exc:
            raise TransientAuthError(
                self.redactor(f"token endpoint unreachable ({type(exc).__name__}: {exc})")
            ) from None
        if response.status_code >= 500:
            raise TransientAuthError(f"token endpoint answered HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise TransientAuthError(
                f"token endpoint answered HTTP {response.status_code} without valid JSON"
            ) from None
        if response.status_code != 200 or not isinstance(body, dict):
            error = body.get("error", "?") if isinstance(body, dict) else "?"
            desc = body.get("error_description", "") if isinstance(body, dict) else ""
            raise MeetupAuthError(
                self.redactor(
                    f"the token endpoint refused the {grant} grant "
                    f"(HTTP {response.status_code}, {error}: {desc}); check the "
                    f"MEETUP_* credentials"
                )
            )
        access = body.get("access_token")
        if not isinstance(access, str) or not access:
            raise MeetupAuthError(f"the token endpoint's answer to the {grant} grant has no token")
        self.redactor.add(access)
        self._accept(body)
        try:
            expires_in = float(body.get("expires_in") or DEFAULT_EXPIRES_IN_S)
        except (TypeError, ValueError):
            expires_in = DEFAULT_EXPIRES_IN_S
        # renew a little early: a token must not expire between check and use
        margin = min(60.0, expires_in / 10)
        self._access = access
        self._expires_at = self.clock.monotonic() + expires_in - margin
        self.grants += 1
        log.info("Meetup access token obtained (%s grant, expires in %.0f s)", grant, expires_in)


class RefreshTokenFlow(_GrantingProvider):
    """``MEETUP_CLIENT_ID`` + ``MEETUP_CLIENT_SECRET`` + ``MEETUP_REFRESH_TOKEN``."""

    flow = "refresh_token"

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        redactor: Redactor,
        clock: Clock | None = None,
        access_token: str | None = None,
    ) -> None:
        super().__init__(token_url, redactor, clock)
        for secret in (client_secret, refresh_token, access_token):
            redactor.add(secret)
        self._client_id = client_id
        self._client_secret = client_secret
        self._refresh = refresh_token
        if access_token:
            # a token given alongside the refresh set is used until the API refuses it
            self._access = access_token
            self._expires_at = float("inf")

    def _form(self) -> dict[str, str]:
        return {
            "grant_type": "refresh_token",
            "client_id": self._client_id,
            "client_secret": self._client_secret,
            "refresh_token": self._refresh,
        }

    def _accept(self, body: dict[str, Any]) -> None:
        rotated = body.get("refresh_token")
        if isinstance(rotated, str) and rotated:
            self.redactor.add(rotated)
            self._refresh = rotated


class JwtBearerFlow(_GrantingProvider):
    """The server-to-server flow: an RS256 assertion signed with the client's private key."""

    flow = "jwt_bearer"

    def __init__(
        self,
        token_url: str,
        client_id: str,
        member_id: str,
        signing_key_id: str,
        private_key_pem: str,
        redactor: Redactor,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(token_url, redactor, clock)
        redactor.add(private_key_pem)
        for line in private_key_pem.splitlines():
            redactor.add(line if len(line) >= 16 else None)
        self._client_id = client_id
        self._member_id = member_id
        self._kid = signing_key_id
        self._key = private_key_pem

    def assertion(self) -> str:
        """A short-lived JWT: sub = member, iss = client key, aud = api.meetup.com."""
        now = int(self.clock.now().timestamp())
        claims = {
            "sub": self._member_id,
            "iss": self._client_id,
            "aud": JWT_AUDIENCE,
            "iat": now,
            "exp": now + JWT_LIFETIME_S,
        }
        try:
            token = jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self._kid})
        except (ValueError, TypeError, jwt.PyJWTError) as exc:
            raise MeetupConfigError(
                "MEETUP_PRIVATE_KEY_FILE does not hold a usable RSA private key "
                f"({type(exc).__name__})"
            ) from None
        self.redactor.add(token)
        return token

    def _form(self) -> dict[str, str]:
        return {"grant_type": JWT_GRANT, "assertion": self.assertion()}
