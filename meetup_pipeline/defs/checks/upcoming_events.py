"""Whether the `upcoming_events` refresh reached the Meetup API.

The check runs inside `upcoming_events`' step (a check spec of the asset, `assets/marts.py`):
only the refresh itself knows whether it reached the API. A failed refresh keeps the
previous list and warns; it stops nothing.
"""

import dagster as dg

CHECK_NAME = "upcoming_events_refreshed"

SPEC = dg.AssetCheckSpec(
    CHECK_NAME,
    asset="upcoming_events",
    description=(
        "The refresh reached the Meetup API. When it did not, the previous list is "
        "kept, marked stale (metadata `refresh_failed`, `as_of`), and this warns: "
        "the dashboard is still rebuilt and says the list is stale."
    ),
)
