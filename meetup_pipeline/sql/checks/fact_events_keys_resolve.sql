-- The window's facts with a null key, or a key missing from its dimension.
SELECT
    count(*) FILTER (WHERE f.date_key IS NULL OR f.group_key IS NULL
                     OR f.venue_key IS NULL)                          AS null_keys,
    count(*) FILTER (WHERE d.date_key IS NULL)                        AS orphan_dates,
    count(*) FILTER (WHERE g.group_key IS NULL)                       AS orphan_groups,
    count(*) FILTER (WHERE v.venue_key IS NULL)                       AS orphan_venues,
    count(*) FILTER (WHERE f.group_key = -1)                          AS unknown_groups,
    count(*)                                                          AS facts
FROM marts.fact_events AS f
LEFT JOIN marts.dim_date AS d ON d.date_key = f.date_key
LEFT JOIN marts.dim_group AS g ON g.group_key = f.group_key
LEFT JOIN marts.dim_venue AS v ON v.venue_key = f.venue_key
WHERE f.event_date >= :start_date AND f.event_date < :end_date
