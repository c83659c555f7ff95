"""The sandbox as an ASGI app, usable in-process (`sandbox_transport`) or served by uvicorn.

Routes: `POST /gql-ext` (the API), `POST /gql` (503, retired like the live one),
`POST /oauth2/access` and `GET /oauth2/authorize` (OAuth, see `auth.py`), `GET /healthz`.

Request pipeline for `/gql-ext`: auth (401 without a live Bearer token when credentials are
configured) -> fault plan -> parse/validate -> rate limit (per token, or per client address
without auth) -> execute -> field drift / corruption faults -> JSON bytes (compact, stable
key order: the same seed, "now" and request give the same bytes).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from meetup_pipeline.sandbox import gql
from meetup_pipeline.sandbox.auth import OAuthError, TokenAuthority
from meetup_pipeline.sandbox.config import SandboxConfig
from meetup_pipeline.sandbox.faults import PROXY_ERROR_PAGE, FaultInjector, FaultPlan
from meetup_pipeline.sandbox.network import build_network
from meetup_pipeline.sandbox.ratelimit import RateLimiter, rate_limited_error, reset_at
from meetup_pipeline.sandbox.resolvers import Context
from meetup_pipeline.sandbox.timefmt import utc_now
from meetup_pipeline.sandbox.world import build_world

JSON_TYPE = "application/json;charset=utf-8"
INPROCESS_HEADER = "x-sandbox-inprocess"
FAULT_HEADER = "x-sandbox-fault"
GQL_RETIRED = "The /gql endpoint has been retired; send GraphQL requests to /gql-ext."


def _json_bytes(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(_json_bytes(body), status_code=status, media_type=JSON_TYPE, headers=headers)


class _DroppedResponse(Response):
    """Starts a response, sends part of the body, and returns: uvicorn closes the socket."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", JSON_TYPE.encode()), (b"content-length", b"4096")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"data":{"gro', "more_body": True})


class Sandbox:
    """State shared by the routes of one app: world, clock, limiter, faults, tokens."""

    def __init__(self, config: SandboxConfig, clock: Callable[[], float]) -> None:
        self.config = config
        self.clock = clock
        self.world = build_world(config.seed, config.scale, config.region())
        self.network = build_network(config.seed, config.network)
        self.limiter = RateLimiter(config.rate_limit, clock)
        self.faults = FaultInjector(config.faults, config.seed)
        self.faults_on = config.faults.any_enabled()
        self.tokens = TokenAuthority(config.auth, clock) if config.auth else None

    def now(self) -> Any:
        return self.config.now or utc_now()

    async def gql_ext(self, request: Request) -> Response:
        authorization = request.headers.get("authorization")
        if self.tokens is not None:
            reason = self.tokens.check(authorization)
            if reason is not None:
                return _json(
                    {
                        "errors": [
                            {
                                "message": f"Unauthorized: {reason}",
                                "extensions": {"code": "UNAUTHENTICATED"},
                            }
                        ]
                    },
                    401,
                    {"WWW-Authenticate": 'Bearer error="invalid_token"'},
                )
        plan = self.faults.plan() if self.faults_on else FaultPlan()
        inprocess = request.headers.get(INPROCESS_HEADER) == "1"
        key = authorization or (request.client.host if request.client else "anonymous")
        early = await self._transport_fault(plan, inprocess, key)
        if early is not None:
            return early
        if plan.slow:
            await asyncio.sleep(self.config.faults.slow_seconds)
        try:
            body = json.loads(await request.body())
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _json({"errors": [{"message": "Request body is not valid JSON"}]}, 400)
        prepared = gql.prepare(body, self.config.first_cap)
        if plan.rate_limited:
            return self._throttled(key, 200)
        allowed, consumed, reset_in = self.limiter.charge(key, prepared.cost)
        if not allowed:
            # resetAt is a real instant clients sleep until: the wall clock, never the
            # simulated "now" of the world (which may be fixed years away).
            err = rate_limited_error(consumed, reset_at(utc_now(), reset_in))
            mode_429 = self.config.rate_limit.mode == "http429"
            return _json({"errors": [err]}, 429 if mode_429 else 200)
        ctx = Context(
            self.world,
            self.now(),
            self.config.first_cap,
            duplicate_edges=plan.duplicate_edges,
            repeat_cursor=plan.repeat_cursor,
            network=self.network,
        )
        result = gql.run(prepared, ctx)
        if plan.field_drift:
            result = self.faults.drift(result)
        return Response(FaultInjector.corrupt(_json_bytes(result), plan), media_type=JSON_TYPE)

    def _throttled(self, key: str, status: int) -> Response:
        """An injected throttle, in Meetup's words: RATE_LIMITED with the points spent and
        a `resetAt` `throttle_seconds` away (a refused request costs nothing)."""
        _, consumed, _ = self.limiter.charge(key, 0)
        wait = self.config.faults.throttle_seconds
        return _json({"errors": [rate_limited_error(consumed, reset_at(utc_now(), wait))]}, status)

    async def _transport_fault(self, plan: FaultPlan, inprocess: bool, key: str) -> Response | None:
        """Answers that are not GraphQL at all: 5xx, 429, timeout, dropped connection."""
        if plan.timeout:
            if inprocess:  # the transport turns this marker into httpx.ReadTimeout
                return Response(b"", 504, headers={FAULT_HEADER: "timeout"})
            await asyncio.sleep(self.config.faults.timeout_seconds)
            return Response(b"Gateway Timeout", 504, media_type="text/plain")
        if plan.drop:
            if inprocess:
                return Response(b"", 502, headers={FAULT_HEADER: "drop"})
            return _DroppedResponse()
        if plan.status == 429:
            return self._throttled(key, 429)
        if plan.status is not None:
            if plan.status == 503:
                return _json({"errors": [{"message": "Service Unavailable"}]}, 503)
            page = PROXY_ERROR_PAGE.replace(
                b"502 Bad Gateway",
                {502: b"502 Bad Gateway", 504: b"504 Gateway Time-out"}[plan.status],
            )
            return Response(page, plan.status, media_type="text/html")
        return None

    async def gql_retired(self, request: Request) -> Response:
        return _json({"errors": [{"message": GQL_RETIRED}]}, 503)

    async def oauth_access(self, request: Request) -> Response:
        if self.tokens is None:
            return _json(
                {
                    "error": "invalid_client",
                    "error_description": "This sandbox has no OAuth client configured",
                },
                400,
            )
        raw = (await request.body()).decode("utf-8", "replace")
        if request.headers.get("content-type", "").startswith("application/json"):
            try:
                loaded = json.loads(raw)
            except json.JSONDecodeError:
                loaded = {}
            form = {str(k): str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}
        else:
            form = dict(parse_qsl(raw, keep_blank_values=True))
        form = {**dict(request.query_params), **form}
        try:
            return JSONResponse(self.tokens.grant(form))
        except OAuthError as exc:
            return JSONResponse(exc.body(), status_code=400)

    async def oauth_authorize(self, request: Request) -> Response:
        params = request.query_params
        if self.tokens is None:
            return JSONResponse({"error": "invalid_client"}, status_code=400)
        try:
            code = self.tokens.authorize(params.get("client_id"), params.get("redirect_uri"))
        except OAuthError as exc:
            return JSONResponse(exc.body(), status_code=400)
        target = params.get("redirect_uri") or self.tokens.config.redirect_uri
        if not target:
            return JSONResponse({"code": code})
        query = {"code": code, **({"state": params["state"]} if "state" in params else {})}
        sep = "&" if "?" in target else "?"
        return RedirectResponse(f"{target}{sep}{urlencode(query)}", status_code=302)

    async def healthz(self, request: Request) -> Response:
        return JSONResponse(
            {
                "status": "ok",
                "seed": self.config.seed,
                "scale": self.config.scale,
                "groups": len(self.world.groups),
            }
        )


def create_app(config: SandboxConfig, clock: Callable[[], float] | None = None) -> Starlette:
    """The sandbox ASGI app; `clock` (monotonic seconds) drives rate limits and token expiry."""
    sandbox = Sandbox(config, clock or time.monotonic)
    app = Starlette(
        routes=[
            Route("/gql-ext", sandbox.gql_ext, methods=["POST"]),
            Route("/gql", sandbox.gql_retired, methods=["GET", "POST"]),
            Route("/oauth2/access", sandbox.oauth_access, methods=["POST"]),
            Route("/oauth2/authorize", sandbox.oauth_authorize, methods=["GET"]),
            Route("/healthz", sandbox.healthz, methods=["GET"]),
        ]
    )
    app.state.sandbox = sandbox
    return app


class SandboxTransport(httpx.ASGITransport):
    """In-process transport: no socket; turns the app's fault markers into httpx errors."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.headers[INPROCESS_HEADER] = "1"
        response = await super().handle_async_request(request)
        fault = response.headers.get(FAULT_HEADER)
        if fault == "timeout":
            await response.aclose()
            raise httpx.ReadTimeout(
                "Sandbox fault: the server did not answer in time", request=request
            )
        if fault == "drop":
            await response.aclose()
            raise httpx.RemoteProtocolError(
                "Sandbox fault: server disconnected without sending a complete response",
                request=request,
            )
        return response


def sandbox_transport(
    config: SandboxConfig | None = None, clock: Callable[[], float] | None = None
) -> httpx.AsyncBaseTransport:
    """An httpx transport over a fresh sandbox app (default config when None)."""
    return SandboxTransport(app=create_app(config or SandboxConfig(), clock))
