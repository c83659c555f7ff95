"""One GraphQL request, made robust: pacing, auth, retries, rate limits, a deadline.

What is retried and what is not follows one rule: retry what time can cure (timeouts,
dropped connections, 5xx, truncated JSON, rate limits), fail fast and clearly on what it
cannot (a query the API rejects, credentials refused twice, other 4xx).

How long to keep trying is sized for a flaky API, not a healthy one (the deadline covers
the whole extraction, the attempts one request): an API that fails a third of its answers
(5xx come in bursts, so a request may meet several in a row) still serves every page, each
retried where it failed (at its cursor), after a few seconds more. A request gives up after
``max_attempts`` failures of its own (backoff capped at ``max_delay_s``, so an API that is
down ends an extraction in about two minutes), or sooner when nothing has ever answered at
all (``unreachable_attempts``: a wrong URL or a server that is off is said once, for every
request of the extraction). Rate-limit answers cost no attempt: they are waited out by the
time the API gives (``resetAt``, ``Retry-After``), capped at a window.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from .auth import TokenProvider, TransientAuthError
from .errors import (
    MeetupAuthError,
    MeetupHTTPError,
    MeetupQueryError,
    MeetupRetryError,
    Redactor,
    get_logger,
)
from .models import ExtractStats
from .ratelimit import Clock, PointsBudget

log = get_logger(__name__)

RETRYABLE_ERROR_CODES = frozenset({"INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE", "TIMEOUT"})
MAX_RATE_LIMIT_WAIT_S = 65.0
"""Budgets are per 60 s, so a longer wait means a skewed clock or a far-off ``resetAt``."""
MAX_RATE_LIMIT_WAITS = 50
"""Per request; with the deadline, this ends a server that never stops throttling."""


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try. The deadline covers a whole extraction, not one request."""

    max_attempts: int = 20
    """Per request. With 5xx in bursts of three at 30% a burst, over half the answers fail;
    0.56 ** 20 makes a lost page about one in 100,000 (at 6, one run in four failed)."""
    base_delay_s: float = 0.5
    max_delay_s: float = 8.0
    deadline_s: float = 1800.0
    unreachable_attempts: int = 3
    """Connection refused (or no DNS) this often, the API never having answered: give up."""
    rate_limit_fallback_s: float = 5.0
    request_timeout_s: float = 30.0

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Exponential backoff with jitter (half to full), so retries do not stampede."""
        ceiling = min(self.max_delay_s, self.base_delay_s * (2 ** max(0, attempt - 1)))
        return ceiling * rng.uniform(0.5, 1.0)


class _Retryable(Exception):
    """Internal: this attempt failed in a way worth another try."""


class _Unreachable(_Retryable):
    """No connection at all (refused, DNS): the URL itself may be wrong."""


URL_VARIABLE = "MEETUP_API_URL"


@dataclass(frozen=True)
class Source:
    """What the messages call the API, and what to check when nothing answers there."""

    where: str
    fix: str
    """What to check when nothing answers at all."""
    blame: str = ""
    """Appended to every give-up: where failing answers come from, when that is known."""

    @classmethod
    def for_url(cls, url: str, configured: bool = True) -> Source:
        where = _where(url)
        if configured:
            return cls(
                where,
                f"check {URL_VARIABLE} (unset it to use the offline sandbox), or start the "
                "server it points at",
            )
        return cls(
            where,
            f"check this machine's network and proxy settings ({URL_VARIABLE} is not set: "
            "this is Meetup's own API)",
        )


def _where(url: str) -> str:
    """`url` without user info or query (either may carry a secret)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


class _RateLimited(Exception):
    def __init__(self, wait_s: float | None, why: str) -> None:
        super().__init__(why)
        self.wait_s = wait_s


def _parse_reset_at(value: Any, now: datetime) -> float | None:
    """Seconds until ``resetAt`` (ISO-8601 string or epoch seconds/millis)."""
    when: datetime | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        when = datetime.fromtimestamp(value / 1000 if value > 1e11 else value, UTC)
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            when = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            try:
                return _parse_reset_at(float(text), now)
            except ValueError:
                return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
    if when is None:
        return None
    return (when - now).total_seconds()


def _parse_retry_after(value: str | None, now: datetime) -> float | None:
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return (parsedate_to_datetime(value) - now).total_seconds()
    except (TypeError, ValueError):
        return None


class GraphQLTransport:
    """Sends GraphQL documents to one endpoint for the duration of one extraction."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        url: str,
        auth: TokenProvider,
        budget: PointsBudget,
        clock: Clock,
        redactor: Redactor,
        stats: ExtractStats,
        policy: RetryPolicy | None = None,
        max_concurrency: int = 4,
        rng: random.Random | None = None,
        source: Source | None = None,
    ) -> None:
        self.http = http
        self.url = url
        self.auth = auth
        self.budget = budget
        self.clock = clock
        self.redactor = redactor
        self.stats = stats
        self.policy = policy or RetryPolicy()
        self.rng = rng or random.Random()
        self.source = source or Source.for_url(url)
        self._slots = asyncio.Semaphore(max(1, max_concurrency))
        self._deadline = clock.monotonic() + self.policy.deadline_s
        self._answered = False
        """Whether any HTTP answer came back (then a refused connection is a blip)."""
        self._gave_up: str | None = None
        """Set once the API proved unreachable: every request ends with this message."""

    def _unreachable_hint(self) -> str:
        return f". Nothing answers at {self.source.where}: {self.source.fix}"

    def _give_up(self, message: str) -> MeetupRetryError:
        """The API cannot be used: say so once, and end the extraction's other requests."""
        self._gave_up = self.redactor(message)
        return MeetupRetryError(self._gave_up)

    def _check_deadline(
        self, op: str, upcoming_wait: float = 0.0, why: str = "", unreachable: bool = False
    ) -> None:
        if self.clock.monotonic() + upcoming_wait > self._deadline:
            raise MeetupRetryError(
                self.redactor(
                    f"{op}: the overall deadline of {self.policy.deadline_s:.0f} s is reached"
                    + (f" (last problem: {why})" if why else "")
                    + (self._unreachable_hint() if unreachable else "")
                )
            )

    async def execute(self, op: str, query: str, variables: dict[str, Any], cost: int = 1):
        """Run one document and return its ``data``; raises a ``MeetupError`` on failure."""
        attempt = 0
        refreshed = False
        throttled = 0
        while True:
            if self._gave_up is not None:
                raise MeetupRetryError(self._gave_up)
            self._check_deadline(op)
            token: str | None = None
            try:
                async with self._slots:
                    # book the points only once a slot is free, so a request goes out
                    # when its booking says (a queued booking could overfill a window)
                    waited = await self.budget.acquire(cost)
                    if waited > 0:
                        self.stats.budget_waits += 1
                        self.stats.budget_wait_s += waited
                    token = await self.auth.token(self.http)
                    return await self._attempt(op, query, variables, token)
            except _RateLimited as rl:
                throttled += 1
                wait = rl.wait_s
                if wait is None or wait <= 0:
                    wait = min(60.0, self.policy.rate_limit_fallback_s * 2 ** (throttled - 1))
                wait = min(wait, MAX_RATE_LIMIT_WAIT_S) + 0.05
                if throttled > MAX_RATE_LIMIT_WAITS:
                    raise MeetupRetryError(
                        f"{op}: still rate limited after {throttled - 1} waits"
                    ) from None
                self._check_deadline(op, wait, str(rl))
                log.warning("%s: rate limited (%s); waiting %.1f s", op, rl, wait)
                self.stats.rate_limit_waits += 1
                self.stats.rate_limit_wait_s += wait
                self.budget.block_for(wait)
                await self.clock.sleep(wait)
            except _Unauthorized:
                if not self.auth.can_refresh:
                    raise MeetupAuthError(
                        f"{op}: the API refused the access token (HTTP 401) and a "
                        f"{self.auth.flow} credential cannot be refreshed; check MEETUP_* "
                        "credentials"
                    ) from None
                if refreshed:
                    raise MeetupAuthError(
                        f"{op}: the API refused the access token (HTTP 401) again after a "
                        "token refresh; check the MEETUP_* credentials and their scopes"
                    ) from None
                refreshed = True
                self.stats.token_refreshes += 1
                self.auth.invalidate(token)
                log.info("%s: HTTP 401, refreshing the access token once", op)
            except (_Retryable, TransientAuthError) as exc:
                attempt += 1
                why = self.redactor(exc)
                unreachable = isinstance(exc, _Unreachable) and not self._answered
                if self._gave_up is not None:
                    raise MeetupRetryError(self._gave_up) from None
                cap = min(self.policy.unreachable_attempts, self.policy.max_attempts)
                if unreachable and attempt >= cap:
                    raise self._give_up(
                        f"{op}: gave up after {attempt} attempts (last problem: {why})"
                        + self._unreachable_hint()
                    ) from None
                if attempt >= self.policy.max_attempts:
                    raise MeetupRetryError(
                        self.redactor(
                            f"{op}: gave up after {attempt} attempts (last problem: {why})"
                            + self.source.blame
                        )
                    ) from None
                delay = self.policy.backoff(attempt, self.rng)
                self._check_deadline(op, delay, why, unreachable)
                self.stats.retries += 1
                log.log(
                    logging.DEBUG if unreachable and attempt > 1 else logging.WARNING,
                    "%s: attempt %d failed (%s); retrying in %.2f s",
                    op,
                    attempt,
                    why,
                    delay,
                )
                await self.clock.sleep(delay)

    async def _attempt(
        self, op: str, query: str, variables: dict[str, Any], token: str | None
    ) -> dict[str, Any]:
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.stats.requests += 1
        try:
            response = await self.http.post(
                self.url,
                json={"query": query, "variables": variables},
                headers=headers,
                timeout=self.policy.request_timeout_s,
            )
        except httpx.ConnectTimeout as exc:
            raise _Unreachable(f"connection error ({type(exc).__name__})") from None
        except httpx.TimeoutException as exc:
            raise _Retryable(f"timeout ({type(exc).__name__})") from None
        except httpx.ConnectError as exc:
            raise _Unreachable(f"connection error ({type(exc).__name__}: {exc})") from None
        except httpx.TransportError as exc:
            # the server was reached and the answer broke off: a blip, not a wrong URL
            raise _Retryable(f"connection dropped ({type(exc).__name__}: {exc})") from None
        self._answered = True
        status = response.status_code
        if status == 401:
            raise _Unauthorized()
        if status == 429:
            now = self.clock.now()
            wait = _parse_retry_after(response.headers.get("Retry-After"), now)
            if wait is None:
                wait = self._reset_in(self._json_or_none(response), now)
            raise _RateLimited(wait, "HTTP 429")
        if status >= 500:
            raise _Retryable(f"HTTP {status}")
        if status != 200:
            raise MeetupHTTPError(
                self.redactor(f"{op}: HTTP {status} from the Meetup API: {response.text[:300]}")
            )
        try:
            body = json.loads(response.content)
        except (ValueError, UnicodeDecodeError):
            raise _Retryable("truncated or invalid JSON in a 200 response") from None
        if not isinstance(body, dict):
            raise _Retryable("a 200 response whose JSON is not an object")
        errors = body.get("errors") or []
        data = body.get("data")
        if errors:
            codes = {
                str((e.get("extensions") or {}).get("code", "")) if isinstance(e, dict) else ""
                for e in errors
            }
            if "RATE_LIMITED" in codes:
                raise _RateLimited(self._reset_in(body, self.clock.now()), "RATE_LIMITED")
            messages = "; ".join(
                str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors
            )[:500]
            if codes & RETRYABLE_ERROR_CODES:
                raise _Retryable(f"server error: {messages}")
            if data is None:
                raise MeetupQueryError(
                    self.redactor(f"{op}: the API rejected the query: {messages}")
                )
            log.warning("%s: partial result with errors: %s", op, self.redactor(messages))
        if not isinstance(data, dict):
            raise _Retryable("a 200 response without data or errors")
        return data

    @staticmethod
    def _json_or_none(response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            return None

    @staticmethod
    def _reset_in(body: Any, now: datetime) -> float | None:
        if not isinstance(body, dict):
            return None
        for error in body.get("errors") or []:
            ext = error.get("extensions") if isinstance(error, dict) else None
            if isinstance(ext, dict) and "resetAt" in ext:
                return _parse_reset_at(ext["resetAt"], now)
        return None


class _Unauthorized(Exception):
    """Internal: HTTP 401."""
