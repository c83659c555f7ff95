"""The one partitioning of the pipeline: calendar days in the region's time zone."""

import dagster as dg

from meetup_pipeline.settings import LOCAL_TIMEZONE, PARTITIONS_START_DATE

daily = dg.DailyPartitionsDefinition(
    start_date=PARTITIONS_START_DATE, timezone=LOCAL_TIMEZONE, end_offset=0
)
"""An event belongs to the day on which it starts, in `MEETUP_TIMEZONE` (default
America/Los_Angeles)."""

single_run = dg.BackfillPolicy.single_run()
"""Ten years is one run: one API pass per group, one SQL statement per table."""
