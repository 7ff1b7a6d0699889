/*
** ingest/check_rows.c: usage_ingest_check(table), every problem of a staged
** table before it is loaded.
**
**   CREATE TABLE staging(ts, scope, busy_kwh);
**   INSERT INTO staging VALUES ('2024-03-01T10:00Z', 'ada', -1),
**                              ('2024-03-32T10:00Z', 'ada', 1);
**   SELECT * FROM usage_ingest_check('staging');
**   -- 1|busy_kwh|-1|usage_ingest: busy_kwh must be a finite number >= 0, got -1
**   -- 2|ts|2024-03-32T10:00Z|usage_ingest: ts: invalid timestamp ...
**
** The table or view may have any subset of usage_ingest's columns, in any
** order (matched by name, in any case); a missing one is NULL, as in an
** INSERT that leaves it out. Each row is checked field by field with the
** very functions usage_ingest's INSERT uses, so the messages are the same,
** but every problem of every row is returned, not the first. A column that
** usage_ingest does not have is a problem too (row NULL). Rows count from
** 1 in the order the table gives them (a CSV's lines, after .import).
** Nothing is written; what derivation would compute is not checked.
*/
#include <string.h>

#include "ingest/ingest.h"
SQLITE_EXTENSION_INIT3

/* Columns of the table; "table" is the argument. */
enum { CK_ROW, CK_FIELD, CK_VALUE, CK_MESSAGE, CK_SOURCE };

/* Problems one row can have: each column, and the scope rule. */
#define CK_MAX_PROBLEMS (IN_NCOL + 1)

/* One problem found. */
typedef struct CkProblem {
  sqlite3_int64 iRow; /* 0: not a row's problem (an unknown column) */
  char *zField;       /* the field, from sqlite3_mprintf */
  sqlite3_value *pValue;
  char *zMessage; /* as usage_ingest says it */
} CkProblem;

/* A scan of one staged table. */
typedef struct CkCursor {
  sqlite3_vtab_cursor base; /* base class: must be first */
  sqlite3_stmt *pRows;      /* SELECT * FROM the table */
  sqlite3_value *pNull;     /* the value of a missing column */
  int aCol[IN_NCOL];        /* the table's column for each field, or -1 */
  sqlite3_int64 iRow;       /* rows read so far */
  CkProblem *aProblem;      /* what is found and not yet returned */
  int nProblem, nAlloc, iCur;
  int bEof;
  IngestVtab chk; /* where the checks leave their message */
} CkCursor;

/* The def the checks name in their messages. */
static const IngestDef ckDef = {"usage_ingest", 0, 0, 0};

/* Free the problems found and not yet returned. */
static void ck_problems_clear(CkCursor *c) {
  int i;
  for (i = 0; i < c->nProblem; i++) {
    sqlite3_free(c->aProblem[i].zField);
    sqlite3_value_free(c->aProblem[i].pValue);
    sqlite3_free(c->aProblem[i].zMessage);
  }
  c->nProblem = 0;
  c->iCur = 0;
}

/* Add a problem; zMessage (from sqlite3_mprintf) is taken over. */
static int ck_add(CkCursor *c, sqlite3_int64 iRow, const char *zField,
                  sqlite3_value *pValue, char *zMessage) {
  CkProblem *p;
  if (zMessage == 0) return SQLITE_NOMEM;
  if (c->nProblem == c->nAlloc) {
    int n = c->nAlloc ? 2 * c->nAlloc : CK_MAX_PROBLEMS;
    CkProblem *a = sqlite3_realloc64(c->aProblem, n * sizeof(*a));
    if (a == 0) {
      sqlite3_free(zMessage);
      return SQLITE_NOMEM;
    }
    c->aProblem = a;
    c->nAlloc = n;
  }
  p = &c->aProblem[c->nProblem++];
  p->iRow = iRow;
  p->zMessage = zMessage;
  p->zField = sqlite3_mprintf("%s", zField);
  p->pValue = pValue ? sqlite3_value_dup(pValue) : 0;
  if (p->zField == 0 || (pValue && p->pValue == 0)) return SQLITE_NOMEM;
  return SQLITE_OK;
}

/* After a check failed with rc: keep its message as a problem of field i
** of the current row, or pass on an out-of-memory. */
static int ck_take(CkCursor *c, int rc, const char *zField,
                   sqlite3_value *pValue) {
  char *zMsg = c->chk.base.zErrMsg;
  if (rc == SQLITE_NOMEM || zMsg == 0) return SQLITE_NOMEM;
  c->chk.base.zErrMsg = 0;
  return ck_add(c, c->iRow, zField, pValue, zMsg);
}

/* Check the fields of the current row as usage_ingest's INSERT does. */
static int ck_row(CkCursor *c) {
  static const char *const azKey[3] = {"cloud_project_name", "machine_name",
                                       "user_id"};
  sqlite3_value *a[IN_NCOL];
  const char *z;
  int i, n, rc = SQLITE_OK, aHas[3], bNoMem = 0, isNull;
  char zTs[USAGE_TS_LEN + 1];
  char *zErr;
  double r;
  for (i = 0; i < IN_NCOL; i++) {
    a[i] =
        c->aCol[i] < 0 ? c->pNull : sqlite3_column_value(c->pRows, c->aCol[i]);
  }
  for (i = 0; rc == SQLITE_OK && i < 3; i++) {
    int rc2 = ingest_arg_name(&c->chk, a[IN_PROJECT + i], azKey[i], 0, &z, &n);
    aHas[i] = rc2 != SQLITE_OK || z != 0; /* a bad name is there */
    if (rc2 != SQLITE_OK) rc = ck_take(c, rc2, azKey[i], a[IN_PROJECT + i]);
  }
  if (rc != SQLITE_OK) return rc;
  zErr = usage_scope_problem(a[IN_SCOPE], aHas[0], aHas[1], aHas[2], azKey,
                             &bNoMem);
  if (bNoMem) return SQLITE_NOMEM;
  if (zErr) {
    rc = ck_add(c, c->iRow, "scope", a[IN_SCOPE],
                sqlite3_mprintf("usage_ingest: %s", zErr));
    sqlite3_free(zErr);
    if (rc != SQLITE_OK) return rc;
  }
  rc = ingest_arg_time(&c->chk, a[IN_TS], "ts", zTs);
  if (rc != SQLITE_OK) rc = ck_take(c, rc, "ts", a[IN_TS]);
  for (i = IN_BUSY_CPU; rc == SQLITE_OK && i <= IN_INTENSITY; i++) {
    int rc2 = ingest_arg_amount(&c->chk, a[i], azIngestCol[i],
                                i == IN_INTENSITY, &isNull, &r);
    if (rc2 != SQLITE_OK) rc = ck_take(c, rc2, azIngestCol[i], a[i]);
  }
  return rc;
}

/* Read rows until one has problems, or the end. */
static int ck_advance(CkCursor *c) {
  ck_problems_clear(c);
  while (c->nProblem == 0) {
    int rc = sqlite3_step(c->pRows);
    if (rc == SQLITE_DONE) {
      c->bEof = 1;
      return SQLITE_OK;
    }
    if (rc != SQLITE_ROW) return rc;
    c->iRow++;
    rc = ck_row(c);
    if (rc != SQLITE_OK) return rc;
  }
  return SQLITE_OK;
}

/* Map the table's columns to usage_ingest's; an unknown one is a problem. */
static int ck_columns(CkCursor *c, const char *zTable) {
  int j, i, rc = SQLITE_OK;
  for (i = 0; i < IN_NCOL; i++) c->aCol[i] = -1;
  for (j = 0; rc == SQLITE_OK && j < sqlite3_column_count(c->pRows); j++) {
    const char *zCol = sqlite3_column_name(c->pRows, j);
    if (zCol == 0) return SQLITE_NOMEM;
    for (i = 0; i < IN_NCOL && sqlite3_stricmp(zCol, azIngestCol[i]); i++) {}
    if (i < IN_NCOL) {
      if (c->aCol[i] < 0) c->aCol[i] = j;
    } else {
      rc = ck_add(c, 0, zCol, 0,
                  sqlite3_mprintf("usage_ingest_check: %s has a column '%s' "
                                  "that usage_ingest does not have",
                                  zTable, zCol));
    }
  }
  return rc;
}

/* xFilter: open the table named by the argument and find the first
** problems. */
static int ck_filter(sqlite3_vtab_cursor *pCursor, int idxNum,
                     const char *idxStr, int argc, sqlite3_value **argv) {
  CkCursor *c = (CkCursor *)pCursor;
  sqlite3_vtab *pVtab = pCursor->pVtab;
  sqlite3 *db = c->chk.db;
  sqlite3_stmt *pNull = 0;
  const char *zTable;
  char *zSql;
  int rc;
  (void)idxNum;
  (void)idxStr;
  ck_problems_clear(c);
  sqlite3_finalize(c->pRows);
  c->pRows = 0;
  c->iRow = 0;
  c->bEof = 0;
  if (argc < 1 || sqlite3_value_type(argv[0]) != SQLITE_TEXT) {
    return usage_vtab_error(pVtab, SQLITE_ERROR,
                            "usage_ingest_check: the argument must be the name "
                            "of a table or view, as in "
                            "usage_ingest_check('staging')");
  }
  zTable = (const char *)sqlite3_value_text(argv[0]);
  if (c->pNull == 0) {
    rc = sqlite3_prepare_v2(db, "SELECT NULL", -1, &pNull, 0);
    if (rc == SQLITE_OK && sqlite3_step(pNull) == SQLITE_ROW) {
      c->pNull = sqlite3_value_dup(sqlite3_column_value(pNull, 0));
    }
    sqlite3_finalize(pNull);
    if (c->pNull == 0) return SQLITE_NOMEM;
  }
  zSql = sqlite3_mprintf("SELECT * FROM \"%w\"", zTable);
  if (zSql == 0) return SQLITE_NOMEM;
  rc = sqlite3_prepare_v2(db, zSql, -1, &c->pRows, 0);
  sqlite3_free(zSql);
  if (rc != SQLITE_OK) {
    return usage_vtab_error(pVtab, rc, "usage_ingest_check: %s",
                            sqlite3_errmsg(db));
  }
  rc = ck_columns(c, zTable);
  if (rc == SQLITE_OK && c->nProblem == 0) rc = ck_advance(c);
  if (rc != SQLITE_OK && rc != SQLITE_NOMEM) {
    return usage_vtab_error(pVtab, rc, "usage_ingest_check: %s",
                            sqlite3_errmsg(db));
  }
  return rc;
}

/* xNext: the next problem, reading on when this row's are done. */
static int ck_next(sqlite3_vtab_cursor *pCursor) {
  CkCursor *c = (CkCursor *)pCursor;
  int rc;
  if (++c->iCur < c->nProblem) return SQLITE_OK;
  rc = ck_advance(c);
  if (rc != SQLITE_OK && rc != SQLITE_NOMEM) {
    rc = usage_vtab_error(pCursor->pVtab, rc, "usage_ingest_check: %s",
                          sqlite3_errmsg(c->chk.db));
  }
  return rc;
}

/* xEof. */
static int ck_eof(sqlite3_vtab_cursor *pCursor) {
  CkCursor *c = (CkCursor *)pCursor;
  return c->bEof && c->iCur >= c->nProblem;
}

/* xColumn. */
static int ck_column(sqlite3_vtab_cursor *pCursor, sqlite3_context *ctx,
                     int iCol) {
  CkCursor *c = (CkCursor *)pCursor;
  const CkProblem *p = &c->aProblem[c->iCur];
  switch (iCol) {
    case CK_ROW:
      if (p->iRow > 0) sqlite3_result_int64(ctx, p->iRow);
      break;
    case CK_FIELD:
      sqlite3_result_text(ctx, p->zField, -1, SQLITE_TRANSIENT);
      break;
    case CK_VALUE:
      if (p->pValue) sqlite3_result_value(ctx, p->pValue);
      break;
    case CK_MESSAGE:
      sqlite3_result_text(ctx, p->zMessage, -1, SQLITE_TRANSIENT);
      break;
    default: break;
  }
  return SQLITE_OK;
}

/* xRowid: the problem's position in the result. */
static int ck_rowid(sqlite3_vtab_cursor *pCursor, sqlite3_int64 *pRowid) {
  CkCursor *c = (CkCursor *)pCursor;
  *pRowid = c->iRow * CK_MAX_PROBLEMS + c->iCur;
  return SQLITE_OK;
}

/* xBestIndex: the table argument is needed, as an equality. */
static int ck_best_index(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo) {
  int i;
  (void)pVtab;
  for (i = 0; i < pInfo->nConstraint; i++) {
    const struct sqlite3_index_constraint *pC = &pInfo->aConstraint[i];
    if (pC->iColumn == CK_SOURCE) {
      if (!pC->usable || pC->op != SQLITE_INDEX_CONSTRAINT_EQ) {
        return SQLITE_CONSTRAINT;
      }
      pInfo->aConstraintUsage[i].argvIndex = 1;
      pInfo->aConstraintUsage[i].omit = 1;
      pInfo->estimatedCost = 1e6;
      return SQLITE_OK;
    }
  }
  pInfo->estimatedCost = 1e12; /* xFilter says what is missing */
  return SQLITE_OK;
}

/* xOpen. */
static int ck_open(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCursor) {
  CkCursor *c = sqlite3_malloc(sizeof(*c));
  if (c == 0) return SQLITE_NOMEM;
  memset(c, 0, sizeof(*c));
  c->chk.db = ((IngestVtab *)pVtab)->db;
  c->chk.pDef = &ckDef;
  c->bEof = 1;
  *ppCursor = &c->base;
  return SQLITE_OK;
}

/* xClose. */
static int ck_close(sqlite3_vtab_cursor *pCursor) {
  CkCursor *c = (CkCursor *)pCursor;
  ck_problems_clear(c);
  sqlite3_free(c->aProblem);
  sqlite3_finalize(c->pRows);
  sqlite3_value_free(c->pNull);
  sqlite3_free(c->chk.base.zErrMsg);
  sqlite3_free(c);
  return SQLITE_OK;
}

/* xConnect: the columns; the table keeps only its connection. */
static int ck_connect(sqlite3 *db, void *pAux, int argc,
                      const char *const *argv, sqlite3_vtab **ppVtab,
                      char **pzErr) {
  IngestVtab *p;
  int rc;
  (void)pAux;
  (void)argc;
  (void)argv;
  (void)pzErr;
  rc = sqlite3_declare_vtab(db, "CREATE TABLE x(row INTEGER, field TEXT, "
                                "value, message TEXT, \"table\" HIDDEN)");
  if (rc != SQLITE_OK) return rc;
  p = sqlite3_malloc(sizeof(*p));
  if (p == 0) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->db = db;
  p->pDef = &ckDef;
  *ppVtab = &p->base;
  return SQLITE_OK;
}

/* xDisconnect. */
static int ck_disconnect(sqlite3_vtab *pVtab) {
  sqlite3_free(pVtab);
  return SQLITE_OK;
}

static sqlite3_module ckModule = {
    0,             /* iVersion */
    0,             /* xCreate: eponymous only */
    ck_connect,    /* xConnect */
    ck_best_index, /* xBestIndex */
    ck_disconnect, /* xDisconnect */
    0,             /* xDestroy */
    ck_open,       /* xOpen */
    ck_close,      /* xClose */
    ck_filter,     /* xFilter */
    ck_next,       /* xNext */
    ck_eof,        /* xEof */
    ck_column,     /* xColumn */
    ck_rowid,      /* xRowid */
    0,             /* xUpdate */
    0,             /* xBegin */
    0,             /* xSync */
    0,             /* xCommit */
    0,             /* xRollback */
    0,             /* xFindFunction */
    0,             /* xRename */
    0,             /* xSavepoint */
    0,             /* xRelease */
    0,             /* xRollbackTo */
    0              /* xShadowName */
};

int ingest_check_register(sqlite3 *db) {
  return sqlite3_create_module(db, "usage_ingest_check", &ckModule, 0);
}
