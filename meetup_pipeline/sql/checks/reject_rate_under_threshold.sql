-- The window's rejects, events and distinct groups as landed in the raw layer.
SELECT
    (SELECT count(*) FROM raw.raw_rejects
     WHERE partition_date >= :start_date AND partition_date < :end_date) AS rejects,
    (SELECT count(*) FROM raw.raw_events
     WHERE partition_date >= :start_date AND partition_date < :end_date) AS events,
    (SELECT count(DISTINCT group_id) FROM raw.raw_groups
     WHERE partition_date >= :start_date AND partition_date < :end_date) AS groups
