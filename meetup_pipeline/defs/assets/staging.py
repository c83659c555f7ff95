"""The staging layer: typed and cleaned in SQL, one statement per table and window.

Staging columns are parsed out of the raw JSON payloads, so there is no column-to-column
lineage to state here; each asset's upstream assets come from the tables its SQL reads.
"""

from meetup_pipeline.defs.assets.sql_asset import sql_asset
from meetup_pipeline.tables import staging

stg_events = sql_asset(staging.stg_events, group_name="staging")
stg_groups = sql_asset(staging.stg_groups, group_name="staging")
stg_venues = sql_asset(staging.stg_venues, group_name="staging")
stg_topics = sql_asset(staging.stg_topics, group_name="staging")
stg_group_topics = sql_asset(staging.stg_group_topics, group_name="staging")
