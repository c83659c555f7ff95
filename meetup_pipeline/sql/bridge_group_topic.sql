-- Each group's topics as listed by its newest observation that lists any (type 1, like
-- dim_group): a topic the group dropped leaves the bridge, and an observation without
-- topics (the API omits fields now and then) erases nothing. It reads every window of
-- staging, not just the run's, and replaces the whole table: the result never depends on
-- which windows were loaded, or in which order.
SELECT DISTINCT ON (t.group_id, t.topic_id)
    rules.surrogate_key(t.group_id) AS group_key,
    rules.surrogate_key(t.topic_id) AS topic_key,
    t.group_id,
    t.topic_id,
    t.observed_at
FROM staging.stg_group_topics AS t
JOIN (
    SELECT group_id, max(observed_at) AS observed_at
    FROM staging.stg_group_topics
    GROUP BY group_id
) AS newest USING (group_id, observed_at)
ORDER BY t.group_id, t.topic_id
