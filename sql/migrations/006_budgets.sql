-- Migration 6: carbon budgets.
--
--   budget  a limit of gCO2eq per period for one scope and key, written
--           through usage_budgets and read by usage_budget_status():
--             scope          'ada', 'project', 'machine', 'user' or 'group'
--             key            the key usage_buckets gives that scope (project
--                            name, machine name, user id, group name);
--                            NULL for 'ada' and only for it
--             period         'month', 'quarter' or 'year' of the reporting
--                            zone, usage_config('rollup_tz')
--             limit_gco2eq   the limit, > 0
--             warn_fraction  the share of the limit used that warns, in
--                            (0, 1]; 0.8 unless given
--             includes       what is counted: 'operational' (the carbon of
--                            fact_usage), or 'operational+embodied' (and the
--                            embodied carbon of migration 7)
--           One row per (scope, key, period): a second replaces the first.
--
-- fact_usage_forecast indexes the facts whose carbon came wholly or partly
-- from forecast periods, so usage_budget_status() says whether a budget is
-- counted on forecasts by reading those few rows rather than a month's.
--
-- This migration creates only its own objects and reads none that a later
-- one than migration 4 makes, so it applies on top of migration 4 or 5.
CREATE TABLE IF NOT EXISTS main.budget (
  budget_id      INTEGER PRIMARY KEY,
  scope          TEXT NOT NULL,
  key            TEXT,
  period         TEXT NOT NULL,
  limit_gco2eq   REAL NOT NULL,
  warn_fraction  REAL NOT NULL DEFAULT 0.8,
  includes       TEXT NOT NULL DEFAULT 'operational',
  CONSTRAINT budget_scope_known CHECK (scope = 'ada' OR scope = 'project'
    OR scope = 'machine' OR scope = 'user' OR scope = 'group'),
  CONSTRAINT budget_key_by_scope CHECK ((scope = 'ada') = (key IS NULL)),
  CONSTRAINT budget_period_known CHECK (
    period = 'month' OR period = 'quarter' OR period = 'year'),
  CONSTRAINT budget_limit_positive CHECK (
    typeof(limit_gco2eq) = 'real' AND limit_gco2eq > 0
    AND limit_gco2eq <= 1.7976931348623157e308),
  CONSTRAINT budget_warn_share CHECK (
    typeof(warn_fraction) = 'real' AND warn_fraction > 0 AND warn_fraction <= 1),
  CONSTRAINT budget_includes_known CHECK (
    includes = 'operational' OR includes = 'operational+embodied')
);
CREATE UNIQUE INDEX IF NOT EXISTS main.budget_key
  ON budget(scope, COALESCE(key, ''), period);

CREATE INDEX IF NOT EXISTS main.fact_usage_forecast ON fact_usage(scope, ts)
  WHERE carbon_source = 'forecast' OR carbon_source = 'mixed';
