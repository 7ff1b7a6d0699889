-- Migration 2: indexes for the queries that are actually run.
--
-- Reports read one scope over a time range, and time series read one
-- project, machine or user in time order. So:
--   * idx_fact_usage_scope goes: scope is the first column of the natural
--     key fact_usage_natural_key (scope, ts, ...), which serves every
--     "WHERE scope = ?" and every "scope = ? AND ts BETWEEN ..." as a range.
--   * idx_fact_usage_ts goes: no view, report or usage_buckets query reads
--     ts across all scopes, and each index costs every ingested row a write.
--   * the per-key indexes gain ts, so v_project_timeseries for one project
--     ORDER BY ts is a range read in order, with no sort.
-- Dropping and creating indexes keeps every row; the migration runs in one
-- transaction with the version bump.

DROP INDEX IF EXISTS main.idx_fact_usage_ts;
DROP INDEX IF EXISTS main.idx_fact_usage_scope;
DROP INDEX IF EXISTS main.idx_fact_usage_project;
DROP INDEX IF EXISTS main.idx_fact_usage_machine;
DROP INDEX IF EXISTS main.idx_fact_usage_user;
CREATE INDEX IF NOT EXISTS main.idx_fact_usage_project ON fact_usage(project_id, ts) WHERE project_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS main.idx_fact_usage_machine ON fact_usage(machine_id, ts) WHERE machine_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS main.idx_fact_usage_user    ON fact_usage(user_id, ts)    WHERE user_id IS NOT NULL;
