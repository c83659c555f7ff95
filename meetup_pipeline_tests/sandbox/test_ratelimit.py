"""The 500-points-per-60-s budget on a fake clock, and the documented cost formula."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from meetup_pipeline.sandbox.config import AuthConfig, RateLimitConfig
from meetup_pipeline.sandbox.gql import prepare

from .conftest import NOW, Api, config

PAGE_200 = '{ groupByUrlname(urlname: "x") { events(first: 200) { edges { node { id } } } } }'


class FakeClock:
    def __init__(self) -> None:
        self.t = 50.0

    def __call__(self) -> float:
        return self.t


def _cost(query: str, variables: dict | None = None) -> int:
    return prepare({"query": query, "variables": variables or {}}, 200).cost


@pytest.mark.parametrize(
    "query,variables,cost",
    [
        ("{ topicCategories { totalCount } }", None, 1),
        (PAGE_200, None, 3),
        ('{ groupByUrlname(urlname: "x") { events { edges { node { id } } } } }', None, 2),
        ('{ groupByUrlname(urlname: "x") { events(first: 1000) { edges { cursor } } } }', None, 3),
        ('{ groupByUrlname(urlname: "x") { events(first: 200) { totalCount } } }', None, 1),
        (
            'query ($n: Int = 150) { groupByUrlname(urlname: "x") '
            "{ events(first: $n) { edges { cursor } } } }",
            None,
            3,
        ),
        (
            'query ($n: Int = 150) { groupByUrlname(urlname: "x") '
            "{ events(first: $n) { edges { cursor } } } }",
            {"n": 50},
            2,
        ),
        (
            """{ groupSearch(first: 200, filter: {query: "x", lat: 0, lon: 0}) { edges { node {
         events(first: 10) { edges { node { id rsvps { yesCount } } } } } } } }""",
            None,
            203,
        ),
        (
            """query { groupByUrlname(urlname: "x") { ...F } }
        fragment F on Group { events(first: 100) { edges { node { id } } } }""",
            None,
            2,
        ),
    ],
)
def test_cost_formula(query: str, variables: dict | None, cost: int) -> None:
    assert _cost(query, variables) == cost


def test_budget_per_window_with_reset(monkeypatch: pytest.MonkeyPatch) -> None:
    from meetup_pipeline.sandbox import app as sandbox_app

    # resetAt is stamped from the wall clock (clients sleep until it); pin it for the test
    monkeypatch.setattr(sandbox_app, "utc_now", lambda: NOW)
    clock = FakeClock()
    api = Api(config(rate_limit=RateLimitConfig()), clock)
    for _ in range(166):  # 166 * 3 = 498 points
        assert "errors" not in api.post(PAGE_200).json()
    response = api.post(PAGE_200)
    assert response.status_code == 200
    body = response.json()
    assert "data" not in body
    error = body["errors"][0]
    assert error["message"] == "Too many requests, please try again shortly."
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert error["extensions"]["consumedPoints"] == 498
    reset = datetime.fromisoformat(error["extensions"]["resetAt"].replace("Z", "+00:00"))
    assert reset == NOW + timedelta(seconds=60)  # window opened at the first request
    # a cheap query still fits the last 2 points; refused requests cost nothing
    assert "errors" not in api.post("{ topicCategories { totalCount } }").json()
    clock.t += 59.9
    assert "errors" in api.post(PAGE_200).json()
    clock.t += 0.1
    assert "errors" not in api.post(PAGE_200).json()


def test_http429_mode_and_per_token_budgets() -> None:
    clock = FakeClock()
    auth = AuthConfig(client_id="c", client_secret="s", static_tokens=["a", "b"])
    api = Api(config(auth=auth, rate_limit=RateLimitConfig(mode="http429", points=9)), clock)
    headers_a, headers_b = {"Authorization": "Bearer a"}, {"Authorization": "Bearer b"}
    for _ in range(3):
        assert api.post(PAGE_200, headers=headers_a).status_code == 200
    refused = api.post(PAGE_200, headers=headers_a)
    assert refused.status_code == 429
    assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert api.post(PAGE_200, headers=headers_b).status_code == 200  # its own budget


def test_disabled_never_throttles() -> None:
    api = Api(config(rate_limit=RateLimitConfig(enabled=False, points=3)), FakeClock())
    assert all("errors" not in api.post(PAGE_200).json() for _ in range(5))
