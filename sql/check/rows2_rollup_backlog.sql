-- rows2_rollup_backlog.sql: the refresh backlog, for usage_check().
--
-- One warning per scope whose rollups have days marked dirty (changed below
-- the watermark since the last usage_refresh()). Reads stay exact, since
-- dirty days are read from fact_usage, but each one costs its raw rows in
-- every query over it until usage_refresh() rebuilds it. Runs as it is in a
-- plain sqlite3 on a usage database:
--
--   sqlite3 usage.db < sql/check/rows2_rollup_backlog.sql
SELECT 'warning', 'rollup backlog ' || scope,
       count(*) || ' dirty day' || CASE WHEN count(*) = 1 THEN '' ELSE 's' END
         || ', oldest ' || min(day) || '; run SELECT usage_refresh()'
FROM main.usage_rollup_dirty
GROUP BY scope
ORDER BY CASE scope WHEN 'ada' THEN 0 WHEN 'project' THEN 1
                    WHEN 'machine' THEN 2 ELSE 3 END;
