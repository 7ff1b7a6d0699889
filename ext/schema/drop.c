/*
** schema/drop.c: usage_drop(), which removes what usage_init() made.
**
**   SELECT usage_drop();                  -- refused while facts exist
**   SELECT usage_drop('with data');       -- 22: tables and views dropped
**
** usage_drop() drops every table and view the migrations create (their
** indexes and triggers go with them), in one savepoint, and returns how many
** it dropped. It refuses while main.fact_usage has rows, unless called as
** usage_drop('with data'). It writes schema, so it is SQLITE_DIRECTONLY.
** The list of objects is the reference schema's (schema/schema.c), never a
** list kept here. Registered by usage_register_check() (schema/check.c).
*/
#include <string.h>

#include "schema/schema.h"
#include "value/value.h"
#include "vtab/vtab.h"
SQLITE_EXTENSION_INIT3

/* Does main have a table zName? */
static int table_exists(sqlite3 *db, const char *zName, int *pExists) {
  sqlite3_stmt *pStmt = 0;
  int rc = sqlite3_prepare_v2(db,
                              "SELECT 1 FROM main.sqlite_master WHERE "
                              "type = 'table' AND name = ?1",
                              -1, &pStmt, 0);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_text(pStmt, 1, zName, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(pStmt);
    *pExists = (rc == SQLITE_ROW);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE) rc = SQLITE_OK;
  }
  sqlite3_finalize(pStmt);
  return rc;
}

/* The number of rows in main.fact_usage, 0 when there is no such table. */
static int fact_rows(sqlite3 *db, sqlite3_int64 *pN) {
  sqlite3_stmt *pStmt = 0;
  int exists = 0;
  int rc = table_exists(db, "fact_usage", &exists);
  *pN = 0;
  if (rc != SQLITE_OK || !exists) return rc;
  rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM main.fact_usage", -1,
                          &pStmt, 0);
  if (rc == SQLITE_OK && (rc = sqlite3_step(pStmt)) == SQLITE_ROW) {
    *pN = sqlite3_column_int64(pStmt, 0);
    rc = SQLITE_OK;
  }
  sqlite3_finalize(pStmt);
  return rc;
}

/* When dropping zName failed on a foreign key: the message that names the
** table and column still referring to it, or NULL when none is found. */
static char *drop_referrer(sqlite3 *db, const char *zName) {
  sqlite3_stmt *pStmt = 0;
  char *zErr = 0;
  int rc = sqlite3_prepare_v2(
      db,
      "SELECT m.name, k.\"from\" FROM main.sqlite_master AS m, "
      "pragma_foreign_key_list(m.name, 'main') AS k WHERE m.type = 'table' "
      "AND k.\"table\" = ?1 COLLATE NOCASE AND m.name <> ?1 ORDER BY m.name "
      "LIMIT 1",
      -1, &pStmt, 0);
  if (rc == SQLITE_OK) rc = sqlite3_bind_text(pStmt, 1, zName, -1, 0);
  if (rc == SQLITE_OK && sqlite3_step(pStmt) == SQLITE_ROW) {
    zErr = sqlite3_mprintf(
        "usage_drop: main.%s(%s) still references main.%s by a foreign key; "
        "drop that table or its foreign key first (nothing was dropped)",
        (const char *)sqlite3_column_text(pStmt, 0),
        (const char *)sqlite3_column_text(pStmt, 1), zName);
  }
  sqlite3_finalize(pStmt);
  return zErr;
}

/* Drop each table and view of the reference that main has: views first,
** then tables in the reverse of their creation order, so no foreign key
** points at a table already gone. Counts them in *pN. */
static int drop_objects(sqlite3 *db, sqlite3 *pRef, int *pN, char **pzErr) {
  sqlite3_stmt *pList = 0, *pFind = 0;
  int rc = sqlite3_prepare_v2(
      pRef,
      "SELECT type, name FROM sqlite_master WHERE type IN "
      "('table', 'view') ORDER BY type = 'table', rowid DESC",
      -1, &pList, 0);
  if (rc == SQLITE_OK) {
    rc = sqlite3_prepare_v2(db,
                            "SELECT 1 FROM main.sqlite_master WHERE type = ?1 "
                            "AND name = ?2",
                            -1, &pFind, 0);
  }
  while (rc == SQLITE_OK && (rc = sqlite3_step(pList)) == SQLITE_ROW) {
    const char *zType = (const char *)sqlite3_column_text(pList, 0);
    const char *zName = (const char *)sqlite3_column_text(pList, 1);
    rc = zType && zName ? SQLITE_OK : SQLITE_NOMEM;
    if (rc == SQLITE_OK)
      rc = sqlite3_bind_text(pFind, 1, zType, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
      rc = sqlite3_bind_text(pFind, 2, zName, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK && (rc = sqlite3_step(pFind)) == SQLITE_ROW) {
      char *zSql = sqlite3_mprintf("DROP %s main.\"%w\"", zType, zName);
      sqlite3_reset(pFind);
      rc = zSql ? sqlite3_exec(db, zSql, 0, 0, 0) : SQLITE_NOMEM;
      sqlite3_free(zSql);
      if ((rc & 0xff) == SQLITE_CONSTRAINT && *pzErr == 0) {
        *pzErr = drop_referrer(db, zName);
      }
      (*pN)++;
    } else if (rc == SQLITE_DONE) {
      rc = SQLITE_OK;
    }
    sqlite3_reset(pFind);
  }
  if (rc == SQLITE_DONE) rc = SQLITE_OK;
  sqlite3_finalize(pFind);
  sqlite3_finalize(pList);
  return rc;
}

/* The work of usage_drop() inside its savepoint. */
static int drop_all(sqlite3 *db, int bWithData, int *pN, char **pzErr) {
  sqlite3 *pRef = 0;
  sqlite3_int64 nFacts = 0;
  int rc = fact_rows(db, &nFacts);
  if (rc == SQLITE_OK && nFacts > 0 && !bWithData) {
    *pzErr = sqlite3_mprintf("usage_drop: main.fact_usage holds %lld row%s; "
                             "usage_drop('with data') drops them too",
                             nFacts, nFacts == 1 ? "" : "s");
    return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
  }
  if (rc == SQLITE_OK) rc = usage_schema_reference(&pRef, pzErr);
  if (rc == SQLITE_OK) rc = drop_objects(db, pRef, pN, pzErr);
  sqlite3_close(pRef);
  if (rc != SQLITE_OK && *pzErr == 0) {
    *pzErr = sqlite3_mprintf("usage_drop: %s", sqlite3_errmsg(db));
  }
  return rc;
}

/* usage_drop(['with data']): drop what usage_init() made; returns how many
** tables and views were dropped. */
static void fn_drop(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  char *zErr = 0;
  int n = 0, rc;
  const char *zArg = argc == 1 && sqlite3_value_type(argv[0]) == SQLITE_TEXT
                         ? (const char *)sqlite3_value_text(argv[0])
                         : 0;
  if (argc == 1 && (zArg == 0 || sqlite3_stricmp(zArg, "with data") != 0)) {
    char *zRepr = usage_value_repr(argv[0]);
    usage_result_error(ctx,
                       zRepr ? sqlite3_mprintf("usage_drop: the argument must "
                                               "be 'with data', got %s",
                                               zRepr)
                             : 0);
    sqlite3_free(zRepr);
    return;
  }
  rc = sqlite3_exec(db, "SAVEPOINT usage_drop", 0, 0, 0);
  if (rc != SQLITE_OK) {
    usage_result_error(
        ctx, sqlite3_mprintf("usage_drop: cannot start a savepoint: %s",
                             sqlite3_errmsg(db)));
    return;
  }
  rc = drop_all(db, argc == 1, &n, &zErr);
  if (rc == SQLITE_OK) rc = sqlite3_exec(db, "RELEASE usage_drop", 0, 0, 0);
  if (rc != SQLITE_OK) {
    sqlite3_exec(db, "ROLLBACK TO usage_drop", 0, 0, 0);
    sqlite3_exec(db, "RELEASE usage_drop", 0, 0, 0);
    if (rc == SQLITE_NOMEM) {
      sqlite3_free(zErr);
      sqlite3_result_error_nomem(ctx);
    } else {
      usage_result_error(
          ctx,
          zErr ? zErr : sqlite3_mprintf("usage_drop: %s", sqlite3_errstr(rc)));
    }
    return;
  }
  sqlite3_result_int(ctx, n);
}

int usage_drop_register(sqlite3 *db) {
  int rc = sqlite3_create_function(
      db, "usage_drop", 0, SQLITE_UTF8 | SQLITE_DIRECTONLY, 0, fn_drop, 0, 0);
  if (rc == SQLITE_OK) {
    rc = sqlite3_create_function(
        db, "usage_drop", 1, SQLITE_UTF8 | SQLITE_DIRECTONLY, 0, fn_drop, 0, 0);
  }
  return rc;
}
