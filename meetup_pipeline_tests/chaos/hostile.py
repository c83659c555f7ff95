"""Hostile records planted among valid ones, served over real HTTP.

A small server forwards every request to a real sandbox app and plants records into its
answers: each case clones a valid record of the window (or a group), breaks it one way, and
says what must happen to it (landed as checked by the test, or rejected on a field).
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from meetup_pipeline.sandbox.app import create_app
from meetup_pipeline.sandbox.config import SandboxConfig
from meetup_pipeline_tests.net import free_port, wait_healthy

Node = dict[str, Any]


@dataclass(frozen=True)
class Case:
    name: str
    entity: Literal["event", "group"]
    outcome: Literal["land", "reject"]
    mutate: Callable[[Node], None]
    field: str | None = None
    """For a reject: the field the reason must name (a prefix of raw_rejects.field)."""

    @property
    def record_id(self) -> str:
        return f"hostile-{self.name}"


def _set(path: str, value: Any) -> Callable[[Node], None]:
    def mutate(node: Node) -> None:
        *parents, last = path.split(".")
        target = node
        for key in parents:
            target = target.setdefault(key, {}) if isinstance(target, dict) else target
            if isinstance(target, list):
                target = target[0]
        target[last] = value

    return mutate


def _drop(*keys: str) -> Callable[[Node], None]:
    def mutate(node: Node) -> None:
        for key in keys:
            node.pop(key, None)

    return mutate


def _drop_nested(parent: str, key: str) -> Callable[[Node], None]:
    def mutate(node: Node) -> None:
        node[parent].pop(key, None)

    return mutate


def _venue(**values: Any) -> Callable[[Node], None]:
    def mutate(node: Node) -> None:
        node["venues"] = [{"id": "hostile-venue", "name": "Hostile venue", **values}]

    return mutate


def _all(*mutations: Callable[[Node], None]) -> Callable[[Node], None]:
    def mutate(node: Node) -> None:
        for m in mutations:
            m(node)

    return mutate


MEGABYTE = "x" * (1 << 20)

EVENT_CASES: list[Case] = [
    # strings PostgreSQL refuses
    Case("nul-title", "event", "reject", _set("title", "Speed\x00dating"), "title"),
    Case("nul-description", "event", "reject", _set("description", "a\x00b"), "description"),
    Case("nul-venue-name", "event", "reject", _venue(name="Caf\x00e"), "venues"),
    Case("lone-surrogate-title", "event", "reject", _set("title", "Singles \ud800"), "title"),
    Case("lone-low-surrogate-group", "event", "reject", _set("group.name", "\udc00x"), "group"),
    Case("nul-unknown-field", "event", "reject", _set("newField", "\x00"), "newField"),
    # numbers
    Case("nan-max-tickets", "event", "reject", _set("maxTickets", float("nan")), "maxTickets"),
    Case(
        "inf-fee", "event", "reject", _set("feeSettings", {"amount": float("inf")}), "feeSettings"
    ),
    Case("neg-inf-lat", "event", "reject", _venue(lat=float("-inf"), lon=1.0), "venues"),
    Case("max-tickets-5.0", "event", "land", _set("maxTickets", 5.0)),
    Case("max-tickets-1e12", "event", "reject", _set("maxTickets", 1e12), "maxTickets"),
    Case("max-tickets-str-7", "event", "land", _set("maxTickets", "7")),
    Case("max-tickets-negative", "event", "reject", _set("maxTickets", -1), "maxTickets"),
    Case("rsvp-str-7.0", "event", "land", _set("rsvps", {"yesCount": "7.0", "totalCount": 9})),
    Case("rsvp-7.5", "event", "reject", _set("rsvps", {"totalCount": 7.5}), "rsvps"),
    Case("rsvp-bool", "event", "reject", _set("rsvps", {"totalCount": True}), "rsvps"),
    Case("fee-1e20", "event", "reject", _set("feeSettings", {"amount": 1e20}), "feeSettings"),
    Case(
        "fee-str",
        "event",
        "land",
        _set("feeSettings", {"amount": "12.50", "required": "true", "currency": "usd"}),
    ),
    Case("duration-seconds", "event", "land", _set("duration", 5400)),
    Case("duration-huge", "event", "reject", _set("duration", "PT99999999999H"), "duration"),
    # date-times
    Case("end-epoch", "event", "reject", _set("endTime", 1710000000), "endTime"),
    Case("created-epoch-ms", "event", "reject", _set("createdTime", 1710000000000), "createdTime"),
    Case("start-epoch", "event", "reject", _set("dateTime", 1710000000), "dateTime"),
    Case("offset-nepal", "event", "land", _set("dateTime", "2024-03-06T23:45:00+05:45")),
    Case("offset-kiribati", "event", "land", _set("dateTime", "2024-03-07T08:00:00+14:00")),
    Case("offset-utc-12-end", "event", "land", _set("endTime", "2024-03-06T06:00:00-12:00")),
    Case("offset-16h", "event", "reject", _set("endTime", "2024-03-07T08:00:00+16:00"), "endTime"),
    Case("naive-end", "event", "reject", _set("endTime", "2024-03-07T08:00:00"), "endTime"),
    Case("dst-before-jump", "event", "land", _set("dateTime", "2024-03-10T01:59:59-08:00")),
    Case("dst-after-jump", "event", "land", _set("dateTime", "2024-03-10T03:00:00-07:00")),
    Case("dst-gap-wall-time", "event", "land", _set("dateTime", "2024-03-10T02:30:00-08:00")),
    # text
    Case("markup", "event", "land", _set("title", "<script>alert(1)</script><b>Singles</b>")),
    Case("megabyte", "event", "land", _set("description", MEGABYTE)),
    # shape
    Case("missing-title", "event", "reject", _drop("title"), "title"),
    Case("missing-datetime", "event", "reject", _drop("dateTime"), "dateTime"),
    Case("missing-optional", "event", "land", _drop("venues", "rsvps", "feeSettings", "endTime")),
    Case("extra-fields", "event", "land", _set("displayPhoto", {"id": "1", "nested": [1, 2]})),
    Case("null-status", "event", "reject", _set("status", None), "status"),
    Case("null-group", "event", "land", _set("group", None)),
    # a broken stub of the group whose connection paged the event is repaired from it
    Case("null-group-id", "event", "land", _set("group.id", None)),
    Case("missing-group-urlname", "event", "land", _drop_nested("group", "urlname")),
    Case("venue-without-id", "event", "reject", _venue(id=None), "venues"),
]

GROUP_CASES: list[Case] = [
    Case("group-founded-epoch", "group", "reject", _set("foundedDate", 1262304000), "foundedDate"),
    Case("group-nul-name", "group", "reject", _set("name", "Sin\x00gles"), "name"),
    Case(
        "group-members-1e12",
        "group",
        "reject",
        _set("memberships", {"totalCount": 1e12}),
        "memberships",
    ),
    Case("group-private-maybe", "group", "reject", _set("isPrivate", "maybe"), "isPrivate"),
]

DUPLICATE_ACROSS_GROUPS = "hostile-duplicate-across-groups"
DUPLICATE_IN_PAGE = "hostile-duplicate-in-page"


class Planter:
    """Plants each event case once (in one group's first page) and the group cases."""

    def __init__(self, window: tuple[datetime, datetime]) -> None:
        self.window = window
        self.pending = list(EVENT_CASES)
        self.by_urlname: dict[str, list[Node]] = {}
        self.seen_event: Node | None = None
        self.duplicate_done = False
        self.lock = threading.Lock()

    def _in_window(self, node: Any) -> bool:
        try:
            instant = datetime.fromisoformat(node["dateTime"])
        except (KeyError, TypeError, ValueError):
            return False
        return self.window[0] <= instant < self.window[1]

    def plant(self, body: Any, variables: dict[str, Any]) -> None:
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or variables.get("after"):
            return
        with self.lock:
            if isinstance(data.get("groupSearch"), dict):
                self._plant_groups(data["groupSearch"])
            group = data.get("groupByUrlname")
            if isinstance(group, dict) and isinstance(group.get("events"), dict):
                self._plant_events(variables.get("urlname", ""), group["events"])

    def _plant_groups(self, conn: Node) -> None:
        edges = conn.get("edges") or []
        if not edges:
            return
        for case in GROUP_CASES:
            node = copy.deepcopy(edges[0]["node"])
            node["id"], node["urlname"] = case.record_id, case.record_id
            case.mutate(node)
            edges.append({"node": node, "cursor": case.record_id})

    def _plant_events(self, urlname: str, conn: Node) -> None:
        edges = conn.setdefault("edges", [])
        if urlname not in self.by_urlname:
            planted: list[Node] = []
            template = next((e["node"] for e in edges if self._in_window(e.get("node"))), None)
            if template is not None and self.pending:
                case = self.pending.pop(0)
                node = copy.deepcopy(template)
                node["id"] = case.record_id
                case.mutate(node)
                planted.append(node)
            elif template is not None and not self.duplicate_done and self.seen_event:
                self.duplicate_done = True
                planted.append(copy.deepcopy(self.seen_event))
                twin = copy.deepcopy(template)
                twin["id"] = DUPLICATE_IN_PAGE
                planted += [twin, copy.deepcopy(twin)]
            if template is not None and self.seen_event is None:
                self.seen_event = copy.deepcopy(template)
                self.seen_event["id"] = DUPLICATE_ACROSS_GROUPS
                planted.append(copy.deepcopy(self.seen_event))
            self.by_urlname[urlname] = planted
        for node in self.by_urlname[urlname]:
            edges.append({"node": copy.deepcopy(node), "cursor": str(node.get("id"))})

    @property
    def done(self) -> bool:
        return not self.pending and self.duplicate_done


def hostile_app(config: SandboxConfig, planter: Planter) -> Starlette:
    inner = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(config)), base_url="http://sandbox"
    )

    async def gql_ext(request: Request) -> Response:
        raw = await request.body()
        answer = await inner.post(
            "/gql-ext", content=raw, headers={"content-type": "application/json"}
        )
        body = json.loads(answer.content)
        planter.plant(body, json.loads(raw).get("variables") or {})
        # ensure_ascii keeps lone surrogates as \\u escapes; NaN/Infinity go out as literals
        return Response(
            json.dumps(body).encode(), answer.status_code, media_type="application/json"
        )

    async def healthz(request: Request) -> Response:
        return Response("ok")

    return Starlette(
        routes=[
            Route("/gql-ext", gql_ext, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )


@contextmanager
def serve(app: Starlette) -> Iterator[str]:
    """The app on a real socket in a thread; yields its /gql-ext URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    wait_healthy(url, timeout=20)
    try:
        yield f"{url}/gql-ext"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
