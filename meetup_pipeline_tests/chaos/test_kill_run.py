"""kill -9 of a real run in each phase, then the same command again: it completes.

Nothing is cleaned by hand between the two. The re-run must finish, no run may be left
STARTED, the dead run must be FAILED with a message saying its process is gone, no pool
slot may stay held, and the marts must be identical (md5 of every mart table, ordered)
to an uninterrupted run of the same window.
"""

from __future__ import annotations

import pytest

from meetup_pipeline_tests.chaos.conftest import Site

PHASES = {
    # the first log line of each phase; the kill lands right after it
    "extraction": 'raw_meetup - STEP_START - Started execution of step "raw_meetup"',
    "raw write": 'STEP_OUTPUT - Yielded output "raw_groups"',
    "staging": 'stg_events - STEP_START - Started execution of step "stg_events"',
    "marts": 'fact_events - STEP_START - Started execution of step "fact_events"',
}


def run_id_of(output: str) -> str:
    """The run id in Dagster's CLI log lines (`... - __ASSET_JOB - <run id> - ...`)."""
    for line in output.splitlines():
        if " - __ASSET_JOB - " in line:
            return line.split(" - __ASSET_JOB - ", 1)[1].split(" - ", 1)[0]
    raise AssertionError(f"no run id in the output:\n{output[-3000:]}")


@pytest.mark.parametrize("phase", list(PHASES))
def test_kill_9_then_the_same_command_completes(
    phase: str, site: Site, clean_marts: dict[str, str]
) -> None:
    killed = site.materialize(kill_at=PHASES[phase])
    assert killed.killed, f"the run never reached {phase}:\n{killed.output[-3000:]}"
    dead_run = run_id_of(killed.output)
    assert site.runs()[dead_run] == "STARTED"  # what Dagster alone leaves behind

    again = site.materialize()

    assert again.code == 0, again.output[-4000:]
    assert "RUN_SUCCESS" in again.output
    statuses = site.runs()
    assert statuses[dead_run] == "FAILURE"
    assert "STARTED" not in statuses.values(), statuses
    (message,) = site.failure_messages(dead_run)
    assert f"process {killed.pid} on host" in message and "is gone" in message
    assert site.held_slots() == []
    assert site.marts_md5() == clean_marts
