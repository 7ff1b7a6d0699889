/*
** plan/budgets.c: the writable table usage_budgets, carbon limits per
** scope, key and period.
**
**   INSERT INTO usage_budgets VALUES
**     ('project', 'physics', 'month', 100000, NULL, NULL);
**   SELECT * FROM usage_budgets;
**   -- project|physics|month|100000.0|0.8|operational
**   DELETE FROM usage_budgets WHERE key = 'physics';
**
** usage_budgets(scope, key, period, limit_gco2eq, warn_fraction, includes)
** stands for the table budget of migration 6:
**   scope          'ada', 'project', 'machine', 'user' or 'group'
**   key            as usage_buckets names it; NULL for 'ada' and only it
**   period         'month', 'quarter' or 'year', in the reporting zone
**   limit_gco2eq   a finite number > 0
**   warn_fraction  in (0, 1]; NULL or '' is 0.8
**   includes       'operational' (NULL or '' too) or 'operational+embodied'
**                  (fact_usage's embodied carbon too, migration 7)
** A second row for the same (scope, key, period) replaces the first. Bad
** input is an error naming the table, the field and the value, found
** before anything is written. usage_budget_status() (plan/status.c) reads
** the rows.
*/
#include <string.h>

#include "plan/need.h"
#include "usage_register.h"
#include "value/value.h"
#include "vtab/vtab.h"
SQLITE_EXTENSION_INIT3

#define BG_TABLE "usage_budgets"

/* The statements the table keeps; each "%w" is the schema. */
enum { BG_UPSERT, BG_DELETE, BG_COUNT };

static const char *const azBudgetSql[BG_COUNT] = {
    "INSERT INTO \"%w\".budget(scope, key, period, limit_gco2eq, "
    "warn_fraction, includes) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
    "ON CONFLICT(scope, COALESCE(key, ''), period) DO UPDATE SET "
    "limit_gco2eq = excluded.limit_gco2eq, "
    "warn_fraction = excluded.warn_fraction, includes = excluded.includes",
    "DELETE FROM \"%w\".budget WHERE budget_id = ?1",
};

typedef struct BgVtab {
  sqlite3_vtab base; /* base class: must be first */
  sqlite3 *db;
  char *zSchema;
  sqlite3_stmt *aStmt[BG_COUNT]; /* prepared on first use */
} BgVtab;

/* One row, checked. */
typedef struct BgRow {
  const char *zScope, *zKey, *zPeriod, *zIncludes;
  int nKey;
  double rLimit, rWarn;
} BgRow;

/* Report that field zField got a bad value, with why. */
static int field_error(BgVtab *p, const char *zField, sqlite3_value *pVal,
                       const char *zWhy) {
  char *zRepr = usage_value_repr(pVal);
  int rc;
  if (zRepr == 0) return SQLITE_NOMEM;
  rc = usage_vtab_error(&p->base, SQLITE_ERROR, BG_TABLE ": %s %s, got %s",
                        zField, zWhy, zRepr);
  sqlite3_free(zRepr);
  return rc;
}

/* A text field: NULL or '' give NULL; else text of at most
** USAGE_NAME_MAX bytes. */
static int arg_text(BgVtab *p, sqlite3_value *pVal, const char *zField,
                    const char **pz, int *pn) {
  int eType = sqlite3_value_type(pVal);
  *pz = 0;
  *pn = 0;
  if (eType == SQLITE_NULL) return SQLITE_OK;
  if (eType != SQLITE_TEXT) return field_error(p, zField, pVal, "must be text");
  *pz = (const char *)sqlite3_value_text(pVal);
  *pn = sqlite3_value_bytes(pVal);
  if (*pz == 0) return SQLITE_NOMEM;
  if (*pn == 0) *pz = 0;
  if (*pn > USAGE_NAME_MAX) {
    return field_error(p, zField, pVal, "is too long");
  }
  return SQLITE_OK;
}

/* A field that must be one of azOk (NULL-terminated); NULL or '' give
** zDefault, or an error when it is NULL. */
static int arg_choice(BgVtab *p, sqlite3_value *pVal, const char *zField,
                      const char *const *azOk, const char *zDefault,
                      const char *zWhy, const char **pz) {
  const char *z;
  int n, i, rc = arg_text(p, pVal, zField, &z, &n);
  if (rc != SQLITE_OK) return rc;
  if (z == 0) {
    if (zDefault == 0) return field_error(p, zField, pVal, "is required");
    *pz = zDefault;
    return SQLITE_OK;
  }
  for (i = 0; azOk[i]; i++) {
    if (strcmp(z, azOk[i]) == 0) {
      *pz = azOk[i];
      return SQLITE_OK;
    }
  }
  return field_error(p, zField, pVal, zWhy);
}

/* A number field in (rMin, rMax]; NULL or '' give rDefault (< 0:
** required). */
static int arg_number(BgVtab *p, sqlite3_value *pVal, const char *zField,
                      double rMax, double rDefault, const char *zWhy,
                      double *pR) {
  int isNull;
  if (usage_value_number(pVal, pR, &isNull) ||
      (!isNull && !(*pR > 0 && *pR <= rMax))) {
    return field_error(p, zField, pVal, zWhy);
  }
  if (isNull) {
    if (rDefault < 0) return field_error(p, zField, pVal, "is required");
    *pR = rDefault;
  }
  return SQLITE_OK;
}

static const char *const azScope[] = {"ada",  "project", "machine",
                                      "user", "group",   0};
static const char *const azPeriod[] = {"month", "quarter", "year", 0};
static const char *const azIncludes[] = {"operational", "operational+embodied",
                                         0};

/* Read and check the six fields of an INSERT. */
static int read_row(BgVtab *p, sqlite3_value **a, BgRow *r) {
  int rc = arg_choice(p, a[0], "scope", azScope, 0,
                      "must be one of 'ada', 'project', 'machine', 'user', "
                      "'group'",
                      &r->zScope);
  if (rc == SQLITE_OK) rc = arg_text(p, a[1], "key", &r->zKey, &r->nKey);
  if (rc == SQLITE_OK && strcmp(r->zScope, "ada") == 0 && r->zKey) {
    return field_error(p, "key", a[1], "must be NULL for scope 'ada'");
  }
  if (rc == SQLITE_OK && strcmp(r->zScope, "ada") != 0 && r->zKey == 0) {
    char zWhy[80];
    sqlite3_snprintf(sizeof(zWhy), zWhy, "is required for scope '%s'",
                     r->zScope);
    return field_error(p, "key", a[1], zWhy);
  }
  if (rc == SQLITE_OK) {
    rc = arg_choice(p, a[2], "period", azPeriod, 0,
                    "must be 'month', 'quarter' or 'year'", &r->zPeriod);
  }
  if (rc == SQLITE_OK) {
    rc = arg_number(p, a[3], "limit_gco2eq", 1.7976931348623157e308, -1,
                    "must be a finite number > 0", &r->rLimit);
  }
  if (rc == SQLITE_OK) {
    rc = arg_number(p, a[4], "warn_fraction", 1.0, 0.8,
                    "must be a number > 0 and <= 1", &r->rWarn);
  }
  if (rc == SQLITE_OK) {
    rc = arg_choice(p, a[5], "includes", azIncludes, "operational",
                    "must be 'operational' or 'operational+embodied'",
                    &r->zIncludes);
  }
  return rc;
}

/* Run one kept statement to its end. */
static int stmt_run(BgVtab *p, sqlite3_stmt *pStmt) {
  int rc = sqlite3_step(pStmt);
  int rc2 = sqlite3_reset(pStmt);
  sqlite3_clear_bindings(pStmt);
  if (rc == SQLITE_DONE) return SQLITE_OK;
  return usage_vtab_db_error(&p->base, p->db, BG_TABLE,
                             rc2 != SQLITE_OK ? rc2 : SQLITE_ERROR);
}

/* INSERT: check every field, then write. */
static int insert_budget(BgVtab *p, sqlite3_value **a) {
  sqlite3_stmt *pStmt;
  BgRow r;
  int rc = read_row(p, a, &r);
  if (rc != SQLITE_OK) return rc;
  rc = usage_vtab_stmt(&p->base, p->db, BG_TABLE, azBudgetSql[BG_UPSERT],
                       p->zSchema, &p->aStmt[BG_UPSERT], &pStmt);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_text(pStmt, 1, r.zScope, -1, SQLITE_STATIC);
  if (r.zKey) sqlite3_bind_text(pStmt, 2, r.zKey, r.nKey, SQLITE_TRANSIENT);
  sqlite3_bind_text(pStmt, 3, r.zPeriod, -1, SQLITE_STATIC);
  sqlite3_bind_double(pStmt, 4, r.rLimit);
  sqlite3_bind_double(pStmt, 5, r.rWarn);
  sqlite3_bind_text(pStmt, 6, r.zIncludes, -1, SQLITE_STATIC);
  return stmt_run(p, pStmt);
}

/* DELETE of the row with budget_id iRow. */
static int delete_budget(BgVtab *p, sqlite3_int64 iRow) {
  sqlite3_stmt *pStmt;
  int rc = usage_vtab_stmt(&p->base, p->db, BG_TABLE, azBudgetSql[BG_DELETE],
                           p->zSchema, &p->aStmt[BG_DELETE], &pStmt);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_int64(pStmt, 1, iRow);
  return stmt_run(p, pStmt);
}

/* xConnect: declare the columns, which have no type, so values arrive as
** written. */
static int bg_connect(sqlite3 *db, void *pAux, int argc,
                      const char *const *argv, sqlite3_vtab **ppVtab,
                      char **pzErr) {
  BgVtab *p;
  int rc;
  (void)pAux;
  (void)argc;
  (void)pzErr;
  rc = sqlite3_declare_vtab(db, "CREATE TABLE x(scope, key, period, "
                                "limit_gco2eq, warn_fraction, includes)");
  if (rc == SQLITE_OK) rc = sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
  if (rc != SQLITE_OK) return rc;
  p = sqlite3_malloc(sizeof(*p));
  if (p == 0) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->db = db;
  p->zSchema = sqlite3_mprintf("%s", argv[1]);
  if (p->zSchema == 0) {
    sqlite3_free(p);
    return SQLITE_NOMEM;
  }
  *ppVtab = &p->base;
  return SQLITE_OK;
}

/* xDisconnect and xDestroy. */
static int bg_disconnect(sqlite3_vtab *pVtab) {
  BgVtab *p = (BgVtab *)pVtab;
  int i;
  for (i = 0; i < BG_COUNT; i++) sqlite3_finalize(p->aStmt[i]);
  sqlite3_free(p->zSchema);
  sqlite3_free(p);
  return SQLITE_OK;
}

/* xBestIndex: the table is small, and always read whole. */
static int bg_best_index(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo) {
  (void)pVtab;
  pInfo->estimatedCost = 1e4;
  pInfo->estimatedRows = 100;
  return SQLITE_OK;
}

/* xFilter: read the rows back, in (scope, key, period) order. */
static int bg_filter(sqlite3_vtab_cursor *pCursor, int idxNum,
                     const char *idxStr, int argc, sqlite3_value **argv) {
  BgVtab *p = (BgVtab *)pCursor->pVtab;
  int rc;
  (void)idxNum;
  (void)idxStr;
  (void)argc;
  (void)argv;
  rc = plan_need_table(&p->base, p->db, p->zSchema, "budget", BG_TABLE);
  if (rc != SQLITE_OK) return rc;
  rc = usage_rows_prepare(
      pCursor, p->db, BG_TABLE,
      sqlite3_mprintf("SELECT budget_id, scope, key, period, limit_gco2eq, "
                      "warn_fraction, includes FROM \"%w\".budget "
                      "ORDER BY scope, key, period",
                      p->zSchema));
  return rc != SQLITE_OK ? rc : usage_rows_next(pCursor);
}

/* xUpdate: INSERT, DELETE, and UPDATE as a DELETE then an INSERT. */
static int bg_update(sqlite3_vtab *pVtab, int argc, sqlite3_value **argv,
                     sqlite3_int64 *pRowid) {
  BgVtab *p = (BgVtab *)pVtab;
  BgRow r;
  int rc = SQLITE_OK;
  (void)pRowid;
  /* An UPDATE checks its new row before it deletes the old one, so a bad
  ** value leaves the row as it was. */
  rc = plan_need_table(&p->base, p->db, p->zSchema, "budget", BG_TABLE);
  if (rc == SQLITE_OK && argc > 1) rc = read_row(p, &argv[2], &r);
  if (rc == SQLITE_OK && sqlite3_value_type(argv[0]) != SQLITE_NULL) {
    rc = delete_budget(p, sqlite3_value_int64(argv[0]));
  }
  if (rc == SQLITE_OK && argc > 1) rc = insert_budget(p, &argv[2]);
  return rc;
}

static const sqlite3_module budgetModule = {
    0,                 /* iVersion */
    bg_connect,        /* xCreate: CREATE VIRTUAL TABLE aux.x USING x */
    bg_connect,        /* xConnect */
    bg_best_index,     /* xBestIndex */
    bg_disconnect,     /* xDisconnect */
    bg_disconnect,     /* xDestroy */
    usage_rows_open,   /* xOpen */
    usage_rows_close,  /* xClose */
    bg_filter,         /* xFilter */
    usage_rows_next,   /* xNext */
    usage_rows_eof,    /* xEof */
    usage_rows_column, /* xColumn */
    usage_rows_rowid,  /* xRowid */
    bg_update,         /* xUpdate */
    0,                 /* xBegin */
    0,                 /* xSync */
    0,                 /* xCommit */
    0,                 /* xRollback */
    0,                 /* xFindFunction */
    0,                 /* xRename */
    0,                 /* xSavepoint */
    0,                 /* xRelease */
    0,                 /* xRollbackTo */
    0                  /* xShadowName */
};

int usage_register_budgets(sqlite3 *db) {
  return sqlite3_create_module(db, BG_TABLE, &budgetModule, 0);
}
