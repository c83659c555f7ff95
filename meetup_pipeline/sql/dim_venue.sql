-- Physical venues observed in the window, upserted; key -1 is "no physical venue"
-- (online events) and any venue the facts cannot find.
SELECT
    rules.surrogate_key(venue_id) AS venue_key,
    venue_id, name, address, city, state, postal_code, country, lat, lon, venue_type,
    observed_at
FROM staging.stg_venues
WHERE partition_date >= :start_date AND partition_date < :end_date
UNION ALL
SELECT
    -1, '-1', 'No venue (online or unknown)', NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, '-infinity'::timestamptz
