-- One typed row per event of the window, deduplicated by id (the newest fetch wins).
-- The event's venue and whether it is online follow the shared rules (warehouse/ddl.py).
-- Its local start is its own wall time: the dateTime as printed in its own offset, whose
-- date is the partition_date the raw layer gave it (assets/raw.py, localdays.py).
SELECT DISTINCT ON (r.event_id)
    r.event_id,
    COALESCE(r.group_id, r.payload #>> '{group,id}')                   AS group_id,
    rules.physical_venue(r.payload -> 'venues') ->> 'id'               AS venue_id,
    btrim(r.payload ->> 'title')                                       AS title,
    NULLIF(btrim(r.payload ->> 'eventUrl'), '')                        AS event_url,
    upper(btrim(r.payload ->> 'status'))                               AS status,
    NULLIF(upper(btrim(r.payload ->> 'eventType')), '')                AS event_type,
    rules.is_online(r.payload ->> 'eventType', r.payload -> 'venues')  AS is_online,
    r.starts_at,
    (r.payload ->> 'endTime')::timestamptz                             AS ends_at,
    rules.local_wall(r.payload ->> 'dateTime')                         AS local_start,
    rules.utc_offset_minutes(r.payload ->> 'dateTime')                 AS utc_offset_minutes,
    (extract(epoch FROM (r.payload ->> 'duration')::interval) / 60)::integer
                                                                       AS duration_minutes,
    (r.payload ->> 'createdTime')::timestamptz                         AS created_at,
    (r.payload ->> 'maxTickets')::integer                              AS max_tickets,
    (r.payload #>> '{rsvps,totalCount}')::integer                      AS rsvp_total_count,
    (r.payload #>> '{rsvps,yesCount}')::integer                        AS rsvp_yes_count,
    (r.payload #>> '{rsvps,waitlistCount}')::integer                   AS waitlist_count,
    (r.payload #>> '{rsvps,attendedCount}')::integer                   AS attended_count,
    (r.payload #>> '{rsvps,noShowCount}')::integer                     AS no_show_count,
    (r.payload #>> '{feeSettings,required}')::boolean                  AS fee_required,
    (r.payload #>> '{feeSettings,amount}')::numeric(12, 2)             AS fee_amount,
    NULLIF(upper(btrim(r.payload #>> '{feeSettings,currency}')), '')   AS fee_currency,
    r.partition_date,
    r.fetched_at                                                       AS observed_at
FROM raw.raw_events AS r
WHERE r.partition_date >= :start_date
  AND r.partition_date < :end_date
ORDER BY r.event_id, r.fetched_at DESC
