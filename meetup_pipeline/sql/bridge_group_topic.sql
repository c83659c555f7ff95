-- Group-topic pairs observed in the window, upserted by the pair.
SELECT
    ('x' || left(md5(group_id), 16))::bit(64)::bigint AS group_key,
    ('x' || left(md5(topic_id), 16))::bit(64)::bigint AS topic_key,
    group_id, topic_id, observed_at
FROM staging.stg_group_topics
WHERE partition_date >= :start_date AND partition_date < :end_date
