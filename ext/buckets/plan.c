/*
** buckets/plan.c: the arguments of usage_buckets, and its plans.
**
**   SELECT * FROM usage_buckets WHERE scope = 'group' AND width = '1 month'
**     AND fill = 'zero' AND start = '2024-01-01' AND "end" = '2025-01-01'
**     AND key = 'physics';
**   SELECT * FROM usage_buckets('ada', '1 year', NULL, NULL, 'none',
**                               '2000-04-01');  -- fiscal years from April
**
** Owns BkArgs. The hidden columns, in positional order, are the arguments:
**   scope   'ada', 'project', 'machine', 'user' or 'group' (required)
**   width   as for usage_bucket(); default 'day'
**   start   inclusive lower bound of ts, any form usage_ts() takes
**   end     exclusive upper bound of ts, likewise
**   fill    'none' (default) or 'zero': every bucket of [start, end)
**   origin  bucket alignment, as for usage_bucket()
**   tz      an IANA zone such as 'Europe/London': buckets of a day or more
**           follow its local calendar, and start, end and origin without a
**           UTC offset are local times there; NULL or '' is UTC
** A NULL argument other than tz gives no rows. xBestIndex takes = on the
** hidden columns, key = and key IN (passed to the scan), ORDER BY
** bucket_start[, key] in either direction, and which amounts the query
** reads; it estimates the rows scanned from the constant bounds and width
** when it can see them.
*/
#include <math.h>
#include <string.h>

#include "buckets/buckets.h"
#include "value/zone_arg.h"
SQLITE_EXTENSION_INIT3

/* Names of the hidden columns, for messages. */
static const char *const azHidden[BK_NHIDDEN] = {
    "scope", "width", "start", "end", "fill", "origin", "tz"};

/* Make a message from sqlite3_mprintf the table's error, or report NOMEM. */
static int take_error(BkVtab *p, int rc, char *zErr) {
  if (zErr == 0) return SQLITE_NOMEM;
  sqlite3_free(p->base.zErrMsg);
  p->base.zErrMsg = zErr;
  return rc;
}

/* A timestamp argument as unix seconds, or an error naming it. Text
** without a UTC offset is local time in the zone of tz (*pIsWall is set,
** and *pT is that wall time). */
static int arg_wall(BkVtab *p, sqlite3_value *pVal, const char *zName,
                    int64_t *pT, int *pIsWall) {
  char zWhat[40];
  char *zErr = 0;
  int rc;
  sqlite3_snprintf(sizeof(zWhat), zWhat, "usage_buckets: %s", zName);
  rc = usage_value_local_time(pVal, zWhat, pT, pIsWall, &zErr);
  return rc == SQLITE_OK ? rc : take_error(p, rc, zErr);
}

/* A timestamp argument as an instant (local text mapped by the zone). */
static int arg_time(BkVtab *p, BkCursor *c, sqlite3_value *pVal,
                    const char *zName, int64_t *pT) {
  int isWall = 0;
  int rc = arg_wall(p, pVal, zName, pT, &isWall);
  if (rc == SQLITE_OK && isWall) *pT = usage_zone_from_local(c->arg.pZone, *pT);
  return rc;
}

/* The tz argument: NULL or '' is UTC (no zone), else a known IANA name. */
static int arg_tz(BkVtab *p, sqlite3_value *pVal, UsageZone **ppZone) {
  char *zErr = 0;
  int rc;
  *ppZone = 0;
  if (pVal == 0) return SQLITE_OK;
  rc = usage_zone_open(pVal, "usage_buckets", ppZone, &zErr);
  return rc == SQLITE_OK ? rc : take_error(p, rc, zErr);
}

/* The scope argument; 'group' is valid here though not a fact scope. */
static int arg_scope(BkVtab *p, sqlite3_value *pVal, int *peScope) {
  if (sqlite3_value_type(pVal) == SQLITE_TEXT) {
    const char *z = (const char *)sqlite3_value_text(pVal);
    int n = sqlite3_value_bytes(pVal);
    int e = -1, i;
    /* A scope here only selects rows, so it matches in any case. */
    for (i = USAGE_SCOPE_ADA; z && e < 0 && i <= USAGE_SCOPE_GROUP; i++) {
      const char *zName = usage_scope_name(i);
      if ((int)strlen(zName) == n && sqlite3_strnicmp(z, zName, n) == 0) e = i;
    }
    if (e >= 0) {
      *peScope = e;
      return SQLITE_OK;
    }
  }
  return bk_value_error(p,
                        "scope must be one of 'ada', 'project', 'machine', "
                        "'user', 'group', got",
                        pVal, 0);
}

/* The width argument, or the default '1 day'. */
static int arg_width(BkVtab *p, sqlite3_value *pVal, UsageWidth *pW) {
  const char *zWhy = "expected text such as '1 day'";
  if (pVal == 0) {
    pW->eKind = USAGE_WIDTH_SECONDS;
    pW->n = USAGE_DAY_SECS;
    return SQLITE_OK;
  }
  if (sqlite3_value_type(pVal) == SQLITE_TEXT &&
      usage_width_parse((const char *)sqlite3_value_text(pVal),
                        sqlite3_value_bytes(pVal), pW, &zWhy) == 0) {
    return SQLITE_OK;
  }
  return bk_value_error(p, "invalid width", pVal, zWhy);
}

/* The fill argument: 0 for 'none' (the default), 1 for 'zero'. */
static int arg_fill(BkVtab *p, sqlite3_value *pVal, int *pbFill) {
  if (pVal == 0) {
    *pbFill = 0;
    return SQLITE_OK;
  }
  if (sqlite3_value_type(pVal) == SQLITE_TEXT) {
    const char *z = (const char *)sqlite3_value_text(pVal);
    int n = sqlite3_value_bytes(pVal);
    /* Option words match in any case, as SQL keywords do. */
    if (z && n == 4 && sqlite3_strnicmp(z, "none", 4) == 0) {
      *pbFill = 0;
      return SQLITE_OK;
    }
    if (z && n == 4 && sqlite3_strnicmp(z, "zero", 4) == 0) {
      *pbFill = 1;
      return SQLITE_OK;
    }
  }
  return bk_value_error(p, "fill must be 'none' or 'zero', got", pVal, 0);
}

/* The origin argument, checked against the width, or the default; sets
** up c->arg.lw, the width in the zone. */
static int arg_origin(BkVtab *p, BkCursor *c, sqlite3_value *pVal) {
  const char *zWhy = 0;
  int64_t origin = 0;
  int isWall = 0, rc;
  if (pVal) {
    rc = arg_wall(p, pVal, "origin", &origin, &isWall);
    if (rc != SQLITE_OK) return rc;
  }
  if (usage_local_width_init(&c->arg.lw, &c->arg.w, c->arg.pZone,
                             pVal ? &origin : 0, isWall, &zWhy)) {
    if (pVal == 0) {
      return usage_vtab_error(&p->base, SQLITE_ERROR, "usage_buckets: %s",
                              zWhy);
    }
    return bk_value_error(p, "invalid origin", pVal, zWhy);
  }
  c->arg.iOrigin = c->arg.lw.origin;
  return SQLITE_OK;
}

/* The start of the bucket holding t, or a range error. */
static int arg_bucket(BkVtab *p, BkCursor *c, int64_t t, int64_t *pStart) {
  int64_t end;
  if (usage_local_bucket(&c->arg.lw, t, pStart, &end)) {
    return bk_bucket_range_error(p, t);
  }
  return SQLITE_OK;
}

/* Read xFilter's arguments: the hidden columns given (kept for xColumn),
** then the checks, in the order that decides which error a query gets. */
int bk_args_read(BkVtab *p, BkCursor *c, int idxNum, int argc,
                 sqlite3_value **argv, sqlite3_value **ppKeyArg) {
  sqlite3_value *apIn[BK_NHIDDEN] = {0, 0, 0, 0, 0, 0, 0};
  sqlite3_value *pKeyArg = 0;
  int64_t tStart = 0, tEnd = 0;
  char *zFrom = c->arg.zFrom, *zTo = c->arg.zTo;
  int i, iArg = 0, rc = SQLITE_OK;
  *ppKeyArg = 0;
  for (i = 0; i < BK_NHIDDEN; i++) {
    if ((idxNum & (1 << i)) && iArg < argc) apIn[i] = argv[iArg++];
  }
  if ((idxNum & IDX_KEY) && iArg < argc) pKeyArg = argv[iArg++];
  *ppKeyArg = pKeyArg;
  for (i = 0; i < BK_NHIDDEN; i++) {
    if (apIn[i] == 0) continue;
    c->arg.apArg[i] = sqlite3_value_dup(apIn[i]);
    if (c->arg.apArg[i] == 0) return SQLITE_NOMEM;
  }
  c->arg.bDesc = (idxNum & IDX_DESC) != 0;
  c->arg.mSum = (idxNum >> IDX_SUM_SHIFT) & ((1 << BK_NSUM) - 1);

  /* A NULL scope or width means no rows, as for generate_series; a NULL
  ** start, end, fill, origin or tz means its default, as for usage_bucket. */
  for (i = 0; i < BK_NHIDDEN; i++) {
    if (apIn[i] && sqlite3_value_type(apIn[i]) == SQLITE_NULL) {
      if (i < COL_START - COL_SCOPE) return SQLITE_DONE;
      apIn[i] = 0;
    }
  }
  if (pKeyArg && !(idxNum & IDX_KEY_IN) &&
      sqlite3_value_type(pKeyArg) == SQLITE_NULL) {
    return SQLITE_DONE;
  }
  if (apIn[0] == 0) {
    return usage_vtab_error(
        &p->base, SQLITE_ERROR,
        "usage_buckets: scope is required, as "
        "in usage_buckets('project', 'day') or WHERE scope = "
        "'project'");
  }
  rc = arg_scope(p, apIn[0], &c->arg.eScope);
  if (rc == SQLITE_OK) rc = arg_width(p, apIn[1], &c->arg.w);
  if (rc == SQLITE_OK) rc = arg_tz(p, apIn[6], &c->arg.pZone);
  if (rc == SQLITE_OK && apIn[2]) {
    rc = arg_time(p, c, apIn[2], "start", &tStart);
  }
  if (rc == SQLITE_OK && apIn[3]) rc = arg_time(p, c, apIn[3], "end", &tEnd);
  if (rc == SQLITE_OK) rc = arg_fill(p, apIn[4], &c->arg.bFill);
  if (rc == SQLITE_OK) rc = arg_origin(p, c, apIn[5]);
  if (rc != SQLITE_OK) return rc;
  c->arg.bStart = apIn[2] != 0;
  c->arg.bEnd = apIn[3] != 0;
  if (apIn[2]) usage_time_format(tStart, zFrom);
  if (apIn[3]) usage_time_format(tEnd, zTo);
  if (apIn[2] && apIn[3] && tStart > tEnd) {
    return usage_vtab_error(&p->base, SQLITE_ERROR,
                            "usage_buckets: start '%s' is after "
                            "end '%s'",
                            zFrom, zTo);
  }
  if (c->arg.bFill && !(apIn[2] && apIn[3])) {
    return usage_vtab_error(&p->base, SQLITE_ERROR,
                            "usage_buckets: fill = 'zero' needs "
                            "both start and end");
  }
  if (apIn[2] && apIn[3] && tStart == tEnd) return SQLITE_DONE; /* empty */
  if (c->arg.bFill) {
    rc = arg_bucket(p, c, tStart, &c->arg.iFirstBucket);
    if (rc == SQLITE_OK) rc = arg_bucket(p, c, tEnd - 1, &c->arg.iLastBucket);
  }
  return rc;
}

/* Unix seconds of a constant constraint value known at planning time. */
static int plan_time(sqlite3_index_info *pInfo, int iCons, int64_t *pT) {
  sqlite3_value *pVal = 0;
  char *zErr = 0;
  if (iCons < 0 || sqlite3_vtab_rhs_value(pInfo, iCons, &pVal) != SQLITE_OK ||
      pVal == 0 || sqlite3_value_type(pVal) == SQLITE_NULL) {
    return 1;
  }
  if (usage_value_time(pVal, "", pT, &zErr) != SQLITE_OK) {
    sqlite3_free(zErr);
    return 1;
  }
  return 0;
}

/* Estimated rows scanned and rows returned. The row count of fact_usage is
** not known at planning (reading it here would run SQL inside prepare), so
** the model takes 1e6 rows for the scope, an hourly cadence per key, and a
** year of data: bounds narrow the scan by their span when they are
** constants, else by a half per bound. A key constraint keeps a tenth of
** the output, and narrows the scan when it may read per-key index ranges
** (a quarter for key = ?, a half for key IN). */
static void plan_estimate(sqlite3_index_info *pInfo, const int *aIdx, int eKey,
                          double *pScan, double *pOut) {
  const double nYear = 365.25 * USAGE_DAY_SECS;
  double nScan = 1e6, nHours = 24.0, nOut;
  int bRhs = sqlite3_libversion_number() >= BK_VERSION_VTAB_IN;
  int64_t t0, t1;
  if (aIdx[2] >= 0 && aIdx[3] >= 0 && bRhs &&
      plan_time(pInfo, aIdx[2], &t0) == 0 &&
      plan_time(pInfo, aIdx[3], &t1) == 0) {
    double f = (double)(t1 - t0) / nYear;
    nScan *= f < 1e-6 ? 1e-6 : (f > 1.0 ? 1.0 : f);
  } else {
    if (aIdx[2] >= 0) nScan *= 0.5;
    if (aIdx[3] >= 0) nScan *= 0.5;
  }
  if (aIdx[1] >= 0 && bRhs) {
    sqlite3_value *pVal = 0;
    UsageWidth w;
    if (sqlite3_vtab_rhs_value(pInfo, aIdx[1], &pVal) == SQLITE_OK && pVal &&
        sqlite3_value_type(pVal) == SQLITE_TEXT &&
        usage_width_parse((const char *)sqlite3_value_text(pVal),
                          sqlite3_value_bytes(pVal), &w, 0) == 0) {
      nHours = w.eKind == USAGE_WIDTH_MONTHS ? (double)w.n * 730.5
                                             : (double)w.n / 3600.0;
    }
  }
  nOut = nScan / (nHours > 1.0 ? nHours : 1.0);
  if (eKey) {
    nOut /= 10.0;
    nScan *= eKey == 1 ? 0.25 : 0.5;
  }
  *pScan = nScan;
  *pOut = nOut > 1.0 ? nOut : 1.0;
}

/* Does the ORDER BY ask for (bucket_start[, key, ...]) in one direction?
** Returns 1 for ascending, 2 for descending, 0 when the order differs. */
static int plan_order(const sqlite3_index_info *pInfo) {
  int bDesc;
  if (pInfo->nOrderBy < 1 || pInfo->aOrderBy[0].iColumn != COL_BUCKET_START) {
    return 0;
  }
  bDesc = pInfo->aOrderBy[0].desc != 0;
  /* bucket_start and key identify a row, so terms after them are moot. */
  if (pInfo->nOrderBy >= 2 && (pInfo->aOrderBy[1].iColumn != COL_KEY ||
                               (pInfo->aOrderBy[1].desc != 0) != bDesc)) {
    return 0;
  }
  return bDesc ? 2 : 1;
}

/* xBestIndex: the hidden columns take = only; key = and key IN narrow the
** scan's output; ORDER BY bucket_start[, key] is free. */
int bk_best_index(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo) {
  BkVtab *p = (BkVtab *)pVtab;
  int aIdx[BK_NHIDDEN] = {-1, -1, -1, -1, -1, -1, -1};
  int i, iKey = -1, mUnusable = 0, mUsed = 0, nArg = 0, idxNum = 0, eOrder;
  double nScan, nOut;
  for (i = 0; i < pInfo->nConstraint; i++) {
    const struct sqlite3_index_constraint *pCons = &pInfo->aConstraint[i];
    int iCol = pCons->iColumn;
    if (iCol >= COL_SCOPE && iCol < COL_SCOPE + BK_NHIDDEN) {
      int h = iCol - COL_SCOPE;
      if (!pCons->usable) {
        mUnusable |= 1 << h;
      } else if (pCons->op != SQLITE_INDEX_CONSTRAINT_EQ) {
        return usage_vtab_error(&p->base, SQLITE_ERROR,
                                "usage_buckets: only = constraints "
                                "are supported on hidden column %s",
                                azHidden[h]);
      } else if (aIdx[h] < 0) {
        aIdx[h] = i;
        mUsed |= 1 << h;
      }
    } else if (iCol == COL_KEY && pCons->usable && iKey < 0 &&
               pCons->op == SQLITE_INDEX_CONSTRAINT_EQ) {
      const char *zColl = sqlite3_vtab_collation(pInfo, i);
      if (zColl == 0 || sqlite3_stricmp(zColl, "BINARY") == 0) iKey = i;
    }
  }
  /* An argument that depends on a table not yet available: try another
  ** join order (as series.c does). */
  if (mUnusable & ~mUsed) return SQLITE_CONSTRAINT;

  for (i = 0; i < BK_NHIDDEN; i++) {
    if (aIdx[i] < 0) continue;
    pInfo->aConstraintUsage[aIdx[i]].argvIndex = ++nArg;
    pInfo->aConstraintUsage[aIdx[i]].omit = 1;
    idxNum |= 1 << i;
  }
  if (iKey >= 0) {
    /* SQLite still checks key = ? itself (omit = 0): the scan matches names
    ** exactly, and the re-check keeps SQL's typing rules. */
    pInfo->aConstraintUsage[iKey].argvIndex = ++nArg;
    idxNum |= IDX_KEY;
    if (sqlite3_libversion_number() >= BK_VERSION_VTAB_IN &&
        sqlite3_vtab_in(pInfo, iKey, -1)) {
      sqlite3_vtab_in(pInfo, iKey, 1);
      idxNum |= IDX_KEY_IN;
    }
  }
  plan_estimate(pInfo, aIdx,
                iKey < 0                ? 0
                : (idxNum & IDX_KEY_IN) ? 2
                                        : 1,
                &nScan, &nOut);
  eOrder = plan_order(pInfo);
  if (eOrder) {
    pInfo->orderByConsumed = 1;
    if (eOrder == 2) idxNum |= IDX_DESC;
  }
  /* Fetch only the sums the query reads; the intensity reads four. */
  for (i = 0; i < USAGE_NAMOUNT; i++) {
    if (pInfo->colUsed & ((sqlite3_uint64)1 << (COL_BUSY_CPU + i))) {
      idxNum |= 1 << (IDX_SUM_SHIFT + i);
    }
  }
  if (pInfo->colUsed & ((sqlite3_uint64)1 << COL_INTENSITY)) {
    idxNum |= ((1 << USAGE_AMOUNT_BUSY_KWH) | (1 << USAGE_AMOUNT_IDLE_KWH) |
               (1 << USAGE_AMOUNT_BUSY_G) | (1 << USAGE_AMOUNT_IDLE_G) |
               (1 << USAGE_AMOUNT_COVERED_KWH))
              << IDX_SUM_SHIFT;
  }
  /* Carbon is NULL where none of the kWh has known carbon: it reads the
  ** energy and covered_kwh too. */
  if (pInfo->colUsed &
      (((sqlite3_uint64)1 << COL_BUSY_G) | ((sqlite3_uint64)1 << COL_IDLE_G))) {
    idxNum |= ((1 << USAGE_AMOUNT_BUSY_KWH) | (1 << USAGE_AMOUNT_IDLE_KWH) |
               (1 << USAGE_AMOUNT_COVERED_KWH))
              << IDX_SUM_SHIFT;
  }
  if (pInfo->colUsed & ((sqlite3_uint64)1 << COL_COVERAGE)) {
    idxNum |= ((1 << USAGE_AMOUNT_BUSY_KWH) | (1 << USAGE_AMOUNT_IDLE_KWH) |
               (1 << USAGE_AMOUNT_COVERED_KWH))
              << IDX_SUM_SHIFT;
  }
  pInfo->idxNum = idxNum;
  if (aIdx[0] < 0) {
    /* No scope: xFilter will say so; any plan that has one is better. */
    pInfo->estimatedCost = 1e12;
    pInfo->estimatedRows = 1000000;
  } else {
    /* Scanning a row (index step, table row, aggregation) is the unit; the
    ** result is sorted once. */
    pInfo->estimatedCost = nScan + nOut * (1.0 + log2(nOut + 1.0) / 4.0);
    pInfo->estimatedRows = (sqlite3_int64)nOut;
  }
  pInfo->idxStr = sqlite3_mprintf(
      "fact_usage_report range scope=?%s%s%s", aIdx[2] >= 0 ? " AND ts>=?" : "",
      aIdx[3] >= 0 ? " AND ts<?" : "",
      iKey < 0                ? ""
      : (idxNum & IDX_KEY_IN) ? ", key IN (...) in scan"
                              : ", key=? in scan");
  if (pInfo->idxStr == 0) return SQLITE_NOMEM;
  pInfo->needToFreeIdxStr = 1;
  return SQLITE_OK;
}

/* ---- the table --------------------------------------------------------- */
