-- Migration 2: indexes for the queries that are actually run.
--
-- Reports, usage_buckets and the time-series views read one scope over a
-- range of ts. So fact_usage_report holds (scope, ts), the keys and every
-- amount: those reads are one range of one index, and never touch the table
-- (1 M rows of scripts/gen data: SELECT count(*), sum(busy_kwh) FROM
-- usage_buckets('project', 'day') took 58 ms through the natural key and
-- table rows, 33 ms through this index; GROUP BY date(ts), project_id in
-- plain SQL: 173 ms).
--
-- It replaces the design's other indexes, each of which cost every
-- ingested row a write:
--   * idx_fact_usage_scope: scope is the first column of both
--     fact_usage_natural_key and fact_usage_report.
--   * idx_fact_usage_ts: nothing reads ts across all scopes.
--   * idx_fact_usage_project, _machine, _user: a time series of one key is
--     the range of its scope in fact_usage_report, with the key tested in the
--     index entry, so only that key's rows are read from it. Ingest through
--     usage_ingest costs about 4% more than with the three of them and no
--     covering index (callgrind, 100k rows).
-- Deleting a dimension row that facts still reference is refused by its
-- foreign key; without these indexes that check reads fact_usage in full.
-- Dropping and creating indexes keeps every row; usage_init() runs the
-- migration in one transaction with the version bump.

DROP INDEX IF EXISTS main.idx_fact_usage_ts;
DROP INDEX IF EXISTS main.idx_fact_usage_scope;
DROP INDEX IF EXISTS main.idx_fact_usage_project;
DROP INDEX IF EXISTS main.idx_fact_usage_machine;
DROP INDEX IF EXISTS main.idx_fact_usage_user;
CREATE INDEX IF NOT EXISTS main.fact_usage_report ON fact_usage(
  scope, ts, project_id, machine_id, user_id,
  busy_cpu_seconds_total, idle_cpu_seconds_total, busy_kwh, idle_kwh,
  busy_gCo2eq, idle_gCo2eq);
