"""OAuth 2 as Meetup runs it: `POST /oauth2/access` (form-encoded) and Bearer tokens.

Grants:
- `authorization_code` (client_id, client_secret, redirect_uri, code): codes come from
  `GET /oauth2/authorize?client_id&redirect_uri&response_type=code&state`, which the sandbox
  approves at once (302 to redirect_uri with `code` and `state`); codes are single-use and
  expire after `code_ttl_s`.
- `refresh_token` (client_id, client_secret, refresh_token): a new access token and a new
  refresh token; the old refresh token stays valid (Meetup does not document rotation).
- `urn:ietf:params:oauth:grant-type:jwt-bearer` (assertion): an RS256 JWT verified against
  the configured public key; header `kid` must match `jwt_key_id` when set; claims `sub`
  (member id), `iss` = client_id, `aud` = "api.meetup.com", `exp` (wall clock) required.

Answers: `{"access_token", "refresh_token", "expires_in", "token_type": "bearer"}`; errors
are HTTP 400 `{"error": ..., "error_description": ...}` with the OAuth codes
`invalid_request`, `invalid_client`, `invalid_grant`, `unsupported_grant_type`. Access
tokens expire after `access_token_ttl_s` on the sandbox's (injectable) monotonic clock.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt

from meetup_pipeline.sandbox.config import AuthConfig

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
JWT_AUDIENCE = "api.meetup.com"


class OAuthError(Exception):
    """An OAuth error answer (HTTP 400 with `error` and `error_description`)."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


@dataclass
class _Code:
    expires: float
    redirect_uri: str | None


class TokenAuthority:
    """Issues and checks codes and tokens for the one configured OAuth client."""

    def __init__(self, config: AuthConfig, clock: Callable[[], float]) -> None:
        self.config = config
        self.clock = clock
        self._codes: dict[str, _Code] = {}
        self._access: dict[str, float] = {t: float("inf") for t in config.static_tokens}
        self._refresh: set[str] = set()

    # -- authorize / token endpoint --------------------------------------------------------

    def authorize(self, client_id: str | None, redirect_uri: str | None) -> str:
        """Approve at once and return a fresh code (the sandbox has no login page)."""
        if client_id != self.config.client_id:
            raise OAuthError("invalid_client", "Unknown client_id")
        if self.config.redirect_uri and redirect_uri not in (None, self.config.redirect_uri):
            raise OAuthError("invalid_request", "redirect_uri does not match the client's")
        code = secrets.token_hex(16)
        self._codes[code] = _Code(self.clock() + self.config.code_ttl_s, redirect_uri)
        return code

    def grant(self, form: dict[str, str]) -> dict[str, Any]:
        """Handle one token request; raises OAuthError for the 400 answers."""
        grant_type = form.get("grant_type")
        if not grant_type:
            raise OAuthError("invalid_request", "Missing grant_type")
        if grant_type == "authorization_code":
            self._client(form)
            code = self._require(form, "code")
            entry = self._codes.pop(code, None)
            if entry is None or entry.expires <= self.clock():
                raise OAuthError("invalid_grant", "Invalid or expired authorization code")
            expected = entry.redirect_uri or self.config.redirect_uri
            if expected and form.get("redirect_uri") != expected:
                raise OAuthError("invalid_grant", "redirect_uri does not match")
            return self._issue()
        if grant_type == "refresh_token":
            self._client(form)
            if self._require(form, "refresh_token") not in self._refresh:
                raise OAuthError("invalid_grant", "Invalid refresh token")
            return self._issue()
        if grant_type == JWT_GRANT:
            self._verify_assertion(self._require(form, "assertion"))
            return self._issue()
        raise OAuthError("unsupported_grant_type", f"Unsupported grant_type {grant_type}")

    def _require(self, form: dict[str, str], name: str) -> str:
        value = form.get(name)
        if not value:
            raise OAuthError("invalid_request", f"Missing {name}")
        return value

    def _client(self, form: dict[str, str]) -> None:
        client_id = self._require(form, "client_id")
        secret = self._require(form, "client_secret")
        if client_id != self.config.client_id or not secrets.compare_digest(
            secret, self.config.client_secret
        ):
            raise OAuthError("invalid_client", "Invalid client credentials")

    def _verify_assertion(self, assertion: str) -> None:
        if not self.config.jwt_public_key:
            raise OAuthError("unauthorized_client", "JWT grant is not enabled for this client")
        try:
            header = jwt.get_unverified_header(assertion)
        except jwt.PyJWTError as exc:
            raise OAuthError("invalid_grant", f"Malformed assertion: {exc}") from exc
        if header.get("alg") != "RS256":
            raise OAuthError("invalid_grant", "Assertion must be signed with RS256")
        if self.config.jwt_key_id and header.get("kid") != self.config.jwt_key_id:
            raise OAuthError("invalid_grant", "Unknown key id (kid)")
        try:
            claims = jwt.decode(
                assertion,
                self.config.jwt_public_key,
                algorithms=["RS256"],
                audience=JWT_AUDIENCE,
                issuer=self.config.client_id,
                options={"require": ["exp", "sub", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise OAuthError("invalid_grant", "Assertion has expired") from exc
        except jwt.PyJWTError as exc:
            raise OAuthError("invalid_grant", f"Invalid assertion: {exc}") from exc
        if str(claims["sub"]) != self.config.member_id:
            raise OAuthError("invalid_grant", "Unknown member (sub)")

    def _issue(self) -> dict[str, Any]:
        access, refresh = secrets.token_hex(16), secrets.token_hex(16)
        ttl = self.config.access_token_ttl_s
        self._access[access] = self.clock() + ttl
        self._refresh.add(refresh)
        return {
            "access_token": access,
            "refresh_token": refresh,
            "expires_in": ttl,
            "token_type": "bearer",
        }

    # -- resource side ---------------------------------------------------------------------

    def check(self, authorization: str | None) -> str | None:
        """None when the header carries a live token, else the reason for the 401."""
        if not authorization:
            return "Missing Authorization header"
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return "Authorization must be 'Bearer <access token>'"
        expires = self._access.get(token.strip())
        if expires is None:
            return "Invalid access token"
        if expires <= self.clock():
            return "Access token has expired"
        return None
