-- top_users_last_30_days.sql: the 10 users with the most carbon in the last
-- 30 days, with their display name and group.
--
-- Run, with the extension loaded:
--   sqlite3 -cmd '.load /usr/local/lib/sqlite3/usage' usage.db \
--     < sql/reports/top_users_last_30_days.sql
--
-- "The last 30 days" ends at the data, not at the clock, so the output of
-- a given database never changes: by default the window is the 30 whole UTC
-- days ending with the day of the latest user-scope row.
-- Parameters (optional; set with the shell's .parameter before the file):
--   @end    first instant after the window (text, any form usage_ts()
--           reads, e.g. 2024-12-01T00:00:00Z)
--                                 default: midnight after the latest row
--   @days   length of the window in days     default: 30
--   @limit  how many users                   default: 10
--   sqlite3 usage.db <<'EOF'
--   .load /usr/local/lib/sqlite3/usage
--   .parameter set @end "'2024-12-01'"
--   .parameter set @days 7
--   .read sql/reports/top_users_last_30_days.sql
--   EOF
--
-- Output: CSV with a header line, at most @limit rows, ranked by gCo2eq
-- (busy + idle), then kwh, both descending, then user_id. Columns:
--   rank                    1, 2, ...
--   user_id  display_name
--   group_name              the user's group, or "(no group)"
--   samples                 number of user-scope fact rows in the window
--   busy_cpu_seconds_total  idle_cpu_seconds_total
--   kwh                     busy + idle energy
--   gCo2eq                  busy + idle carbon
--   share_of_gCo2eq_pct     the user's part of all users' carbon in the window
--   window_start  window_end  the window, [start, end), canonical UTC
--   carbon_coverage         the share of the user's kWh whose carbon is known,
--                           0 to 1; empty when the user has no energy
-- Numbers are printed with 6 decimals.
.headers on
.mode csv
.separator "," "\n"
.nullvalue ''
WITH params AS (
  SELECT
    CASE WHEN @end IS NULL
         THEN (SELECT strftime('%Y-%m-%dT00:00:00Z', max(ts), '+1 day')
               FROM fact_usage WHERE scope = 'user')
         ELSE usage_ts(CASE WHEN typeof(@end) = 'text' THEN @end
           ELSE '@end must be text, like 2024-12-01T00:00:00Z'
         END)
    END AS end_ts,
    CAST(COALESCE(@days, 30) AS INTEGER) AS days,
    CAST(COALESCE(@limit, 10) AS INTEGER) AS max_rows
),
win AS (
  SELECT strftime('%Y-%m-%dT%H:%M:%SZ', end_ts, printf('-%d days', days)) AS start_ts,
         end_ts, max_rows
  FROM params
),
per_user AS (
  SELECT f.user_id,
         count(*) AS samples,
         sum(f.busy_cpu_seconds_total) AS busy_cpu,
         sum(f.idle_cpu_seconds_total) AS idle_cpu,
         sum(f.busy_kwh + f.idle_kwh) AS kwh,
         sum(f.covered_kwh) AS covered,
         -- unknown, not 0, when none of the energy has known carbon
         CASE WHEN sum(f.covered_kwh) > 0 OR sum(f.busy_kwh + f.idle_kwh) = 0
              THEN sum(f.busy_gCo2eq + f.idle_gCo2eq) END AS g
  FROM win, fact_usage AS f
  WHERE f.scope = 'user' AND f.ts >= win.start_ts AND f.ts < win.end_ts
  GROUP BY f.user_id
),
ranked AS (
  SELECT row_number() OVER (ORDER BY g DESC, kwh DESC, user_id) AS rank,
         per_user.*,
         sum(g) OVER () AS all_g
  FROM per_user
)
SELECT r.rank,
       r.user_id,
       u.display_name,
       COALESCE(gr.group_name, '(no group)') AS group_name,
       r.samples,
       printf('%.6f', r.busy_cpu) AS busy_cpu_seconds_total,
       printf('%.6f', r.idle_cpu) AS idle_cpu_seconds_total,
       printf('%.6f', r.kwh) AS kwh,
       CASE WHEN r.g IS NOT NULL THEN printf('%.6f', r.g) END AS gCo2eq,
       CASE WHEN r.all_g > 0 AND r.g IS NOT NULL THEN printf('%.6f', 100.0 * r.g / r.all_g) END
         AS share_of_gCo2eq_pct,
       win.start_ts AS window_start,
       win.end_ts AS window_end,
       -- the share of the kWh whose carbon is known; unknown without energy
       CASE WHEN r.kwh > 0 THEN printf('%.6f', min(1.0, r.covered / r.kwh)) END
         AS carbon_coverage
FROM ranked AS r
JOIN win
JOIN dim_user AS u ON u.user_id = r.user_id
LEFT JOIN dim_group AS gr ON gr.group_id = u.group_id
WHERE r.rank <= win.max_rows
ORDER BY r.rank;
