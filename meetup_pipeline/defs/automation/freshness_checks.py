"""`freshness_checks_sensor`: runs each freshness check when it can next turn overdue.

The checks and how they judge are in `checks/freshness.py`; their failures are sent by
`freshness_alert` (`alerts/freshness.py`).
"""

import dagster as dg

from meetup_pipeline import notices
from meetup_pipeline.defs.checks import freshness

# Dagster 1.13 marks this builder "superseded" by `FreshnessPolicy`, whose state is kept by a
# daemon and is neither an asset check nor visible to a sensor; checks are what
# `dagster asset check`, the UI's check history and the alert sensor (`alerts/freshness.py`)
# work with.
with notices.silenced(notices.FRESHNESS_SENSOR_SUPERSEDED):
    freshness_checks_sensor = dg.build_sensor_for_freshness_checks(
        freshness_checks=freshness.freshness_checks,
        minimum_interval_seconds=freshness.CHECK_INTERVAL_S,
        name="freshness_checks_sensor",
        default_status=dg.DefaultSensorStatus.RUNNING,
    )
