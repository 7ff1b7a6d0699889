-- rows4_rollup_disagree_tz.sql: day rollups of a reporting zone that disagree
-- with their raw rows, for usage_check().
--
-- rows3_rollup_disagree.sql for a database whose rollups hold the local days
-- of usage_config('rollup_tz') (any zone but UTC): every clean local day below
-- a scope's watermark (the first instant of a local day, as a ts) must hold,
-- per key, exactly the number of fact rows of that local day and their sums
-- (within 1e-9 relative). A dirty mark names a UTC day; a local day is left
-- out when a mark is within a day of it, as it may overlap that UTC day. One
-- error per scope, with the number of (day, key) pairs that disagree and the
-- first day. The local day of a ts comes from usage_local(), so this file
-- needs the extension loaded; on a UTC database it returns no rows.
WITH zone AS (
  SELECT value AS tz FROM main.usage_meta
  WHERE key = 'rollup_tz' AND value NOT IN ('UTC', '')
),
raw AS (
  SELECT f.scope, substr(usage_local(f.ts, zone.tz), 1, 10) AS day,
         CASE f.scope WHEN 'project' THEN f.project_id
                      WHEN 'machine' THEN f.machine_id
                      WHEN 'user' THEN f.user_id ELSE 0 END AS key_id,
         count(*) AS samples,
         total(busy_cpu_seconds_total) AS s1, total(idle_cpu_seconds_total) AS s2,
         total(busy_kwh) AS s3, total(idle_kwh) AS s4,
         total(busy_gCo2eq) AS s5, total(idle_gCo2eq) AS s6,
         total(embodied_gCo2eq) AS s7, total(embodied_source = 'model') AS s8
  FROM main.fact_usage AS f
  JOIN main.usage_rollup_state AS s ON s.scope = f.scope
  JOIN zone
  WHERE s.watermark IS NOT NULL AND f.ts < s.watermark
    -- a ts that is not canonical is reported by the CHECK rows already
    AND f.ts GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'
  GROUP BY 1, 2, 3
),
roll AS (
  SELECT r.scope, r.day, r.key_id, r.samples,
         r.busy_cpu_seconds_total AS s1, r.idle_cpu_seconds_total AS s2,
         r.busy_kwh AS s3, r.idle_kwh AS s4, r.busy_gCo2eq AS s5, r.idle_gCo2eq AS s6,
         r.embodied_gCo2eq AS s7, r.embodied_facts AS s8
  FROM main.usage_rollup_day AS r
  JOIN main.usage_rollup_state AS s ON s.scope = r.scope
  JOIN zone
  WHERE s.watermark IS NOT NULL
    AND r.day < substr(usage_local(s.watermark, zone.tz), 1, 10)
),
pairs AS (
  SELECT scope, day, key_id FROM raw UNION SELECT scope, day, key_id FROM roll
),
bad AS (
  SELECT p.scope, p.day
  FROM pairs AS p
  LEFT JOIN raw AS a USING (scope, day, key_id)
  LEFT JOIN roll AS b USING (scope, day, key_id)
  WHERE NOT EXISTS (SELECT 1 FROM main.usage_rollup_dirty AS d
                    WHERE d.scope = p.scope
                      AND d.day BETWEEN date(p.day, '-1 day') AND date(p.day, '+1 day'))
    AND (a.samples IS NULL OR b.samples IS NULL OR a.samples <> b.samples
         OR abs(a.s1 - b.s1) > 1e-9 * max(abs(a.s1), 1)
         OR abs(a.s2 - b.s2) > 1e-9 * max(abs(a.s2), 1)
         OR abs(a.s3 - b.s3) > 1e-9 * max(abs(a.s3), 1)
         OR abs(a.s4 - b.s4) > 1e-9 * max(abs(a.s4), 1)
         OR abs(a.s5 - b.s5) > 1e-9 * max(abs(a.s5), 1)
         OR abs(a.s6 - b.s6) > 1e-9 * max(abs(a.s6), 1)
         OR abs(a.s7 - b.s7) > 1e-9 * max(abs(a.s7), 1)
         OR a.s8 <> b.s8)
)
SELECT 'error', 'rollup disagrees ' || scope,
       count(*) || ' (day, key) pair' || CASE WHEN count(*) = 1 THEN '' ELSE 's' END
         || ' differ from fact_usage, first ' || min(day)
         || '; set its watermark to NULL in usage_rollup_state and run usage_refresh()'
FROM bad
GROUP BY scope
ORDER BY CASE scope WHEN 'ada' THEN 0 WHEN 'project' THEN 1
                    WHEN 'machine' THEN 2 ELSE 3 END;
