-- Migration 3: day and month rollups of fact_usage, kept exact by triggers.
--
-- usage_rollup_day and usage_rollup_month hold, per fact scope, UTC day (or
-- month) and key, the number of fact rows and the sum of each amount. key_id
-- is the row's project_id, machine_id or user_id as stored (0 for 'ada').
-- Group totals are not stored: they are the user rows joined with the
-- current dim_user.group_id, so moving a user needs no recompute.
--
-- usage_rollup_state holds one watermark per scope, a day 'YYYY-MM-DD': the
-- rollups cover the rows with ts before it. NULL means nothing is built yet,
-- so on a database upgraded with facts in it nothing is read from a rollup
-- until usage_refresh() has built it; reads stay exact all along.
--
-- usage_rollup_dirty lists the (scope, day) pairs below the watermark whose
-- rows changed since their rollup was written. Readers serve those days
-- from fact_usage; usage_refresh() recomputes them from fact_usage (never
-- by adding deltas, so REAL sums do not drift) and clears the marks.
--
-- The triggers mark days for every way a fact row can change. They use
-- built-in SQL only, so they run under PRAGMA trusted_schema=OFF and in a
-- sqlite3 without the extension, and a day changed there is still served
-- exactly. Each compares ts with the scope's watermark first: a row at or
-- past it (in-order ingest) costs one probe of usage_rollup_state and no
-- write. A day already marked is left alone by ON CONFLICT DO NOTHING, which,
-- unlike a trigger's OR IGNORE, a statement's own OR FAIL/ABORT/ROLLBACK
-- policy does not override; and no trigger's SELECT reads the table it
-- inserts into, which would make SQLite copy the SELECT into a temporary
-- table for every row written.
--   * AFTER INSERT: a new row, from INSERT, INSERT OR REPLACE or usage_ingest.
--   * BEFORE INSERT: the row an INSERT OR REPLACE deletes by usage_id (a
--     REPLACE deletes without DELETE triggers unless recursive_triggers is
--     on). The row it deletes by the natural key has NEW's scope and ts, so
--     AFTER INSERT marks its day. When usage_id is not given, NEW.usage_id
--     is -1 here, and the probe finds nothing.
--   * AFTER UPDATE OF the summed columns, ts, scope or keys, when one of them
--     really changed (an upsert fires UPDATE triggers even when nothing
--     changed): the OLD day and the NEW day. usage_ingest's upsert of a
--     known (scope, ts, key) lands here. An UPDATE OR REPLACE that deletes
--     a row by the natural key deletes one of NEW's day.
--   * BEFORE UPDATE OF usage_id: the row an UPDATE OR REPLACE deletes by the
--     new usage_id.
--   * AFTER DELETE: the OLD day.
-- Days at or past the watermark are read from fact_usage, so they need no
-- mark. A migration that adds a summed column to fact_usage adds it to both
-- rollup tables and recreates fact_usage_rollup_update with the column in
-- its OF list and in both rows of its WHEN.

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
  PRIMARY KEY (scope, month, key_id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS main.usage_rollup_state (
  scope     TEXT PRIMARY KEY,
  watermark TEXT
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS main.usage_rollup_dirty (
  scope TEXT NOT NULL,
  day   TEXT NOT NULL,
  PRIMARY KEY (scope, day)
) WITHOUT ROWID;

INSERT OR IGNORE INTO main.usage_rollup_state(scope, watermark)
  VALUES ('ada', NULL), ('project', NULL), ('machine', NULL), ('user', NULL);

CREATE TRIGGER IF NOT EXISTS main.fact_usage_rollup_insert
AFTER INSERT ON fact_usage
WHEN NEW.ts < (SELECT watermark FROM usage_rollup_state WHERE scope = NEW.scope)
BEGIN
  INSERT INTO usage_rollup_dirty(scope, day)
  SELECT NEW.scope, substr(NEW.ts, 1, 10) WHERE true
  ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER IF NOT EXISTS main.fact_usage_rollup_replace
BEFORE INSERT ON fact_usage
BEGIN
  INSERT INTO usage_rollup_dirty(scope, day)
  SELECT f.scope, substr(f.ts, 1, 10) FROM fact_usage AS f
  WHERE f.usage_id = NEW.usage_id
    AND f.ts < (SELECT watermark FROM usage_rollup_state WHERE scope = f.scope)
  ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER IF NOT EXISTS main.fact_usage_rollup_update
AFTER UPDATE OF ts, scope, project_id, machine_id, user_id,
  busy_cpu_seconds_total, idle_cpu_seconds_total, busy_kwh, idle_kwh,
  busy_gCo2eq, idle_gCo2eq ON fact_usage
WHEN (OLD.ts, OLD.scope, OLD.project_id, OLD.machine_id, OLD.user_id,
      OLD.busy_cpu_seconds_total, OLD.idle_cpu_seconds_total, OLD.busy_kwh,
      OLD.idle_kwh, OLD.busy_gCo2eq, OLD.idle_gCo2eq)
  IS NOT (NEW.ts, NEW.scope, NEW.project_id, NEW.machine_id, NEW.user_id,
      NEW.busy_cpu_seconds_total, NEW.idle_cpu_seconds_total, NEW.busy_kwh,
      NEW.idle_kwh, NEW.busy_gCo2eq, NEW.idle_gCo2eq)
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

CREATE TRIGGER IF NOT EXISTS main.fact_usage_rollup_renumber
BEFORE UPDATE OF usage_id ON fact_usage
WHEN NEW.usage_id IS NOT OLD.usage_id
BEGIN
  INSERT INTO usage_rollup_dirty(scope, day)
  SELECT f.scope, substr(f.ts, 1, 10) FROM fact_usage AS f
  WHERE f.usage_id = NEW.usage_id
    AND f.ts < (SELECT watermark FROM usage_rollup_state WHERE scope = f.scope)
  ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER IF NOT EXISTS main.fact_usage_rollup_delete
AFTER DELETE ON fact_usage
WHEN OLD.ts < (SELECT watermark FROM usage_rollup_state WHERE scope = OLD.scope)
BEGIN
  INSERT INTO usage_rollup_dirty(scope, day)
  SELECT OLD.scope, substr(OLD.ts, 1, 10) WHERE true
  ON CONFLICT DO NOTHING;
END;

CREATE VIEW IF NOT EXISTS main.usage_rollup_status AS
SELECT s.scope AS scope,
       s.watermark AS watermark,
       (SELECT count(*) FROM usage_rollup_dirty AS d WHERE d.scope = s.scope) AS dirty_days,
       (SELECT count(*) FROM usage_rollup_day AS r WHERE r.scope = s.scope) AS day_rows,
       (SELECT count(*) FROM usage_rollup_month AS r WHERE r.scope = s.scope) AS month_rows
FROM usage_rollup_state AS s
ORDER BY CASE s.scope WHEN 'ada' THEN 0 WHEN 'project' THEN 1
                      WHEN 'machine' THEN 2 ELSE 3 END;
