"""The Dagster resource: Meetup settings from ``MEETUP_*`` variables, and a sync entry point.

Without credentials and without ``MEETUP_API_URL`` the resource talks to the in-process
sandbox (``meetup_pipeline.sandbox``) so a fresh clone runs end to end offline; it says so in
the log and reports ``source == "sandbox"`` so the assets can mark their metadata.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
from collections.abc import AsyncIterator, Coroutine
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

import dagster as dg
import httpx
from pydantic import Field, PrivateAttr

from .auth import JwtBearerFlow, RefreshTokenFlow, StaticToken, TokenProvider, default_token_url
from .client import ClientOptions, MeetupClient, SearchSettings
from .errors import PROCESS_REDACTOR, MeetupConfigError, Redactor, get_logger
from .models import Extraction, ExtractStats
from .ratelimit import Clock, PointsBudget, SystemClock, shared_budget
from .stream import Record, WindowStream, iterate_in_thread
from .transport import GraphQLTransport, RetryPolicy

log = get_logger(__name__)

T = TypeVar("T")

DEFAULT_API_URL = "https://api.meetup.com/gql-ext"
SANDBOX_URL = "http://meetup-sandbox.invalid/gql-ext"
"""Only a label: in-process requests go through an ASGI transport, never a socket."""

PALO_ALTO_94305 = (37.4241, -122.1661)
DEFAULT_QUERIES = [
    "dating",
    "singles",
    "speed dating",
    "single professionals",
    "singles over 40",
    "lgbtq singles",
    "singles hiking",
    "relationships",
]
"""The 2018 project searched categories 30/31 and ten dating topics; gql-ext searches text."""

ENV_VARS: dict[str, str] = {
    "api_url": "MEETUP_API_URL",
    "token_url": "MEETUP_TOKEN_URL",
    "access_token": "MEETUP_ACCESS_TOKEN",
    "client_id": "MEETUP_CLIENT_ID",
    "client_secret": "MEETUP_CLIENT_SECRET",
    "refresh_token": "MEETUP_REFRESH_TOKEN",
    "member_id": "MEETUP_MEMBER_ID",
    "signing_key_id": "MEETUP_SIGNING_KEY_ID",
    "private_key_file": "MEETUP_PRIVATE_KEY_FILE",
}
SECRET_FIELDS = frozenset({"access_token", "client_secret", "refresh_token"})
REFRESH_SET = ("client_id", "client_secret", "refresh_token")
JWT_SET = ("client_id", "member_id", "signing_key_id", "private_key_file")


def _run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run``, or the same in a worker thread when a loop already runs here."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


UNLIMITED_POINTS = 1_000_000_000


class MeetupResource(dg.ConfigurableResource):
    """Extraction from Meetup's GraphQL API (or its offline sandbox)."""

    api_url: str | None = Field(default=None, description="MEETUP_API_URL; unset = sandbox")
    token_url: str | None = Field(default=None, description="OAuth token endpoint override")
    access_token: str | None = Field(default=None, description="static bearer token (secret)")
    client_id: str | None = Field(default=None, description="OAuth client key")
    client_secret: str | None = Field(default=None, description="OAuth client secret (secret)")
    refresh_token: str | None = Field(default=None, description="refresh token (secret)")
    member_id: str | None = Field(default=None, description="JWT flow: the member (sub)")
    signing_key_id: str | None = Field(default=None, description="JWT flow: the key id (kid)")
    private_key_file: str | None = Field(default=None, description="JWT flow: RSA key PEM path")

    lat: float = Field(default=PALO_ALTO_94305[0], description="search centre (zip 94305)")
    lon: float = Field(default=PALO_ALTO_94305[1], description="search centre (zip 94305)")
    radius_miles: float = Field(default=35.0, description="search radius in miles")
    queries: list[str] = Field(
        default_factory=lambda: list(DEFAULT_QUERIES),
        description="groupSearch keywords; results are merged by group id",
    )
    topic_category_id: str | None = Field(default=None, description="optional search filter")

    points_per_minute: int = Field(default=500, description="client-side budget per 60 s")
    max_concurrency: int = Field(default=4, description="requests in flight at most")
    max_attempts: int = Field(default=6, description="tries per request on transient errors")
    deadline_s: float = Field(default=1800.0, description="overall deadline of one extraction")
    request_timeout_s: float = Field(default=30.0, description="per-request timeout")
    page_size: int = Field(default=200, description="`first` per page (Meetup's cap is 200)")
    max_pages: int = Field(default=500, description="pages per connection before giving up")

    _announced: bool = PrivateAttr(default=False)
    _auth: TokenProvider | None = PrivateAttr(default=None)
    _redactor: Redactor | None = PrivateAttr(default=None)

    # --- secrets stay out of reprs -------------------------------------------------------
    def __repr_args__(self):  # pydantic's repr hook
        for name, value in super().__repr_args__():
            yield name, ("***" if name in SECRET_FIELDS and value is not None else value)

    def __str__(self) -> str:
        return self.__repr__()

    # --- configuration --------------------------------------------------------------------
    def _set(self, name: str) -> bool:
        value = getattr(self, name)
        return isinstance(value, str) and value.strip() != ""

    def _val(self, name: str) -> str:
        return str(getattr(self, name)).strip()

    def auth_flow(self) -> Literal["none", "static", "refresh_token", "jwt_bearer"]:
        """Which credential set is configured; an incomplete set is a configuration error."""

        def missing(names: tuple[str, ...]) -> list[str]:
            return [ENV_VARS[n] for n in names if not self._set(n)]

        jwt_started = any(self._set(n) for n in JWT_SET[1:])
        refresh_started = any(self._set(n) for n in REFRESH_SET[1:])
        if jwt_started:
            if gaps := missing(JWT_SET):
                raise MeetupConfigError(
                    "incomplete Meetup JWT credentials: set "
                    + ", ".join(gaps)
                    + " (the JWT flow needs MEETUP_CLIENT_ID, MEETUP_MEMBER_ID, "
                    "MEETUP_SIGNING_KEY_ID and MEETUP_PRIVATE_KEY_FILE)"
                )
            return "jwt_bearer"
        if refresh_started:
            if gaps := missing(REFRESH_SET):
                raise MeetupConfigError(
                    "incomplete Meetup refresh-token credentials: set "
                    + ", ".join(gaps)
                    + " (the refresh flow needs MEETUP_CLIENT_ID, MEETUP_CLIENT_SECRET and "
                    "MEETUP_REFRESH_TOKEN)"
                )
            return "refresh_token"
        if self._set("access_token"):
            return "static"
        if self._set("client_id"):
            raise MeetupConfigError(
                "MEETUP_CLIENT_ID is set but no flow is complete: add MEETUP_CLIENT_SECRET and "
                "MEETUP_REFRESH_TOKEN, or MEETUP_MEMBER_ID, MEETUP_SIGNING_KEY_ID and "
                "MEETUP_PRIVATE_KEY_FILE, or use MEETUP_ACCESS_TOKEN"
            )
        return "none"

    @property
    def source(self) -> Literal["sandbox", "api"]:
        """``sandbox`` when there are neither credentials nor an API URL."""
        if self.auth_flow() == "none" and not self._set("api_url"):
            if not self._announced:
                self._announced = True
                log.info("using the offline Meetup sandbox (no MEETUP_* credentials or URL set)")
            return "sandbox"
        return "api"

    @property
    def url(self) -> str:
        if self._set("api_url"):
            return self._val("api_url")
        return SANDBOX_URL if self.source == "sandbox" else DEFAULT_API_URL

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Fail at resource init, before any asset work, on an incomplete credential set."""
        if self.auth_flow() == "none" and self._set("api_url"):
            host = (urlsplit(self._val("api_url")).hostname or "").lower()
            if host == "meetup.com" or host.endswith(".meetup.com"):
                raise MeetupConfigError(
                    "MEETUP_API_URL points at Meetup but no credentials are set: set "
                    "MEETUP_ACCESS_TOKEN (or a refresh-token or JWT credential set), or unset "
                    "MEETUP_API_URL to use the offline sandbox"
                )

    def redactor(self) -> Redactor:
        if self._redactor is None:
            secrets = (getattr(self, n) for n in SECRET_FIELDS)
            self._redactor = Redactor(secrets, parent=PROCESS_REDACTOR)
        return self._redactor

    def token_provider(self, clock: Clock | None = None) -> TokenProvider:
        """The credential flow, kept across extractions so tokens are reused until expiry."""
        if self._auth is not None:
            return self._auth
        flow = self.auth_flow()
        redactor = self.redactor()
        token_url = (
            self._val("token_url") if self._set("token_url") else default_token_url(self.url)
        )
        access = self._val("access_token") if self._set("access_token") else None
        provider: TokenProvider
        if flow == "jwt_bearer":
            path = Path(self._val("private_key_file")).expanduser()
            try:
                pem = path.read_text()
            except OSError as exc:
                raise MeetupConfigError(
                    f"MEETUP_PRIVATE_KEY_FILE cannot be read ({type(exc).__name__})"
                ) from None
            provider = JwtBearerFlow(
                token_url,
                self._val("client_id"),
                self._val("member_id"),
                self._val("signing_key_id"),
                pem,
                redactor,
                clock,
            )
        elif flow == "refresh_token":
            provider = RefreshTokenFlow(
                token_url,
                self._val("client_id"),
                self._val("client_secret"),
                self._val("refresh_token"),
                redactor,
                clock,
                access_token=access,
            )
        elif flow == "static":
            provider = StaticToken(access or "", redactor)
        else:
            provider = TokenProvider()
        self._auth = provider
        return provider

    def _sandbox_transport(self, config: Any = None) -> httpx.AsyncBaseTransport:
        try:
            from meetup_pipeline.sandbox.app import sandbox_transport
        except ImportError as exc:  # pragma: no cover - the sandbox ships with the package
            raise MeetupConfigError(
                "no MEETUP_* credentials or MEETUP_API_URL are set and the offline sandbox "
                f"is unavailable ({exc.__class__.__name__}: {exc})"
            ) from None
        return sandbox_transport(config or self._sandbox_config())

    def _sandbox_config(self) -> Any:
        """The in-process sandbox's settings.

        It throttles only when `MEETUP_SANDBOX_RATE_LIMIT` asks for it: a local stand-in
        that paced every run at Meetup's 500 points a minute would make each quickstart
        and test wait minutes for nothing. Rehearse the real budget with
        `MEETUP_SANDBOX_RATE_LIMIT=graphql` (or `http429`); the client then paces itself.
        """
        from meetup_pipeline.sandbox.config import SandboxConfig

        config = SandboxConfig.from_env()
        if not os.environ.get("MEETUP_SANDBOX_RATE_LIMIT", "").strip():
            config = config.model_copy(
                update={"rate_limit": config.rate_limit.model_copy(update={"enabled": False})}
            )
        return config

    def build_client(
        self,
        http: httpx.AsyncClient,
        clock: Clock | None = None,
        budget: PointsBudget | None = None,
        stats: ExtractStats | None = None,
    ) -> MeetupClient:
        """A client over ``http`` (tests inject transports, clocks and budgets here)."""
        if budget is None:
            # the process-wide budget runs on the real clock; an injected clock gets its own
            budget = (
                shared_budget(self.url, self.points_per_minute)
                if clock is None
                else PointsBudget(self.points_per_minute, clock)
            )
        clock = clock or SystemClock()
        source = self.source
        transport = GraphQLTransport(
            http,
            self.url,
            self.token_provider(clock),
            budget,
            clock,
            self.redactor(),
            stats or ExtractStats(),
            RetryPolicy(
                max_attempts=self.max_attempts,
                deadline_s=self.deadline_s,
                request_timeout_s=self.request_timeout_s,
            ),
            max_concurrency=self.max_concurrency,
        )
        return MeetupClient(
            transport,
            SearchSettings(
                tuple(self.queries),
                self.lat,
                self.lon,
                self.radius_miles,
                self.topic_category_id,
            ),
            ClientOptions(
                page_size=self.page_size,
                max_pages=self.max_pages,
                source=source,
            ),
        )

    def http_client(self, transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
        if transport is None and self.source == "sandbox":
            transport = self._sandbox_transport()
        limits = httpx.Limits(max_connections=max(1, self.max_concurrency) + 2)
        return httpx.AsyncClient(transport=transport, limits=limits, follow_redirects=False)

    async def aextract_window(
        self,
        start: datetime,
        end: datetime,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
    ) -> Extraction:
        """The async form of :meth:`extract_window`."""
        budget = None
        if transport is None and self.source == "sandbox":
            config = self._sandbox_config()
            transport = self._sandbox_transport(config)
            if not config.rate_limit.enabled:
                # nothing to pace against: the in-process sandbox was asked not to throttle
                budget = PointsBudget(UNLIMITED_POINTS, clock)
        async with self.http_client(transport) as http:
            return await self.build_client(http, clock, budget).extract_window(start, end)

    def stream_window(self, start: datetime, end: datetime) -> WindowStream:
        """The window's records as an iterator, page by page as the API sends them."""
        stats, clock = ExtractStats(), SystemClock()

        async def chunks() -> AsyncIterator[list[Record]]:
            budget, transport = None, None
            if self.source == "sandbox":
                config = self._sandbox_config()
                transport = self._sandbox_transport(config)
                if not config.rate_limit.enabled:
                    budget = PointsBudget(UNLIMITED_POINTS, None)
            async with self.http_client(transport) as http:
                client = self.build_client(http, None, budget, stats)
                async for chunk in client.stream_window(start, end):
                    yield chunk

        return WindowStream(iterate_in_thread(chunks), self.source, clock.now(), stats)

    def extract_window(self, start: datetime, end: datetime) -> Extraction:
        """Groups and the events with ``start <= dateTime < end`` (tz-aware bounds)."""
        return _run_sync(self.aextract_window(start, end))


def meetup_resource_from_env(**overrides: Any) -> MeetupResource:
    """A resource wired to the ``MEETUP_*`` variables that are set (as ``dg.EnvVar``).

    Unset variables are left out, so Dagster never fails on a missing optional variable;
    the values are resolved by Dagster at run time and never copied into the definitions.
    """
    wired: dict[str, Any] = {
        field: dg.EnvVar(var) for field, var in ENV_VARS.items() if os.environ.get(var, "").strip()
    }
    wired.update(overrides)
    return MeetupResource(**wired)
