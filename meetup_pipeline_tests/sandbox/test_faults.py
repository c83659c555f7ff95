"""Each fault on its own (probability 1 unless the fault is about sequences), then combined."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import httpx
import pytest
from pydantic import ValidationError

from meetup_pipeline.sandbox.config import FAULT_RATES, FaultConfig
from meetup_pipeline.sandbox.faults import (
    DRIFT_EXTRA_FIELDS,
    NON_NULL_FIELDS,
    FaultInjector,
    FaultPlan,
)

from .conftest import EVENTS_QUERY, SEARCH_QUERY, config, run_inprocess

SEARCH = {
    "query": SEARCH_QUERY,
    "variables": {"q": "dating", "lat": 37.4241, "lon": -122.1661, "first": 5},
}


def _events_body(urlname: str, after: str | None = None) -> dict:
    return {
        "query": EVENTS_QUERY,
        "variables": {"urlname": urlname, "first": 10, "after": after, "status": ["PAST"]},
    }


def _faulty(**faults: object) -> object:
    return config(faults=FaultConfig(**faults))


def test_no_faults_by_default() -> None:
    responses = run_inprocess(config(), [SEARCH] * 5)
    assert all(r.status_code == 200 and "data" in r.json() for r in responses)


def test_5xx_bursts_come_in_runs() -> None:
    statuses = [
        r.status_code
        for r in run_inprocess(_faulty(http_5xx=0.2, burst_length=3, seed=1), [SEARCH] * 60)
    ]
    assert 200 in statuses and set(statuses) <= {200, 502, 503, 504}
    runs, current = [], 0
    for status in statuses:
        if status >= 500:
            current += 1
        elif current:
            runs.append(current)
            current = 0
    # every burst that ended inside the sequence lasted at least burst_length requests
    assert runs and min(runs) >= 3


def test_http_429() -> None:
    """A 429 says when to come back the way Meetup does: RATE_LIMITED with `resetAt`
    (no Retry-After header on gql-ext), `throttle_seconds` away."""
    (response,) = run_inprocess(_faulty(http_429=1.0, throttle_seconds=3), [SEARCH])
    assert response.status_code == 429
    extensions = response.json()["errors"][0]["extensions"]
    assert extensions["code"] == "RATE_LIMITED" and "consumedPoints" in extensions
    reset = datetime.fromisoformat(extensions["resetAt"].replace("Z", "+00:00"))
    assert 2 <= (reset - datetime.now(UTC)).total_seconds() <= 3.5
    assert "retry-after" not in response.headers


def test_rate_limited_error_shape() -> None:
    (response,) = run_inprocess(_faulty(rate_limited=1.0), [SEARCH])
    body = response.json()
    assert response.status_code == 200 and "data" not in body
    error = body["errors"][0]
    assert error["message"] == "Too many requests, please try again shortly."
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert {"consumedPoints", "resetAt"} <= set(error["extensions"])
    reset = datetime.fromisoformat(error["extensions"]["resetAt"].replace("Z", "+00:00"))
    # an injected throttle is a short burst (throttle_seconds, 2 by default), not a window
    assert (reset - datetime.now(UTC)).total_seconds() <= 2.5


def test_slow_answers_late_but_right() -> None:
    started = time.perf_counter()
    (response,) = run_inprocess(_faulty(slow=1.0, slow_seconds=0.3), [SEARCH])
    assert time.perf_counter() - started >= 0.3
    assert response.json()["data"]["groupSearch"]["edges"]


def test_timeout_raises_read_timeout_in_process() -> None:
    started = time.perf_counter()
    (outcome,) = run_inprocess(_faulty(timeout=1.0, timeout_seconds=60), [SEARCH])
    assert isinstance(outcome, httpx.ReadTimeout)
    assert time.perf_counter() - started < 5  # no real waiting in-process


def test_dropped_connection() -> None:
    (outcome,) = run_inprocess(_faulty(drop=1.0), [SEARCH])
    assert isinstance(outcome, httpx.RemoteProtocolError)


def test_truncated_json() -> None:
    (clean,) = run_inprocess(config(), [SEARCH])
    (cut,) = run_inprocess(_faulty(truncated_json=1.0), [SEARCH])
    assert cut.status_code == 200 and clean.content.startswith(cut.content)
    assert len(cut.content) < len(clean.content)
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut.content)


def test_invalid_json() -> None:
    (response,) = run_inprocess(_faulty(invalid_json=1.0), [SEARCH])
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


def test_field_drift_nulls_drops_and_adds_fields() -> None:
    (clean,) = run_inprocess(config(), [SEARCH])
    clean_nodes = [e["node"] for e in clean.json()["data"]["groupSearch"]["edges"]]
    kinds = set()
    for response in run_inprocess(_faulty(field_drift=1.0, seed=3), [SEARCH] * 30):
        edges = response.json()["data"]["groupSearch"]["edges"]
        nodes = [e.get("node") for e in edges]
        assert response.json() != clean.json()
        for node, before in zip(nodes, clean_nodes, strict=True):
            if not isinstance(node, dict) or node == before:
                continue
            if set(DRIFT_EXTRA_FIELDS) <= set(node):
                kinds.add("extra")
            elif set(node) < set(before):
                kinds.add("missing")
            else:
                nulled = {k for k in node if node[k] is None and before[k] is not None}
                assert nulled and nulled <= NON_NULL_FIELDS  # the schema says: never null
                kinds.add("null")
    assert kinds == {"extra", "missing", "null"}


def _busy_urlname() -> str:
    from meetup_pipeline.sandbox.world import build_world

    world = build_world(42, 1.0)
    return max(world.groups, key=lambda g: len(world.all_events(g)[0])).urlname


def test_duplicate_edges_across_pages() -> None:
    urlname = _busy_urlname()
    (first,) = run_inprocess(config(), [_events_body(urlname)])
    page1 = first.json()["data"]["groupByUrlname"]["events"]
    (second,) = run_inprocess(
        _faulty(duplicate_edges=1.0), [_events_body(urlname, page1["pageInfo"]["endCursor"])]
    )
    page2 = second.json()["data"]["groupByUrlname"]["events"]
    assert page2["edges"][0] == page1["edges"][-1]


def test_repeated_cursor() -> None:
    urlname = _busy_urlname()
    (first,) = run_inprocess(config(), [_events_body(urlname)])
    cursor = first.json()["data"]["groupByUrlname"]["events"]["pageInfo"]["endCursor"]
    (second,) = run_inprocess(_faulty(repeat_cursor=1.0), [_events_body(urlname, cursor)])
    info = second.json()["data"]["groupByUrlname"]["events"]["pageInfo"]
    assert info == {"hasNextPage": True, "endCursor": cursor}


def _signature(outcomes: list[object]) -> list[str]:
    out = []
    for o in outcomes:
        if isinstance(o, httpx.Response):
            out.append(f"{o.status_code}:{hash(o.content)}")
        else:
            out.append(type(o).__name__)
    return out


def test_faults_are_seeded_and_combinable(monkeypatch: pytest.MonkeyPatch) -> None:
    from meetup_pipeline.sandbox import app as sandbox_app

    # RATE_LIMITED faults stamp resetAt from the wall clock: pin it so bytes can match
    fixed = sandbox_app.utc_now()
    monkeypatch.setattr(sandbox_app, "utc_now", lambda: fixed)
    # ... and the window's remaining seconds come from the monotonic clock, which a loaded
    # machine advances differently between the two runs: pin the stamp itself
    stamp = sandbox_app.reset_at(fixed, 60.0)
    monkeypatch.setattr(sandbox_app, "reset_at", lambda _now, _reset_in: stamp)
    spec = FaultConfig.parse("all=0.15,slow_seconds=0,timeout_seconds=0,seed=9")
    one = _signature(run_inprocess(config(faults=spec), [SEARCH] * 40))
    two = _signature(run_inprocess(config(faults=spec), [SEARCH] * 40))
    other = _signature(
        run_inprocess(config(faults=spec.model_copy(update={"seed": 10})), [SEARCH] * 40)
    )
    assert one == two and one != other
    assert len(set(one)) >= 5  # a real mixture of outcomes


@pytest.mark.parametrize("spec", ["bogus=1", "slow", "slow=2", "http_5xx=-0.1", "slow=abc"])
def test_bad_fault_specs_are_refused(spec: str) -> None:
    with pytest.raises((ValueError, ValidationError)):
        FaultConfig.parse(spec)


def _kinds_of(plan: FaultPlan) -> list[str]:
    status = plan.status
    kinds = [k for k in FAULT_RATES if k not in ("http_5xx", "http_429") and getattr(plan, k)]
    if status == 429:
        kinds.append("http_429")
    elif status is not None:
        kinds.append("http_5xx")
    return kinds


def test_all_means_one_fault_in_that_share_of_requests() -> None:
    """`all=0.3` is an API wrong 30% of the time in every way, not 30% of each kind (which
    failed about 95% of requests): one draw per request, its kind drawn evenly."""
    injector = FaultInjector(FaultConfig.parse("all=0.3,burst_length=1,seed=5"), 42)
    plans = [_kinds_of(injector.plan()) for _ in range(4000)]
    assert max(len(kinds) for kinds in plans) == 1  # one fault per request, never a pile-up
    share = sum(1 for kinds in plans if kinds) / len(plans)
    assert 0.27 <= share <= 0.33, share
    assert {k for kinds in plans for k in kinds} == set(FAULT_RATES)


def test_all_leaves_out_the_kinds_given_a_rate_of_their_own() -> None:
    spec = FaultConfig.parse("all=0.3,timeout=0,slow=0.1")
    assert spec.any_fault == 0.3 and spec.slow == 0.1 and spec.timeout == 0.0
    assert "timeout" not in spec.any_kinds and "slow" not in spec.any_kinds
    assert "drop" in spec.any_kinds and FaultConfig.parse("drop=0.1").any_fault == 0.0
