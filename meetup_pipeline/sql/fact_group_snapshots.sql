-- Member counts as observed: one row per group and day of the observation in the group's
-- own zone (the day the API was read there, not the day its events fall on); a group
-- whose zone is unknown, or not a zone PostgreSQL knows, counts in the warehouse's clock
-- (:local_timezone). The IO manager merges by (snapshot_date, group_key), newest
-- observation of that day wins, and keeps every other day, so history accumulates and a
-- backfill adds today's observation only.
SELECT
    (s.observed_at AT TIME ZONE z.zone)::date                       AS snapshot_date,
    to_char(s.observed_at AT TIME ZONE z.zone, 'YYYYMMDD')::integer  AS date_key,
    rules.surrogate_key(s.group_id)                                  AS group_key,
    s.member_count,
    s.status,
    s.observed_at
FROM staging.stg_groups AS s
LEFT JOIN (SELECT name FROM pg_timezone_names) AS known ON known.name = s.timezone
CROSS JOIN LATERAL (
    SELECT COALESCE(known.name, CAST(:local_timezone AS text)) AS zone
) AS z
WHERE s.partition_date >= :start_date AND s.partition_date < :end_date
