-- One row per event on the local day it starts (the date of its dateTime in its own
-- offset, whatever zone the warehouse's clock is in), with its own wall time, that offset
-- and its group's IANA zone. Dimensions are LEFT JOINed and a missing member becomes the
-- unknown key -1: a fact is never dropped by a join. The date key is dim_date's (built
-- first for the same window); its yyyymmdd form if it is absent. A public holiday of the
-- event's country is marts.dim_holiday on (date_key, dim_group.country).
SELECT
    rules.surrogate_key(e.event_id)                        AS event_key,
    e.event_id,
    COALESCE(d.date_key, to_char(e.partition_date, 'YYYYMMDD')::integer)
                                                           AS date_key,
    COALESCE(g.group_key, -1)                              AS group_key,
    COALESCE(v.venue_key, -1)                              AS venue_key,
    e.partition_date                                       AS event_date,
    e.starts_at,
    e.ends_at,
    e.local_start,
    e.title,
    e.event_url,
    e.status,
    e.event_type,
    e.is_online,
    e.rsvp_yes_count,
    e.rsvp_total_count,
    e.waitlist_count,
    e.attended_count,
    e.no_show_count,
    e.fee_required,
    e.fee_amount,
    e.fee_currency,
    e.duration_minutes,
    e.max_tickets,
    e.created_at,
    e.observed_at,
    e.utc_offset_minutes,
    g.timezone
FROM staging.stg_events AS e
LEFT JOIN marts.dim_group AS g ON g.group_id = e.group_id
LEFT JOIN marts.dim_venue AS v ON v.venue_id = e.venue_id
LEFT JOIN marts.dim_date AS d ON d.date_day = e.partition_date
WHERE e.partition_date >= :start_date
  AND e.partition_date < :end_date
