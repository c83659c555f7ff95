-- Groups observed in the window; the IO manager upserts them (newest observation wins).
-- The unknown member (key -1) rides along with the oldest possible version, so it is
-- created once and never overwrites anything.
SELECT
    rules.surrogate_key(group_id) AS group_key,
    group_id, urlname, name, link, city, state, country, zip, lat, lon, timezone,
    founded_date, status, join_mode, is_private, member_count,
    topic_category_id, topic_category_name, observed_at
FROM staging.stg_groups
WHERE partition_date >= :start_date AND partition_date < :end_date
UNION ALL
SELECT
    -1, '-1', '-1', 'Unknown group', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL, NULL, NULL, NULL, NULL, NULL, '-infinity'::timestamptz
