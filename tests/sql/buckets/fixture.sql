-- fixture.sql: a small, hand-checkable data set for tests/sql/t_buckets_sql.
--
-- Amounts are small powers of two, so every sum is exact and the expected
-- outputs in the suite are computed by hand from the comments here.
SELECT usage_init();

-- Users and groups: dave has no group; frank's group 'bio' has no facts;
-- erin is created by her fact row below, without a group.
INSERT INTO usage_users(user_id, display_name, group_name) VALUES
  ('alice', 'Alice', 'physics'), ('bob', 'Bob', 'physics'),
  ('carol', 'Carol', 'astro'), ('dave', 'Dave', NULL), ('frank', 'Frank', 'bio');
-- A project with no facts.
INSERT INTO usage_user_projects(user_id, cloud_project_name) VALUES ('frank', 'zzz-idle');

-- Platform rows: busy_kwh v, busy_gCo2eq 100 v (intensity 100).
INSERT INTO usage_ingest(ts, scope, busy_kwh, busy_gCo2eq) VALUES
  ('2024-02-28T23:00:00Z', 'ada', 1, 100),      -- Wednesday
  ('2024-02-29T12:00:00Z', 'ada', 2, 200),      -- the leap day
  ('2024-03-01 01:30+02:00', 'ada', 256, 25600), -- = 2024-02-29T23:30:00Z
  ('2024-03-01T00:00:00Z', 'ada', 4, 400),      -- Friday
  ('2024-03-04T00:00:00Z', 'ada', 8, 800),      -- Monday
  ('2024-03-10T23:59:59Z', 'ada', 16, 1600),    -- the Sunday after
  ('2023-02-28T10:00:00Z', 'ada', 32, 3200),    -- February of a common year
  ('2023-03-01T00:00:00Z', 'ada', 64, 6400),
  ('1969-12-31T23:00:00Z', 'ada', 128, 12800);  -- before 1970

-- Projects. physics-sim on 2024-03-01: 2 kWh at 50 g/kWh, then 6 kWh at
-- 150 g/kWh: energy-weighted 125 g/kWh, though the rows average 100.
INSERT INTO usage_ingest(ts, scope, cloud_project_name, busy_cpu_seconds_total,
    idle_cpu_seconds_total, busy_kwh, idle_kwh, busy_gCo2eq, idle_gCo2eq) VALUES
  ('2024-03-01T01:00:00Z', 'project', 'physics-sim', 3600, 1800, 1.5, 0.5, 75, 25),
  ('2024-03-01T02:00:00Z', 'project', 'physics-sim', 3600, 0, 6, 0, 900, 0),
  ('2024-03-01T01:00:00Z', 'project', 'climate', 0, 7200, 0, 0.25, 0, 10),
  ('2024-03-03T05:00:00Z', 'project', 'physics-sim', 0, 0, 0, 0, 0, 0),
  ('2024-03-06T00:00:00Z', 'project', 'climate', 0, 0, 4, 0, 400, 0);

-- Machines.
INSERT INTO usage_ingest(ts, scope, machine_name, busy_kwh) VALUES
  ('2024-03-01T01:00:00Z', 'machine', 'node-1', 1),
  ('2024-03-01T01:00:00Z', 'machine', 'node-2', 2),
  ('2024-03-02T01:00:00Z', 'machine', 'node-1', 4);

-- Users.
INSERT INTO usage_ingest(ts, scope, user_id, busy_kwh) VALUES
  ('2024-03-01T01:00:00Z', 'user', 'alice', 1),
  ('2024-03-01T01:00:00Z', 'user', 'bob', 2),
  ('2024-03-01T01:00:00Z', 'user', 'carol', 4),
  ('2024-03-01T01:00:00Z', 'user', 'dave', 8),
  ('2024-03-02T00:00:00Z', 'user', 'alice', 16),
  ('2024-03-01T05:00:00Z', 'user', 'erin', 32);
