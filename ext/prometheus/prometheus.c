/*
** prometheus/prometheus.c: usage_prometheus(response [, range]), the samples
** of a Prometheus HTTP API answer as rows.
**
**   SELECT t, ts, labels, value FROM usage_prometheus(
**     '{"status":"success","data":{"resultType":"vector","result":[
**       {"metric":{"instance":"n1:9100"},"value":[1707526800,"7.5"]}]}}',
**     '1 hour');
**   -- 2024-02-10T01:00:00Z|2024-02-10T00:00:00Z|{"instance":"n1:9100"}|7.5
**
** An eponymous, read-only table-valued function in the manner of SQLite's
** ext/misc/series.c: its arguments are the hidden columns response and
** range. A row per sample: t, the evaluation time as canonical text; ts,
** the start of the interval the sample covers, t - range (a width of
** seconds, as usage_bucket() reads widths), or t without a range; labels,
** the series' labels as a JSON object; value, a REAL. The answer is parsed
** whole in xFilter (prometheus/parse.c), so a bad answer is an error before
** any row. It reads nothing from the database: innocuous.
*/
#include <string.h>

#include "prometheus/prometheus.h"
#include "time/time.h"
#include "usage_register.h"
#include "value/value.h"
#include "vtab/vtab.h"
SQLITE_EXTENSION_INIT3

/* Columns; the two arguments are hidden. */
enum { PR_T, PR_TS, PR_LABELS, PR_VALUE, PR_RESPONSE, PR_RANGE };

/* idxNum bits: which arguments xFilter receives, in this order. */
#define PR_HAS_RESPONSE 1
#define PR_HAS_RANGE 2

typedef struct PromCursor {
  sqlite3_vtab_cursor base; /* base class: must be first */
  PromAnswer ans;           /* the samples */
  int64_t nRange;           /* seconds between ts and t */
  int iRow;                 /* the current sample */
} PromCursor;

/* xConnect: the columns; innocuous, as it reads only its arguments. */
static int pr_connect(sqlite3 *db, void *pAux, int argc,
                      const char *const *argv, sqlite3_vtab **ppVtab,
                      char **pzErr) {
  sqlite3_vtab *p;
  int rc;
  (void)pAux;
  (void)argc;
  (void)argv;
  rc = sqlite3_declare_vtab(db, "CREATE TABLE x(t TEXT, ts TEXT, labels TEXT, "
                                "value REAL, response HIDDEN, range HIDDEN)");
  if (rc == SQLITE_OK) rc = sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
  if (rc != SQLITE_OK) {
    *pzErr = sqlite3_mprintf("usage_prometheus: %s", sqlite3_errstr(rc));
    return rc;
  }
  p = sqlite3_malloc(sizeof(*p));
  if (p == 0) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  *ppVtab = p;
  return SQLITE_OK;
}

/* xDisconnect. */
static int pr_disconnect(sqlite3_vtab *pVtab) {
  sqlite3_free(pVtab);
  return SQLITE_OK;
}

/* xBestIndex: take response = ? and range = ?; without a usable response
** try another join order, as series.c does. */
static int pr_best_index(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo) {
  int i, aIdx[2] = {-1, -1}, mUnusable = 0, nArg = 0, idxNum = 0;
  for (i = 0; i < pInfo->nConstraint; i++) {
    const struct sqlite3_index_constraint *pCons = &pInfo->aConstraint[i];
    int h = pCons->iColumn - PR_RESPONSE;
    if (h < 0 || h > 1) continue;
    if (!pCons->usable) {
      mUnusable |= 1 << h;
    } else if (pCons->op != SQLITE_INDEX_CONSTRAINT_EQ) {
      return usage_vtab_error(pVtab, SQLITE_ERROR,
                              "usage_prometheus: only = constraints are "
                              "supported on %s",
                              h ? "range" : "response");
    } else if (aIdx[h] < 0) {
      aIdx[h] = i;
    }
  }
  if ((mUnusable & 1) && aIdx[0] < 0) return SQLITE_CONSTRAINT;
  for (i = 0; i < 2; i++) {
    if (aIdx[i] < 0) continue;
    pInfo->aConstraintUsage[aIdx[i]].argvIndex = ++nArg;
    pInfo->aConstraintUsage[aIdx[i]].omit = 1;
    idxNum |= 1 << i;
  }
  pInfo->idxNum = idxNum;
  pInfo->estimatedCost = aIdx[0] >= 0 ? 1000 : 1e12;
  pInfo->estimatedRows = 1000;
  return SQLITE_OK;
}

/* xOpen. */
static int pr_open(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCursor) {
  PromCursor *pCur = sqlite3_malloc(sizeof(*pCur));
  (void)pVtab;
  if (pCur == 0) return SQLITE_NOMEM;
  memset(pCur, 0, sizeof(*pCur));
  *ppCursor = &pCur->base;
  return SQLITE_OK;
}

/* xClose. */
static int pr_close(sqlite3_vtab_cursor *pCursor) {
  PromCursor *pCur = (PromCursor *)pCursor;
  usage_prom_clear(&pCur->ans);
  sqlite3_free(pCur);
  return SQLITE_OK;
}

/* The range argument: NULL (ts = t) or a width of seconds. */
static int read_range(sqlite3_vtab *pVtab, sqlite3_value *pVal,
                      int64_t *pRange) {
  UsageWidth w;
  const char *zWhy = 0;
  char *zRepr;
  int rc;
  *pRange = 0;
  if (sqlite3_value_type(pVal) == SQLITE_NULL) return SQLITE_OK;
  if (sqlite3_value_type(pVal) == SQLITE_TEXT &&
      usage_width_parse((const char *)sqlite3_value_text(pVal),
                        sqlite3_value_bytes(pVal), &w, &zWhy) == 0) {
    if (w.eKind == USAGE_WIDTH_SECONDS) {
      *pRange = w.n;
      return SQLITE_OK;
    }
    zWhy = "a range is a fixed length, not months";
  }
  zRepr = usage_value_repr(pVal);
  if (zRepr == 0) return SQLITE_NOMEM;
  rc = usage_vtab_error(pVtab, SQLITE_ERROR,
                        "usage_prometheus: range must be a width such as "
                        "'1 hour', got %s%s%s",
                        zRepr, zWhy ? ": " : "", zWhy ? zWhy : "");
  sqlite3_free(zRepr);
  return rc;
}

/* xFilter: parse the whole answer now; the rows are its samples. */
static int pr_filter(sqlite3_vtab_cursor *pCursor, int idxNum,
                     const char *idxStr, int argc, sqlite3_value **argv) {
  PromCursor *pCur = (PromCursor *)pCursor;
  sqlite3_vtab *pVtab = pCursor->pVtab;
  sqlite3_value *pResp = (idxNum & PR_HAS_RESPONSE) ? argv[0] : 0;
  const char *z;
  char *zErr = 0;
  int rc;
  (void)idxStr;
  (void)argc;
  usage_prom_clear(&pCur->ans);
  pCur->iRow = 0;
  if (pResp == 0 || sqlite3_value_type(pResp) == SQLITE_NULL) {
    return usage_vtab_error(pVtab, SQLITE_ERROR,
                            "usage_prometheus: response is %s: pass the "
                            "body of a Prometheus API answer, as in "
                            "usage_prometheus(readfile('answer.json'))",
                            pResp ? "NULL" : "missing");
  }
  if (idxNum & PR_HAS_RANGE) {
    rc = read_range(pVtab, argv[(idxNum & PR_HAS_RESPONSE) ? 1 : 0],
                    &pCur->nRange);
    if (rc != SQLITE_OK) return rc;
  } else {
    pCur->nRange = 0;
  }
  z = (const char *)sqlite3_value_text(pResp);
  if (z == 0) return SQLITE_NOMEM;
  rc = usage_prom_parse(z, sqlite3_value_bytes(pResp), &pCur->ans, &zErr);
  if (rc == SQLITE_ERROR) {
    rc = usage_vtab_error(pVtab, rc, "%s", zErr);
    sqlite3_free(zErr);
  }
  return rc;
}

/* xNext. */
static int pr_next(sqlite3_vtab_cursor *pCursor) {
  ((PromCursor *)pCursor)->iRow++;
  return SQLITE_OK;
}

/* xEof. */
static int pr_eof(sqlite3_vtab_cursor *pCursor) {
  PromCursor *pCur = (PromCursor *)pCursor;
  return pCur->iRow >= pCur->ans.nSample;
}

/* Set ctx to the canonical text of t, or an error before the year 0000. */
static int result_ts(sqlite3_context *ctx, int64_t t) {
  char zTs[USAGE_TS_LEN + 1];
  if (usage_time_format(t, zTs)) {
    sqlite3_result_error(ctx, "usage_prometheus: t - range is before 0000", -1);
    return SQLITE_ERROR;
  }
  sqlite3_result_text(ctx, zTs, USAGE_TS_LEN, SQLITE_TRANSIENT);
  return SQLITE_OK;
}

/* xColumn. */
static int pr_column(sqlite3_vtab_cursor *pCursor, sqlite3_context *ctx,
                     int i) {
  PromCursor *pCur = (PromCursor *)pCursor;
  const PromSample *s = &pCur->ans.aSample[pCur->iRow];
  switch (i) {
    case PR_T: return result_ts(ctx, s->t);
    case PR_TS: return result_ts(ctx, s->t - pCur->nRange);
    case PR_LABELS:
      sqlite3_result_text(ctx, pCur->ans.azLabels[s->iSeries], -1,
                          SQLITE_TRANSIENT);
      return SQLITE_OK;
    case PR_VALUE: sqlite3_result_double(ctx, s->v); return SQLITE_OK;
    default: return SQLITE_OK; /* the hidden arguments read as NULL */
  }
}

/* xRowid: the sample's position. */
static int pr_rowid(sqlite3_vtab_cursor *pCursor, sqlite3_int64 *pRowid) {
  *pRowid = ((PromCursor *)pCursor)->iRow + 1;
  return SQLITE_OK;
}

static const sqlite3_module promModule = {0, /* iVersion */
                                          0, /* xCreate: eponymous only */
                                          pr_connect,    /* xConnect */
                                          pr_best_index, /* xBestIndex */
                                          pr_disconnect, /* xDisconnect */
                                          0,             /* xDestroy */
                                          pr_open,       /* xOpen */
                                          pr_close,      /* xClose */
                                          pr_filter,     /* xFilter */
                                          pr_next,       /* xNext */
                                          pr_eof,        /* xEof */
                                          pr_column,     /* xColumn */
                                          pr_rowid,      /* xRowid */
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

int usage_register_prometheus(sqlite3 *db) {
  return sqlite3_create_module(db, "usage_prometheus", &promModule, 0);
}
