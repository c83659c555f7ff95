-- Which group carries which topic, per day observed.
SELECT DISTINCT ON (r.group_id, topic ->> 'id', r.partition_date)
    r.group_id,
    topic ->> 'id'      AS topic_id,
    r.partition_date,
    r.fetched_at        AS observed_at
FROM raw.raw_groups AS r
CROSS JOIN LATERAL jsonb_array_elements(rules.json_array(r.payload -> 'activeTopics')) AS t (topic)
WHERE r.partition_date >= :start_date
  AND r.partition_date < :end_date
  AND topic ->> 'id' IS NOT NULL
ORDER BY r.group_id, topic ->> 'id', r.partition_date, r.fetched_at DESC
