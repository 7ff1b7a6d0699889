-- Migration 7: embodied carbon, the carbon of making the hardware, amortised
-- over its life and charged per core-hour.
--
--   embodied_model  the embodied kgCO2eq of a machine, its lifespan in years
--                   and its cores, in force from valid_from until the next
--                   valid_from of the same machine; machine_id NULL is the
--                   platform default. Written through usage_embodied_models.
--                   A model's rate is embodied_kgco2e x 1000 /
--                   (lifespan_years x 8760 x cores) gCO2eq per core-hour.
--
-- fact_usage gains:
--   embodied_gCo2eq  (busy + idle CPU seconds) / 3600 x the rate of the model
--                    in force at ts: the machine's own for a machine-scope
--                    fact when it has one in force, else the default. 0 when
--                    no model is in force.
--   embodied_source  'model', or 'none' (no model in force: reports show
--                    NULL, never 0).
-- No model is seeded, so every fact stored before this migration has none.
--
-- The rollups sum embodied_gCo2eq and embodied_facts (the number of facts
-- with a model, from which usage_buckets tells a known 0 from unknown). The
-- rows already there sum facts without a model, whose two values are 0, so
-- the columns' default 0 keeps them exact: nothing is rebuilt. The update
-- trigger is made again with the two columns, and the covering index of
-- reports holds them. The view usage_footprint shows each fact's operational
-- and embodied carbon side by side. This migration reads only what
-- migration 4 made, so it applies after any other.

DROP INDEX IF EXISTS main.fact_usage_report;
DROP TRIGGER IF EXISTS main.fact_usage_rollup_update;

ALTER TABLE main.fact_usage ADD COLUMN embodied_gCo2eq REAL NOT NULL DEFAULT 0.0
  CONSTRAINT embodied_gco2eq_nonnegative CHECK (
    typeof(embodied_gCo2eq) = 'real' AND embodied_gCo2eq BETWEEN 0 AND 1.7976931348623157e308);
ALTER TABLE main.fact_usage ADD COLUMN embodied_source TEXT NOT NULL DEFAULT 'none'
  CONSTRAINT embodied_source_known CHECK (
    (embodied_source = 'model') OR (embodied_source = 'none' AND embodied_gCo2eq = 0));

CREATE INDEX IF NOT EXISTS main.fact_usage_report ON fact_usage(
  scope, ts, project_id, machine_id, user_id,
  busy_cpu_seconds_total, idle_cpu_seconds_total, busy_kwh, idle_kwh,
  busy_gCo2eq, idle_gCo2eq, covered_kwh, embodied_gCo2eq, embodied_source);

CREATE TABLE IF NOT EXISTS main.embodied_model (
  model_id        INTEGER PRIMARY KEY,
  machine_id      INTEGER REFERENCES dim_machine(machine_id),
  valid_from      TEXT NOT NULL,
  embodied_kgco2e REAL NOT NULL,
  lifespan_years  REAL NOT NULL,
  cores           REAL NOT NULL,
  source          TEXT,
  CONSTRAINT valid_from_canonical CHECK (
    valid_from GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'
    AND strftime('%Y-%m-%dT%H:%M:%SZ', valid_from, '+0 seconds') IS valid_from),
  CONSTRAINT embodied_kgco2e_nonnegative CHECK (
    typeof(embodied_kgco2e) = 'real' AND embodied_kgco2e BETWEEN 0 AND 1.7976931348623157e308),
  CONSTRAINT lifespan_years_positive CHECK (
    typeof(lifespan_years) = 'real' AND lifespan_years > 0
    AND lifespan_years <= 1.7976931348623157e308),
  CONSTRAINT cores_positive CHECK (
    typeof(cores) = 'real' AND cores > 0 AND cores <= 1.7976931348623157e308)
);
CREATE UNIQUE INDEX IF NOT EXISTS main.embodied_model_key
  ON embodied_model(COALESCE(machine_id, -1), valid_from);

ALTER TABLE main.usage_rollup_day ADD COLUMN embodied_gCo2eq REAL NOT NULL DEFAULT 0.0;
ALTER TABLE main.usage_rollup_day ADD COLUMN embodied_facts REAL NOT NULL DEFAULT 0.0;
ALTER TABLE main.usage_rollup_month ADD COLUMN embodied_gCo2eq REAL NOT NULL DEFAULT 0.0;
ALTER TABLE main.usage_rollup_month ADD COLUMN embodied_facts REAL NOT NULL DEFAULT 0.0;

CREATE TRIGGER IF NOT EXISTS main.fact_usage_rollup_update
AFTER UPDATE OF ts, scope, project_id, machine_id, user_id,
  busy_cpu_seconds_total, idle_cpu_seconds_total, busy_kwh, idle_kwh,
  busy_gCo2eq, idle_gCo2eq, covered_kwh, embodied_gCo2eq, embodied_source ON fact_usage
WHEN (OLD.ts, OLD.scope, OLD.project_id, OLD.machine_id, OLD.user_id,
      OLD.busy_cpu_seconds_total, OLD.idle_cpu_seconds_total, OLD.busy_kwh,
      OLD.idle_kwh, OLD.busy_gCo2eq, OLD.idle_gCo2eq, OLD.covered_kwh,
      OLD.embodied_gCo2eq, OLD.embodied_source)
  IS NOT (NEW.ts, NEW.scope, NEW.project_id, NEW.machine_id, NEW.user_id,
      NEW.busy_cpu_seconds_total, NEW.idle_cpu_seconds_total, NEW.busy_kwh,
      NEW.idle_kwh, NEW.busy_gCo2eq, NEW.idle_gCo2eq, NEW.covered_kwh,
      NEW.embodied_gCo2eq, NEW.embodied_source)
BEGIN
  INSERT INTO usage_rollup_dirty(scope, day)
  SELECT OLD.scope, substr(OLD.ts, 1, 10)
  WHERE OLD.ts < (SELECT watermark FROM usage_rollup_state WHERE scope = OLD.scope)
  ON CONFLICT DO NOTHING;
  INSERT INTO usage_rollup_dirty(scope, day)
  SELECT NEW.scope, substr(NEW.ts, 1, 10)
  WHERE NEW.ts < (SELECT watermark FROM usage_rollup_state WHERE scope = NEW.scope)
  ON CONFLICT DO NOTHING;
END;

-- Operational and embodied carbon of each fact side by side, with the key's
-- name: NULL where the fact's carbon is unknown, never 0.
CREATE VIEW IF NOT EXISTS main.usage_footprint AS
SELECT f.ts AS ts, f.scope AS scope,
       CASE f.scope WHEN 'project' THEN p.cloud_project_name
                    WHEN 'machine' THEN m.machine_name
                    WHEN 'user' THEN f.user_id ELSE 'ada' END AS key,
       f.busy_cpu_seconds_total AS busy_cpu_seconds_total,
       f.idle_cpu_seconds_total AS idle_cpu_seconds_total,
       f.busy_kwh + f.idle_kwh AS kwh,
       CASE WHEN f.carbon_source = 'none' THEN NULL
            ELSE f.busy_gCo2eq + f.idle_gCo2eq END AS operational_gCo2eq,
       CASE WHEN f.embodied_source = 'none' THEN NULL
            ELSE f.embodied_gCo2eq END AS embodied_gCo2eq
FROM fact_usage AS f
LEFT JOIN dim_project AS p ON p.project_id = f.project_id
LEFT JOIN dim_machine AS m ON m.machine_id = f.machine_id;
