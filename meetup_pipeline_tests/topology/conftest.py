"""One production topology per test session, shared by the tests of this package.

Run with `pytest -p no:xdist -m topology` (the marker is deselected by default: the
topology needs Debian's PostgreSQL server, and one session starts it once).
`MEETUP_TOPOLOGY_WITHOUT=daemon|user-code|run_monitoring` leaves that part out, to show
the tests fail without it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from meetup_pipeline_tests.topology.harness import Topology
from meetup_pipeline_tests.topology.postgres import pg_bindir

WITHOUT_ENV = "MEETUP_TOPOLOGY_WITHOUT"
TEST_ENV = {
    # the daily schedule fires at the next minute (the test then switches it off)
    "MEETUP_DAILY_CRON": "* * * * *",
}


@pytest.fixture(scope="session")
def topology() -> Iterator[Topology]:
    if pg_bindir() is None:
        pytest.skip("Debian's PostgreSQL server is not installed (apt-get install postgresql)")
    without = frozenset(p for p in os.environ.get(WITHOUT_ENV, "").split(",") if p)
    started = Topology(extra_env=TEST_ENV, without=without)
    try:
        yield started.start()
    finally:
        started.stop(keep_files=bool(os.environ.get("MEETUP_TOPOLOGY_KEEP")))
