-- Member counts as each day's extraction saw them: the history dim_group overwrites.
SELECT
    partition_date                                       AS snapshot_date,
    to_char(partition_date, 'YYYYMMDD')::integer          AS date_key,
    ('x' || left(md5(group_id), 16))::bit(64)::bigint     AS group_key,
    member_count,
    status,
    observed_at
FROM staging.stg_groups
WHERE partition_date >= :start_date AND partition_date < :end_date
