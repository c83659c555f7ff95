-- raw_groups of the window, from the session's stage (pg_temp._raw_load; see raw.load_stage).
-- A group lands on each day it hosted events (the days of the first copy of each event),
-- once per day: its first copy received, with every source that saw any copy.
SELECT g.record_id AS group_id, g.urlname, d.partition_date,
       CAST(:fetched_at AS timestamptz) AS fetched_at, CAST(:source AS text) AS source,
       g.payload, s.sources
FROM (SELECT DISTINCT ON (record_id) record_id, urlname, payload
      FROM pg_temp._raw_load WHERE kind = 'group' ORDER BY record_id, seq) AS g
JOIN (SELECT DISTINCT e.group_id, e.partition_date
      FROM (SELECT DISTINCT ON (record_id) record_id, group_id, partition_date
            FROM pg_temp._raw_load WHERE kind = 'event' ORDER BY record_id, seq) AS e) AS d
  ON d.group_id = g.record_id
LEFT JOIN (SELECT c.record_id, jsonb_agg(DISTINCT c.label ORDER BY c.label) AS sources
           FROM (SELECT record_id, jsonb_array_elements_text(sources) AS label
                 FROM pg_temp._raw_load WHERE kind = 'group' AND sources IS NOT NULL) AS c
           GROUP BY c.record_id) AS s ON s.record_id = g.record_id
