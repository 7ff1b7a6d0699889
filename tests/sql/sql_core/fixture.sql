-- fixture.sql: the small data set of tests/sql/t_sql_core, whose views it
-- checks against values worked out by hand from these rows.
--
--   sqlite3 -cmd '.load build/usage' core.db 'SELECT usage_init()' '.read tests/sql/sql_core/fixture.sql'
--
-- Users: alice and bob in group astro, carol in none. The facts, all on
-- 2024-03-01, written as the columns of usage_ingest (ts, scope, project,
-- machine, user, busy/idle cpu seconds, busy/idle kWh, busy/idle gCO2eq,
-- intensity):
--   ada     00:00 and 01:00 (the second as '2024-03-01 01:00' with '' keys)
--   project physics at 00:00 (written 01:00+01:00) and 01:00 (intensity 45),
--           chem at 00:00 with no energy (so no intensity)
--   machine node-1 at 00:00
--   user    alice at 00:00 and 01:00, bob and carol at 00:00
-- So, e.g., v_project_totals for physics is 10+30 | 20+10 | 0.5+1.5 |
-- 0.25+0.5 | 30+60 | 15+20, and v_group_totals for astro adds alice and bob.
INSERT INTO usage_users VALUES ('alice', 'Alice', 'astro'), ('bob', NULL, 'astro'), ('carol', 'Carol', NULL);
INSERT INTO usage_ingest VALUES
 ('2024-03-01T00:00:00Z','ada',NULL,NULL,NULL, 100,200, 1.0,0.5, 100,50, NULL),
 ('2024-03-01 01:00',    'ada','','','',      300,100, 3.0,1.0, 150,50, 50),
 ('2024-03-01T01:00:00+01:00','project','physics',NULL,NULL, 10,20, 0.5,0.25, 30,15, NULL),
 ('2024-03-01T01:00:00Z','project','physics',NULL,NULL, 30,10, 1.5,0.5, 60,20, 45),
 ('2024-03-01T00:00:00Z','project','chem',NULL,NULL, 5,5, 0,0, 0,0, NULL),
 ('2024-03-01T00:00:00Z','machine',NULL,'node-1',NULL, 50,50, 2.0,2.0, 100,100, NULL),
 ('2024-03-01T00:00:00Z','user',NULL,NULL,'alice', 10,0, 1.0,0, 10,0, NULL),
 ('2024-03-01T01:00:00Z','user',NULL,NULL,'alice', 20,0, 3.0,1.0, 30,10, NULL),
 ('2024-03-01T00:00:00Z','user',NULL,NULL,'bob', 5,5, 0.5,0.5, 5,5, NULL),
 ('2024-03-01T00:00:00Z','user',NULL,NULL,'carol', 1,1, 0.1,0.1, 1,1, NULL);
