-- rows1_unreferenced.sql: dimension rows that nothing references, for usage_check().
--
-- One row (severity, what, detail) per dimension table that has such rows,
-- with their number and the first name. They are warnings: a project created
-- ahead of its first fact is fine, but a typo in a name leaves one behind.
-- A machine that a power model names is referenced.
-- Runs as it is in a plain sqlite3 on a usage database:
--
--   sqlite3 usage.db < sql/check/rows1_unreferenced.sql
--
-- Each reference is read once into the IN list's temporary index (NOT IN
-- with the NULLs left out), so the cost is one pass over each referring
-- table, not one search of fact_usage per dimension row: fact_usage has no
-- index on its key columns alone (see migration 2).
SELECT 'warning', 'unreferenced ' || tbl,
       n || ' row' || CASE WHEN n = 1 THEN '' ELSE 's' END
         || ' that nothing references, first ' || quote(first)
FROM (
  SELECT 'dim_group' AS tbl, count(*) AS n, min(group_name) AS first
  FROM main.dim_group
  WHERE group_id NOT IN (SELECT group_id FROM main.dim_user
                         WHERE group_id IS NOT NULL)
  UNION ALL
  SELECT 'dim_user', count(*), min(user_id)
  FROM main.dim_user
  WHERE user_id NOT IN (SELECT user_id FROM main.fact_usage
                        WHERE user_id IS NOT NULL)
    AND user_id NOT IN (SELECT user_id FROM main.map_user_project)
    AND user_id NOT IN (SELECT user_id FROM main.active_workspace
                        WHERE user_id IS NOT NULL)
  UNION ALL
  SELECT 'dim_project', count(*), min(cloud_project_name)
  FROM main.dim_project
  WHERE project_id NOT IN (SELECT project_id FROM main.fact_usage
                           WHERE project_id IS NOT NULL)
    AND project_id NOT IN (SELECT project_id FROM main.map_user_project)
    AND project_id NOT IN (SELECT project_id FROM main.map_project_machine)
    AND project_id NOT IN (SELECT project_id FROM main.active_workspace
                           WHERE project_id IS NOT NULL)
  UNION ALL
  SELECT 'dim_machine', count(*), min(machine_name)
  FROM main.dim_machine
  WHERE machine_id NOT IN (SELECT machine_id FROM main.fact_usage
                           WHERE machine_id IS NOT NULL)
    AND machine_id NOT IN (SELECT machine_id FROM main.map_project_machine)
    AND machine_id NOT IN (SELECT machine_id FROM main.active_workspace)
    AND machine_id NOT IN (SELECT machine_id FROM main.power_model
                           WHERE machine_id IS NOT NULL)
  UNION ALL
  SELECT 'dim_instance', count(*), min(host)
  FROM main.dim_instance
  WHERE instance_id NOT IN (SELECT instance_id FROM main.active_workspace)
)
WHERE n > 0;
