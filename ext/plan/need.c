/*
** plan/need.c: whether the schema holds a table the planning tables read,
** with an error that says to run usage_init() when it does not.
**
**   SELECT * FROM usage_budget_status();   -- before SELECT usage_init()
**   -- usage_budget_status: main has no table budget; run SELECT usage_init()
*/
#include "plan/need.h"
#include "vtab/vtab.h"
SQLITE_EXTENSION_INIT3

int plan_need_table(sqlite3_vtab *pVtab, sqlite3 *db, const char *zSchema,
                    const char *zNeed, const char *zWhat) {
  sqlite3_stmt *pStmt = 0;
  char *zSql = sqlite3_mprintf("SELECT 1 FROM \"%w\".sqlite_master "
                               "WHERE type = 'table' AND name = %Q",
                               zSchema, zNeed);
  int rc, bHas = 0;
  if (zSql == 0) return SQLITE_NOMEM;
  rc = sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0);
  sqlite3_free(zSql);
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(pStmt);
    bHas = rc == SQLITE_ROW;
    rc = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? SQLITE_OK : rc;
  }
  sqlite3_finalize(pStmt);
  if (rc != SQLITE_OK) return usage_vtab_db_error(pVtab, db, zWhat, rc);
  if (bHas) return SQLITE_OK;
  /* usage_init() creates the schema, or upgrades it to the migration that
  ** adds zNeed. */
  return usage_vtab_error(pVtab, SQLITE_ERROR,
                          "%s: %s has no table %s; run SELECT usage_init()",
                          zWhat, zSchema, zNeed);
}
