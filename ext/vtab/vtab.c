/*
** vtab/vtab.c: error messages and kept statements for the virtual tables.
**
**   INSERT INTO usage_ingest(ts, scope) VALUES ('x', 'ada');
**   -- usage_ingest: invalid timestamp 'x': ...  (set by usage_vtab_error)
**   SELECT * FROM usage_users;  -- read back through a UsageRowCursor
**
** See vtab/vtab.h.
*/
#include <stdarg.h>
#include <string.h>

#include "vtab/vtab.h"
SQLITE_EXTENSION_INIT3

int usage_vtab_error(sqlite3_vtab *pVtab, int rc, const char *zFormat, ...) {
  va_list ap;
  va_start(ap, zFormat);
  sqlite3_free(pVtab->zErrMsg);
  pVtab->zErrMsg = sqlite3_vmprintf(zFormat, ap);
  va_end(ap);
  return pVtab->zErrMsg ? rc : SQLITE_NOMEM;
}

int usage_schema_absent(sqlite3 *db, const char *zSchema) {
  sqlite3_stmt *pStmt = 0;
  char *zSql = sqlite3_mprintf(
      "SELECT 1 FROM \"%w\".sqlite_master WHERE name = 'usage_meta'", zSchema);
  int rc, bLacks = 0;
  if (zSql == 0) return 0;
  rc = sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0);
  sqlite3_free(zSql);
  if (rc == SQLITE_OK) bLacks = sqlite3_step(pStmt) == SQLITE_DONE;
  sqlite3_finalize(pStmt);
  return bLacks;
}

char *usage_schema_missing(sqlite3 *db, const char *zMsg) {
  static const char zPrefix[] = "no such table: ";
  const char *zDot;
  char *zSchema, *zOut = 0;
  if (zMsg == 0 || strncmp(zMsg, zPrefix, sizeof(zPrefix) - 1) != 0) return 0;
  zMsg += sizeof(zPrefix) - 1;
  zDot = strchr(zMsg, '.');
  if (zDot == 0) return 0;
  zSchema = sqlite3_mprintf("%.*s", (int)(zDot - zMsg), zMsg);
  if (zSchema && usage_schema_absent(db, zSchema)) {
    int bMain = strcmp(zSchema, "main") == 0;
    zOut = sqlite3_mprintf(
        "no usage schema in %s; run SELECT usage_init(%s%s%s)", zSchema,
        bMain ? "" : "'", bMain ? "" : zSchema, bMain ? "" : "'");
  }
  sqlite3_free(zSchema);
  return zOut;
}

char *usage_error_schema(sqlite3 *db, const char *zTable, char *zErr) {
  size_t n = strlen(zTable);
  char *zMissing, *zOut;
  if (strncmp(zErr, zTable, n) != 0 || strncmp(zErr + n, ": ", 2) != 0) {
    return zErr;
  }
  zMissing = usage_schema_missing(db, zErr + n + 2);
  if (zMissing == 0) return zErr;
  zOut = sqlite3_mprintf("%s: %s", zTable, zMissing);
  sqlite3_free(zMissing);
  sqlite3_free(zErr);
  return zOut;
}

int usage_prepare_persistent(sqlite3 *db, const char *zFormat,
                             const char *zSchema, sqlite3_stmt **ppStmt) {
  char *zSql = sqlite3_mprintf(zFormat, zSchema);
  int rc;
  if (zSql == 0) return SQLITE_NOMEM;
  rc = sqlite3_prepare_v3(db, zSql, -1, SQLITE_PREPARE_PERSISTENT, ppStmt, 0);
  sqlite3_free(zSql);
  return rc;
}

int usage_vtab_db_error(sqlite3_vtab *pVtab, sqlite3 *db, const char *zTable,
                        int rc) {
  /* The message is copied first: the schema lookup may replace it. */
  char *zMsg = sqlite3_mprintf("%s", sqlite3_errmsg(db));
  char *zMissing = usage_schema_missing(db, zMsg);
  rc = usage_vtab_error(pVtab, rc, "%s: %s", zTable,
                        zMissing ? zMissing
                        : zMsg   ? zMsg
                                 : "out of memory");
  sqlite3_free(zMissing);
  sqlite3_free(zMsg);
  return rc;
}

int usage_vtab_stmt(sqlite3_vtab *pVtab, sqlite3 *db, const char *zTable,
                    const char *zFormat, const char *zSchema,
                    sqlite3_stmt **ppSlot, sqlite3_stmt **ppStmt) {
  if (*ppSlot == 0) {
    int rc = usage_prepare_persistent(db, zFormat, zSchema, ppSlot);
    if (rc != SQLITE_OK) return usage_vtab_db_error(pVtab, db, zTable, rc);
  }
  *ppStmt = *ppSlot;
  return SQLITE_OK;
}

int usage_rows_open(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCursor) {
  UsageRowCursor *pCur = sqlite3_malloc(sizeof(*pCur));
  (void)pVtab;
  if (pCur == 0) return SQLITE_NOMEM;
  memset(pCur, 0, sizeof(*pCur));
  *ppCursor = &pCur->base;
  return SQLITE_OK;
}

int usage_rows_close(sqlite3_vtab_cursor *pCursor) {
  UsageRowCursor *pCur = (UsageRowCursor *)pCursor;
  sqlite3_finalize(pCur->pSelect);
  sqlite3_free(pCur);
  return SQLITE_OK;
}

int usage_rows_prepare(sqlite3_vtab_cursor *pCursor, sqlite3 *db,
                       const char *zTable, char *zSql) {
  UsageRowCursor *pCur = (UsageRowCursor *)pCursor;
  int rc;
  sqlite3_finalize(pCur->pSelect);
  pCur->pSelect = 0;
  pCur->bEof = 0;
  pCur->db = db;
  pCur->zTable = zTable;
  if (zSql == 0) return SQLITE_NOMEM;
  rc = sqlite3_prepare_v2(db, zSql, -1, &pCur->pSelect, 0);
  sqlite3_free(zSql);
  if (rc != SQLITE_OK)
    return usage_vtab_db_error(pCursor->pVtab, db, zTable, rc);
  return SQLITE_OK;
}

int usage_rows_next(sqlite3_vtab_cursor *pCursor) {
  UsageRowCursor *pCur = (UsageRowCursor *)pCursor;
  int rc = sqlite3_step(pCur->pSelect);
  if (rc == SQLITE_ROW) return SQLITE_OK;
  pCur->bEof = 1;
  if (rc == SQLITE_DONE) return SQLITE_OK;
  return usage_vtab_db_error(pCursor->pVtab, pCur->db, pCur->zTable,
                             sqlite3_reset(pCur->pSelect));
}

int usage_rows_eof(sqlite3_vtab_cursor *pCursor) {
  return ((UsageRowCursor *)pCursor)->bEof;
}

int usage_rows_column(sqlite3_vtab_cursor *pCursor, sqlite3_context *ctx,
                      int i) {
  UsageRowCursor *pCur = (UsageRowCursor *)pCursor;
  sqlite3_result_value(ctx, sqlite3_column_value(pCur->pSelect, i + 1));
  return SQLITE_OK;
}

int usage_rows_rowid(sqlite3_vtab_cursor *pCursor, sqlite3_int64 *pRowid) {
  *pRowid = sqlite3_column_int64(((UsageRowCursor *)pCursor)->pSelect, 0);
  return SQLITE_OK;
}
