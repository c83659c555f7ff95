-- The window's facts, the trailing 28 days' facts, and how many of those days the calendar has.
SELECT
    (SELECT count(*) FROM marts.fact_events
     WHERE event_date >= :start_date AND event_date < :end_date)            AS current,
    (SELECT count(*) FROM marts.fact_events
     WHERE event_date >= CAST(:start_date AS date) - 28
       AND event_date < :start_date)                                       AS trailing,
    (SELECT count(*) FROM marts.dim_date
     WHERE date_day >= CAST(:start_date AS date) - 28
       AND date_day < :start_date)                                         AS trailing_days
