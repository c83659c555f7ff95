"""The Dagster resource: Meetup settings from ``MEETUP_*`` variables, and a sync entry point.

This resource always talks to an API over HTTP (Meetup's, or any server given by
``MEETUP_API_URL``). Which source a deployment uses is the wiring's choice
(``meetup_pipeline/defs/resources.py``): with neither credentials nor a URL it wires a subclass
that serves requests from the in-process sandbox. A subclass changes the source through
the hooks ``source``, ``default_url``, ``default_transport`` and ``default_budget``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
from collections.abc import AsyncIterator, Coroutine
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

import dagster as dg
import httpx
from pydantic import Field, PrivateAttr

from .auth import JwtBearerFlow, RefreshTokenFlow, StaticToken, TokenProvider, default_token_url
from .client import ClientOptions, MeetupClient
from .errors import PROCESS_REDACTOR, MeetupConfigError, Redactor, get_logger
from .models import Extraction, ExtractStats
from .ratelimit import Clock, PointsBudget, SystemClock, shared_budget
from .sources import DEFAULT_SOURCES, SearchSettings, Sources
from .stream import Record, WindowStream, iterate_in_thread
from .transport import GraphQLTransport, RetryPolicy, Source

log = get_logger(__name__)

T = TypeVar("T")

DEFAULT_API_URL = "https://api.meetup.com/gql-ext"

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
        loop_running = False
    else:
        loop_running = True
    if not loop_running:
        # Outside the except block: an error of `coro` must not be chained to the probe's
        # "no running event loop", which would mislead whoever reads the traceback.
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


class MeetupResource(dg.ConfigurableResource):
    """Extraction from Meetup's GraphQL API (or its offline sandbox): how to reach it
    (URL, credentials, budget, retries, paging). What to ask for is the caller's: each
    extraction takes its `Sources` (the pipeline's assets pass the `region` resource's)."""

    api_url: str | None = Field(default=None, description="MEETUP_API_URL; unset = Meetup's")
    token_url: str | None = Field(default=None, description="OAuth token endpoint override")
    access_token: str | None = Field(default=None, description="static bearer token (secret)")
    client_id: str | None = Field(default=None, description="OAuth client key")
    client_secret: str | None = Field(default=None, description="OAuth client secret (secret)")
    refresh_token: str | None = Field(default=None, description="refresh token (secret)")
    member_id: str | None = Field(default=None, description="JWT flow: the member (sub)")
    signing_key_id: str | None = Field(default=None, description="JWT flow: the key id (kid)")
    private_key_file: str | None = Field(default=None, description="JWT flow: RSA key PEM path")

    points_per_minute: int = Field(default=500, description="client-side budget per 60 s")
    max_concurrency: int = Field(default=4, description="requests in flight at most")
    max_attempts: int = Field(
        default=20, description="tries per request on transient errors (see transport.py)"
    )
    deadline_s: float = Field(default=1800.0, description="overall deadline of one extraction")
    request_timeout_s: float = Field(default=30.0, description="per-request timeout")
    page_size: int = Field(default=200, description="`first` per page (Meetup's cap is 200)")
    max_pages: int = Field(default=500, description="pages per connection before giving up")

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

    # --- the source: overridden by the wiring's sandbox subclass -------------------------
    @property
    def source(self) -> Literal["sandbox", "api"]:
        """What the `source` metadata of landed rows says."""
        return "api"

    def default_url(self) -> str:
        return DEFAULT_API_URL

    def default_transport(self) -> httpx.AsyncBaseTransport | None:
        """The transport when none is injected; None means the network."""
        return None

    def default_budget(self, clock: Clock | None) -> PointsBudget | None:
        """The points budget when none is injected; None means the process-wide one."""
        return None

    def api_source(self) -> Source:
        """How messages name the API, and what to check when nothing answers there."""
        return Source.for_url(self.url, configured=self._set("api_url"))

    @property
    def url(self) -> str:
        return self._val("api_url") if self._set("api_url") else self.default_url()

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Fail at resource init, before any asset work, on incomplete or missing credentials."""
        if self.auth_flow() == "none":
            host = (urlsplit(self.url).hostname or "").lower()
            if host == "meetup.com" or host.endswith(".meetup.com"):
                raise MeetupConfigError(
                    "the Meetup API needs credentials: set MEETUP_ACCESS_TOKEN (or a "
                    "refresh-token or JWT credential set), or unset MEETUP_API_URL to use the "
                    "offline sandbox"
                )

    def redactor(self) -> Redactor:
        if self._redactor is None:
            secrets = (getattr(self, n) for n in SECRET_FIELDS)
            self._redactor = Redactor(secrets, parent=PROCESS_REDACTOR)
            if self._set("client_id") and self._set("client_secret"):
                # a token request may carry them as an HTTP basic-auth header
                self._redactor.add_pair(self._val("client_id"), self._val("client_secret"))
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

    def build_client(
        self,
        http: httpx.AsyncClient,
        clock: Clock | None = None,
        budget: PointsBudget | None = None,
        stats: ExtractStats | None = None,
        sources: Sources | None = None,
    ) -> MeetupClient:
        """A client over ``http`` asking for ``sources`` (None: `DEFAULT_SOURCES`, the Bay
        Area search); tests inject transports, clocks and budgets here."""
        if budget is None:
            # the process-wide budget runs on the real clock; an injected clock gets its own
            budget = (
                shared_budget(self.url, self.points_per_minute)
                if clock is None
                else PointsBudget(self.points_per_minute, clock)
            )
        clock = clock or SystemClock()
        source = self.source
        sources = DEFAULT_SOURCES if sources is None else sources
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
            source=self.api_source(),
        )
        return MeetupClient(
            transport,
            sources.search or SearchSettings(),
            ClientOptions(
                page_size=self.page_size,
                max_pages=self.max_pages,
                source=source,
            ),
            sources,
        )

    def http_client(self, transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
        if transport is None:
            transport = self.default_transport()
        limits = httpx.Limits(max_connections=max(1, self.max_concurrency) + 2)
        return httpx.AsyncClient(transport=transport, limits=limits, follow_redirects=False)

    async def aextract_window(
        self,
        start: datetime,
        end: datetime,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
        sources: Sources | None = None,
    ) -> Extraction:
        """The async form of :meth:`extract_window`."""
        # the source's own budget goes with its own transport, not with an injected one
        budget = self.default_budget(clock) if transport is None else None
        async with self.http_client(transport) as http:
            client = self.build_client(http, clock, budget, sources=sources)
            return await client.extract_window(start, end)

    def stream_window(
        self, start: datetime, end: datetime, sources: Sources | None = None
    ) -> WindowStream:
        """The window's records of ``sources`` (None: `DEFAULT_SOURCES`) as an
        iterator, page by page as the API sends them."""
        stats, clock = ExtractStats(), SystemClock()

        async def chunks() -> AsyncIterator[list[Record]]:
            # the source's own transport and budget (the wiring's subclass may override them)
            async with self.http_client() as http:
                budget = self.default_budget(None)
                client = self.build_client(http, None, budget, stats, sources)
                # closed here, not by the loop's finalizer: its pages stop before the loop does
                async with contextlib.aclosing(client.stream_window(start, end)) as pages:
                    async for chunk in pages:
                        yield chunk

        return WindowStream(iterate_in_thread(chunks), self.source, clock.now(), stats)

    def extract_window(
        self, start: datetime, end: datetime, sources: Sources | None = None
    ) -> Extraction:
        """Groups and the events with ``start <= dateTime < end`` (tz-aware bounds) of
        ``sources`` (None: `DEFAULT_SOURCES`)."""
        return _run_sync(self.aextract_window(start, end, sources=sources))


def wants_sandbox(settings: dict[str, Any]) -> bool:
    """Neither credentials nor an API URL: the wiring should pick the offline sandbox."""
    return not any(settings.get(field) for field in ENV_VARS if field != "token_url")
