"""Fault injection: seeded, per-request, each fault switchable alone and all combinable.

Every request draws the same number of random numbers whatever the probabilities, so a
given fault seed yields the same fault sequence for the same request sequence. Each kind's
own rate is one independent draw; `all` (`any_fault`) is one more draw, from a stream of its
own, that when it hits adds one fault of a kind picked evenly from `any_kinds` (see
`FaultConfig`). Faults apply
to `POST /gql-ext` only. Order: 5xx burst / 429 / timeout / drop (no GraphQL answer), then a
slow answer, a RATE_LIMITED error, paging faults during execution (duplicate edge, repeated
cursor), and finally corruption of the JSON body (field drift, truncation, invalid JSON).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from meetup_pipeline.sandbox.config import FAULT_RATES, FaultConfig

DRIFT_EXTRA_FIELDS: dict[str, Any] = {"displayPhoto": None, "isNewGroup": False}
"""Unknown fields a drifting response adds (2026 clients saw `displayPhoto`)."""

NON_NULL_FIELDS = frozenset(
    {
        "id",
        "urlname",
        "name",
        "title",
        "eventUrl",
        "status",
        "eventType",
        "joinMode",
        "isPrivate",
        "token",
        "cursor",
        "hasNextPage",
    }
)
"""Fields the schema declares non-null on Group, Event and edges: the null drift targets."""

PROXY_ERROR_PAGE = (
    b"<html><head><title>502 Bad Gateway</title></head>"
    b"<body><center><h1>502 Bad Gateway</h1></center></body></html>"
)


@dataclass
class FaultPlan:
    """What goes wrong with one request."""

    status: int | None = None
    timeout: bool = False
    drop: bool = False
    slow: bool = False
    rate_limited: bool = False
    duplicate_edges: bool = False
    repeat_cursor: bool = False
    field_drift: bool = False
    truncated_json: bool = False
    invalid_json: bool = False


class FaultInjector:
    """Draws a `FaultPlan` per request and corrupts responses accordingly."""

    def __init__(self, config: FaultConfig, sandbox_seed: int) -> None:
        self.config = config
        seed = sandbox_seed if config.seed is None else config.seed
        self.rng = random.Random(f"faults:{seed}")
        self.any_rng = random.Random(f"faults-all:{seed}")
        """`all`'s own stream: a seed gives the same per-kind sequence as before it existed."""
        self._burst_left = 0
        self._burst_status = 503

    def plan(self) -> FaultPlan:
        """The next request's faults (same draws per request whatever is enabled)."""
        c, rng = self.config, self.rng
        hit = {name: rng.random() < getattr(c, name) for name in FAULT_RATES}
        status_pick = rng.choice((502, 503, 504))
        any_hit = self.any_rng.random() < c.any_fault
        pick = self.any_rng.random()  # always drawn: the sequence does not depend on the rates
        if any_hit and c.any_kinds:
            hit[c.any_kinds[int(pick * len(c.any_kinds))]] = True
        plan = FaultPlan()
        if self._burst_left > 0:
            self._burst_left -= 1
            plan.status = self._burst_status
        elif hit["http_5xx"]:
            self._burst_status = status_pick
            self._burst_left = c.burst_length - 1
            plan.status = status_pick
        elif hit["http_429"]:
            plan.status = 429
        plan.timeout = hit["timeout"]
        plan.drop = hit["drop"]
        for name in (
            "slow",
            "rate_limited",
            "duplicate_edges",
            "repeat_cursor",
            "field_drift",
            "truncated_json",
            "invalid_json",
        ):
            setattr(plan, name, hit[name])
        return plan

    def drift(self, body: dict[str, Any]) -> dict[str, Any]:
        """Null a field the schema declares non-null, drop a field, or add unknown ones."""
        nodes: list[dict[str, Any]] = []
        _collect(body.get("data"), nodes)
        if not nodes:
            return body
        entities = [n for n in nodes if "id" in n]
        node = self.rng.choice(entities or nodes)
        kind = self.rng.choice(("null", "missing", "extra"))
        if kind == "null":
            targets = [
                (n, k)
                for n in nodes
                for k in sorted(n)
                if k in NON_NULL_FIELDS and n[k] is not None
            ]
            if targets:
                target, key = self.rng.choice(targets)
                target[key] = None
                return body
        keys = sorted(k for k, v in node.items() if v is not None and not isinstance(v, dict))
        if kind == "missing" and keys:
            del node[self.rng.choice(keys)]
        else:
            node.update(DRIFT_EXTRA_FIELDS)
        return body

    @staticmethod
    def corrupt(raw: bytes, plan: FaultPlan) -> bytes:
        """Cut the body in half, or replace it by a proxy's HTML page."""
        if plan.invalid_json:
            return PROXY_ERROR_PAGE
        if plan.truncated_json:
            return raw[: max(1, len(raw) // 2)]
        return raw


def _collect(value: Any, out: list[dict[str, Any]]) -> None:
    """Every object below `data` (its root object excluded, so `data` keeps its shape)."""
    children = (
        value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    )
    for child in children:
        if isinstance(child, dict):
            out.append(child)
        _collect(child, out)
