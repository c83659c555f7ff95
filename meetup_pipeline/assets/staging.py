"""The staging layer: typed and cleaned in SQL, one statement per table and window."""

from meetup_pipeline.assets.sql_asset import sql_asset
from meetup_pipeline.tables import staging

stg_events = sql_asset(staging.stg_events, deps=["raw_events"], group_name="staging")
# Staging columns are parsed out of the raw JSON payloads: no column-to-column lineage.
stg_groups = sql_asset(staging.stg_groups, deps=["raw_groups"], group_name="staging")
stg_venues = sql_asset(staging.stg_venues, deps=["raw_events"], group_name="staging")
stg_topics = sql_asset(staging.stg_topics, deps=["raw_groups", "raw_events"], group_name="staging")
stg_group_topics = sql_asset(staging.stg_group_topics, deps=["raw_groups"], group_name="staging")

assets = [stg_events, stg_groups, stg_venues, stg_topics, stg_group_topics]
