"""A small scripted stand-in for gql-ext, for unit tests over ``httpx.MockTransport``.

It answers the client's two documents from in-memory data (cursor formats as observed on the
live API) and lets a test queue faults for the next responses. The full sandbox is exercised
separately in the integration tests.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import httpx

API = "https://api.meetup.com/gql-ext"
TOKEN_URL = "https://secure.meetup.com/oauth2/access"


def group_node(i: int, **extra: Any) -> dict[str, Any]:
    node = {
        "id": str(1000 + i),
        "urlname": f"group-{i}",
        "name": f"Bay Area Singles {i}",
        "city": "Palo Alto",
        "state": "CA",
        "country": "us",
        "lat": 37.44,
        "lon": -122.14,
        "timezone": "America/Los_Angeles",
        "foundedDate": "2012-05-01T10:00:00-04:00",
        "description": "Singles in the Bay Area",
        "zip": "94301",
        "link": f"https://www.meetup.com/group-{i}",
        "status": "PAID",
        "joinMode": "OPEN",
        "isPrivate": False,
        "memberships": {"totalCount": 100 + i},
        "stats": {"memberCounts": {"all": 100 + i}},
        "topicCategory": {"id": "31", "name": "Dating", "urlkey": "dating"},
        "activeTopics": [{"id": "17890", "name": "Singles", "urlkey": "singles"}],
    }
    node.update(extra)
    return node


def event_node(event_id: str | int, when: str, group: str = "group-0", **extra: Any) -> dict:
    node = {
        "id": str(event_id),
        "token": f"tok{event_id}",
        "title": f"Speed dating {event_id}",
        "description": "Meet people",
        "eventUrl": f"https://www.meetup.com/{group}/events/{event_id}/",
        "status": "PAST",
        "eventType": "PHYSICAL",
        "dateTime": when,
        "duration": "PT2H",
        "endTime": None,
        "createdTime": "2020-01-01T10:00:00-05:00",
        "maxTickets": None,
        "group": {"id": "1000", "urlname": group, "name": "Bay Area Singles 0"},
        "venues": [
            {
                "id": "9",
                "name": "Cafe",
                "address": "1 University Ave",
                "city": "Palo Alto",
                "state": "CA",
                "postalCode": "94301",
                "country": "us",
                "lat": 37.4,
                "lon": -122.1,
                "venueType": "",
            }
        ],
        "rsvps": {
            "totalCount": 10,
            "yesCount": 9,
            "waitlistCount": 1,
            "attendedCount": None,
            "noShowCount": None,
        },
        "feeSettings": None,
        "topics": {"edges": [{"node": {"id": "1", "name": "Dating", "urlkey": "dating"}}]},
    }
    node.update(extra)
    return node


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _instant(node: dict[str, Any]) -> datetime:
    when = datetime.fromisoformat(node["dateTime"])
    return when if when.tzinfo else when.replace(tzinfo=UTC)


Responder = Callable[[httpx.Request], httpx.Response | None]


@dataclass
class FakeMeetup:
    """Groups per search query and events per urlname, paged like the live API."""

    groups_by_query: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    events_by_group: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    faults: list[Responder] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    valid_tokens: set[str] | None = None
    token_handler: Callable[[dict[str, str]], httpx.Response] | None = None
    repeat_cursor: bool = False
    duplicate_edges: bool = False

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth2/access"):
            form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
            self.token_requests.append(form)
            assert self.token_handler is not None, "no token endpoint configured"
            return self.token_handler(form)
        body = json.loads(request.content)
        self.requests.append({"body": body, "auth": request.headers.get("Authorization")})
        if self.faults:
            response = self.faults.pop(0)(request)
            if response is not None:
                return response
        if self.valid_tokens is not None:
            auth = request.headers.get("Authorization", "")
            if auth.removeprefix("Bearer ") not in self.valid_tokens:
                return httpx.Response(401, json={"message": "unauthorized"})
        variables = body["variables"]
        if "groupSearch(" in body["query"]:
            nodes = self.groups_by_query.get(variables["query"], [])
            conn = self._page(nodes, variables, lambda i, n: b64(str(i)))
            return httpx.Response(200, json={"data": {"groupSearch": conn}})
        urlname = variables["urlname"]
        if urlname not in self.events_by_group:
            return httpx.Response(200, json={"data": {"groupByUrlname": None}})
        lo = datetime.fromisoformat(variables["afterDateTime"])
        hi = datetime.fromisoformat(variables["beforeDateTime"])
        nodes = [n for n in self.events_by_group[urlname] if lo <= _instant(n) < hi]
        nodes.sort(key=_instant)
        conn = self._page(nodes, variables, lambda i, n: b64(f"{n['id']}:{i}"))
        conn["totalCount"] = len(nodes)
        return httpx.Response(200, json={"data": {"groupByUrlname": {"events": conn}}})

    def _page(self, nodes, variables, cursor_of) -> dict[str, Any]:
        first = variables.get("first") or 20
        start = 0
        if variables.get("after"):
            start = int(base64.b64decode(variables["after"]).decode().split(":")[-1]) + 1
        page = nodes[start : start + first]
        edges = [{"cursor": cursor_of(start + k, n), "node": n} for k, n in enumerate(page)]
        if self.duplicate_edges and start > 0 and edges:
            edges.insert(0, {"cursor": "dup", "node": nodes[start - 1]})
        end = start + len(page) - 1
        has_next = start + first < len(nodes)
        end_cursor = cursor_of(end, page[-1]) if page else None
        if self.repeat_cursor and start > 0:
            end_cursor = variables["after"]
        return {
            "pageInfo": {"hasNextPage": has_next, "endCursor": end_cursor},
            "totalCount": len(page),
            "edges": edges,
        }


def respond(status: int = 200, **kwargs: Any) -> Responder:
    return lambda request: httpx.Response(status, **kwargs)


def raise_exc(exc_type: type[Exception]) -> Responder:
    def fn(request: httpx.Request) -> httpx.Response:
        raise exc_type("boom", request=request)  # type: ignore[call-arg]

    return fn


def rate_limited(reset_at: str) -> Responder:
    body = {
        "errors": [
            {
                "message": "Too many requests, please try again shortly.",
                "extensions": {"code": "RATE_LIMITED", "consumedPoints": 512, "resetAt": reset_at},
            }
        ]
    }
    return respond(200, json=body)


def complete(node: dict[str, Any], selection: dict[str, Any]) -> bool:
    """Whether a fake record is what a GraphQL server would return (no anomalies)."""
    from meetup_pipeline.meetup.queries import anomalies

    return not anomalies(node, selection)
