/*
** usage_vtab.h: what the virtual tables (ingest and buckets) share.
**
**   SELECT * FROM usage_buckets('project', 'day');
**   -- usage_buckets: no usage schema in main; run SELECT usage_init()
**
** Error messages set on a table, and statements a table prepares once per
** schema and keeps (usage_vtab.c).
*/
#ifndef USAGE_VTAB_H
#define USAGE_VTAB_H

#include "sqlite3ext.h"

/* Replace a virtual table's error message with a formatted one. Returns
** rc, or SQLITE_NOMEM when the message cannot be made. */
int usage_vtab_error(sqlite3_vtab *pVtab, int rc, const char *zFormat, ...);

/* Prepare a statement that a table keeps and reuses: each "%w" in zFormat
** becomes the schema zSchema, quoted as an identifier. */
int usage_prepare_persistent(sqlite3 *db, const char *zFormat,
                             const char *zSchema, sqlite3_stmt **ppStmt);

/* Set *ppStmt to the kept statement *ppSlot, preparing it from zFormat
** (see usage_prepare_persistent) when it has not been yet. Returns
** SQLITE_OK, or the prepare's error with the table's message set to
** "zTable: <the connection's error>". */
int usage_vtab_stmt(sqlite3_vtab *pVtab, sqlite3 *db, const char *zTable,
                    const char *zFormat, const char *zSchema,
                    sqlite3_stmt **ppSlot, sqlite3_stmt **ppStmt);

/* Report the connection's last error as "zTable: <message>", with rc. */
int usage_vtab_db_error(sqlite3_vtab *pVtab, sqlite3 *db, const char *zTable,
                        int rc);

#endif /* USAGE_VTAB_H */
