-- Physical venues used by the window's events, one row per venue and day.
-- Coordinates that cannot be a place (rules.valid_point) are null.
SELECT DISTINCT ON (venue ->> 'id', r.partition_date)
    venue ->> 'id'                                          AS venue_id,
    NULLIF(btrim(venue ->> 'name'), '')                     AS name,
    NULLIF(btrim(venue ->> 'address'), '')                  AS address,
    NULLIF(btrim(venue ->> 'city'), '')                     AS city,
    NULLIF(upper(btrim(venue ->> 'state')), '')             AS state,
    NULLIF(btrim(venue ->> 'postalCode'), '')               AS postal_code,
    NULLIF(upper(btrim(venue ->> 'country')), '')           AS country,
    CASE WHEN coords.ok THEN coords.lat END                 AS lat,
    CASE WHEN coords.ok THEN coords.lon END                 AS lon,
    NULLIF(lower(btrim(venue ->> 'venueType')), '')         AS venue_type,
    r.partition_date,
    r.fetched_at                                            AS observed_at
FROM raw.raw_events AS r
CROSS JOIN LATERAL jsonb_array_elements(rules.json_array(r.payload -> 'venues')) AS x (venue)
CROSS JOIN LATERAL (
    SELECT (venue ->> 'lat')::double precision AS lat,
           (venue ->> 'lon')::double precision AS lon
) AS c
CROSS JOIN LATERAL (SELECT rules.valid_point(c.lat, c.lon) AS ok, c.lat, c.lon) AS coords
WHERE r.partition_date >= :start_date
  AND r.partition_date < :end_date
  AND rules.is_physical_venue(venue)
ORDER BY venue ->> 'id', r.partition_date, r.fetched_at DESC
