-- stacked_buckets.sql: busy and idle energy (or carbon) per time bucket
-- for one key or for the top N keys of a scope, each row with where its
-- bar segment starts when the keys are stacked in rank order; the data of
-- the stacked chart of scripts/chart.
--
-- Run, with the extension loaded:
--   sqlite3 -cmd '.load /usr/local/lib/sqlite3/usage' usage.db \
--     < sql/reports/stacked_buckets.sql
--
-- Parameters (optional; set with the shell's .parameter before the file;
-- quote text as SQL, e.g. .parameter set @start "'2024-03-01'"):
--   @scope   'ada', 'project', 'machine', 'user' or 'group'  default 'project'
--   @width   bucket width, as for usage_buckets              default 'day'
--   @start   first instant (inclusive)        default: the day of the first
--                                             row of the scope
--   @end     first instant after (exclusive)  default: midnight after the
--                                             last row of the scope
--   @key     one key only (its rank is 1)     default: the @top keys
--   @top     how many keys, by their busy + idle total over the range,
--            largest first, ties by key                      default 5
--   @metric  'kwh', 'gco2' or 'footprint' (operational gCO2eq stacked
--            under embodied gCO2eq)                          default 'kwh'
--   sqlite3 usage.db <<'EOF'
--   .load /usr/local/lib/sqlite3/usage
--   .parameter set @width "'1 week'"
--   .parameter set @top 3
--   .read sql/reports/stacked_buckets.sql
--   EOF
--
-- Output: CSV with a header line, one row per bucket and key with data,
-- ordered by bucket_start, then rank. Columns:
--   bucket_start  bucket_end   the bucket, [start, end), canonical UTC
--   rank          the key's rank in the range, 1 = largest
--   key           the key ("(none)" for users without a group)
--   busy  idle    busy and idle kWh (or gCO2eq) of the key in the bucket;
--                 for 'footprint', operational (busy + idle) and embodied
--                 gCO2eq (0 where no fact had an embodied model)
--   base          sum of busy + idle of the keys ranked above it in the
--                 bucket: its busy segment spans [base, base + busy], its
--                 idle one [base + busy, base + busy + idle]
--   carbon_coverage  the share of the key's kWh in the bucket whose carbon
--                 is known, 0 to 1; empty when it has no energy
-- Numbers are printed with 6 decimals.
.headers on
.mode csv
.separator "," "\n"
.nullvalue ''
WITH params AS (
  SELECT scope, width, k, top, metric,
         -- a scope without rows still reaches usage_buckets, which checks it
         coalesce(@start, (SELECT substr(min(ts), 1, 10) FROM fact_usage WHERE scope = fs),
                  '1970-01-01') AS s,
         coalesce(@end, (SELECT date(max(ts), '+1 day') FROM fact_usage WHERE scope = fs),
                  '1970-01-02') AS e
  FROM (SELECT coalesce(@scope, 'project') AS scope, coalesce(@width, 'day') AS width,
               @key AS k, coalesce(@top, 5) AS top,
               coalesce(@metric, 'kwh') AS metric,
               CASE coalesce(@scope, 'project') WHEN 'group' THEN 'user'
                    ELSE coalesce(@scope, 'project') END AS fs)
),
b AS (
  SELECT b.bucket_start, b.bucket_end, coalesce(b.key, '(none)') AS key,
         CASE p.metric WHEN 'gco2' THEN b.busy_gCo2eq
                       WHEN 'footprint' THEN b.busy_gCo2eq + b.idle_gCo2eq
                       ELSE b.busy_kwh END AS busy,
         CASE p.metric WHEN 'gco2' THEN b.idle_gCo2eq
                       WHEN 'footprint' THEN coalesce(b.embodied_gCo2eq, 0)
                       ELSE b.idle_kwh END AS idle,
         b.carbon_coverage AS coverage
  FROM params AS p, usage_buckets(p.scope, p.width, p.s, p.e) AS b
  WHERE p.metric IN ('kwh', 'gco2', 'footprint')
),
ranked AS (
  SELECT key, row_number() OVER (ORDER BY sum(busy + idle) DESC, key) AS rank
  FROM b, params AS p
  WHERE p.k IS NULL OR b.key = p.k
  GROUP BY key
),
chosen AS (
  SELECT b.bucket_start, b.bucket_end, r.rank, b.key, b.busy, b.idle, b.coverage
  FROM b JOIN ranked AS r USING (key), params AS p
  WHERE r.rank <= CASE WHEN p.k IS NULL THEN p.top ELSE 1 END
)
SELECT bucket_start, bucket_end, rank, key,
       -- gCO2eq is empty where none of the energy has known carbon
       CASE WHEN busy IS NOT NULL THEN printf('%.6f', busy) END AS busy,
       CASE WHEN idle IS NOT NULL THEN printf('%.6f', idle) END AS idle,
       printf('%.6f', coalesce(sum(busy + idle) OVER (
         PARTITION BY bucket_start ORDER BY rank
         ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)) AS base,
       CASE WHEN coverage IS NOT NULL THEN printf('%.6f', coverage) END AS carbon_coverage
FROM chosen
ORDER BY bucket_start, rank;
