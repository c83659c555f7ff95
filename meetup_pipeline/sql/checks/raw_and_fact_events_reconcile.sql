-- Distinct events landed in raw_events for the window, and the window's facts.
SELECT
    (SELECT count(DISTINCT event_id) FROM raw.raw_events
     WHERE partition_date >= :start_date AND partition_date < :end_date) AS raw_events,
    (SELECT count(*) FROM marts.fact_events
     WHERE event_date >= :start_date AND event_date < :end_date)         AS fact_events
