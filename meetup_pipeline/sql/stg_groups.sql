-- One typed row per group and day observed. foundedDate is written in the group's own
-- offset (so in the recorded live responses), so its date part is the local founding date.
SELECT DISTINCT ON (r.group_id, r.partition_date)
    r.group_id,
    r.urlname,
    btrim(r.payload ->> 'name')                                     AS name,
    NULLIF(btrim(r.payload ->> 'link'), '')                         AS link,
    NULLIF(btrim(r.payload ->> 'city'), '')                         AS city,
    NULLIF(upper(btrim(r.payload ->> 'state')), '')                 AS state,
    NULLIF(upper(btrim(r.payload ->> 'country')), '')               AS country,
    NULLIF(btrim(r.payload ->> 'zip'), '')                          AS zip,
    CASE WHEN coords.ok THEN coords.lat END                         AS lat,
    CASE WHEN coords.ok THEN coords.lon END                         AS lon,
    NULLIF(btrim(r.payload ->> 'timezone'), '')                     AS timezone,
    left(r.payload ->> 'foundedDate', 10)::date                     AS founded_date,
    upper(NULLIF(btrim(r.payload ->> 'status'), ''))                AS status,
    upper(NULLIF(btrim(r.payload ->> 'joinMode'), ''))              AS join_mode,
    (r.payload ->> 'isPrivate')::boolean                            AS is_private,
    COALESCE((r.payload #>> '{stats,memberCounts,all}')::integer,
             (r.payload #>> '{memberships,totalCount}')::integer)  AS member_count,
    r.payload #>> '{topicCategory,id}'                              AS topic_category_id,
    NULLIF(btrim(r.payload #>> '{topicCategory,name}'), '')         AS topic_category_name,
    r.partition_date,
    r.fetched_at                                                    AS observed_at
FROM raw.raw_groups AS r
CROSS JOIN LATERAL (
    SELECT (r.payload ->> 'lat')::double precision AS lat,
           (r.payload ->> 'lon')::double precision AS lon
) AS c
CROSS JOIN LATERAL (SELECT rules.valid_point(c.lat, c.lon) AS ok, c.lat, c.lon) AS coords
WHERE r.partition_date >= :start_date
  AND r.partition_date < :end_date
ORDER BY r.group_id, r.partition_date, r.fetched_at DESC
