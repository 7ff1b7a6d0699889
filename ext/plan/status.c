/*
** plan/status.c: usage_budget_status, where each budget stands in its
** period: used, burn rate, state, and how far its count can be trusted.
**
**   INSERT INTO usage_budgets VALUES ('ada', NULL, 'month', 100000, NULL,
**                                     NULL);
**   -- facts of 40,000 g in all from 1 to 10 April
**   SELECT scope, period_start, used_gco2eq, projected_gco2eq, state
**     FROM usage_budget_status('2024-04-11');
**   -- ada|2024-04-01T00:00:00Z|40000.0|120000.0|projected_over
**
** usage_budget_status([as_of]) is an eponymous, read-only table with one
** row per budget (plan/budgets.c), for the period (month, quarter or year
** of the reporting zone, usage_config('rollup_tz')) that holds the last
** instant before as_of. as_of defaults to the end of the last stored fact
** interval (its ts + fact_interval), so results do not move with the
** clock; text without an offset is local time in the reporting zone. The
** hidden column as_of reads back the instant counted to.
**
** used_gco2eq is the carbon of [period_start, as_of), read through
** usage_buckets (which serves whole days and months from the rollups);
** elapsed_fraction is that span's share of the period, and
** projected_gco2eq = used x period length / elapsed, the linear burn rate.
** state is 'over' (used > limit), 'warn' (used >= warn_fraction x limit),
** 'projected_over' (projected > limit) or 'ok', in that order.
** carbon_coverage is the share of the span's kWh whose carbon is known, and
** basis says whether forecasts entered it: 'actual' (no counted fact's
** carbon came from a forecast), 'forecast' (every fact's did) or 'mixed'.
** Unknown carbon is never counted as zero: while carbon_coverage is under
** 1, used_gco2eq and projected_gco2eq are NULL, and state is 'over' when
** the known carbon alone is over the limit, else NULL.
**
** A budget that includes 'operational+embodied' adds usage_buckets'
** embodied_gCo2eq to used_gco2eq. Its embodied carbon is known only when no
** fact of the key in [period_start, as_of) has embodied_source 'none' (a
** month's embodied_gCo2eq sums the facts with a model and is NULL only when
** none had one), read from fact_usage; when one has none, used and
** projected are NULL and state is judged as for coverage under 1.
*/
#include <string.h>

#include "derive/derive.h"
#include "plan/facts.h"
#include "plan/need.h"
#include "plan/state.h"
#include "plan/totals.h"
#include "rollzone/rollup_zone.h"
#include "time/local.h"
#include "usage_register.h"
#include "value/value.h"
#include "value/zone_arg.h"
#include "vtab/vtab.h"
SQLITE_EXTENSION_INIT3

#define BS_TABLE "usage_budget_status"

/* The columns: the result, then the argument (hidden). */
enum {
  BS_SCOPE,
  BS_KEY,
  BS_PERIOD,
  BS_START,
  BS_END,
  BS_LIMIT,
  BS_USED,
  BS_ELAPSED,
  BS_PROJECTED,
  BS_STATE,
  BS_COVERAGE,
  BS_BASIS,
  BS_AS_OF,
  BS_NCOL
};

/* The statements the table keeps; each "%w" is the schema. */
enum { BQ_BUDGETS, BQ_LAST_TS, BQ_USED, BQ_COUNT };

static const char *const azStatusSql[BQ_COUNT] = {
    "SELECT scope, key, period, limit_gco2eq, warn_fraction, includes "
    "FROM \"%w\".budget ORDER BY scope, key, period",
    /* Four seeks of the (scope, ts) index rather than a scan. */
    "SELECT max(t) FROM ("
    "SELECT (SELECT max(ts) FROM \"%w\".fact_usage WHERE scope = 'ada') AS t "
    "UNION ALL SELECT (SELECT max(ts) FROM \"%w\".fact_usage "
    "WHERE scope = 'project') "
    "UNION ALL SELECT (SELECT max(ts) FROM \"%w\".fact_usage "
    "WHERE scope = 'machine') "
    "UNION ALL SELECT (SELECT max(ts) FROM \"%w\".fact_usage "
    "WHERE scope = 'user'))",
    /* The totals of every key of a scope from ?2 to ?3 by month, summed
    ** since the month's start ?5, since the quarter's ?6, and whole: one
    ** read for every budget of the scope (plan/totals.h). */
    "SELECT key, " PLAN_SUMS("bucket_start >= ?5") ", " PLAN_SUMS("bucket_start >= ?6") ", " PLAN_SUMS(
        "1") " FROM ("
             "SELECT bucket_start, key, busy_gCo2eq + idle_gCo2eq AS g, "
             "busy_kwh + idle_kwh AS kwh, (busy_kwh + idle_kwh) * carbon_coverage "
             "AS cov, embodied_gCo2eq AS e, samples AS n FROM usage_buckets(?1, 'month', ?2, ?3, 'none', "
             "'2000-01-01', ?4)) WHERE key IS NOT NULL GROUP BY key ORDER BY key",
};

typedef struct BsVtab {
  sqlite3_vtab base; /* base class: must be first */
  sqlite3 *db;
  char *zSchema;
  UsageDeriver *pDeriver; /* reads fact_interval */
  sqlite3_stmt *aStmt[BQ_COUNT];
  PlanFacts facts; /* basis and embodied models */
} BsVtab;

/* One budget's row (plan/state.h). */
typedef PlanBudget BsRow;

typedef struct BsCursor {
  sqlite3_vtab_cursor base; /* base class: must be first */
  BsRow *aRow;
  int nRow, nAlloc, iRow;
  int64_t asOf; /* the as_of counted to, given or by default */
} BsCursor;

/* What one call needs to count every budget. */
typedef struct BsCall {
  int64_t asOf;
  UsageZone *pZone;  /* the reporting zone; NULL: UTC */
  const char *zTz;   /* its name for usage_buckets; NULL: UTC */
  char *zZoneName;   /* from usage_rollup_tz_read() */
  int64_t aStart[3]; /* the month, quarter and year holding as_of - 1 */
  PlanTotals totals; /* of every key of one scope */
} BsCall;

/* Set the table's error from a sqlite3_mprintf() result (NULL: NOMEM). */
static int take_error(BsVtab *p, int rc, char *zErr) {
  if (zErr == 0) return SQLITE_NOMEM;
  sqlite3_free(p->base.zErrMsg);
  p->base.zErrMsg = zErr;
  return rc;
}

/* The kept statement iStmt; its SQL may name the schema several times. */
static int stmt_get(BsVtab *p, int iStmt, sqlite3_stmt **ppStmt) {
  if (p->aStmt[iStmt] == 0) {
    const char *s = p->zSchema;
    char *zSql = sqlite3_mprintf(azStatusSql[iStmt], s, s, s, s, s);
    int rc =
        zSql ? sqlite3_prepare_v3(p->db, zSql, -1, SQLITE_PREPARE_PERSISTENT,
                                  &p->aStmt[iStmt], 0)
             : SQLITE_NOMEM;
    sqlite3_free(zSql);
    if (rc != SQLITE_OK) {
      return usage_vtab_db_error(&p->base, p->db, BS_TABLE, rc);
    }
  }
  *ppStmt = p->aStmt[iStmt];
  return SQLITE_OK;
}

/* Finish a statement's run: reset it, and turn a failure into an error. */
static int stmt_done(BsVtab *p, sqlite3_stmt *pStmt, int rcStep) {
  int rc = sqlite3_reset(pStmt);
  sqlite3_clear_bindings(pStmt);
  if (rcStep == SQLITE_ROW || rcStep == SQLITE_DONE) return SQLITE_OK;
  return usage_vtab_db_error(&p->base, p->db, BS_TABLE,
                             rc != SQLITE_OK ? rc : SQLITE_ERROR);
}

/* xConnect: declare the columns. */
static int bs_connect(sqlite3 *db, void *pAux, int argc,
                      const char *const *argv, sqlite3_vtab **ppVtab,
                      char **pzErr) {
  BsVtab *p;
  int rc;
  (void)pAux;
  (void)argc;
  (void)pzErr;
  rc = sqlite3_declare_vtab(
      db, "CREATE TABLE x(scope, key, period, period_start, period_end, "
          "limit_gco2eq, used_gco2eq, elapsed_fraction, projected_gco2eq, "
          "state, carbon_coverage, basis, as_of HIDDEN)");
  if (rc == SQLITE_OK) rc = sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
  if (rc != SQLITE_OK) return rc;
  p = sqlite3_malloc(sizeof(*p));
  if (p == 0) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->db = db;
  p->zSchema = sqlite3_mprintf("%s", argv[1]);
  p->facts.db = db;
  p->facts.zSchema = p->zSchema;
  p->pDeriver = p->zSchema ? usage_deriver_new(db, argv[1]) : 0;
  if (p->pDeriver == 0) {
    sqlite3_free(p->zSchema);
    sqlite3_free(p);
    return SQLITE_NOMEM;
  }
  *ppVtab = &p->base;
  return SQLITE_OK;
}

/* xDisconnect. */
static int bs_disconnect(sqlite3_vtab *pVtab) {
  BsVtab *p = (BsVtab *)pVtab;
  int i;
  for (i = 0; i < BQ_COUNT; i++) sqlite3_finalize(p->aStmt[i]);
  plan_facts_free(&p->facts);
  usage_deriver_free(p->pDeriver);
  sqlite3_free(p->zSchema);
  sqlite3_free(p);
  return SQLITE_OK;
}

/* xBestIndex: as_of = is the one argument; idxNum 1 when given. A plan
** that passes it is cheaper, so a join feeds it when it can. */
static int bs_best_index(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo) {
  int i;
  (void)pVtab;
  pInfo->idxNum = 0;
  for (i = 0; i < pInfo->nConstraint; i++) {
    const struct sqlite3_index_constraint *c = &pInfo->aConstraint[i];
    /* An as_of = that is not usable yet (a join's later table) is left
    ** to SQLite to test against the as_of read back. */
    if (c->iColumn != BS_AS_OF || !c->usable) continue;
    if (c->op != SQLITE_INDEX_CONSTRAINT_EQ) continue;
    pInfo->aConstraintUsage[i].argvIndex = 1;
    pInfo->aConstraintUsage[i].omit = 1;
    pInfo->idxNum = 1;
    break;
  }
  pInfo->estimatedCost = pInfo->idxNum ? 1000 : 2000;
  pInfo->estimatedRows = 100;
  return SQLITE_OK;
}

/* Forget the rows of the last call. */
static void cursor_reset(BsCursor *c) {
  int i;
  for (i = 0; i < c->nRow; i++) {
    sqlite3_free(c->aRow[i].zScope);
    sqlite3_free(c->aRow[i].zKey);
  }
  c->nRow = c->iRow = 0;
}

/* xOpen, xClose. */
static int bs_open(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCursor) {
  BsCursor *c = sqlite3_malloc(sizeof(*c));
  (void)pVtab;
  if (c == 0) return SQLITE_NOMEM;
  memset(c, 0, sizeof(*c));
  *ppCursor = &c->base;
  return SQLITE_OK;
}

static int bs_close(sqlite3_vtab_cursor *pCursor) {
  BsCursor *c = (BsCursor *)pCursor;
  cursor_reset(c);
  sqlite3_free(c->aRow);
  sqlite3_free(c);
  return SQLITE_OK;
}

/* The default as_of: the end of the last stored fact's interval. */
static int default_as_of(BsVtab *p, int64_t *pT) {
  sqlite3_stmt *pStmt;
  const char *zRegion, *z;
  char *zErr = 0;
  int64_t interval, t = 0;
  int rc = usage_deriver_settings(p->pDeriver, &zRegion, &interval, &zErr);
  int bFound = 0;
  if (rc != SQLITE_OK) return take_error(p, rc, zErr);
  rc = stmt_get(p, BQ_LAST_TS, &pStmt);
  if (rc != SQLITE_OK) return rc;
  rc = sqlite3_step(pStmt);
  if (rc == SQLITE_ROW && (z = (const char *)sqlite3_column_text(pStmt, 0))) {
    bFound = !usage_time_parse_canonical(z, sqlite3_column_bytes(pStmt, 0), &t);
  }
  rc = stmt_done(p, pStmt, rc);
  if (rc != SQLITE_OK) return rc;
  if (!bFound) {
    return usage_vtab_error(&p->base, SQLITE_ERROR,
                            BS_TABLE ": no facts are stored, so as_of has no "
                                     "default; pass one, as in "
                                     "usage_budget_status('2024-04-11')");
  }
  *pT = t + interval;
  return SQLITE_OK;
}

static int period_starts(BsVtab *p, BsCall *pCall);

/* The reporting zone, and as_of given or by default. */
static int call_setup(BsVtab *p, int idxNum, sqlite3_value **argv,
                      BsCall *pCall) {
  char *zErr = 0;
  int rc = usage_rollup_tz_read(p->db, p->zSchema, &pCall->zZoneName);
  if (rc != SQLITE_OK) {
    return usage_vtab_db_error(&p->base, p->db, BS_TABLE, rc);
  }
  rc = usage_rollup_zone_open(pCall->zZoneName, &pCall->pZone);
  if (rc != SQLITE_OK) {
    return rc == SQLITE_NOMEM
               ? rc
               : usage_vtab_error(&p->base, rc,
                                  BS_TABLE ": usage_meta holds an unknown "
                                           "rollup_tz '%s'",
                                  pCall->zZoneName);
  }
  pCall->zTz = pCall->pZone ? pCall->zZoneName : 0;
  if (idxNum && sqlite3_value_type(argv[0]) != SQLITE_NULL) {
    rc = usage_value_instant_in(argv[0], BS_TABLE ": as_of", pCall->pZone,
                                &pCall->asOf, &zErr);
    if (rc != SQLITE_OK) return take_error(p, rc, zErr);
  } else {
    rc = default_as_of(p, &pCall->asOf);
  }
  return rc == SQLITE_OK ? period_starts(p, pCall) : rc;
}

/* The period of width zPeriod that holds the last instant before as_of. */
static int period_of(BsVtab *p, const BsCall *pCall, const char *zPeriod,
                     BsRow *r) {
  UsageWidth w;
  UsageLocalWidth lw;
  const char *zWhy = 0;
  if (usage_width_parse(zPeriod, (int)strlen(zPeriod), &w, &zWhy) ||
      usage_local_width_init(&lw, &w, pCall->pZone, 0, 0, &zWhy) ||
      usage_local_bucket(&lw, pCall->asOf - 1, &r->tStart, &r->tEnd)) {
    return usage_vtab_error(&p->base, SQLITE_ERROR,
                            BS_TABLE ": no %s period holds as_of", zPeriod);
  }
  return SQLITE_OK;
}

/* The starts of the month, quarter and year that hold as_of - 1, which
** every budget's period is one of. */
static int period_starts(BsVtab *p, BsCall *pCall) {
  static const char *const azPeriod[3] = {"month", "quarter", "year"};
  int i, rc = SQLITE_OK;
  for (i = 0; rc == SQLITE_OK && i < 3; i++) {
    BsRow r;
    rc = period_of(p, pCall, azPeriod[i], &r);
    pCall->aStart[i] = r.tStart;
  }
  return rc;
}

/* Bind the canonical text of t. */
static void bind_time(sqlite3_stmt *pStmt, int i, int64_t t) {
  char z[USAGE_TS_LEN + 1];
  usage_time_format(t, z);
  sqlite3_bind_text(pStmt, i, z, USAGE_TS_LEN, SQLITE_TRANSIENT);
}

/* Read the totals of every key of scope zScope from tFrom to as_of. */
static int read_totals(BsVtab *p, BsCall *pCall, const char *zScope,
                       int64_t tFrom) {
  sqlite3_stmt *pStmt;
  int rc = stmt_get(p, BQ_USED, &pStmt);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_text(pStmt, 1, zScope, -1, SQLITE_STATIC);
  bind_time(pStmt, 2, tFrom);
  bind_time(pStmt, 3, pCall->asOf);
  sqlite3_bind_text(pStmt, 4, pCall->zTz ? pCall->zTz : "", -1, SQLITE_STATIC);
  bind_time(pStmt, 5, pCall->aStart[0]);
  bind_time(pStmt, 6, pCall->aStart[1]);
  rc = plan_totals_read(pStmt, &pCall->totals);
  if (rc == SQLITE_NOMEM) {
    sqlite3_reset(pStmt);
    return rc;
  }
  return stmt_done(p, pStmt, rc);
}

/* Add the budget that is the current row of pBudgets, with its period. */
static int add_budget(BsVtab *p, BsCursor *c, const BsCall *pCall,
                      sqlite3_stmt *pBudgets) {
  static const char *const azPeriod[3] = {"month", "quarter", "year"};
  BsRow *r;
  const char *zKey = (const char *)sqlite3_column_text(pBudgets, 1);
  const char *zPeriod = (const char *)sqlite3_column_text(pBudgets, 2);
  const char *zIncludes;
  if (c->nRow == c->nAlloc) {
    int nNew = c->nAlloc ? c->nAlloc * 2 : 16;
    BsRow *aNew =
        sqlite3_realloc64(c->aRow, sizeof(BsRow) * (sqlite3_uint64)nNew);
    if (aNew == 0) return SQLITE_NOMEM;
    c->aRow = aNew;
    c->nAlloc = nNew;
  }
  r = &c->aRow[c->nRow];
  memset(r, 0, sizeof(*r));
  r->zScope = sqlite3_mprintf("%s", sqlite3_column_text(pBudgets, 0));
  r->zKey = zKey ? sqlite3_mprintf("%s", zKey) : 0;
  if (r->zScope == 0 || (zKey && r->zKey == 0) || zPeriod == 0) {
    sqlite3_free(r->zScope);
    sqlite3_free(r->zKey);
    return SQLITE_NOMEM;
  }
  c->nRow++;
  r->iPeriod = zPeriod[0] == 'm' ? 0 : zPeriod[0] == 'q' ? 1 : 2;
  r->zPeriod = azPeriod[r->iPeriod];
  r->rLimit = sqlite3_column_double(pBudgets, 3);
  r->rWarn = sqlite3_column_double(pBudgets, 4);
  zIncludes = (const char *)sqlite3_column_text(pBudgets, 5);
  if (zIncludes == 0) return SQLITE_NOMEM; /* NOT NULL in the table */
  r->bEmbodied = strcmp(zIncludes, "operational+embodied") == 0;
  return period_of(p, pCall, r->zPeriod, r);
}

/* The table's error for a failure of plan/facts.c, which leaves the
** message in the connection. */
static int facts_error(BsVtab *p, int rc) {
  if (rc == SQLITE_OK || rc == SQLITE_NOMEM) return rc;
  return usage_vtab_db_error(&p->base, p->db, BS_TABLE, rc);
}

/* Count the budgets aRow[0..n) of one scope from one read of its totals. */
static int count_scope(BsVtab *p, BsCall *pCall, BsRow *aRow, int n) {
  int64_t tFrom = aRow[0].tStart;
  int i, rc;
  for (i = 1; i < n; i++) {
    if (aRow[i].tStart < tFrom) tFrom = aRow[i].tStart;
  }
  rc = read_totals(p, pCall, aRow[0].zScope, tFrom);
  for (i = 0; rc == SQLITE_OK && i < n; i++) {
    BsRow *r = &aRow[i];
    const PlanTotal *t =
        plan_totals_find(&pCall->totals, r->zKey ? r->zKey : "ada");
    PlanSums sum = {0, 0, 0, 0, 0};
    int bEmbodiedKnown = 1;
    if (t) sum = t->a[r->iPeriod];
    r->rUsed = r->bEmbodied ? sum.g + sum.emb : sum.g;
    r->rElapsed =
        (double)(pCall->asOf - r->tStart) / (double)(r->tEnd - r->tStart);
    rc = facts_error(p, plan_facts_basis(&p->facts, r, pCall->asOf, sum.nFact));
    if (rc == SQLITE_OK && r->bEmbodied && sum.nFact > 0) {
      rc = plan_need_table(&p->base, p->db, p->zSchema, "embodied_model",
                           BS_TABLE);
      if (rc == SQLITE_OK) {
        rc = facts_error(p, plan_facts_embodied_known(&p->facts, r, pCall->asOf,
                                                      &bEmbodiedKnown));
      }
    }
    if (rc == SQLITE_OK) {
      plan_budget_judge(r, pCall->asOf, sum.kwh, sum.covered, bEmbodiedKnown);
    }
  }
  return rc;
}

/* Read every budget, then count them a scope at a time. */
static int count_budgets(BsVtab *p, BsCursor *c, BsCall *pCall) {
  sqlite3_stmt *pBudgets = 0;
  int i, j, rc = stmt_get(p, BQ_BUDGETS, &pBudgets);
  while (rc == SQLITE_OK) {
    int rcStep = sqlite3_step(pBudgets);
    if (rcStep != SQLITE_ROW) {
      rc = stmt_done(p, pBudgets, rcStep);
      break;
    }
    rc = add_budget(p, c, pCall, pBudgets);
    if (rc != SQLITE_OK) sqlite3_reset(pBudgets);
  }
  for (i = 0; rc == SQLITE_OK && i < c->nRow; i = j) {
    for (j = i + 1; j < c->nRow; j++) {
      if (strcmp(c->aRow[j].zScope, c->aRow[i].zScope)) break;
    }
    rc = count_scope(p, pCall, &c->aRow[i], j - i);
  }
  return rc;
}

/* xFilter: count every budget. */
static int bs_filter(sqlite3_vtab_cursor *pCursor, int idxNum,
                     const char *idxStr, int argc, sqlite3_value **argv) {
  BsCursor *c = (BsCursor *)pCursor;
  BsVtab *p = (BsVtab *)pCursor->pVtab;
  BsCall call;
  int rc;
  (void)idxStr;
  (void)argc;
  cursor_reset(c);
  memset(&call, 0, sizeof(call));
  usage_deriver_forget(p->pDeriver);
  rc = plan_need_table(&p->base, p->db, p->zSchema, "budget", BS_TABLE);
  if (rc == SQLITE_OK) rc = call_setup(p, idxNum, argv, &call);
  c->asOf = call.asOf;
  if (rc == SQLITE_OK) rc = count_budgets(p, c, &call);
  sqlite3_free(call.pZone);
  sqlite3_free(call.zZoneName);
  plan_totals_free(&call.totals);
  return rc;
}

/* xNext, xEof. */
static int bs_next(sqlite3_vtab_cursor *pCursor) {
  ((BsCursor *)pCursor)->iRow++;
  return SQLITE_OK;
}

static int bs_eof(sqlite3_vtab_cursor *pCursor) {
  BsCursor *c = (BsCursor *)pCursor;
  return c->iRow >= c->nRow;
}

/* Return a time column. */
static void result_time(sqlite3_context *ctx, int64_t t) {
  char z[USAGE_TS_LEN + 1];
  usage_time_format(t, z);
  sqlite3_result_text(ctx, z, USAGE_TS_LEN, SQLITE_TRANSIENT);
}

/* Return a static text column, or NULL. */
static void result_static(sqlite3_context *ctx, const char *z) {
  if (z) sqlite3_result_text(ctx, z, -1, SQLITE_STATIC);
}

/* xColumn. */
static int bs_column(sqlite3_vtab_cursor *pCursor, sqlite3_context *ctx,
                     int i) {
  BsCursor *c = (BsCursor *)pCursor;
  const BsRow *r = &c->aRow[c->iRow];
  switch (i) {
    case BS_SCOPE: result_static(ctx, r->zScope); break;
    case BS_KEY: result_static(ctx, r->zKey); break;
    case BS_PERIOD: result_static(ctx, r->zPeriod); break;
    case BS_START: result_time(ctx, r->tStart); break;
    case BS_END: result_time(ctx, r->tEnd); break;
    case BS_LIMIT: sqlite3_result_double(ctx, r->rLimit); break;
    case BS_USED:
      if (r->bUsed) sqlite3_result_double(ctx, r->rUsed);
      break;
    case BS_ELAPSED: sqlite3_result_double(ctx, r->rElapsed); break;
    case BS_PROJECTED:
      if (r->bUsed) sqlite3_result_double(ctx, r->rProjected);
      break;
    case BS_STATE: result_static(ctx, r->zState); break;
    case BS_COVERAGE:
      if (r->bCoverage) sqlite3_result_double(ctx, r->rCoverage);
      break;
    case BS_BASIS: result_static(ctx, r->zBasis); break;
    case BS_AS_OF: result_time(ctx, c->asOf); break;
    default: break;
  }
  return SQLITE_OK;
}

/* xRowid: the position in the result. */
static int bs_rowid(sqlite3_vtab_cursor *pCursor, sqlite3_int64 *pRowid) {
  *pRowid = ((BsCursor *)pCursor)->iRow + 1;
  return SQLITE_OK;
}

static const sqlite3_module statusModule = {
    0,             /* iVersion */
    0,             /* xCreate: eponymous only */
    bs_connect,    /* xConnect */
    bs_best_index, /* xBestIndex */
    bs_disconnect, /* xDisconnect */
    0,             /* xDestroy */
    bs_open,       /* xOpen */
    bs_close,      /* xClose */
    bs_filter,     /* xFilter */
    bs_next,       /* xNext */
    bs_eof,        /* xEof */
    bs_column,     /* xColumn */
    bs_rowid,      /* xRowid */
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

int usage_register_budget_status(sqlite3 *db) {
  return sqlite3_create_module(db, BS_TABLE, &statusModule, 0);
}
