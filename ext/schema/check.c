/*
** schema/check.c: usage_check(), a health report for operators.
**
**   SELECT * FROM usage_check();          -- no rows: the database is healthy
**   -- error|fact_usage ts_canonical|1 row breaks it, first usage_id 7
**
** usage_check is an eponymous, read-only table of rows (severity, what,
** detail), severity 'error' or 'warning', of main. In order:
**   - the SQL checks sql/check/db*.sql: PRAGMA integrity_check and
**     foreign_key_check, grouped per child and parent table;
**   - the schema version in usage_meta against the migrations compiled in;
**   - at the current version, drift: every table, view, index and trigger
**     that the migrations create must exist, tables and views with the
**     columns usage_init() compares (schema/schema.c), indexes and triggers
**     with the same SQL;
**   - with no drift, the rows of fact_usage that break one of its CHECK
**     constraints (as written with PRAGMA ignore_check_constraints, or by a
**     tool that rebuilt the table without them): each constraint's own
**     expression, taken from the migrations' CREATE TABLE, so the check and
**     the rule cannot drift apart; one row per constraint broken;
**   - with no drift, the SQL checks sql/check/rows*.sql (dimension rows
**     that nothing references, as warnings, and the rollups);
**   - with no drift, the derived facts whose stored energy or carbon differs
**     from what the power models and intensity give (schema/check_derived.c).
**
** usage_register_check() also registers usage_drop() (schema/drop.c).
*/
#include <string.h>

#include "schema/check.h"
#include "schema/schema.h"
#include "usage_register.h"
#include "value/value.h"
#include "vtab/vtab.h"
SQLITE_EXTENSION_INIT3

/* The files of sql/check, compiled in by scripts/sqlfiles2c. */
extern const char *const usage_check_sql[];
extern const char *const usage_check_sql_file[];
extern const int usage_check_sql_count;

typedef struct CheckVtab {
  sqlite3_vtab base; /* base class: must be first */
  sqlite3 *db;       /* the connection */
} CheckVtab;

typedef struct CheckCursor {
  sqlite3_vtab_cursor base; /* base class: must be first */
  CheckList list;           /* the rows */
  int iRow;                 /* current row */
} CheckCursor;

/* Columns of usage_check. */
enum { CK_SEVERITY, CK_WHAT, CK_DETAIL };

/* Free the rows of a list. */
static void list_clear(CheckList *p) {
  int i;
  for (i = 0; i < p->n; i++) {
    sqlite3_free(p->a[i].zWhat);
    sqlite3_free(p->a[i].zDetail);
  }
  sqlite3_free(p->a);
  memset(p, 0, sizeof(*p));
}

/* Append a row (schema/check.h). */
int usage_check_add(CheckList *p, const char *zSeverity, char *zWhat,
                    char *zDetail) {
  if (zWhat == 0 || zDetail == 0) goto nomem;
  if (p->n == p->nAlloc) {
    int nNew = p->nAlloc ? p->nAlloc * 2 : 8;
    CheckRow *aNew =
        sqlite3_realloc64(p->a, sizeof(CheckRow) * (sqlite3_uint64)nNew);
    if (aNew == 0) goto nomem;
    p->a = aNew;
    p->nAlloc = nNew;
  }
  p->a[p->n].zSeverity = zSeverity;
  p->a[p->n].zWhat = zWhat;
  p->a[p->n].zDetail = zDetail;
  p->n++;
  return SQLITE_OK;
nomem:
  sqlite3_free(zWhat);
  sqlite3_free(zDetail);
  return SQLITE_NOMEM;
}

/* Run every statement of zSql, each giving rows (severity, what, detail). */
static int run_sql_check(sqlite3 *db, const char *zSql, CheckList *pList) {
  int rc = SQLITE_OK;
  while (rc == SQLITE_OK && zSql && zSql[0]) {
    sqlite3_stmt *pStmt = 0;
    rc = sqlite3_prepare_v2(db, zSql, -1, &pStmt, &zSql);
    while (rc == SQLITE_OK && pStmt && sqlite3_step(pStmt) == SQLITE_ROW) {
      const char *zSev = (const char *)sqlite3_column_text(pStmt, 0);
      rc = usage_check_add(
          pList, zSev && strcmp(zSev, "warning") == 0 ? "warning" : "error",
          sqlite3_mprintf("%s", sqlite3_column_text(pStmt, 1)),
          sqlite3_mprintf("%s", sqlite3_column_text(pStmt, 2)));
    }
    if (pStmt) {
      int rc2 = sqlite3_finalize(pStmt);
      if (rc == SQLITE_OK) rc = rc2;
    }
  }
  return rc;
}

/* Run the files of sql/check whose names start with zPrefix. */
static int run_sql_files(sqlite3 *db, const char *zPrefix, CheckList *pList) {
  int i, rc = SQLITE_OK;
  size_t n = strlen(zPrefix);
  for (i = 0; rc == SQLITE_OK && i < usage_check_sql_count; i++) {
    if (strncmp(usage_check_sql_file[i], zPrefix, n) != 0) continue;
    rc = run_sql_check(db, usage_check_sql[i], pList);
  }
  return rc;
}

/* The schema version: a row unless it is current. Sets *pCurrent. */
static int check_version(sqlite3 *db, CheckList *pList, int *pCurrent) {
  sqlite3_int64 v = 0;
  int rc = usage_schema_version(db, "main", &v);
  *pCurrent = (rc == SQLITE_OK && v == usage_migration_count);
  if (rc != SQLITE_OK || *pCurrent) return rc;
  if (v == 0) {
    return usage_check_add(
        pList, "error", sqlite3_mprintf("schema_version"),
        sqlite3_mprintf("no usage schema in main; run SELECT usage_init()"));
  }
  return usage_check_add(
      pList, "error", sqlite3_mprintf("schema_version"),
      sqlite3_mprintf(
          "main has schema version %lld, usage %s expects "
          "%d%s",
          v, USAGE_VERSION, usage_migration_count,
          v < usage_migration_count ? ": run usage_init() to upgrade" : ""));
}

/* Do two SQL texts agree, letter case and runs of white space aside? */
static int same_sql(const char *a, const char *b) {
  while (*a || *b) {
    int sa = (*a == ' ' || *a == '\n' || *a == '\t' || *a == '\r');
    int sb = (*b == ' ' || *b == '\n' || *b == '\t' || *b == '\r');
    if (sa || sb) {
      if (!(sa && sb)) return 0;
      while (*a == ' ' || *a == '\n' || *a == '\t' || *a == '\r') a++;
      while (*b == ' ' || *b == '\n' || *b == '\t' || *b == '\r') b++;
      continue;
    }
    if (sqlite3_strnicmp(a, b, 1) != 0) return 0;
    a++;
    b++;
  }
  return 1;
}

/* How one object of the reference differs in main, or NULL when it agrees
** (*pzDiff stays NULL). */
static int object_diff(sqlite3 *db, sqlite3 *pRef, sqlite3_stmt *pFind,
                       const char *zType, const char *zName, const char *zSql,
                       char **pzDiff) {
  int rc = sqlite3_bind_text(pFind, 1, zName, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK) rc = sqlite3_step(pFind);
  if (rc == SQLITE_DONE) {
    *pzDiff = sqlite3_mprintf("it is missing");
    rc = *pzDiff ? SQLITE_OK : SQLITE_NOMEM;
  } else if (rc == SQLITE_ROW) {
    const char *zHaveType = (const char *)sqlite3_column_text(pFind, 0);
    const char *zHaveSql = (const char *)sqlite3_column_text(pFind, 1);
    rc = SQLITE_OK;
    if (zHaveType == 0 || strcmp(zHaveType, zType) != 0) {
      *pzDiff = sqlite3_mprintf("it is a %s", zHaveType ? zHaveType : "?");
      if (*pzDiff == 0) rc = SQLITE_NOMEM;
    } else if (strcmp(zType, "table") == 0 || strcmp(zType, "view") == 0) {
      rc = usage_schema_column_diff(db, "main", pRef, zName, pzDiff);
    } else if (zSql && (zHaveSql == 0 || !same_sql(zHaveSql, zSql))) {
      *pzDiff = sqlite3_mprintf("its SQL is %s where usage expects %s",
                                zHaveSql ? zHaveSql : "NULL", zSql);
      if (*pzDiff == 0) rc = SQLITE_NOMEM;
    }
  }
  sqlite3_reset(pFind);
  return rc;
}

/* Every object of the reference against main: one row per difference.
** Sets *pDrift when there is any. */
static int check_drift(sqlite3 *db, sqlite3 *pRef, CheckList *pList,
                       int *pDrift) {
  sqlite3_stmt *pList1 = 0, *pFind = 0;
  int rc = sqlite3_prepare_v2(pRef,
                              "SELECT type, name, sql FROM sqlite_master "
                              "WHERE name NOT LIKE 'sqlite_%' ORDER BY rowid",
                              -1, &pList1, 0);
  if (rc == SQLITE_OK) {
    rc = sqlite3_prepare_v2(db,
                            "SELECT type, sql FROM main.sqlite_master "
                            "WHERE name = ?1 COLLATE NOCASE",
                            -1, &pFind, 0);
  }
  while (rc == SQLITE_OK && (rc = sqlite3_step(pList1)) == SQLITE_ROW) {
    const char *zType = (const char *)sqlite3_column_text(pList1, 0);
    const char *zName = (const char *)sqlite3_column_text(pList1, 1);
    const char *zSql = (const char *)sqlite3_column_text(pList1, 2);
    char *zDiff = 0;
    if (zType == 0 || zName == 0) {
      rc = SQLITE_NOMEM;
      break;
    }
    rc = object_diff(db, pRef, pFind, zType, zName, zSql, &zDiff);
    if (rc == SQLITE_OK && zDiff) {
      *pDrift = 1;
      rc = usage_check_add(
          pList, "error", sqlite3_mprintf("schema drift"),
          sqlite3_mprintf("%s main.%s: %s", zType, zName, zDiff));
    }
    sqlite3_free(zDiff);
  }
  if (rc == SQLITE_DONE) rc = SQLITE_OK;
  sqlite3_finalize(pFind);
  sqlite3_finalize(pList1);
  return rc;
}

/* Skip a quoted token or a comment at z[i]; returns the index after it, or
** i when there is none there. */
static int skip_quoted(const char *z, int i) {
  char c = z[i];
  if (c == '\'' || c == '"' || c == '`' || c == '[') {
    char cEnd = c == '[' ? ']' : c;
    for (i++; z[i] && z[i] != cEnd; i++) {}
    return z[i] ? i + 1 : i;
  }
  if (c == '-' && z[i + 1] == '-') {
    while (z[i] && z[i] != '\n') i++;
    return i;
  }
  if (c == '/' && z[i + 1] == '*') {
    const char *zEnd = strstr(&z[i + 2], "*/");
    return zEnd ? (int)(zEnd - z) + 2 : (int)strlen(z);
  }
  return i;
}

/* The index after the parenthesis that closes the one at z[i]. */
static int skip_parens(const char *z, int i) {
  int depth = 0;
  while (z[i]) {
    int j = skip_quoted(z, i);
    if (j != i) {
      i = j;
      continue;
    }
    if (z[i] == '(') depth++;
    if (z[i] == ')' && --depth == 0) return i + 1;
    i++;
  }
  return i;
}

/* Is z[i..i+n) an identifier character run? */
static int is_word(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_';
}

/* Count the rows of fact_usage that break CHECK (zExpr) named zName. */
static int check_one_rule(sqlite3 *db, const char *zName, const char *zExpr,
                          int nExpr, CheckList *pList) {
  sqlite3_stmt *pStmt = 0;
  char *zSql =
      sqlite3_mprintf("SELECT count(*), min(usage_id) FROM main.fact_usage "
                      "WHERE NOT (%.*s)",
                      nExpr, zExpr);
  int rc;
  if (zSql == 0) return SQLITE_NOMEM;
  rc = sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0);
  sqlite3_free(zSql);
  if (rc == SQLITE_OK && (rc = sqlite3_step(pStmt)) == SQLITE_ROW) {
    sqlite3_int64 n = sqlite3_column_int64(pStmt, 0);
    rc = SQLITE_OK;
    if (n > 0) {
      rc = usage_check_add(
          pList, "error", sqlite3_mprintf("fact_usage %s", zName),
          sqlite3_mprintf("%lld row%s break%s it, first usage_id %lld", n,
                          n == 1 ? "" : "s", n == 1 ? "s" : "",
                          sqlite3_column_int64(pStmt, 1)));
    }
  }
  if (rc == SQLITE_DONE) rc = SQLITE_OK;
  if (pStmt) {
    int rc2 = sqlite3_finalize(pStmt);
    if (rc == SQLITE_OK) rc = rc2;
  }
  return rc;
}

/* Walk the CREATE TABLE of fact_usage and check each CHECK it holds. Its
** name is the CONSTRAINT name, else the column it belongs to, else "CHECK
** #n" (n counting from 1 in the order written). */
static int check_rules_in(sqlite3 *db, const char *z, CheckList *pList) {
  char azWord[3][64] = {"", "", ""}; /* item's first word, previous two */
  int i = 0, depth = 0, bItemStart = 0, nCheck = 0, rc = SQLITE_OK;
  while (rc == SQLITE_OK && z[i]) {
    int j = skip_quoted(z, i);
    if (j != i) {
      i = j;
      continue;
    }
    if (z[i] == '(' || z[i] == ')' || z[i] == ',') {
      if (z[i] == '(') depth++;
      if (z[i] == ')') depth--;
      if (depth == 1 && z[i] != ')') bItemStart = 1;
      i++;
      continue;
    }
    if (!is_word(z[i])) {
      i++;
      continue;
    }
    for (j = i; is_word(z[j]); j++) {}
    if (depth == 1 && j - i == 5 && sqlite3_strnicmp(&z[i], "CHECK", 5) == 0) {
      int k = j, kEnd;
      char zName[80];
      nCheck++;
      while (z[k] == ' ' || z[k] == '\n' || z[k] == '\t') k++;
      kEnd = skip_parens(z, k);
      if (sqlite3_stricmp(azWord[2], "CONSTRAINT") == 0) {
        sqlite3_snprintf(sizeof(zName), zName, "%s", azWord[1]);
      } else if (!bItemStart && sqlite3_stricmp(azWord[0], "CONSTRAINT") != 0) {
        sqlite3_snprintf(sizeof(zName), zName, "%s", azWord[0]);
      } else {
        sqlite3_snprintf(sizeof(zName), zName, "CHECK #%d", nCheck);
      }
      if (z[k] == '(' && kEnd - k >= 2) {
        rc = check_one_rule(db, zName, &z[k + 1], kEnd - k - 2, pList);
      }
      i = kEnd;
      bItemStart = 0;
      azWord[0][0] = azWord[1][0] = azWord[2][0] = 0;
      continue;
    }
    if (depth == 1) {
      if (bItemStart) {
        sqlite3_snprintf(sizeof(azWord[0]), azWord[0], "%.*s", j - i, &z[i]);
        bItemStart = 0;
      }
      memcpy(azWord[2], azWord[1], sizeof(azWord[1]));
      sqlite3_snprintf(sizeof(azWord[1]), azWord[1], "%.*s", j - i, &z[i]);
    }
    i = j;
  }
  return rc;
}

/* The CHECK constraints of the reference's fact_usage, on main's rows. */
static int check_rules(sqlite3 *db, sqlite3 *pRef, CheckList *pList) {
  sqlite3_stmt *pStmt = 0;
  int rc =
      sqlite3_prepare_v2(pRef,
                         "SELECT sql FROM sqlite_master WHERE type = 'table' "
                         "AND name = 'fact_usage'",
                         -1, &pStmt, 0);
  if (rc == SQLITE_OK && (rc = sqlite3_step(pStmt)) == SQLITE_ROW) {
    const char *zSql = (const char *)sqlite3_column_text(pStmt, 0);
    rc = zSql ? check_rules_in(db, zSql, pList) : SQLITE_NOMEM;
  }
  if (rc == SQLITE_DONE) rc = SQLITE_OK;
  sqlite3_finalize(pStmt);
  return rc;
}

/* Gather every row of usage_check(). */
static int check_all(sqlite3 *db, CheckList *pList, char **pzErr) {
  sqlite3 *pRef = 0;
  int bCurrent = 0, bDrift = 0;
  int rc = run_sql_files(db, "db", pList);
  if (rc == SQLITE_OK) rc = check_version(db, pList, &bCurrent);
  if (rc == SQLITE_OK && bCurrent) {
    rc = usage_schema_reference(&pRef, pzErr);
    if (rc == SQLITE_OK) rc = check_drift(db, pRef, pList, &bDrift);
    if (rc == SQLITE_OK && !bDrift) rc = check_rules(db, pRef, pList);
    if (rc == SQLITE_OK && !bDrift) rc = run_sql_files(db, "rows", pList);
    if (rc == SQLITE_OK && !bDrift) rc = usage_check_derived(db, pList);
  }
  sqlite3_close(pRef);
  return rc;
}

/* xConnect: the table's columns. */
static int check_connect(sqlite3 *db, void *pAux, int argc,
                         const char *const *argv, sqlite3_vtab **ppVtab,
                         char **pzErr) {
  CheckVtab *p;
  int rc;
  (void)pAux;
  (void)argc;
  (void)argv;
  (void)pzErr;
  rc = sqlite3_declare_vtab(
      db, "CREATE TABLE x(severity TEXT, what TEXT, detail TEXT)");
  if (rc != SQLITE_OK) return rc;
  p = sqlite3_malloc(sizeof(*p));
  if (p == 0) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->db = db;
  *ppVtab = &p->base;
  return SQLITE_OK;
}

/* xDisconnect. */
static int check_disconnect(sqlite3_vtab *pVtab) {
  sqlite3_free(pVtab);
  return SQLITE_OK;
}

/* xBestIndex: one plan, a full scan of the gathered rows. */
static int check_best_index(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo) {
  (void)pVtab;
  pInfo->estimatedCost = 1e6;
  pInfo->estimatedRows = 10;
  return SQLITE_OK;
}

/* xOpen. */
static int check_open(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCursor) {
  CheckCursor *pCur = sqlite3_malloc(sizeof(*pCur));
  (void)pVtab;
  if (pCur == 0) return SQLITE_NOMEM;
  memset(pCur, 0, sizeof(*pCur));
  *ppCursor = &pCur->base;
  return SQLITE_OK;
}

/* xClose. */
static int check_close(sqlite3_vtab_cursor *pCursor) {
  CheckCursor *pCur = (CheckCursor *)pCursor;
  list_clear(&pCur->list);
  sqlite3_free(pCur);
  return SQLITE_OK;
}

/* xFilter: run every check now; the rows are then read from the list. */
static int check_filter(sqlite3_vtab_cursor *pCursor, int idxNum,
                        const char *idxStr, int argc, sqlite3_value **argv) {
  CheckCursor *pCur = (CheckCursor *)pCursor;
  sqlite3_vtab *pVtab = pCursor->pVtab;
  sqlite3 *db = ((CheckVtab *)pVtab)->db;
  char *zErr = 0;
  int rc;
  (void)idxNum;
  (void)idxStr;
  (void)argc;
  (void)argv;
  list_clear(&pCur->list);
  pCur->iRow = 0;
  rc = check_all(db, &pCur->list, &zErr);
  if (rc != SQLITE_OK) {
    int rc2 = usage_vtab_error(pVtab, rc, "usage_check: %s",
                               zErr ? zErr : sqlite3_errmsg(db));
    sqlite3_free(zErr);
    list_clear(&pCur->list);
    return rc == SQLITE_NOMEM ? rc : rc2;
  }
  return SQLITE_OK;
}

/* xNext. */
static int check_next(sqlite3_vtab_cursor *pCursor) {
  ((CheckCursor *)pCursor)->iRow++;
  return SQLITE_OK;
}

/* xEof. */
static int check_eof(sqlite3_vtab_cursor *pCursor) {
  CheckCursor *pCur = (CheckCursor *)pCursor;
  return pCur->iRow >= pCur->list.n;
}

/* xColumn. */
static int check_column(sqlite3_vtab_cursor *pCursor, sqlite3_context *ctx,
                        int i) {
  CheckCursor *pCur = (CheckCursor *)pCursor;
  const CheckRow *r = &pCur->list.a[pCur->iRow];
  const char *z = i == CK_SEVERITY ? r->zSeverity
                  : i == CK_WHAT   ? r->zWhat
                                   : r->zDetail;
  sqlite3_result_text(ctx, z, -1, SQLITE_TRANSIENT);
  return SQLITE_OK;
}

/* xRowid: the row's position. */
static int check_rowid(sqlite3_vtab_cursor *pCursor, sqlite3_int64 *pRowid) {
  *pRowid = ((CheckCursor *)pCursor)->iRow + 1;
  return SQLITE_OK;
}

static const sqlite3_module checkModule = {0, /* iVersion */
                                           0, /* xCreate: eponymous only */
                                           check_connect,    /* xConnect */
                                           check_best_index, /* xBestIndex */
                                           check_disconnect, /* xDisconnect */
                                           0,                /* xDestroy */
                                           check_open,       /* xOpen */
                                           check_close,      /* xClose */
                                           check_filter,     /* xFilter */
                                           check_next,       /* xNext */
                                           check_eof,        /* xEof */
                                           check_column,     /* xColumn */
                                           check_rowid,      /* xRowid */
                                           0,
                                           0,
                                           0,
                                           0,
                                           0,
                                           0,
                                           0,
                                           0,
                                           0,
                                           0,
                                           0};

/* usage_check and, from schema/drop.c, usage_drop(). */
int usage_register_check(sqlite3 *db) {
  int rc = sqlite3_create_module(db, "usage_check", &checkModule, 0);
  if (rc == SQLITE_OK) rc = usage_drop_register(db);
  return rc;
}
