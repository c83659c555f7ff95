-- What dim_holiday covers: every country of the warehouse's groups and every year of its
-- calendar. The asset expands them with the `holidays` package (calendar.py) and rebuilds
-- the whole table, so a country first seen in a later window reaches the earlier years too
-- and the result never depends on which windows were loaded, or in which order.
SELECT
    ARRAY(SELECT DISTINCT g.country FROM marts.dim_group AS g
          WHERE g.country IS NOT NULL ORDER BY 1)                 AS countries,
    ARRAY(SELECT DISTINCT d.year FROM marts.dim_date AS d ORDER BY 1)  AS years
