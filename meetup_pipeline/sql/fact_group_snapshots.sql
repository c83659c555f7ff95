-- Member counts as observed: one row per group and Bay Area day of the observation (the
-- day the API was read, not the day the group's events fall on). The IO manager merges
-- by (snapshot_date, group_key), newest observation of that day wins, and keeps every
-- other day, so history accumulates and a backfill adds today's observation only.
SELECT
    (observed_at AT TIME ZONE CAST(:local_timezone AS text))::date   AS snapshot_date,
    to_char(observed_at AT TIME ZONE CAST(:local_timezone AS text), 'YYYYMMDD')::integer
                                                                     AS date_key,
    rules.surrogate_key(group_id)                                    AS group_key,
    member_count,
    status,
    observed_at
FROM staging.stg_groups
WHERE partition_date >= :start_date AND partition_date < :end_date
