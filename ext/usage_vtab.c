/*
** usage_vtab.c: error messages and kept statements for the virtual tables.
**
**   INSERT INTO usage_ingest(ts, scope) VALUES ('x', 'ada');
**   -- usage_ingest: invalid timestamp 'x': ...  (set by usage_vtab_error)
**
** See usage_vtab.h.
*/
#include <stdarg.h>

#include "usage_vtab.h"
SQLITE_EXTENSION_INIT3

int usage_vtab_error(sqlite3_vtab *pVtab, int rc, const char *zFormat, ...) {
  va_list ap;
  va_start(ap, zFormat);
  sqlite3_free(pVtab->zErrMsg);
  pVtab->zErrMsg = sqlite3_vmprintf(zFormat, ap);
  va_end(ap);
  return pVtab->zErrMsg ? rc : SQLITE_NOMEM;
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
  return usage_vtab_error(pVtab, rc, "%s: %s", zTable, sqlite3_errmsg(db));
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
