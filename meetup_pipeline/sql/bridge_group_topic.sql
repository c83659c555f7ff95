-- Group-topic pairs observed in the window, upserted by the pair.
SELECT
    rules.surrogate_key(group_id) AS group_key,
    rules.surrogate_key(topic_id) AS topic_key,
    group_id, topic_id, observed_at
FROM staging.stg_group_topics
WHERE partition_date >= :start_date AND partition_date < :end_date
