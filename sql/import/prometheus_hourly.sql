-- prometheus_hourly.sql: hourly CPU facts from two Prometheus answers, one
-- fact per machine and hour, then the sums per project and for the platform.
--
-- Run, with the extension loaded, after putting the answers (the JSON
-- bodies of /api/v1/query_range or /api/v1/query) into temp.prometheus_answer:
--
--   CREATE TEMP TABLE prometheus_answer(
--     kind TEXT NOT NULL CHECK (kind IN ('busy', 'idle')), body TEXT NOT NULL);
--   INSERT INTO prometheus_answer VALUES
--     ('busy', readfile('busy.json')), ('idle', readfile('idle.json'));
--   .read sql/import/prometheus_hourly.sql
--
-- scripts/usage-collect does this for every complete hour. Several answers
-- of a kind may be given (one per chunk of a long range); every row of
-- prometheus_answer is read, and the table is emptied at the end.
--
-- The two queries, evaluated at whole hours (query_range with step=3600):
--   busy: sum by (instance) (increase(node_cpu_seconds_total{mode!~"idle|iowait"}[1h]))
--   idle: sum by (instance) (increase(node_cpu_seconds_total{mode=~"idle|iowait"}[1h]))
-- Busy is every mode but idle and iowait (user, system, nice, irq, softirq,
-- steal); iowait counts as idle because the CPU waits with nothing to run.
-- A site that counts iowait as busy moves it from one selector to the other,
-- e.g. mode!="idle" and mode="idle"; the two must still cover every mode once.
--
-- What it writes, through usage_ingest (so energy and carbon are derived as
-- for any fact, from the power models and usage_intensity):
--   - one machine fact per instance and hour: ts is the hour the increase
--     covers, the evaluation time - 1 hour (increase over (T-1h, T] is the
--     fact [T-1h, T)); busy and idle CPU seconds are the two answers' values.
--     A machine-hour that only one of the answers holds is left out; an
--     instance absent from both has no fact: missing, not zero.
--   - the machine's name: main.prometheus_machine's machine_name for the
--     instance when it has a row, else the host part of host:port
--     ('node-1:9100' -> 'node-1', '[::1]:9100' -> '::1').
--   - one project fact per project and hour: the sums of the machine facts
--     of that hour of the project's machines (usage_project_machines).
--   - one platform ('ada') fact per hour: the sums of all its machine facts.
-- The project and platform facts are the sums of the stored machine facts
-- of each hour the answers cover, so the scopes add up by construction.
-- Running it twice with the same answers writes the same facts: nothing
-- changes. It runs in one SAVEPOINT: an error (a bad answer, say) leaves the
-- database as it was.
SAVEPOINT prometheus_hourly;

-- Where instance labels name machines otherwise than by their host part.
CREATE TABLE IF NOT EXISTS main.prometheus_machine(
  instance     TEXT PRIMARY KEY,   -- the instance label, e.g. '10.0.0.7:9100'
  machine_name TEXT NOT NULL       -- the machine it is, e.g. 'node-7'
);

-- Both kinds are needed: busy alone would store hours without idle time.
CREATE TEMP TABLE IF NOT EXISTS prometheus_answer(
  kind TEXT NOT NULL CHECK (kind IN ('busy', 'idle')), body TEXT NOT NULL);
DROP TABLE IF EXISTS temp.prometheus_check;
CREATE TEMP TABLE prometheus_check(
  n INTEGER CONSTRAINT prometheus_answer_needs_both_busy_and_idle_or_neither CHECK (n <> 1));
INSERT INTO temp.prometheus_check
  SELECT count(DISTINCT kind) FROM temp.prometheus_answer;

-- The samples, one row per machine and hour, busy and idle side by side.
DROP TABLE IF EXISTS temp.prometheus_sample;
CREATE TEMP TABLE prometheus_sample AS
WITH s AS (
  SELECT a.kind, p.ts, json_extract(p.labels, '$.instance') AS instance, p.value
  FROM temp.prometheus_answer AS a, usage_prometheus(a.body, '1 hour') AS p
)
SELECT s.ts,
       COALESCE(m.machine_name,
                CASE WHEN s.instance LIKE '[%]%'
                       THEN substr(s.instance, 2, instr(s.instance, ']') - 2)
                     WHEN instr(s.instance, ':') > 0
                       THEN substr(s.instance, 1, instr(s.instance, ':') - 1)
                     ELSE s.instance END) AS machine_name,
       sum(CASE WHEN s.kind = 'busy' THEN s.value END) AS busy,
       sum(CASE WHEN s.kind = 'idle' THEN s.value END) AS idle
FROM s LEFT JOIN main.prometheus_machine AS m ON m.instance = s.instance
GROUP BY 1, 2;

INSERT INTO usage_ingest(ts, scope, machine_name, busy_cpu_seconds_total, idle_cpu_seconds_total)
  SELECT ts, 'machine', machine_name, busy, idle FROM temp.prometheus_sample
  WHERE busy IS NOT NULL AND idle IS NOT NULL
  ORDER BY ts, machine_name;

-- The sums, from the stored machine facts of the hours just written. They
-- go through a temp table first, so no statement reads fact_usage while
-- usage_ingest writes it.
DROP TABLE IF EXISTS temp.prometheus_sum;
CREATE TEMP TABLE prometheus_sum AS
WITH hours AS (
  SELECT DISTINCT ts FROM temp.prometheus_sample
  WHERE busy IS NOT NULL AND idle IS NOT NULL
), machine AS (
  SELECT f.ts, d.machine_name, f.busy_cpu_seconds_total AS busy, f.idle_cpu_seconds_total AS idle
  FROM main.fact_usage AS f JOIN main.dim_machine AS d ON d.machine_id = f.machine_id
  WHERE f.scope = 'machine' AND f.ts IN (SELECT ts FROM hours)
)
SELECT m.ts, 'project' AS scope, pm.cloud_project_name, sum(m.busy) AS busy, sum(m.idle) AS idle
FROM machine AS m JOIN usage_project_machines AS pm ON pm.machine_name = m.machine_name
GROUP BY m.ts, pm.cloud_project_name
UNION ALL
SELECT ts, 'ada', NULL, sum(busy), sum(idle) FROM machine GROUP BY ts;

INSERT INTO usage_ingest(ts, scope, cloud_project_name, busy_cpu_seconds_total, idle_cpu_seconds_total)
  SELECT ts, scope, cloud_project_name, busy, idle FROM temp.prometheus_sum
  ORDER BY scope, ts, cloud_project_name;

DELETE FROM temp.prometheus_answer;
DROP TABLE temp.prometheus_check;
DROP TABLE temp.prometheus_sample;
DROP TABLE temp.prometheus_sum;
RELEASE prometheus_hourly;
