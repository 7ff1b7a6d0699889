-- digest.sql: a digest of the facts of a time range, by name, to show that
-- two databases hold the same facts (e.g. after export_csv.sql and an
-- import): equal digests, equal facts.
--
-- Run, with the extension loaded, in the sqlite3 shell (sha3() is one of
-- the shell's own functions):
--   sqlite3 -cmd '.load /usr/local/lib/sqlite3/usage' usage.db \
--     < sql/reports/digest.sql
--
-- What is hashed: every fact as SELECT * FROM usage_ingest shows it, that
-- is with project, machine and user names instead of the surrogate ids
-- (which differ between databases), each value as quote() writes it (exact
-- for doubles, NULL distinct from ''), one line per fact, ordered by
-- scope, ts and key. Dimension rows without facts, display names, groups
-- and mappings are not hashed.
--
-- Parameters (optional; set with the shell's .parameter before the file):
--   @start  first instant included              default: the first row
--   @end    first instant not included          default: after the last row
-- Timestamps are text in any form usage_ts() reads, e.g.
-- 2024-12-01T00:00:00Z, or "'2024-12-01'" with both quotes.
--
-- Output: CSV with a header line and one row. Columns:
--   facts         number of facts in the range
--   first_ts      earliest ts, canonical UTC (empty with no facts)
--   last_ts       latest ts
--   sha3_256      lowercase hex SHA3-256 of the lines (empty with no facts)
.headers on
.mode csv
.separator "," "\n"
.nullvalue ''
WITH params AS (
  SELECT
    CASE WHEN @start IS NULL THEN '0000-01-01T00:00:00Z'
         ELSE usage_ts(CASE WHEN typeof(@start) = 'text' THEN @start
           ELSE '@start must be text, like 2024-12-01T00:00:00Z'
         END)
    END AS start_ts,
    CASE WHEN @end IS NULL THEN '9999-12-31T23:59:60Z'  -- after every canonical ts
         ELSE usage_ts(CASE WHEN typeof(@end) = 'text' THEN @end
           ELSE '@end must be text, like 2025-01-01T00:00:00Z'
         END)
    END AS end_ts
),
lines AS (
  SELECT i.ts,
         quote(i.ts) || ',' || quote(i.scope) || ',' || quote(i.cloud_project_name)
           || ',' || quote(i.machine_name) || ',' || quote(i.user_id)
           || ',' || quote(i.busy_cpu_seconds_total) || ',' || quote(i.idle_cpu_seconds_total)
           || ',' || quote(i.busy_kwh) || ',' || quote(i.idle_kwh)
           || ',' || quote(i.busy_gCo2eq) || ',' || quote(i.idle_gCo2eq)
           || ',' || quote(i.intensity_gCo2eq_kwh) AS line
  FROM params, usage_ingest AS i
  WHERE i.ts >= params.start_ts AND i.ts < params.end_ts
  ORDER BY i.scope, i.ts, i.cloud_project_name, i.machine_name, i.user_id
)
-- lines is read in its ORDER BY order: an aggregate over a subquery with
-- ORDER BY is not flattened, so group_concat() sees the lines in that order.
SELECT count(*) AS facts,
       min(ts) AS first_ts,
       max(ts) AS last_ts,
       lower(hex(sha3(group_concat(line, char(10)), 256))) AS sha3_256
FROM lines;
