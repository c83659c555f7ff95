-- raw_rejects of the window, from the session's stage (pg_temp._raw_load; see raw.load_stage).
SELECT entity, record_id, partition_date,
       CAST(:fetched_at AS timestamptz) AS fetched_at, CAST(:source AS text) AS source,
       reason, payload, field
FROM pg_temp._raw_load WHERE kind = 'reject'
