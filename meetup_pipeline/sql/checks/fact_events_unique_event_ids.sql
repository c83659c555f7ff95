-- Event ids of the window's facts that appear more than once in fact_events (ten at most).
SELECT f.event_id, count(*) AS copies
FROM marts.fact_events AS f
WHERE f.event_id IN (
    SELECT event_id FROM marts.fact_events
    WHERE event_date >= :start_date AND event_date < :end_date
)
GROUP BY f.event_id HAVING count(*) > 1
ORDER BY f.event_id LIMIT 10
