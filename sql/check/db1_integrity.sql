-- db1_integrity.sql: what PRAGMA integrity_check finds, for usage_check().
--
-- One row (severity, what, detail) per problem the pragma reports; none when
-- it says "ok". Runs as it is in a plain sqlite3:
--
--   sqlite3 usage.db < sql/check/db1_integrity.sql
SELECT 'error', 'integrity_check', integrity_check
FROM pragma_integrity_check
WHERE integrity_check <> 'ok';
