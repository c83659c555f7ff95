-- Topics seen in the window, from groups' active topics and events' topics.
WITH seen AS (
    SELECT topic, r.partition_date, r.fetched_at
    FROM raw.raw_groups AS r
    CROSS JOIN LATERAL jsonb_array_elements(rules.json_array(r.payload -> 'activeTopics')) AS t (topic)
    WHERE r.partition_date >= :start_date AND r.partition_date < :end_date
    UNION ALL
    SELECT edge -> 'node', r.partition_date, r.fetched_at
    FROM raw.raw_events AS r
    CROSS JOIN LATERAL jsonb_array_elements(rules.json_array(r.payload #> '{topics,edges}')) AS e (edge)
    WHERE r.partition_date >= :start_date AND r.partition_date < :end_date
)
SELECT DISTINCT ON (topic ->> 'id', partition_date)
    topic ->> 'id'                          AS topic_id,
    btrim(topic ->> 'name')                 AS name,
    NULLIF(btrim(topic ->> 'urlkey'), '')   AS urlkey,
    partition_date,
    fetched_at                              AS observed_at
FROM seen
WHERE topic ->> 'id' IS NOT NULL AND NULLIF(btrim(topic ->> 'name'), '') IS NOT NULL
ORDER BY topic ->> 'id', partition_date, fetched_at DESC
