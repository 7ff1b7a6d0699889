/*
** vtab/vtab.h: what the virtual tables (ingest and buckets) share.
**
**   SELECT * FROM usage_buckets('project', 'day');
**   -- usage_buckets: no usage schema in main; run SELECT usage_init()
**
** Error messages set on a table, statements a table prepares once per
** schema and keeps, and the cursor that reads a writable table's rows back
** (vtab/vtab.c).
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

/* True when schema zSchema exists and has no usage_meta table: usage_init()
** never ran there. */
int usage_schema_absent(sqlite3 *db, const char *zSchema);

/* When zMsg is "no such table: S.x" and schema S has no usage schema, the
** message that says so and what to do, from sqlite3_mprintf: "no usage
** schema in main; run SELECT usage_init()". Else NULL. */
char *usage_schema_missing(sqlite3 *db, const char *zMsg);

/* zErr ("zTable: <message>", from sqlite3_mprintf), or in its place, freeing
** it, the message of usage_schema_missing() under zTable's name. NULL when
** out of memory. */
char *usage_error_schema(sqlite3 *db, const char *zTable, char *zErr);

/* Report the connection's last error as "zTable: <message>", with rc; a
** missing usage schema is said as usage_schema_missing() says it. */
int usage_vtab_db_error(sqlite3_vtab *pVtab, sqlite3 *db, const char *zTable,
                        int rc);

/* A cursor over the rows of one SELECT whose column 0 is the rowid and
** column i+1 the table's column i: how the writable tables (usage_ingest's
** and the energy tables) read their rows back. Its xOpen, xClose, xNext,
** xEof, xColumn and xRowid are the usage_rows_* functions below. */
typedef struct UsageRowCursor {
  sqlite3_vtab_cursor base; /* base class: must be first */
  sqlite3_stmt *pSelect;    /* the rows; NULL before the first xFilter */
  int bEof;                 /* no more rows */
  sqlite3 *db;              /* the connection, for error messages */
  const char *zTable;       /* the table's name, for error messages */
} UsageRowCursor;

int usage_rows_open(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCursor);
int usage_rows_close(sqlite3_vtab_cursor *pCursor);
/* Begin a scan of zSql (freed here; NULL means out of memory) on db, with
** errors reported as "zTable: ...". The caller binds, then calls
** usage_rows_next() for the first row. */
int usage_rows_prepare(sqlite3_vtab_cursor *pCursor, sqlite3 *db,
                       const char *zTable, char *zSql);
int usage_rows_next(sqlite3_vtab_cursor *pCursor);
int usage_rows_eof(sqlite3_vtab_cursor *pCursor);
int usage_rows_column(sqlite3_vtab_cursor *pCursor, sqlite3_context *ctx,
                      int i);
int usage_rows_rowid(sqlite3_vtab_cursor *pCursor, sqlite3_int64 *pRowid);

#endif /* USAGE_VTAB_H */
