/*
** schema/schema.c: usage_init(), which creates or upgrades the schema.
**
**   SELECT usage_init();         -- 2: the schema version of main
**   ATTACH 'archive.db' AS aux;
**   SELECT usage_init('aux');    -- the same objects, in aux
**
** The schema is the numbered SQL files of sql/migrations, compiled in by the
** build. The version reached is kept in usage_meta(key 'schema_version').
** usage_init() runs the migrations after that version, all inside one
** savepoint, so an error leaves the database exactly as it was; when the
** version is current it writes nothing. A schema with no tables at all gets
** the same objects and rows from one script instead (usage_fresh_sql, which
** the build makes from the migrations): the later migrations' ALTER TABLEs
** each make SQLite parse the whole schema again, so this takes 11,100
** allocations where the migrations take 28,700.
**
** A database that has no version yet may already hold tables of the same
** names, from the UsageDB design or elsewhere. Each is compared, column by
** column, with what migration would create; a difference is an error that
** names the table and the column, never a silently kept wrong table.
**
** usage_init() writes schema, so it is SQLITE_DIRECTONLY: a trigger or a
** view cannot call it.
*/
#include <string.h>

#include "schema/schema.h"
#include "usage_register.h"
#include "value/value.h"
SQLITE_EXTENSION_INIT3

/* Copy a migration script with each " main." or "\nmain." turned into the
** quoted schema name, so its objects land in zSchema. NULL on OOM. */
static char *script_for_schema(const char *zSql, const char *zSchema) {
  sqlite3_str *pOut;
  const char *z = zSql;
  if (strcmp(zSchema, "main") == 0) return sqlite3_mprintf("%s", zSql);
  pOut = sqlite3_str_new(0);
  while (*z) {
    const char *zHit = strstr(z, "main.");
    if (zHit == 0) {
      sqlite3_str_appendall(pOut, z);
      break;
    }
    sqlite3_str_append(pOut, z, (int)(zHit - z));
    if (zHit > zSql && (zHit[-1] == ' ' || zHit[-1] == '\n')) {
      sqlite3_str_appendf(pOut, "\"%w\".", zSchema);
    } else {
      sqlite3_str_append(pOut, "main.", 5);
    }
    z = zHit + 5;
  }
  return sqlite3_str_finish(pOut);
}

/* Does zSchema name an attached database of db? */
static int schema_exists(sqlite3 *db, const char *zSchema, int *pExists) {
  sqlite3_stmt *pStmt = 0;
  int rc = sqlite3_prepare_v2(
      db, "SELECT 1 FROM pragma_database_list WHERE name = ?1", -1, &pStmt, 0);
  if (rc == SQLITE_OK) {
    rc = sqlite3_bind_text(pStmt, 1, zSchema, -1, SQLITE_STATIC);
  }
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(pStmt);
    *pExists = (rc == SQLITE_ROW);
    rc = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? SQLITE_OK : rc;
  }
  sqlite3_finalize(pStmt);
  return rc;
}

/* Run a query with at most one integer result and one bound text. Sets
** *pValue to it, or leaves it alone when there is no row. */
static int query_int(sqlite3 *db, const char *zSql, const char *zBind,
                     sqlite3_int64 *pValue) {
  sqlite3_stmt *pStmt = 0;
  int rc;
  if (zSql == 0) return SQLITE_NOMEM;
  rc = sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0);
  if (rc == SQLITE_OK && zBind) {
    rc = sqlite3_bind_text(pStmt, 1, zBind, -1, SQLITE_STATIC);
  }
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(pStmt);
    if (rc == SQLITE_ROW) *pValue = sqlite3_column_int64(pStmt, 0);
    rc = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? SQLITE_OK : rc;
  }
  sqlite3_finalize(pStmt);
  return rc;
}

/* The schema version recorded in zSchema: 0 when there is no usage_meta. */
static int read_version(sqlite3 *db, const char *zSchema,
                        sqlite3_int64 *pVersion) {
  sqlite3_int64 hasMeta = 0;
  char *zSql = sqlite3_mprintf(
      "SELECT 1 FROM \"%w\".sqlite_master WHERE type='table' AND name=?1",
      zSchema);
  int rc = query_int(db, zSql, "usage_meta", &hasMeta);
  sqlite3_free(zSql);
  *pVersion = 0;
  if (rc != SQLITE_OK || !hasMeta) return rc;
  zSql = sqlite3_mprintf(
      "SELECT value FROM \"%w\".usage_meta WHERE key='schema_version'",
      zSchema);
  rc = query_int(db, zSql, 0, pVersion);
  sqlite3_free(zSql);
  return rc;
}

/* Open a private in-memory database holding the full current schema: the
** reference that existing tables are compared with. */
static int open_reference(sqlite3 **ppRef, int nMigration, char **pzErr) {
  int i, rc = sqlite3_open_v2(":memory:", ppRef,
                              SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, 0);
  for (i = 0; rc == SQLITE_OK && i < nMigration; i++) {
    rc = sqlite3_exec(*ppRef, usage_migration_sql[i], 0, 0, pzErr);
  }
  return rc;
}

/* One column's declaration as pragma table_info reports it. */
static char *column_decl(sqlite3_stmt *pInfo) {
  return sqlite3_mprintf(
      "%s %s%s%s%s%s", (const char *)sqlite3_column_text(pInfo, 1),
      (const char *)sqlite3_column_text(pInfo, 2),
      sqlite3_column_int(pInfo, 3) ? " NOT NULL" : "",
      sqlite3_column_int(pInfo, 5) ? " PRIMARY KEY" : "",
      sqlite3_column_type(pInfo, 4) != SQLITE_NULL ? " DEFAULT " : "",
      sqlite3_column_type(pInfo, 4) != SQLITE_NULL
          ? (const char *)sqlite3_column_text(pInfo, 4)
          : "");
}

/* Prepare "pragma table_info" of zName in zSchema on db. */
static int prepare_info(sqlite3 *db, const char *zSchema, const char *zName,
                        sqlite3_stmt **ppInfo) {
  int rc = sqlite3_prepare_v2(db, "SELECT * FROM pragma_table_info(?1, ?2)", -1,
                              ppInfo, 0);
  if (rc == SQLITE_OK) {
    rc = sqlite3_bind_text(*ppInfo, 1, zName, -1, SQLITE_STATIC);
  }
  if (rc == SQLITE_OK) {
    rc = sqlite3_bind_text(*ppInfo, 2, zSchema, -1, SQLITE_STATIC);
  }
  return rc;
}

/* Describe how one column differs, given each side's declaration (NULL
** when that side has no more columns). Returns NULL when they agree. */
static char *column_difference(const char *zHave, const char *zWant, int iCol) {
  if (zHave == 0) return sqlite3_mprintf("it lacks column \"%s\"", zWant);
  if (zWant == 0) {
    return sqlite3_mprintf("it has column \"%s\", which usage does not expect",
                           zHave);
  }
  if (sqlite3_stricmp(zHave, zWant) == 0) return 0;
  return sqlite3_mprintf("column %d is \"%s\" where usage expects \"%s\"", iCol,
                         zHave, zWant);
}

/* Compare the columns of zName in db.zSchema with the reference. Sets *pzDiff
** to a description of the first difference, or leaves it NULL. */
static int compare_columns(sqlite3 *db, const char *zSchema, sqlite3 *pRef,
                           const char *zName, char **pzDiff) {
  sqlite3_stmt *pHave = 0, *pWant = 0;
  int iCol = 0;
  int rc = prepare_info(db, zSchema, zName, &pHave);
  if (rc == SQLITE_OK) rc = prepare_info(pRef, "main", zName, &pWant);
  while (rc == SQLITE_OK && *pzDiff == 0) {
    int rcHave = sqlite3_step(pHave);
    int rcWant = sqlite3_step(pWant);
    char *zHave = 0, *zWant = 0;
    if (rcHave != SQLITE_ROW && rcHave != SQLITE_DONE) rc = rcHave;
    if (rcWant != SQLITE_ROW && rcWant != SQLITE_DONE) rc = rcWant;
    if (rc != SQLITE_OK || (rcHave == SQLITE_DONE && rcWant == SQLITE_DONE)) {
      break;
    }
    iCol++;
    if (rcHave == SQLITE_ROW && (zHave = column_decl(pHave)) == 0) {
      rc = SQLITE_NOMEM;
    }
    if (rcWant == SQLITE_ROW && (zWant = column_decl(pWant)) == 0) {
      rc = SQLITE_NOMEM;
    }
    if (rc == SQLITE_OK) *pzDiff = column_difference(zHave, zWant, iCol);
    sqlite3_free(zHave);
    sqlite3_free(zWant);
  }
  sqlite3_finalize(pHave);
  sqlite3_finalize(pWant);
  return rc;
}

/* Does the reference database pRef hold a table or view zName? */
static int reference_has(sqlite3 *pRef, const char *zName) {
  sqlite3_stmt *pStmt = 0;
  int bHas = 0;
  if (sqlite3_prepare_v2(pRef, "SELECT 1 FROM sqlite_master WHERE name = ?1",
                         -1, &pStmt, 0) == SQLITE_OK &&
      sqlite3_bind_text(pStmt, 1, zName, -1, SQLITE_STATIC) == SQLITE_OK) {
    bHas = sqlite3_step(pStmt) == SQLITE_ROW;
  }
  sqlite3_finalize(pStmt);
  return bHas;
}

/* Check every table and view that migration would create and that already
** exists in zSchema. Sets *pzErr to the first difference found. A table of
** migration 1 (the UsageDB design's) must have its shape there, since the
** later migrations then upgrade it; any other, its shape at the end. A
** schema with no tables or views at all needs no reference to compare with:
** *pbEmpty says so. */
static int check_existing_shapes(sqlite3 *db, const char *zSchema, int *pbEmpty,
                                 char **pzErr) {
  sqlite3 *pRef = 0, *pSeed = 0;
  sqlite3_stmt *pList = 0, *pFind = 0;
  sqlite3_int64 nHave = 0;
  char *zSql =
      sqlite3_mprintf("SELECT count(*) FROM \"%w\".sqlite_master WHERE type "
                      "IN ('table', 'view')",
                      zSchema);
  int rc = query_int(db, zSql, 0, &nHave);
  sqlite3_free(zSql);
  zSql = 0;
  *pbEmpty = rc == SQLITE_OK && nHave == 0;
  if (rc != SQLITE_OK || nHave == 0) return rc;
  rc = open_reference(&pRef, usage_migration_count, pzErr);
  if (rc == SQLITE_OK) rc = open_reference(&pSeed, 1, pzErr);
  if (rc == SQLITE_OK) {
    rc =
        sqlite3_prepare_v2(pRef,
                           "SELECT name, type FROM sqlite_master WHERE type IN "
                           "('table','view') ORDER BY rowid",
                           -1, &pList, 0);
  }
  if (rc == SQLITE_OK) {
    zSql = sqlite3_mprintf(
        "SELECT type FROM \"%w\".sqlite_master WHERE name = ?1 COLLATE NOCASE",
        zSchema);
    rc = zSql ? sqlite3_prepare_v2(db, zSql, -1, &pFind, 0) : SQLITE_NOMEM;
  }
  while (rc == SQLITE_OK && *pzErr == 0 && sqlite3_step(pList) == SQLITE_ROW) {
    const char *zName = (const char *)sqlite3_column_text(pList, 0);
    const char *zType = (const char *)sqlite3_column_text(pList, 1);
    char *zDiff = 0;
    rc = sqlite3_bind_text(pFind, 1, zName, -1, SQLITE_STATIC);
    if (rc != SQLITE_OK) break;
    rc = sqlite3_step(pFind);
    if (rc == SQLITE_ROW) {
      const char *zHaveType = (const char *)sqlite3_column_text(pFind, 0);
      if (strcmp(zHaveType, zType) != 0) {
        zDiff = sqlite3_mprintf("it is a %s where usage expects a %s",
                                zHaveType, zType);
      } else {
        rc = compare_columns(db, zSchema,
                             reference_has(pSeed, zName) ? pSeed : pRef, zName,
                             &zDiff);
      }
      if (zDiff) {
        *pzErr = sqlite3_mprintf("usage_init: %s %s.%s exists with a different "
                                 "shape: %s",
                                 zType, zSchema, zName, zDiff);
        sqlite3_free(zDiff);
      }
    }
    if (rc == SQLITE_ROW || rc == SQLITE_DONE) rc = SQLITE_OK;
    sqlite3_reset(pFind);
  }
  sqlite3_finalize(pFind);
  sqlite3_finalize(pList);
  sqlite3_free(zSql);
  sqlite3_close(pRef);
  sqlite3_close(pSeed);
  return rc;
}

/* Run migrations after version v, and record the new version. */
static int run_migrations(sqlite3 *db, const char *zSchema, sqlite3_int64 v,
                          char **pzErr) {
  int rc = SQLITE_OK;
  for (; rc == SQLITE_OK && v < usage_migration_count; v++) {
    char *zScript = script_for_schema(usage_migration_sql[v], zSchema);
    char *zMsg = 0;
    char *zMeta;
    if (zScript == 0) return SQLITE_NOMEM;
    rc = sqlite3_exec(db, zScript, 0, 0, &zMsg);
    sqlite3_free(zScript);
    if (rc == SQLITE_OK) {
      zMeta = sqlite3_mprintf(
          "INSERT INTO \"%w\".usage_meta(key, value) VALUES('schema_version', "
          "%lld) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
          zSchema, v + 1);
      rc = zMeta ? sqlite3_exec(db, zMeta, 0, 0, &zMsg) : SQLITE_NOMEM;
      sqlite3_free(zMeta);
    }
    if (rc != SQLITE_OK) {
      *pzErr = sqlite3_mprintf("usage_init: migration %s failed in %s: %s",
                               usage_migration_name[v], zSchema,
                               zMsg ? zMsg : sqlite3_errstr(rc));
    }
    sqlite3_free(zMsg);
  }
  return rc;
}

/* Create every object in zSchema, which has no tables yet, at once. */
static int run_fresh(sqlite3 *db, const char *zSchema, char **pzErr) {
  char *zScript = script_for_schema(usage_fresh_sql, zSchema);
  char *zMsg = 0;
  int rc;
  if (zScript == 0) return SQLITE_NOMEM;
  rc = sqlite3_exec(db, zScript, 0, 0, &zMsg);
  sqlite3_free(zScript);
  if (rc != SQLITE_OK) {
    *pzErr = sqlite3_mprintf("usage_init: creating the schema failed in %s: %s",
                             zSchema, zMsg ? zMsg : sqlite3_errstr(rc));
  }
  sqlite3_free(zMsg);
  return rc;
}

/* Bring zSchema to the latest version inside one savepoint. */
static int upgrade(sqlite3 *db, const char *zSchema, sqlite3_int64 v,
                   char **pzErr) {
  sqlite3_stmt *pReader = 0;
  int bEmpty = 0;
  int rc = sqlite3_prepare_v2(db, "SELECT 1 FROM main.sqlite_master", -1,
                              &pReader, 0);
  if (rc == SQLITE_OK) rc = sqlite3_exec(db, "SAVEPOINT usage_init", 0, 0, 0);
  if (rc != SQLITE_OK) {
    *pzErr = rc == SQLITE_NOMEM
                 ? 0
                 : sqlite3_mprintf("usage_init: cannot start a savepoint: %s",
                                   sqlite3_errmsg(db));
    sqlite3_finalize(pReader);
    return rc;
  }
  if (v == 0) rc = check_existing_shapes(db, zSchema, &bEmpty, pzErr);
  if (rc == SQLITE_OK && *pzErr == 0) {
    rc = bEmpty ? run_fresh(db, zSchema, pzErr)
                : run_migrations(db, zSchema, v, pzErr);
  }
  if (rc == SQLITE_OK && *pzErr == 0) {
    rc = sqlite3_exec(db, "RELEASE usage_init", 0, 0, 0);
  } else if (rc == SQLITE_OK) {
    rc = SQLITE_ERROR;
  }
  /* On failure, undo. Out of memory inside a function stays set until the
  ** calling statement ends, so then nothing more can be parsed, not even
  ** ROLLBACK TO; a prepared reader that runs into it makes SQLite roll the
  ** transaction back, as for any statement out of memory (unless DDL has
  ** since expired it: then the savepoint stays open, uncommitted). */
  if (rc != SQLITE_OK &&
      sqlite3_exec(db, "ROLLBACK TO usage_init; RELEASE usage_init", 0, 0, 0) &&
      !sqlite3_get_autocommit(db)) {
    sqlite3_step(pReader);
  }
  sqlite3_finalize(pReader);
  return rc;
}

/* usage_init([schema]): create or upgrade the schema; returns its version. */
static void fn_init(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  const char *zSchema = "main";
  sqlite3_int64 v = 0;
  char *zErr = 0;
  int exists = 0, rc;
  if (argc > 0) {
    if (sqlite3_value_type(argv[0]) != SQLITE_TEXT) {
      char *zRepr = usage_value_repr(argv[0]);
      usage_result_error(
          ctx, zRepr ? sqlite3_mprintf("usage_init: schema must be the "
                                       "name of a database, got %s",
                                       zRepr)
                     : 0);
      sqlite3_free(zRepr);
      return;
    }
    zSchema = (const char *)sqlite3_value_text(argv[0]);
  }
  rc = schema_exists(db, zSchema, &exists);
  if (rc == SQLITE_OK && !exists) {
    usage_result_error(
        ctx, sqlite3_mprintf("usage_init: no such schema: '%q'", zSchema));
    return;
  }
  if (rc == SQLITE_OK) rc = read_version(db, zSchema, &v);
  if (rc != SQLITE_OK) {
    usage_result_error(
        ctx, rc == SQLITE_NOMEM
                 ? 0
                 : sqlite3_mprintf("usage_init: cannot read the schema "
                                   "version of %s: %s",
                                   zSchema, sqlite3_errmsg(db)));
    return;
  }
  if (v > usage_migration_count || v < 0) {
    usage_result_error(
        ctx,
        sqlite3_mprintf("usage_init: %s has schema version %lld, but usage "
                        "%s knows versions up to %d",
                        zSchema, v, USAGE_VERSION, usage_migration_count));
    return;
  }
  if (v < usage_migration_count) {
    rc = upgrade(db, zSchema, v, &zErr);
    if (rc != SQLITE_OK || zErr) {
      usage_result_error(
          ctx,
          zErr ? zErr : sqlite3_mprintf("usage_init: %s", sqlite3_errstr(rc)));
      return;
    }
    v = usage_migration_count;
  }
  sqlite3_result_int64(ctx, v);
}

int usage_register_schema(sqlite3 *db) {
  const int flags = SQLITE_UTF8 | SQLITE_DIRECTONLY;
  int rc =
      sqlite3_create_function(db, "usage_init", 0, flags, 0, fn_init, 0, 0);
  if (rc == SQLITE_OK) {
    rc = sqlite3_create_function(db, "usage_init", 1, flags, 0, fn_init, 0, 0);
  }
  return rc;
}

/* For schema/check.c: the reference schema, the version recorded in zSchema,
** and the first column difference of one table or view (NULL if none). */
int usage_schema_reference(sqlite3 **ppRef, char **pzErr) {
  return open_reference(ppRef, usage_migration_count, pzErr);
}
int usage_schema_version(sqlite3 *db, const char *zSchema, sqlite3_int64 *pV) {
  return read_version(db, zSchema, pV);
}
int usage_schema_column_diff(sqlite3 *db, const char *zSchema, sqlite3 *pRef,
                             const char *zName, char **pzDiff) {
  return compare_columns(db, zSchema, pRef, zName, pzDiff);
}
