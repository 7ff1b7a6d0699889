/*
** plan/window.c: usage_best_window, the best time to start a job from the
** stored intensity series.
**
**   -- half-hourly forecasts of 10, 8, 7, 7, 5, 8, 8 g/kWh from 12:00
**   SELECT window_start, gco2_per_kwh, kind, rank, vs_earliest
**     FROM usage_best_window('3 hours', '2024-03-01T12:00Z',
**                            '2024-03-01T12:30Z')
**    WHERE rank = 1;
**   -- 2024-03-01T12:30:00Z|7.16666666666667|forecast|1|-0.333333333333333
**
** usage_best_window(duration, earliest, latest [, region [, step]]) is an
** eponymous, read-only table. It considers each start s = earliest + k x
** step up to latest and rates the window [s, s + duration) as a fact over
** it is derived (derive/series.c): the time-weighted mean intensity, with
** the best kind at each instant (actual, then forecast, then default).
** Only windows wholly covered by periods are returned, lowest mean first
** (rank 1; ties share a rank and come earliest first). vs_earliest is the
** mean minus that of the window starting at earliest (NULL when that one
** is not covered).
**
** duration and step are seconds or a width of seconds ('3 hours'); step
** defaults to the shortest period of the series in the range. earliest and
** latest take the forms usage_buckets' start and end take; text without an
** offset is UTC. region defaults to usage_config('region'). Errors name
** the value: earliest after latest, latest + duration past the end of the
** region's series, a duration or step not positive, an unknown region.
*/
#include <stdlib.h>
#include <string.h>

#include "derive/derive.h"
#include "plan/need.h"
#include "usage_register.h"
#include "value/value.h"
#include "value/zone_arg.h"
#include "vtab/vtab.h"
SQLITE_EXTENSION_INIT3

/* The columns: the result, then the arguments (hidden). */
enum {
  BW_START,
  BW_END,
  BW_G,
  BW_KIND,
  BW_RANK,
  BW_VS,
  BW_DURATION,
  BW_EARLIEST,
  BW_LATEST,
  BW_REGION,
  BW_STEP,
  BW_NCOL
};
#define BW_NARG (BW_NCOL - BW_DURATION)

/* No call considers more windows than this: a bound on memory and time. */
#define BW_MAX_WINDOWS 1000000

static const char *const azArg[BW_NARG] = {"duration", "earliest", "latest",
                                           "region", "step"};

typedef struct BwVtab {
  sqlite3_vtab base; /* base class: must be first */
  sqlite3 *db;
  char *zSchema;
  UsageDeriver *pDeriver; /* the rule, the settings and the periods */
  sqlite3_stmt *pEnd;     /* the end of a region's series */
} BwVtab;

/* One window rated. */
typedef struct BwRow {
  int64_t tStart;
  double g;
  int eSource;
  int iRank;
} BwRow;

typedef struct BwCursor {
  sqlite3_vtab_cursor base; /* base class: must be first */
  BwRow *aRow;
  int nRow, iRow;
  int64_t duration;
  int bHasFirst; /* the window at earliest is covered, with mean rFirst */
  double rFirst;
} BwCursor;

/* Set the table's error from a sqlite3_mprintf() result (NULL: NOMEM). */
static int take_error(BwVtab *p, int rc, char *zErr) {
  if (zErr == 0) return SQLITE_NOMEM;
  sqlite3_free(p->base.zErrMsg);
  p->base.zErrMsg = zErr;
  return rc;
}

/* Report "usage_best_window: <arg> <why>, got <value>". */
static int arg_error(BwVtab *p, const char *zArg, sqlite3_value *pVal,
                     const char *zWhy) {
  char *zRepr = usage_value_repr(pVal);
  int rc;
  if (zRepr == 0) return SQLITE_NOMEM;
  rc = usage_vtab_error(&p->base, SQLITE_ERROR,
                        "usage_best_window: %s %s, got %s", zArg, zWhy, zRepr);
  sqlite3_free(zRepr);
  return rc;
}

/* xConnect: declare the columns; the table reads the schema it is in. */
static int bw_connect(sqlite3 *db, void *pAux, int argc,
                      const char *const *argv, sqlite3_vtab **ppVtab,
                      char **pzErr) {
  BwVtab *p;
  int rc;
  (void)pAux;
  (void)argc;
  (void)pzErr;
  rc = sqlite3_declare_vtab(
      db, "CREATE TABLE x(window_start, window_end, gco2_per_kwh, kind, rank, "
          "vs_earliest, duration HIDDEN, earliest HIDDEN, latest HIDDEN, "
          "region HIDDEN, step HIDDEN)");
  if (rc == SQLITE_OK) rc = sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
  if (rc != SQLITE_OK) return rc;
  p = sqlite3_malloc(sizeof(*p));
  if (p == 0) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->db = db;
  p->zSchema = sqlite3_mprintf("%s", argv[1]);
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
static int bw_disconnect(sqlite3_vtab *pVtab) {
  BwVtab *p = (BwVtab *)pVtab;
  sqlite3_finalize(p->pEnd);
  usage_deriver_free(p->pDeriver);
  sqlite3_free(p->zSchema);
  sqlite3_free(p);
  return SQLITE_OK;
}

/* xBestIndex: = on the hidden columns are the arguments, passed in column
** order; idxNum has bit i set when argument i is given. */
static int bw_best_index(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo) {
  int aiCons[BW_NARG], i, n = 0, mask = 0;
  (void)pVtab;
  for (i = 0; i < BW_NARG; i++) aiCons[i] = -1;
  for (i = 0; i < pInfo->nConstraint; i++) {
    const struct sqlite3_index_constraint *c = &pInfo->aConstraint[i];
    if (c->iColumn < BW_DURATION) continue;
    if (!c->usable) return SQLITE_CONSTRAINT;
    if (c->op != SQLITE_INDEX_CONSTRAINT_EQ) continue;
    aiCons[c->iColumn - BW_DURATION] = i;
  }
  for (i = 0; i < BW_NARG; i++) {
    if (aiCons[i] < 0) continue;
    pInfo->aConstraintUsage[aiCons[i]].argvIndex = ++n;
    pInfo->aConstraintUsage[aiCons[i]].omit = 1;
    mask |= 1 << i;
  }
  pInfo->idxNum = mask;
  pInfo->estimatedCost = (mask & 7) == 7 ? 100.0 : 1e12;
  pInfo->estimatedRows = 100;
  return SQLITE_OK;
}

/* xOpen. */
static int bw_open(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCursor) {
  BwCursor *c = sqlite3_malloc(sizeof(*c));
  (void)pVtab;
  if (c == 0) return SQLITE_NOMEM;
  memset(c, 0, sizeof(*c));
  *ppCursor = &c->base;
  return SQLITE_OK;
}

/* xClose. */
static int bw_close(sqlite3_vtab_cursor *pCursor) {
  BwCursor *c = (BwCursor *)pCursor;
  sqlite3_free(c->aRow);
  sqlite3_free(c);
  return SQLITE_OK;
}

/* A positive length: seconds, or a width of seconds such as '3 hours'. */
static int arg_length(BwVtab *p, sqlite3_value *pVal, const char *zArg,
                      int64_t *pN) {
  int eType = sqlite3_value_type(pVal);
  if (eType == SQLITE_INTEGER || eType == SQLITE_FLOAT) {
    double r = sqlite3_value_double(pVal);
    if (!(r >= 1 && r <= 1e12) || r != (double)(int64_t)r) {
      return arg_error(p, zArg, pVal,
                       "must be a positive whole number of "
                       "seconds or a width such as '3 hours'");
    }
    *pN = (int64_t)r;
    return SQLITE_OK;
  }
  if (eType == SQLITE_TEXT) {
    UsageWidth w;
    const char *zWhy = 0;
    const char *z = (const char *)sqlite3_value_text(pVal);
    if (z == 0) return SQLITE_NOMEM;
    if (usage_width_parse(z, sqlite3_value_bytes(pVal), &w, &zWhy) == 0 &&
        w.eKind == USAGE_WIDTH_SECONDS && w.n > 0) {
      *pN = w.n;
      return SQLITE_OK;
    }
  }
  return arg_error(p, zArg, pVal,
                   "must be a positive whole number of "
                   "seconds or a width such as '3 hours'");
}

/* A time argument as an instant; text without an offset is UTC. */
static int arg_instant(BwVtab *p, sqlite3_value *pVal, const char *zArg,
                       int64_t *pT) {
  char zWhat[40];
  char *zErr = 0;
  int rc;
  if (sqlite3_value_type(pVal) == SQLITE_NULL) {
    return arg_error(p, zArg, pVal, "is required");
  }
  sqlite3_snprintf(sizeof(zWhat), zWhat, "usage_best_window: %s", zArg);
  rc = usage_value_instant_in(pVal, zWhat, 0, pT, &zErr);
  return rc == SQLITE_OK ? rc : take_error(p, rc, zErr);
}

/* The end of region zRegion's series, or an error when it has none. */
static int series_end(BwVtab *p, const char *zRegion, int64_t *pEnd) {
  const char *z;
  int rc, bFound = 0;
  if (p->pEnd == 0) {
    rc = usage_prepare_persistent(
        p->db,
        "SELECT max(period_end) FROM \"%w\".grid_intensity "
        "WHERE region = ?1",
        p->zSchema, &p->pEnd);
    if (rc != SQLITE_OK) {
      return usage_vtab_db_error(&p->base, p->db, "usage_best_window", rc);
    }
  }
  sqlite3_bind_text(p->pEnd, 1, zRegion, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step(p->pEnd);
  if (rc == SQLITE_ROW && (z = (const char *)sqlite3_column_text(p->pEnd, 0))) {
    bFound =
        !usage_time_parse_canonical(z, sqlite3_column_bytes(p->pEnd, 0), pEnd);
  }
  if (rc != SQLITE_ROW) {
    rc = sqlite3_reset(p->pEnd);
    return usage_vtab_db_error(&p->base, p->db, "usage_best_window",
                               rc != SQLITE_OK ? rc : SQLITE_ERROR);
  }
  sqlite3_reset(p->pEnd);
  if (!bFound) {
    return usage_vtab_error(&p->base, SQLITE_ERROR,
                            "usage_best_window: unknown region '%q': "
                            "usage_intensity holds no period for it",
                            zRegion);
  }
  return SQLITE_OK;
}

/* The arguments of one call, read and checked. */
typedef struct BwArgs {
  int64_t duration, earliest, latest, step; /* step 0: the default */
  const char *zRegion;
} BwArgs;

/* Read the arguments that idxNum says are in argv. */
static int read_args(BwVtab *p, int idxNum, sqlite3_value **argv, BwArgs *pA) {
  sqlite3_value *aVal[BW_NARG];
  int i, k = 0, rc = SQLITE_OK;
  for (i = 0; i < BW_NARG; i++) aVal[i] = (idxNum & (1 << i)) ? argv[k++] : 0;
  if (aVal[0] == 0 || aVal[1] == 0 || aVal[2] == 0) {
    return usage_vtab_error(&p->base, SQLITE_ERROR,
                            "usage_best_window: duration, earliest and latest "
                            "are required, as in usage_best_window('3 hours', "
                            "'2024-03-01T12:00Z', '2024-03-01T18:00Z')");
  }
  memset(pA, 0, sizeof(*pA));
  rc = arg_length(p, aVal[0], azArg[0], &pA->duration);
  if (rc == SQLITE_OK) rc = arg_instant(p, aVal[1], azArg[1], &pA->earliest);
  if (rc == SQLITE_OK) rc = arg_instant(p, aVal[2], azArg[2], &pA->latest);
  if (rc == SQLITE_OK && aVal[4] &&
      sqlite3_value_type(aVal[4]) != SQLITE_NULL) {
    rc = arg_length(p, aVal[4], azArg[4], &pA->step);
  }
  if (rc == SQLITE_OK && aVal[3] &&
      sqlite3_value_type(aVal[3]) != SQLITE_NULL) {
    pA->zRegion = (const char *)sqlite3_value_text(aVal[3]);
    if (pA->zRegion == 0) rc = SQLITE_NOMEM;
  }
  return rc;
}

/* Check the range against itself and against the region's series. */
static int check_range(BwVtab *p, const BwArgs *pA) {
  char zA[USAGE_TS_LEN + 1], zB[USAGE_TS_LEN + 1];
  int64_t tEnd = 0;
  int rc;
  if (pA->earliest > pA->latest) {
    usage_time_format(pA->earliest, zA);
    usage_time_format(pA->latest, zB);
    return usage_vtab_error(&p->base, SQLITE_ERROR,
                            "usage_best_window: earliest '%s' is after "
                            "latest '%s'",
                            zA, zB);
  }
  rc = series_end(p, pA->zRegion, &tEnd);
  if (rc != SQLITE_OK) return rc;
  if (pA->latest > USAGE_TS_MAX - pA->duration ||
      pA->latest + pA->duration > tEnd) {
    usage_time_format(pA->latest, zA);
    usage_time_format(tEnd, zB);
    return usage_vtab_error(&p->base, SQLITE_ERROR,
                            "usage_best_window: a window starting at latest "
                            "'%s' ends past the end of the series of region "
                            "'%q' at '%s'; ask for an earlier latest or a "
                            "shorter duration",
                            zA, pA->zRegion, zB);
  }
  return SQLITE_OK;
}

/* qsort order of windows: lowest mean, then earliest. */
static int cmp_row(const void *pA, const void *pB) {
  const BwRow *a = (const BwRow *)pA, *b = (const BwRow *)pB;
  if (a->g != b->g) return a->g < b->g ? -1 : 1;
  return a->tStart < b->tStart ? -1 : a->tStart > b->tStart;
}

/* Rate every start from earliest to latest at step, keeping the covered
** windows, then sort and rank them. */
static int rate_windows(BwCursor *c, UsageSeries *s, const BwArgs *pA) {
  int64_t t, nMax = (pA->latest - pA->earliest) / pA->step + 1;
  int i, rc = SQLITE_OK;
  c->aRow = sqlite3_malloc64(sizeof(BwRow) * (sqlite3_uint64)nMax);
  if (c->aRow == 0) return SQLITE_NOMEM;
  for (t = pA->earliest; t <= pA->latest; t += pA->step) {
    UsageRating r;
    rc = usage_series_rate(s, t, t + pA->duration, &r);
    if (rc != SQLITE_OK) return rc;
    if (r.coverage != 1.0) continue;
    if (t == pA->earliest) {
      c->bHasFirst = 1;
      c->rFirst = r.intensity;
    }
    c->aRow[c->nRow].tStart = t;
    c->aRow[c->nRow].g = r.intensity;
    c->aRow[c->nRow].eSource = r.eSource;
    c->nRow++;
  }
  qsort(c->aRow, (size_t)c->nRow, sizeof(BwRow), cmp_row);
  for (i = 0; i < c->nRow; i++) {
    c->aRow[i].iRank = (i > 0 && c->aRow[i].g == c->aRow[i - 1].g)
                           ? c->aRow[i - 1].iRank
                           : i + 1;
  }
  return SQLITE_OK;
}

/* xFilter: read the arguments, the series, and rate the windows. */
static int bw_filter(sqlite3_vtab_cursor *pCursor, int idxNum,
                     const char *idxStr, int argc, sqlite3_value **argv) {
  BwCursor *c = (BwCursor *)pCursor;
  BwVtab *p = (BwVtab *)pCursor->pVtab;
  UsageSeries *s = 0;
  BwArgs a;
  char *zErr = 0;
  int64_t interval;
  int rc;
  (void)idxStr;
  (void)argc;
  sqlite3_free(c->aRow);
  c->aRow = 0;
  c->nRow = c->iRow = 0;
  c->bHasFirst = 0;
  usage_deriver_forget(p->pDeriver);
  rc = plan_need_table(&p->base, p->db, p->zSchema, "grid_intensity",
                       "usage_best_window");
  if (rc == SQLITE_OK) rc = read_args(p, idxNum, argv, &a);
  if (rc == SQLITE_OK && a.zRegion == 0) {
    rc = usage_deriver_settings(p->pDeriver, &a.zRegion, &interval, &zErr);
    if (rc != SQLITE_OK) return take_error(p, rc, zErr);
  }
  if (rc == SQLITE_OK) rc = check_range(p, &a);
  if (rc == SQLITE_OK) {
    rc = usage_series_read(p->pDeriver, "usage_best_window", a.zRegion,
                           a.earliest, a.latest + a.duration, &s, &zErr);
    if (rc != SQLITE_OK) return take_error(p, rc, zErr);
  }
  if (rc != SQLITE_OK) return rc;
  if (a.step == 0) a.step = usage_series_min_period(s);
  if (a.step == 0) a.step = a.duration; /* no period: no window is covered */
  if ((a.latest - a.earliest) / a.step >= BW_MAX_WINDOWS) {
    usage_series_free(s);
    return usage_vtab_error(&p->base, SQLITE_ERROR,
                            "usage_best_window: step %lld seconds gives more "
                            "than %d windows from earliest to latest; ask "
                            "for a longer step",
                            (long long)a.step, BW_MAX_WINDOWS);
  }
  c->duration = a.duration;
  rc = rate_windows(c, s, &a);
  usage_series_free(s);
  return rc;
}

/* xNext, xEof. */
static int bw_next(sqlite3_vtab_cursor *pCursor) {
  ((BwCursor *)pCursor)->iRow++;
  return SQLITE_OK;
}

static int bw_eof(sqlite3_vtab_cursor *pCursor) {
  BwCursor *c = (BwCursor *)pCursor;
  return c->iRow >= c->nRow;
}

/* xColumn: the result columns; the arguments read back as NULL. */
static int bw_column(sqlite3_vtab_cursor *pCursor, sqlite3_context *ctx,
                     int i) {
  BwCursor *c = (BwCursor *)pCursor;
  const BwRow *r = &c->aRow[c->iRow];
  char zTs[USAGE_TS_LEN + 1];
  switch (i) {
    case BW_START:
    case BW_END:
      usage_time_format(r->tStart + (i == BW_END ? c->duration : 0), zTs);
      sqlite3_result_text(ctx, zTs, USAGE_TS_LEN, SQLITE_TRANSIENT);
      break;
    case BW_G: sqlite3_result_double(ctx, r->g); break;
    case BW_KIND:
      sqlite3_result_text(ctx, usage_carbon_source_name(r->eSource), -1,
                          SQLITE_STATIC);
      break;
    case BW_RANK: sqlite3_result_int(ctx, r->iRank); break;
    case BW_VS:
      if (c->bHasFirst) sqlite3_result_double(ctx, r->g - c->rFirst);
      break;
    default: break;
  }
  return SQLITE_OK;
}

/* xRowid: the position in the result. */
static int bw_rowid(sqlite3_vtab_cursor *pCursor, sqlite3_int64 *pRowid) {
  *pRowid = ((BwCursor *)pCursor)->iRow + 1;
  return SQLITE_OK;
}

static const sqlite3_module bwModule = {
    0,             /* iVersion */
    0,             /* xCreate: eponymous only */
    bw_connect,    /* xConnect */
    bw_best_index, /* xBestIndex */
    bw_disconnect, /* xDisconnect */
    0,             /* xDestroy */
    bw_open,       /* xOpen */
    bw_close,      /* xClose */
    bw_filter,     /* xFilter */
    bw_next,       /* xNext */
    bw_eof,        /* xEof */
    bw_column,     /* xColumn */
    bw_rowid,      /* xRowid */
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

int usage_register_best_window(sqlite3 *db) {
  return sqlite3_create_module(db, "usage_best_window", &bwModule, 0);
}
