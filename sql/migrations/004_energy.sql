-- Migration 4: energy and carbon derived from CPU seconds, a power model and
-- a grid-intensity series.
--
--   power_model     the watts per busy and idle CPU second, and the PUE, in
--                   force from valid_from until the next valid_from of the
--                   same machine; machine_id NULL is the platform default.
--                   Written through usage_power_models.
--   grid_intensity  half-open periods [period_start, period_end) of grams
--                   of CO2eq per kWh, one row per (region, period_start,
--                   kind). Written through usage_intensity.
--
-- fact_usage gains the provenance of each fact:
--   energy_source    'given' (the row gave busy_kwh or idle_kwh) or 'model'
--   carbon_source    'given', or the intensity kinds the derivation used:
--                    'actual', 'forecast', 'default', 'mixed' (more than one
--                    kind), or 'none' (no intensity period overlaps the fact)
--   carbon_coverage  the share of the fact's interval [ts, ts+fact_interval)
--                    that intensity periods cover, 0 to 1; 1 for given carbon
--   covered_kwh      the fact's kWh whose carbon is known: all of it for
--                    given carbon, kWh x carbon_coverage when derived. It is
--                    an amount that usage_buckets sums for carbon_coverage.
--   intensity_given  1 when the row gave intensity_gCo2eq_kwh itself, which
--                    derivation then keeps.
-- Rows stored before this migration were given, so they keep the defaults
-- and their covered_kwh is their kWh.
--
-- The CHECKs use built-in SQL only; a plain sqlite3 reads and writes the
-- file. The seeded default model is the UsageDB design's 12 W per busy and
-- 1 W per idle core-second.

-- First the covering index of reports and the rollup update trigger go,
-- both made again below with covered_kwh: each ALTER TABLE ADD COLUMN makes
-- SQLite parse the whole schema again, so every object out of the way makes
-- the five cheaper, and the UPDATE of every fact then writes no index entry
-- and marks no day dirty.
DROP INDEX IF EXISTS main.fact_usage_report;
DROP TRIGGER IF EXISTS main.fact_usage_rollup_update;

ALTER TABLE main.fact_usage ADD COLUMN energy_source TEXT NOT NULL DEFAULT 'given'
  CONSTRAINT energy_source_known CHECK (energy_source = 'given' OR energy_source = 'model');
ALTER TABLE main.fact_usage ADD COLUMN carbon_source TEXT NOT NULL DEFAULT 'given'
  CONSTRAINT carbon_source_known CHECK (carbon_source = 'given' OR carbon_source = 'actual'
    OR carbon_source = 'forecast' OR carbon_source = 'default' OR carbon_source = 'mixed'
    OR carbon_source = 'none');
ALTER TABLE main.fact_usage ADD COLUMN carbon_coverage REAL NOT NULL DEFAULT 1.0
  CONSTRAINT carbon_coverage_share CHECK (carbon_coverage BETWEEN 0 AND 1);
ALTER TABLE main.fact_usage ADD COLUMN covered_kwh REAL NOT NULL DEFAULT 0.0
  CONSTRAINT covered_kwh_nonnegative CHECK (
    typeof(covered_kwh) = 'real' AND covered_kwh BETWEEN 0 AND 1.7976931348623157e308);
ALTER TABLE main.fact_usage ADD COLUMN intensity_given INTEGER NOT NULL DEFAULT 0
  CONSTRAINT intensity_given_flag CHECK (intensity_given = 0 OR intensity_given = 1);

UPDATE main.fact_usage SET covered_kwh = busy_kwh + idle_kwh,
  intensity_given = (intensity_gCo2eq_kwh IS NOT NULL);

-- The covering index of reports holds covered_kwh too, so usage_buckets
-- reads carbon_coverage from the same range of the same index.
CREATE INDEX IF NOT EXISTS main.fact_usage_report ON fact_usage(
  scope, ts, project_id, machine_id, user_id,
  busy_cpu_seconds_total, idle_cpu_seconds_total, busy_kwh, idle_kwh,
  busy_gCo2eq, idle_gCo2eq, covered_kwh);

CREATE TABLE IF NOT EXISTS main.power_model (
  model_id    INTEGER PRIMARY KEY,
  machine_id  INTEGER REFERENCES dim_machine(machine_id),
  valid_from  TEXT NOT NULL,
  busy_watts  REAL NOT NULL,
  idle_watts  REAL NOT NULL,
  pue         REAL NOT NULL DEFAULT 1.0,
  source      TEXT,
  CONSTRAINT valid_from_canonical CHECK (
    valid_from GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'
    AND strftime('%Y-%m-%dT%H:%M:%SZ', valid_from, '+0 seconds') IS valid_from),
  CONSTRAINT busy_watts_nonnegative CHECK (
    typeof(busy_watts) = 'real' AND busy_watts BETWEEN 0 AND 1.7976931348623157e308),
  CONSTRAINT idle_watts_nonnegative CHECK (
    typeof(idle_watts) = 'real' AND idle_watts BETWEEN 0 AND 1.7976931348623157e308),
  CONSTRAINT pue_at_least_one CHECK (
    typeof(pue) = 'real' AND pue BETWEEN 1 AND 1.7976931348623157e308)
);
CREATE UNIQUE INDEX IF NOT EXISTS main.power_model_key
  ON power_model(COALESCE(machine_id, -1), valid_from);

CREATE TABLE IF NOT EXISTS main.grid_intensity (
  intensity_id  INTEGER PRIMARY KEY,
  region        TEXT NOT NULL,
  period_start  TEXT NOT NULL,
  period_end    TEXT NOT NULL,
  gco2_per_kwh  REAL NOT NULL,
  kind          TEXT NOT NULL,
  source        TEXT,
  CONSTRAINT kind_known CHECK (kind = 'actual' OR kind = 'forecast' OR kind = 'default'),
  CONSTRAINT period_start_canonical CHECK (
    period_start GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'
    AND strftime('%Y-%m-%dT%H:%M:%SZ', period_start, '+0 seconds') IS period_start),
  CONSTRAINT period_end_after_start CHECK (
    period_end GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'
    AND strftime('%Y-%m-%dT%H:%M:%SZ', period_end, '+0 seconds') IS period_end
    AND period_end > period_start),
  CONSTRAINT gco2_per_kwh_nonnegative CHECK (
    typeof(gco2_per_kwh) = 'real' AND gco2_per_kwh BETWEEN 0 AND 1.7976931348623157e308)
);
CREATE UNIQUE INDEX IF NOT EXISTS main.grid_intensity_key
  ON grid_intensity(region, period_start, kind);

INSERT INTO main.power_model(machine_id, valid_from, busy_watts, idle_watts, pue, source)
  SELECT NULL, '1970-01-01T00:00:00Z', 12.0, 1.0, 1.0, 'UsageDB design: 12 W busy, 1 W idle per core'
  WHERE NOT EXISTS (SELECT 1 FROM main.power_model);


-- The rollups of migration 3 sum covered_kwh like the amounts, so usage_buckets
-- reports carbon_coverage from them as from the raw rows. The update trigger
-- marks a day dirty when covered_kwh changes too: a re-derivation after
-- intensity is loaded can change covered_kwh alone. The rollups written
-- before this migration are dropped and every watermark reset, so nothing is
-- read from them until usage_refresh() has rebuilt them with covered_kwh.
-- The two tables are made again rather than altered: ALTER TABLE ADD COLUMN
-- makes SQLite parse the whole schema again, which costs a usage_init() of
-- a version-3 database about 6,000 allocations for the two, and the rows go
-- anyway.
DROP TABLE IF EXISTS main.usage_rollup_day;
DROP TABLE IF EXISTS main.usage_rollup_month;
CREATE TABLE IF NOT EXISTS main.usage_rollup_day (
  scope   TEXT NOT NULL,
  day     TEXT NOT NULL,
  key_id  NOT NULL,
  samples INTEGER NOT NULL,
  busy_cpu_seconds_total REAL NOT NULL,
  idle_cpu_seconds_total REAL NOT NULL,
  busy_kwh               REAL NOT NULL,
  idle_kwh               REAL NOT NULL,
  busy_gCo2eq            REAL NOT NULL,
  idle_gCo2eq            REAL NOT NULL,
  covered_kwh            REAL NOT NULL DEFAULT 0.0,
  PRIMARY KEY (scope, day, key_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS main.usage_rollup_month (
  scope   TEXT NOT NULL,
  month   TEXT NOT NULL,
  key_id  NOT NULL,
  samples INTEGER NOT NULL,
  busy_cpu_seconds_total REAL NOT NULL,
  idle_cpu_seconds_total REAL NOT NULL,
  busy_kwh               REAL NOT NULL,
  idle_kwh               REAL NOT NULL,
  busy_gCo2eq            REAL NOT NULL,
  idle_gCo2eq            REAL NOT NULL,
  covered_kwh            REAL NOT NULL DEFAULT 0.0,
  PRIMARY KEY (scope, month, key_id)
) WITHOUT ROWID;
DELETE FROM main.usage_rollup_dirty;
UPDATE main.usage_rollup_state SET watermark = NULL;

CREATE TRIGGER IF NOT EXISTS main.fact_usage_rollup_update
AFTER UPDATE OF ts, scope, project_id, machine_id, user_id,
  busy_cpu_seconds_total, idle_cpu_seconds_total, busy_kwh, idle_kwh,
  busy_gCo2eq, idle_gCo2eq, covered_kwh ON fact_usage
WHEN (OLD.ts, OLD.scope, OLD.project_id, OLD.machine_id, OLD.user_id,
      OLD.busy_cpu_seconds_total, OLD.idle_cpu_seconds_total, OLD.busy_kwh,
      OLD.idle_kwh, OLD.busy_gCo2eq, OLD.idle_gCo2eq, OLD.covered_kwh)
  IS NOT (NEW.ts, NEW.scope, NEW.project_id, NEW.machine_id, NEW.user_id,
      NEW.busy_cpu_seconds_total, NEW.idle_cpu_seconds_total, NEW.busy_kwh,
      NEW.idle_kwh, NEW.busy_gCo2eq, NEW.idle_gCo2eq, NEW.covered_kwh)
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
