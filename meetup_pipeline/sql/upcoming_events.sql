-- Events scheduled from now on, typed by the same rules as past events (rules.* in
-- warehouse/ddl.py): the same venue, online and coordinate rules as stg_events/stg_venues.
-- :events is a JSON array of {"starts_at", "payload"} and :groups one of Group payloads,
-- both from one extraction; nothing here reads a table.
WITH events AS (
    SELECT (e.item ->> 'starts_at')::timestamptz AS starts_at, e.item -> 'payload' AS payload
    FROM jsonb_array_elements(rules.json_array(CAST(:events AS jsonb))) AS e (item)
),
groups AS (
    SELECT DISTINCT ON (g.payload ->> 'id') g.payload ->> 'id' AS group_id, g.payload
    FROM jsonb_array_elements(rules.json_array(CAST(:groups AS jsonb))) AS g (payload)
    ORDER BY g.payload ->> 'id'
)
SELECT DISTINCT ON (e.payload ->> 'id')
    e.payload ->> 'id'                                                    AS event_id,
    btrim(e.payload ->> 'title')                                          AS title,
    NULLIF(btrim(e.payload ->> 'eventUrl'), '')                           AS event_url,
    e.starts_at,
    rules.local_wall(e.payload ->> 'dateTime')                            AS local_start,
    rules.utc_offset_minutes(e.payload ->> 'dateTime')                    AS utc_offset_minutes,
    upper(btrim(e.payload ->> 'status'))                                  AS status,
    rules.is_online(e.payload ->> 'eventType', e.payload -> 'venues')     AS is_online,
    COALESCE(e.payload #>> '{group,id}', '-1')                            AS group_id,
    COALESCE(g.payload ->> 'name', e.payload #>> '{group,name}')          AS group_name,
    g.payload ->> 'urlname'                                               AS group_urlname,
    NULLIF(btrim(venue.v ->> 'name'), '')                                 AS venue_name,
    NULLIF(btrim(venue.v ->> 'city'), '')                                 AS city,
    CASE WHEN rules.valid_point(c.lat, c.lon) THEN c.lat END              AS lat,
    CASE WHEN rules.valid_point(c.lat, c.lon) THEN c.lon END              AS lon,
    (e.payload #>> '{rsvps,yesCount}')::integer                           AS rsvp_yes_count,
    (e.payload #>> '{rsvps,waitlistCount}')::integer                      AS waitlist_count,
    (e.payload #>> '{feeSettings,amount}')::numeric(12, 2)                AS fee_amount,
    NULLIF(upper(btrim(e.payload #>> '{feeSettings,currency}')), '')      AS fee_currency,
    CAST(:snapshot_at AS timestamptz)                                     AS snapshot_at
FROM events AS e
LEFT JOIN groups AS g ON g.group_id = e.payload #>> '{group,id}'
CROSS JOIN LATERAL (SELECT rules.physical_venue(e.payload -> 'venues') AS v) AS venue
CROSS JOIN LATERAL (
    SELECT (venue.v ->> 'lat')::double precision AS lat,
           (venue.v ->> 'lon')::double precision AS lon
) AS c
WHERE e.payload ->> 'id' IS NOT NULL
ORDER BY e.payload ->> 'id'
