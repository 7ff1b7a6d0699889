-- rows5_scope_exceeds_platform.sql: days on which a scope used more than the
-- platform, for usage_check().
--
-- A project's machines, the machines and the users all run on the platform,
-- so on any day the sum over all keys of the project, machine or user scope
-- cannot exceed the platform's (ada) total, of CPU seconds (busy + idle) or
-- of kWh (busy + idle). One warning per day, scope and quantity where it
-- does by more than 1e-9 relative, naming both totals; days without ada
-- facts are not compared. At most 100 rows, then one saying how many more
-- there are. Days are UTC. Runs as it is in a plain sqlite3 on a usage
-- database:
--
--   sqlite3 usage.db < sql/check/rows5_scope_exceeds_platform.sql
WITH per_day AS (
  SELECT substr(ts, 1, 10) AS day, scope,
         total(busy_cpu_seconds_total + idle_cpu_seconds_total) AS cpu,
         total(busy_kwh + idle_kwh) AS kwh
  FROM main.fact_usage
  GROUP BY 1, 2
),
found AS (
  SELECT s.day, s.scope, q.what,
         CASE q.what WHEN 'CPU seconds' THEN s.cpu ELSE s.kwh END AS v,
         CASE q.what WHEN 'CPU seconds' THEN a.cpu ELSE a.kwh END AS av
  FROM per_day AS s
  JOIN per_day AS a ON a.day = s.day AND a.scope = 'ada'
  JOIN (SELECT 'CPU seconds' AS what UNION ALL SELECT 'kWh') AS q
  WHERE s.scope IN ('project', 'machine', 'user')
),
over AS (
  SELECT * FROM found WHERE v - av > 1e-9 * v
),
shown AS (
  SELECT 0 AS k, day, scope, what,
         day || ': ' || scope || ' scope used ' || printf('%!.15g', v) || ' ' || what
           || ', more than the platform''s (ada) ' || printf('%!.15g', av) || ' ' || what
           || '; its facts disagree with the platform''s' AS detail
  FROM over
  ORDER BY day, CASE scope WHEN 'project' THEN 1 WHEN 'machine' THEN 2 ELSE 3 END, what
  LIMIT 100
)
SELECT 'warning', 'scope exceeds platform', detail
FROM (
  SELECT k, day, scope, what, detail FROM shown
  UNION ALL
  SELECT 1, NULL, NULL, NULL,
         'and ' || (count(*) - 100) || ' more like the 100 above, ' || count(*) || ' in all'
  FROM over
  HAVING count(*) > 100
)
ORDER BY k, day, CASE scope WHEN 'project' THEN 1 WHEN 'machine' THEN 2 ELSE 3 END, what;
