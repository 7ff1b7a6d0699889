-- sci.sql: the Software Carbon Intensity (SCI, ISO/IEC 21031) per time
-- bucket and key of one scope: SCI = (O + M) / R, with O the operational
-- carbon (kWh x grid intensity) and M the embodied carbon (the hardware's
-- amortised share, from usage_embodied_models), always shown apart as well
-- as summed, and R the functional unit.
--
-- Run, with the extension loaded:
--   sqlite3 -cmd '.load /usr/local/lib/sqlite3/usage' usage.db \
--     < sql/reports/sci.sql
--
-- Parameters (optional; set with the shell's .parameter before the file):
--   @scope  'ada', 'project', 'machine', 'user' or 'group'  default 'machine'
--   @width  bucket width, as for usage_buckets              default 'day'
--   @start  first instant (inclusive)    default: the day of the first fact
--   @end    first instant after (exclusive)  default: midnight after the last
--   @r      the functional unit R:                         default 'busy'
--             'busy'       busy core-hours (busy CPU seconds / 3600)
--             'allocated'  allocated core-hours ((busy + idle) / 3600)
--             'units'      the units of temp.sci_units, which you fill:
--                            CREATE TEMP TABLE sci_units(bucket_start, key,
--                                                        units, unit);
--                          one row per bucket and key: units done in the
--                          bucket (jobs run, datasets processed), and unit,
--                          their name ('job'); buckets without a row have no
--                          R and so no SCI
-- Timestamps are text in any form usage_ts() reads, e.g.
-- 2024-12-01T00:00:00Z, or "'2024-12-01'" with both quotes.
--
-- SCI figures of different R are not comparable, as the specification
-- says, so the report refuses to mix them: an unknown @r is an error, and
-- so is a sci_units table whose rows name more than one unit ("different
-- R: sci_units has units dataset, job"; run it once per unit). Every row
-- names its R in r_unit, and sci_vs_previous compares a key's SCI only with
-- its own previous bucket, of the same R.
--
-- Output: CSV with a header line, one row per bucket and key with facts,
-- ordered by bucket_start, then key. Columns:
--   bucket_start bucket_end  the bucket, [start, end), canonical UTC
--   key                      the key of the scope
--   operational_gco2eq       O: busy + idle gCO2eq; empty when no kWh of the
--                            bucket has known carbon
--   carbon_coverage          the share of the kWh whose carbon is known
--   embodied_gco2eq          M; empty when no fact had an embodied model
--   total_gco2eq             O + M; empty when either is unknown
--   r  r_unit                R, and what it counts
--   sci                      (O + M) / R; empty when O, M or R is unknown or
--                            R is 0
--   sci_vs_previous          sci / the key's sci in its previous bucket
-- Numbers are printed with 6 decimals.
.headers on
.mode csv
.separator "," "\n"
.nullvalue ''
CREATE TEMP TABLE IF NOT EXISTS sci_units(bucket_start, key, units, unit);
WITH given AS (
  SELECT coalesce(@scope, 'machine') AS scope, coalesce(@width, 'day') AS width,
         CASE coalesce(@r, 'busy') WHEN 'busy' THEN 'busy'
              WHEN 'allocated' THEN 'allocated' WHEN 'units' THEN 'units'
              ELSE usage_ts('@r must be busy, allocated or units')
         END AS r,
         CASE WHEN @start IS NULL THEN NULL
              ELSE usage_ts(CASE WHEN typeof(@start) = 'text' THEN @start
                ELSE '@start must be text, like 2024-12-01T00:00:00Z' END)
         END AS start_ts,
         CASE WHEN @end IS NULL THEN NULL
              ELSE usage_ts(CASE WHEN typeof(@end) = 'text' THEN @end
                ELSE '@end must be text, like 2025-01-01T00:00:00Z' END)
         END AS end_ts,
         CASE coalesce(@scope, 'machine') WHEN 'group' THEN 'user'
              ELSE coalesce(@scope, 'machine') END AS fs
),
params AS (
  SELECT scope, width, r,
         coalesce(start_ts, (SELECT substr(min(ts), 1, 10) FROM fact_usage WHERE scope = fs),
                  '1970-01-01') AS s,
         coalesce(end_ts, (SELECT date(max(ts), '+1 day') FROM fact_usage WHERE scope = fs),
                  '1970-01-02') AS e,
         CASE WHEN r <> 'units' THEN r || ' core-hour'
              WHEN (SELECT count(DISTINCT coalesce(unit, 'unit')) FROM temp.sci_units) > 1
              THEN usage_ts('different R: sci_units has units '
                            || (SELECT group_concat(u, ', ') FROM
                                (SELECT DISTINCT coalesce(unit, 'unit') AS u
                                 FROM temp.sci_units ORDER BY 1)))
              ELSE (SELECT coalesce(max(unit), 'unit') FROM temp.sci_units)
         END AS r_unit
  FROM given
),
units AS (
  SELECT usage_ts(bucket_start) AS bucket_start, CAST(key AS TEXT) AS key,
         sum(units) AS units
  FROM temp.sci_units GROUP BY 1, 2
),
b AS (
  SELECT b.bucket_start, b.bucket_end, coalesce(b.key, '(none)') AS key,
         CASE WHEN b.carbon_coverage > 0 THEN b.busy_gCo2eq + b.idle_gCo2eq END AS o,
         b.carbon_coverage AS coverage,
         b.embodied_gCo2eq AS m,
         CASE p.r WHEN 'busy' THEN b.busy_cpu_seconds_total / 3600.0
                  WHEN 'allocated' THEN (b.busy_cpu_seconds_total
                                         + b.idle_cpu_seconds_total) / 3600.0
                  ELSE (SELECT u.units FROM units AS u
                        WHERE u.bucket_start = b.bucket_start
                          AND u.key = CAST(coalesce(b.key, '(none)') AS TEXT))
         END AS r,
         p.r_unit
  FROM params AS p, usage_buckets(p.scope, p.width, p.s, p.e) AS b
),
sci AS (
  SELECT *, o + m AS total, CASE WHEN r > 0 THEN (o + m) / r END AS sci FROM b
)
SELECT bucket_start, bucket_end, key,
       CASE WHEN o IS NOT NULL THEN printf('%.6f', o) END AS operational_gco2eq,
       CASE WHEN coverage IS NOT NULL THEN printf('%.6f', coverage) END AS carbon_coverage,
       CASE WHEN m IS NOT NULL THEN printf('%.6f', m) END AS embodied_gco2eq,
       CASE WHEN total IS NOT NULL THEN printf('%.6f', total) END AS total_gco2eq,
       CASE WHEN r IS NOT NULL THEN printf('%.6f', r) END AS r, r_unit,
       CASE WHEN sci IS NOT NULL THEN printf('%.6f', sci) END AS sci,
       CASE WHEN vs IS NOT NULL THEN printf('%.6f', vs) END AS sci_vs_previous
FROM (SELECT *, sci / lag(sci) OVER (PARTITION BY key ORDER BY bucket_start) AS vs
      FROM sci)
ORDER BY bucket_start, key;
