-- export_csv.sql: the facts of a time range as CSV, in the columns of the
-- usage_ingest table, ready to import into another database.
--
-- Export, with the extension loaded:
--   sqlite3 -cmd '.load /usr/local/lib/sqlite3/usage' usage.db \
--     < sql/reports/export_csv.sql > facts.csv
-- Import into a new (or existing) database: facts whose scope, ts and key
-- are already there are replaced, the rest added; one bad line loads
-- nothing:
--   sqlite3 -cmd '.load /usr/local/lib/sqlite3/usage' copy.db \
--     'SELECT usage_init()' '.import --csv --skip 1 facts.csv usage_ingest'
-- sql/reports/digest.sql prints the same digest for the range in usage.db
-- and for all of copy.db.
--
-- Parameters (optional; set with the shell's .parameter before the file):
--   @start  first instant exported (inclusive)  default: the first row
--   @end    first instant not exported          default: after the last row
-- Timestamps are text in any form usage_ts() reads, e.g.
-- 2024-12-01T00:00:00Z, or "'2024-12-01'" with both quotes.
--   sqlite3 usage.db > december.csv <<'EOF'
--   .load /usr/local/lib/sqlite3/usage
--   .parameter set @start "'2024-12-01'"
--   .parameter set @end "'2025-01-01'"
--   .read sql/reports/export_csv.sql
--   EOF
--
-- Output: CSV with a header line (lines end in \n), one row per fact,
-- ordered by scope, ts and key. Columns, as SELECT * FROM usage_ingest:
--   ts                      canonical UTC text, YYYY-MM-DDTHH:MM:SSZ
--   scope                   ada, project, machine or user
--   cloud_project_name  machine_name  user_id   the key; empty when unused
--   busy_cpu_seconds_total  idle_cpu_seconds_total
--   busy_kwh  idle_kwh  busy_gCo2eq  idle_gCo2eq
--   intensity_gCo2eq_kwh    empty when not stored
-- Amounts are written as SQL's quote() writes them: with 15 significant
-- digits when those read back as the same double (1.5, 0.1, 3600.0), else
-- with 21 in e-notation (0.1 + 0.2 is 3.00000000000000044408e-01), so a
-- round trip through the CSV changes no bit. Only facts are exported:
-- users' display names, groups and the mapping tables are not part of this
-- shape.
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
)
SELECT i.ts,
       i.scope,
       i.cloud_project_name,
       i.machine_name,
       i.user_id,
       nullif(quote(i.busy_cpu_seconds_total), 'NULL') AS busy_cpu_seconds_total,
       nullif(quote(i.idle_cpu_seconds_total), 'NULL') AS idle_cpu_seconds_total,
       nullif(quote(i.busy_kwh), 'NULL') AS busy_kwh,
       nullif(quote(i.idle_kwh), 'NULL') AS idle_kwh,
       nullif(quote(i.busy_gCo2eq), 'NULL') AS busy_gCo2eq,
       nullif(quote(i.idle_gCo2eq), 'NULL') AS idle_gCo2eq,
       nullif(quote(i.intensity_gCo2eq_kwh), 'NULL') AS intensity_gCo2eq_kwh
FROM params, usage_ingest AS i
WHERE i.ts >= params.start_ts AND i.ts < params.end_ts
ORDER BY i.scope, i.ts, i.cloud_project_name, i.machine_name, i.user_id;
