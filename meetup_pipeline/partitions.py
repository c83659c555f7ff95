"""The one partitioning of the pipeline: calendar days, keyed by date.

A key D holds the events whose own local date is D (localdays.py). The definition's zone
is the warehouse's clock (`MEETUP_TIMEZONE`): it decides only which day is "yesterday"
(the newest key) and when the schedule ticks; README "Partitions" says why not
`Etc/GMT+12`."""

import dagster as dg

from meetup_pipeline.settings.clock import LOCAL_TIMEZONE, PARTITIONS_START_DATE

daily = dg.DailyPartitionsDefinition(
    start_date=PARTITIONS_START_DATE, timezone=LOCAL_TIMEZONE, end_offset=0
)
"""An event belongs to the day on which it starts in its own zone; the newest key is
yesterday on the clock (default America/Los_Angeles)."""

single_run = dg.BackfillPolicy.single_run()
"""Ten years is one run: one API pass per group, one SQL statement per table."""
