-- Topics observed in the window, upserted by topic id.
SELECT
    rules.surrogate_key(topic_id) AS topic_key,
    topic_id, name, urlkey, observed_at
FROM staging.stg_topics
WHERE partition_date >= :start_date AND partition_date < :end_date
