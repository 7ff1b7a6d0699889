-- db2_foreign_keys.sql: what PRAGMA foreign_key_check finds, for usage_check().
--
-- One row (severity, what, detail) per pair of child and parent table, with
-- the number of child rows whose parent row is missing and the first such
-- rowid: a database can hold millions, and one line says what to look at.
-- Such rows come from writes made with PRAGMA foreign_keys off (its default
-- in the sqlite3 shell and in most drivers). Runs in a plain sqlite3:
--
--   sqlite3 usage.db < sql/check/db2_foreign_keys.sql
SELECT 'error', 'foreign_key_check',
       count(*) || ' row' || CASE WHEN count(*) = 1 THEN '' ELSE 's' END
         || ' of ' || "table"
         || CASE WHEN count(*) = 1 THEN ' refers' ELSE ' refer' END
         || ' to missing ' || parent
         || ' rows, first rowid ' || min(rowid)
FROM pragma_foreign_key_check
GROUP BY "table", parent
ORDER BY "table", parent;
