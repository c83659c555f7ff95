"""Shared helpers for the sandbox tests: a fixed "now", a sync client, the reference folder."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from meetup_pipeline.sandbox.app import create_app, sandbox_transport
from meetup_pipeline.sandbox.config import RateLimitConfig, SandboxConfig
from meetup_pipeline.sandbox.timefmt import PACIFIC
from meetup_pipeline.sandbox.world import World, build_world

SHARED = Path(__file__).resolve().parents[1] / "fixtures" / "meetup"
"""The real schema and recorded exchanges, vendored (see its README.md for the origin)."""
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=PACIFIC)


def config(**kwargs: Any) -> SandboxConfig:
    """A fixed-now config without rate limiting unless the test asks for it."""
    kwargs.setdefault("now", NOW)
    kwargs.setdefault("rate_limit", RateLimitConfig(enabled=False))
    return SandboxConfig(**kwargs)


class Api:
    """Sync helper: POST a query to /gql-ext of one app."""

    def __init__(self, cfg: SandboxConfig, clock: Callable[[], float] | None = None) -> None:
        self.app = create_app(cfg, clock)

    def request(self, method: str, url: str, **kw: Any) -> httpx.Response:
        """One request through a plain ASGI transport (no fault markers translated)."""

        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app, client=("203.0.113.9", 4000))
            async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as c:
                return await c.request(method, url, **kw)

        return asyncio.run(go())

    def post(self, query: str, variables: dict | None = None, **kw: Any) -> httpx.Response:
        return self.request(
            "POST", "/gql-ext", json={"query": query, "variables": variables or {}}, **kw
        )

    def data(self, query: str, variables: dict | None = None, **kw: Any) -> dict:
        response = self.post(query, variables, **kw)
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        return body["data"]


def run_inprocess(
    cfg: SandboxConfig | None, bodies: list[dict], timeout: float = 30.0
) -> list[Any]:
    """Send bodies through `sandbox_transport` one by one; exceptions are returned in place."""

    async def go() -> list[Any]:
        out: list[Any] = []
        transport = sandbox_transport(cfg)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://sandbox", timeout=timeout
        ) as client:
            for body in bodies:
                try:
                    out.append(await client.post("/gql-ext", json=body))
                except httpx.HTTPError as exc:
                    out.append(exc)
        return out

    return asyncio.run(go())


def load_recorded(name: str) -> list[dict]:
    return json.loads((SHARED / "recorded" / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def world() -> World:
    return build_world(42, 1.0)


@pytest.fixture(scope="session")
def api() -> Iterator[Api]:
    yield Api(config())


EVENTS_QUERY = """
query ($urlname: String!, $first: Int, $after: String, $status: [EventStatus],
       $from: DateTime, $to: DateTime, $sort: SortOrder) {
  groupByUrlname(urlname: $urlname) {
    id
    events(first: $first, after: $after, sort: $sort,
           filter: {status: $status, afterDateTime: $from, beforeDateTime: $to}) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { id status dateTime endTime createdTime eventType
                            venues { id name country venueType lat lon } } }
    }
  }
}
"""

SEARCH_QUERY = """
query ($q: String!, $lat: Float!, $lon: Float!, $radius: Float, $first: Int, $after: String,
       $cat: ID) {
  groupSearch(first: $first, after: $after,
              filter: {query: $q, lat: $lat, lon: $lon, radius: $radius, topicCategoryId: $cat}) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id urlname name lat lon status country } }
  }
}
"""
