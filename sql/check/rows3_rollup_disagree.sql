-- rows3_rollup_disagree.sql: day rollups that disagree with their raw rows, for
-- usage_check().
--
-- Every clean day below a scope's watermark must hold, per key, exactly the
-- number of fact rows of that day and their sums (within 1e-9 relative: the
-- rollup sums in the raw scan's order, SQL's sum() in its own). A row missing
-- on either side counts too. One error per scope, with the number of (day,
-- key) pairs that disagree and the first day. Such rows come only from
-- writes that bypassed the triggers (dropped, or a tool that disabled them);
-- usage_refresh() does not repair them, but setting the scope's watermark to
-- NULL in usage_rollup_state makes the next refresh rebuild it. This file
-- checks rollups of UTC days (rollup_tz unset or 'UTC'); those of a reporting
-- zone are checked by rows4_rollup_disagree_tz.sql. Runs as it is in a plain
-- sqlite3:
--
--   sqlite3 usage.db < sql/check/rows3_rollup_disagree.sql
WITH utc AS (
  SELECT 1 WHERE coalesce((SELECT value FROM main.usage_meta
                           WHERE key = 'rollup_tz'), 'UTC') IN ('UTC', '')
),
raw AS (
  SELECT f.scope, substr(f.ts, 1, 10) AS day,
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
  JOIN utc
  WHERE s.watermark IS NOT NULL AND f.ts < s.watermark
  GROUP BY 1, 2, 3
),
roll AS (
  SELECT r.scope, r.day, r.key_id, r.samples,
         r.busy_cpu_seconds_total AS s1, r.idle_cpu_seconds_total AS s2,
         r.busy_kwh AS s3, r.idle_kwh AS s4, r.busy_gCo2eq AS s5, r.idle_gCo2eq AS s6,
         r.embodied_gCo2eq AS s7, r.embodied_facts AS s8
  FROM main.usage_rollup_day AS r
  JOIN main.usage_rollup_state AS s ON s.scope = r.scope
  JOIN utc
  WHERE s.watermark IS NOT NULL AND r.day < s.watermark
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
                    WHERE d.scope = p.scope AND d.day = p.day)
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
