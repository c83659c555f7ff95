"""A flaky or throttled API costs time, not the run: the ordinary command, in-process
sandbox, about a third of the answers failing (5xx in bursts of three, timeouts, dropped
connections) and throttles that say when to come back. The run completes with the marts
of a clean run; every rate-limit wait is the one the API named, not a flat minute.

(The per-request budget at 30% of each fault is measured on the transport, where it is
fast: `meetup/test_transport.py`; a real run at those rates takes minutes.)"""

from __future__ import annotations

import re

from meetup_pipeline_tests.chaos.conftest import Site

FAULTS = "http_5xx=0.1,timeout=0.1,drop=0.1,http_429=0.05,rate_limited=0.05,throttle_seconds=1"
WAIT = re.compile(r"rate limited \((HTTP 429|RATE_LIMITED)\); waiting ([0-9.]+) s")


def test_a_flaky_throttled_api_costs_time_not_the_run(
    site: Site, clean_marts: dict[str, str]
) -> None:
    # seed 1: the first 45 answers of each extraction (the sandbox replays them from its
    # start) hold 5xx, timeouts, drops and both kinds of throttle
    site.env["MEETUP_SANDBOX_FAULTS"] = f"{FAULTS},seed=1"
    outcome = site.materialize()
    assert outcome.code == 0, outcome.output[-3000:]
    waits = [(kind, float(s)) for kind, s in WAIT.findall(outcome.output)]
    # throttles were met, and each waited out by its resetAt (1 s away, in whole seconds)
    assert {kind for kind, _ in waits} == {"HTTP 429", "RATE_LIMITED"}, waits
    assert max(s for _, s in waits) <= 2.5, waits
    retried = re.findall(
        r"attempt \d+ failed \((HTTP 5\d\d|timeout|connection dropped)", outcome.output
    )
    assert {"timeout", "connection dropped"} <= set(retried) and any(
        r.startswith("HTTP 5") for r in retried
    )
    assert site.marts_md5() == clean_marts


def test_an_api_wrong_a_third_of_the_time_in_every_way_costs_time_not_the_run(
    site: Site, clean_marts: dict[str, str]
) -> None:
    """`all=0.3`: about a third of the answers go wrong, each in one of every way the
    sandbox knows (5xx bursts, throttles, timeouts, drops, slow, truncated or invalid
    JSON, drifted fields, duplicate edges, repeated cursors). Transport faults are retried,
    damaged pages fetched again, duplicates dropped: the marts are those of a clean run and
    nothing is quarantined. (Before `all` meant this, it drew each kind at 30%: about 95%
    of the answers failed and the run gave up.)"""
    site.env["MEETUP_SANDBOX_FAULTS"] = "all=0.3,slow_seconds=0.2,throttle_seconds=1"
    outcome = site.materialize()
    assert outcome.code == 0, outcome.output[-3000:]
    assert re.search(r"attempt \d+ failed", outcome.output), "no fault was met"
    assert site.marts_md5() == clean_marts
    with site.connect("meetup") as conn:
        rejects = conn.execute("SELECT count(*) FROM raw.raw_rejects").fetchone()[0]
    assert rejects == 0
