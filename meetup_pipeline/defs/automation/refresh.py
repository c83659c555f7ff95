"""`upcoming_events_refresh`: the upcoming-events snapshot, every three hours.

It re-takes the `upcoming_events` snapshot (and rebuilds the dashboard, when the code
location has one); the daily schedule does the rest. See docs/automation.md for why there
is no Declarative Automation.
"""

from datetime import UTC, datetime

import dagster as dg

from meetup_pipeline.defs.automation.schedules import RUN_KIND_TAG, UPCOMING_EVENTS

REFRESH_INTERVAL_S = 3 * 60 * 60

REFRESH_SELECTION = dg.AssetSelection.from_string(f'key:"{UPCOMING_EVENTS}" or key:"dashboard"')
"""`upcoming_events`, and `dashboard` if the code location has it (`key:` filters select
nothing for a missing key, where `AssetSelection.assets` would fail the load)."""


def refresh_bucket(now: datetime, interval_s: int = REFRESH_INTERVAL_S) -> str:
    """The UTC start of the `interval_s` bucket holding `now`: one run key per bucket."""
    seconds = int(now.timestamp()) // interval_s * interval_s
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%MZ")


@dg.sensor(
    name="upcoming_events_refresh",
    target=REFRESH_SELECTION,
    minimum_interval_seconds=REFRESH_INTERVAL_S,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Re-takes the upcoming_events snapshot (and the dashboard) every 3 hours.",
)
def upcoming_events_refresh(context: dg.SensorEvaluationContext) -> dg.RunRequest:
    """One run per 3-hour bucket; the run key makes a repeated tick in a bucket a no-op."""
    bucket = refresh_bucket(datetime.now(UTC))
    return dg.RunRequest(run_key=f"upcoming-{bucket}", tags={RUN_KIND_TAG: "upcoming"})
