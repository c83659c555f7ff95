-- raw_events of the window, from the session's stage (pg_temp._raw_load; see raw.load_stage).
-- An event found under two groups (or by two sources) lands once: the first copy received
-- wins, with every source that saw any copy (sorted, each once).
SELECT e.record_id AS event_id, e.group_id, e.starts_at, e.partition_date,
       CAST(:fetched_at AS timestamptz) AS fetched_at, CAST(:source AS text) AS source,
       e.payload, s.sources
FROM (SELECT DISTINCT ON (record_id) record_id, group_id, starts_at, partition_date, payload
      FROM pg_temp._raw_load WHERE kind = 'event' ORDER BY record_id, seq) AS e
LEFT JOIN (SELECT c.record_id, jsonb_agg(DISTINCT c.label ORDER BY c.label) AS sources
           FROM (SELECT record_id, jsonb_array_elements_text(sources) AS label
                 FROM pg_temp._raw_load WHERE kind = 'event' AND sources IS NOT NULL) AS c
           GROUP BY c.record_id) AS s ON s.record_id = e.record_id
