-- Migration 5: unknown carbon is NULL in the seed's views, never 0.
--
-- A fact whose carbon is unknown (carbon_source 'none': no intensity period
-- overlaps it, so covered_kwh = 0) stores 0 g, as the seed's NOT NULL
-- columns require. The views of migration 1 showed that 0 as a real zero.
-- Here they are made again with the same columns:
--   v_*_timeseries  busy_gCo2eq, idle_gCo2eq and intensity NULL for a fact
--                   with energy and no known carbon; intensity is gCO2eq /
--                   covered kWh (the kWh whose carbon is known)
--   v_*_totals      the carbon sums NULL when none of the rows' kWh has
--                   known carbon
--   v_*_averages    the averages over the rows whose carbon is known
-- On facts whose carbon is all given (covered_kwh = busy_kwh + idle_kwh)
-- every view gives exactly what migration 1's gives.

DROP VIEW IF EXISTS main.v_ada_timeseries;
CREATE VIEW main.v_ada_timeseries AS
SELECT
  f.ts,
  f.busy_cpu_seconds_total,
  f.idle_cpu_seconds_total,
  f.busy_kwh,
  f.idle_kwh,
  CASE WHEN f.covered_kwh = 0 AND (f.busy_kwh + f.idle_kwh) > 0 THEN NULL ELSE f.busy_gCo2eq END AS busy_gCo2eq,
  CASE WHEN f.covered_kwh = 0 AND (f.busy_kwh + f.idle_kwh) > 0 THEN NULL ELSE f.idle_gCo2eq END AS idle_gCo2eq,
  CASE WHEN (f.busy_kwh + f.idle_kwh) > 0 AND f.covered_kwh >= (f.busy_kwh + f.idle_kwh)
           THEN (f.busy_gCo2eq + f.idle_gCo2eq)/(f.busy_kwh + f.idle_kwh)
           WHEN f.covered_kwh > 0
           THEN (f.busy_gCo2eq + f.idle_gCo2eq)/f.covered_kwh
      END AS intensity_gCo2eq_kwh
FROM fact_usage f
WHERE scope='ada';

DROP VIEW IF EXISTS main.v_project_timeseries;
CREATE VIEW main.v_project_timeseries AS
SELECT
  p.cloud_project_name,
  f.ts,
  f.busy_cpu_seconds_total,
  f.idle_cpu_seconds_total,
  f.busy_kwh,
  f.idle_kwh,
  CASE WHEN f.covered_kwh = 0 AND (f.busy_kwh + f.idle_kwh) > 0 THEN NULL ELSE f.busy_gCo2eq END AS busy_gCo2eq,
  CASE WHEN f.covered_kwh = 0 AND (f.busy_kwh + f.idle_kwh) > 0 THEN NULL ELSE f.idle_gCo2eq END AS idle_gCo2eq,
  COALESCE(f.intensity_gCo2eq_kwh,
           CASE WHEN (f.busy_kwh + f.idle_kwh) > 0 AND f.covered_kwh >= (f.busy_kwh + f.idle_kwh)
                  THEN (f.busy_gCo2eq + f.idle_gCo2eq)/(f.busy_kwh + f.idle_kwh)
                  WHEN f.covered_kwh > 0
                  THEN (f.busy_gCo2eq + f.idle_gCo2eq)/f.covered_kwh
             END) AS intensity_gCo2eq_kwh
FROM fact_usage f
JOIN dim_project p ON p.project_id = f.project_id
WHERE f.scope='project';

DROP VIEW IF EXISTS main.v_machine_timeseries;
CREATE VIEW main.v_machine_timeseries AS
SELECT
  m.machine_name,
  f.ts,
  f.busy_cpu_seconds_total,
  f.idle_cpu_seconds_total,
  f.busy_kwh,
  f.idle_kwh,
  CASE WHEN f.covered_kwh = 0 AND (f.busy_kwh + f.idle_kwh) > 0 THEN NULL ELSE f.busy_gCo2eq END AS busy_gCo2eq,
  CASE WHEN f.covered_kwh = 0 AND (f.busy_kwh + f.idle_kwh) > 0 THEN NULL ELSE f.idle_gCo2eq END AS idle_gCo2eq,
  COALESCE(f.intensity_gCo2eq_kwh,
           CASE WHEN (f.busy_kwh + f.idle_kwh) > 0 AND f.covered_kwh >= (f.busy_kwh + f.idle_kwh)
                  THEN (f.busy_gCo2eq + f.idle_gCo2eq)/(f.busy_kwh + f.idle_kwh)
                  WHEN f.covered_kwh > 0
                  THEN (f.busy_gCo2eq + f.idle_gCo2eq)/f.covered_kwh
             END) AS intensity_gCo2eq_kwh
FROM fact_usage f
JOIN dim_machine m ON m.machine_id = f.machine_id
WHERE f.scope='machine';

DROP VIEW IF EXISTS main.v_user_timeseries;
CREATE VIEW main.v_user_timeseries AS
SELECT
  u.user_id,
  f.ts,
  f.busy_cpu_seconds_total,
  f.idle_cpu_seconds_total,
  f.busy_kwh,
  f.idle_kwh,
  CASE WHEN f.covered_kwh = 0 AND (f.busy_kwh + f.idle_kwh) > 0 THEN NULL ELSE f.busy_gCo2eq END AS busy_gCo2eq,
  CASE WHEN f.covered_kwh = 0 AND (f.busy_kwh + f.idle_kwh) > 0 THEN NULL ELSE f.idle_gCo2eq END AS idle_gCo2eq,
  COALESCE(f.intensity_gCo2eq_kwh,
           CASE WHEN (f.busy_kwh + f.idle_kwh) > 0 AND f.covered_kwh >= (f.busy_kwh + f.idle_kwh)
                  THEN (f.busy_gCo2eq + f.idle_gCo2eq)/(f.busy_kwh + f.idle_kwh)
                  WHEN f.covered_kwh > 0
                  THEN (f.busy_gCo2eq + f.idle_gCo2eq)/f.covered_kwh
             END) AS intensity_gCo2eq_kwh
FROM fact_usage f
JOIN dim_user u ON u.user_id = f.user_id
WHERE f.scope='user';

DROP VIEW IF EXISTS main.v_project_totals;
CREATE VIEW main.v_project_totals AS
SELECT
  p.cloud_project_name,
  SUM(f.busy_cpu_seconds_total) AS busy_cpu_seconds_total,
  SUM(f.idle_cpu_seconds_total) AS idle_cpu_seconds_total,
  SUM(f.busy_kwh)              AS busy_kwh,
  SUM(f.idle_kwh)              AS idle_kwh,
  CASE WHEN total(f.covered_kwh) = 0 AND total(f.busy_kwh + f.idle_kwh) > 0 THEN NULL ELSE SUM(f.busy_gCo2eq) END AS busy_gCo2eq,
  CASE WHEN total(f.covered_kwh) = 0 AND total(f.busy_kwh + f.idle_kwh) > 0 THEN NULL ELSE SUM(f.idle_gCo2eq) END AS idle_gCo2eq
FROM fact_usage f
JOIN dim_project p ON p.project_id = f.project_id
WHERE f.scope='project'
GROUP BY p.cloud_project_name;

DROP VIEW IF EXISTS main.v_machine_totals;
CREATE VIEW main.v_machine_totals AS
SELECT
  m.machine_name,
  SUM(f.busy_cpu_seconds_total) AS busy_cpu_seconds_total,
  SUM(f.idle_cpu_seconds_total) AS idle_cpu_seconds_total,
  SUM(f.busy_kwh)              AS busy_kwh,
  SUM(f.idle_kwh)              AS idle_kwh,
  CASE WHEN total(f.covered_kwh) = 0 AND total(f.busy_kwh + f.idle_kwh) > 0 THEN NULL ELSE SUM(f.busy_gCo2eq) END AS busy_gCo2eq,
  CASE WHEN total(f.covered_kwh) = 0 AND total(f.busy_kwh + f.idle_kwh) > 0 THEN NULL ELSE SUM(f.idle_gCo2eq) END AS idle_gCo2eq
FROM fact_usage f
JOIN dim_machine m ON m.machine_id = f.machine_id
WHERE f.scope='machine'
GROUP BY m.machine_name;

DROP VIEW IF EXISTS main.v_group_totals;
CREATE VIEW main.v_group_totals AS
SELECT
  g.group_name,
  SUM(f.busy_cpu_seconds_total) AS busy_cpu_seconds_total,
  SUM(f.idle_cpu_seconds_total) AS idle_cpu_seconds_total,
  SUM(f.busy_kwh)              AS busy_kwh,
  SUM(f.idle_kwh)              AS idle_kwh,
  CASE WHEN total(f.covered_kwh) = 0 AND total(f.busy_kwh + f.idle_kwh) > 0 THEN NULL ELSE SUM(f.busy_gCo2eq) END AS busy_gCo2eq,
  CASE WHEN total(f.covered_kwh) = 0 AND total(f.busy_kwh + f.idle_kwh) > 0 THEN NULL ELSE SUM(f.idle_gCo2eq) END AS idle_gCo2eq
FROM fact_usage f
JOIN dim_user u ON u.user_id = f.user_id
JOIN dim_group g ON g.group_id = u.group_id
WHERE f.scope='user'
GROUP BY g.group_name;

DROP VIEW IF EXISTS main.v_user_totals;
CREATE VIEW main.v_user_totals AS
SELECT
  u.user_id,
  SUM(f.busy_cpu_seconds_total) AS busy_cpu_seconds_total,
  SUM(f.idle_cpu_seconds_total) AS idle_cpu_seconds_total,
  SUM(f.busy_kwh)              AS busy_kwh,
  SUM(f.idle_kwh)              AS idle_kwh,
  CASE WHEN total(f.covered_kwh) = 0 AND total(f.busy_kwh + f.idle_kwh) > 0 THEN NULL ELSE SUM(f.busy_gCo2eq) END AS busy_gCo2eq,
  CASE WHEN total(f.covered_kwh) = 0 AND total(f.busy_kwh + f.idle_kwh) > 0 THEN NULL ELSE SUM(f.idle_gCo2eq) END AS idle_gCo2eq
FROM fact_usage f
JOIN dim_user u ON u.user_id = f.user_id
WHERE f.scope='user'
GROUP BY u.user_id;

DROP VIEW IF EXISTS main.v_project_averages;
CREATE VIEW main.v_project_averages AS
SELECT
  p.cloud_project_name,
  AVG(f.busy_kwh)    AS avg_busy_energy_kwh,
  AVG(f.idle_kwh)    AS avg_idle_energy_kwh,
  AVG(CASE WHEN f.covered_kwh = 0 AND (f.busy_kwh + f.idle_kwh) > 0 THEN NULL ELSE f.busy_gCo2eq END) AS avg_busy_carbon_gCo2eq,
  AVG(CASE WHEN f.covered_kwh = 0 AND (f.busy_kwh + f.idle_kwh) > 0 THEN NULL ELSE f.idle_gCo2eq END) AS avg_idle_carbon_gCo2eq,
  AVG(
    CASE WHEN (f.busy_kwh + f.idle_kwh) > 0 AND f.covered_kwh >= (f.busy_kwh + f.idle_kwh)
           THEN (f.busy_gCo2eq + f.idle_gCo2eq)/(f.busy_kwh + f.idle_kwh)
           WHEN f.covered_kwh > 0
           THEN (f.busy_gCo2eq + f.idle_gCo2eq)/f.covered_kwh
      END
  ) AS avg_intensity_gCo2eq_kwh
FROM fact_usage f
JOIN dim_project p ON p.project_id = f.project_id
WHERE f.scope='project'
GROUP BY p.cloud_project_name;

DROP VIEW IF EXISTS main.v_machine_averages;
CREATE VIEW main.v_machine_averages AS
SELECT
  m.machine_name,
  AVG(f.busy_kwh)    AS avg_busy_energy_kwh,
  AVG(f.idle_kwh)    AS avg_idle_energy_kwh,
  AVG(CASE WHEN f.covered_kwh = 0 AND (f.busy_kwh + f.idle_kwh) > 0 THEN NULL ELSE f.busy_gCo2eq END) AS avg_busy_carbon_gCo2eq,
  AVG(CASE WHEN f.covered_kwh = 0 AND (f.busy_kwh + f.idle_kwh) > 0 THEN NULL ELSE f.idle_gCo2eq END) AS avg_idle_carbon_gCo2eq,
  AVG(
    CASE WHEN (f.busy_kwh + f.idle_kwh) > 0 AND f.covered_kwh >= (f.busy_kwh + f.idle_kwh)
           THEN (f.busy_gCo2eq + f.idle_gCo2eq)/(f.busy_kwh + f.idle_kwh)
           WHEN f.covered_kwh > 0
           THEN (f.busy_gCo2eq + f.idle_gCo2eq)/f.covered_kwh
      END
  ) AS avg_intensity_gCo2eq_kwh
FROM fact_usage f
JOIN dim_machine m ON m.machine_id = f.machine_id
WHERE f.scope='machine'
GROUP BY m.machine_name;

DROP VIEW IF EXISTS main.v_group_averages;
CREATE VIEW main.v_group_averages AS
SELECT
  g.group_name,
  AVG(f.busy_kwh)    AS avg_busy_energy_kwh,
  AVG(f.idle_kwh)    AS avg_idle_energy_kwh,
  AVG(CASE WHEN f.covered_kwh = 0 AND (f.busy_kwh + f.idle_kwh) > 0 THEN NULL ELSE f.busy_gCo2eq END) AS avg_busy_carbon_gCo2eq,
  AVG(CASE WHEN f.covered_kwh = 0 AND (f.busy_kwh + f.idle_kwh) > 0 THEN NULL ELSE f.idle_gCo2eq END) AS avg_idle_carbon_gCo2eq,
  AVG(
    CASE WHEN (f.busy_kwh + f.idle_kwh) > 0 AND f.covered_kwh >= (f.busy_kwh + f.idle_kwh)
           THEN (f.busy_gCo2eq + f.idle_gCo2eq)/(f.busy_kwh + f.idle_kwh)
           WHEN f.covered_kwh > 0
           THEN (f.busy_gCo2eq + f.idle_gCo2eq)/f.covered_kwh
      END
  ) AS avg_intensity_gCo2eq_kwh
FROM fact_usage f
JOIN dim_user u ON u.user_id = f.user_id
JOIN dim_group g ON g.group_id = u.group_id
WHERE f.scope='user'
GROUP BY g.group_name;

DROP VIEW IF EXISTS main.v_user_averages;
CREATE VIEW main.v_user_averages AS
SELECT
  u.user_id,
  AVG(f.busy_kwh)    AS avg_busy_energy_kwh,
  AVG(f.idle_kwh)    AS avg_idle_energy_kwh,
  AVG(CASE WHEN f.covered_kwh = 0 AND (f.busy_kwh + f.idle_kwh) > 0 THEN NULL ELSE f.busy_gCo2eq END) AS avg_busy_carbon_gCo2eq,
  AVG(CASE WHEN f.covered_kwh = 0 AND (f.busy_kwh + f.idle_kwh) > 0 THEN NULL ELSE f.idle_gCo2eq END) AS avg_idle_carbon_gCo2eq,
  AVG(
    CASE WHEN (f.busy_kwh + f.idle_kwh) > 0 AND f.covered_kwh >= (f.busy_kwh + f.idle_kwh)
           THEN (f.busy_gCo2eq + f.idle_gCo2eq)/(f.busy_kwh + f.idle_kwh)
           WHEN f.covered_kwh > 0
           THEN (f.busy_gCo2eq + f.idle_gCo2eq)/f.covered_kwh
      END
  ) AS avg_intensity_gCo2eq_kwh
FROM fact_usage f
JOIN dim_user u ON u.user_id = f.user_id
WHERE f.scope='user'
GROUP BY u.user_id;
