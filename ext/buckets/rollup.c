/*
** buckets/rollup.c: usage_buckets totals read from the rollups.
**
**   SELECT * FROM usage_buckets('project', 'day', '2024-01-01', '2025-01-01');
**   SELECT usage_buckets_stats();
**   -- {"plan":"day","raw_rows":0,"day_rows":4392,"month_rows":0,...}
**
** Plans one query across the rollup tables of migration 3 and the raw rows
** of fact_usage, and feeds the same cells the raw scan feeds
** (buckets/scan.c), so order, fill, key filters, joins and errors
** are those of the raw path. The rollups hold whole local days and months
** of the reporting zone (usage_config('rollup_tz'), UTC by default) before
** the scope's watermark (sql/migrations/003_rollups.sql). A query in that
** zone (no tz when it is UTC) is planned from them:
**   * widths of whole days at an origin on a local midnight ('day',
**     '7 days', 'week' at the Monday origin) read day rollups;
**   * calendar widths ('month', 'quarter', 'year') read month rollups, and
**     day rollups for a month that has a dirty day or is cut by the range;
**   * the raw rows serve everything else: widths under a day or origins off
**     midnight (the whole query), a start or end inside a day (that part of
**     the day), dirty days, and everything from the watermark on. A dirty
**     mark names a UTC day: each local day that overlaps it is read raw.
** A query in any other zone takes the raw path whole.
** A day's rollup sums its rows in the raw scan's order, so a one-day bucket
** has the same bits either way; wider buckets add day or month partials,
** which is exact on amounts that are binary fractions and within rounding
** otherwise. Everything is read in the statement's one read transaction,
** so a refresh committing meanwhile is not seen half-done. A database
** without the rollup tables is read raw.
**
** usage_buckets_stats() returns, as JSON, how the last usage_buckets query
** on this connection was served: the plan ("raw", "day" or "month"), the
** fact rows it read, the day and month rollup rows it read, and the dirty
** days it read raw.
*/
#include <string.h>

#include "buckets/buckets.h"
SQLITE_EXTENSION_INIT3

/* Type tag of the cursor pointer bound into the rollup statements. */
#define BK_ROLL_POINTER "usage_buckets_roll"

/* A piece of the query's range: rows of [tFrom, tTo) from one source.
** INT64_MIN and INT64_MAX stand for an unbounded start and end. */
typedef struct BkPiece {
  int eSource; /* BK_ROLL_RAW, BK_ROLL_DAY or BK_ROLL_MONTH */
  int64_t tFrom, tTo;
} BkPiece;

/* The pieces of one query, in time order, and the rollups' zone. */
typedef struct BkPlan {
  BkPiece *a;
  int n, nAlloc;
  const UsageZone *pZone; /* NULL: UTC */
} BkPlan;

/* Their SQL; each "%w" is the schema. */
static const char *const azRollSql[BK_NROLL] = {
    "SELECT watermark FROM \"%w\".usage_rollup_state WHERE scope = ?1",
    "SELECT day FROM \"%w\".usage_rollup_dirty WHERE scope = ?1 AND "
    "day >= ?2 AND day < ?3 ORDER BY day",
    "SELECT value FROM \"%w\".usage_meta WHERE key = '" USAGE_ROLLUP_TZ_KEY "'",
};

/* The first instant of the local day after the one starting at t. */
static int64_t day_next(const UsageZone *pZ, int64_t t) {
  return usage_rollup_day_start(pZ, usage_rollup_day_of(pZ, t) + 1);
}

/* ---- planning ---------------------------------------------------------- */

/* Append a piece, merged into the last when they meet with one source. */
static int plan_add(BkPlan *pPlan, int eSource, int64_t tFrom, int64_t tTo) {
  BkPiece *pLast = pPlan->n ? &pPlan->a[pPlan->n - 1] : 0;
  if (tFrom >= tTo) return SQLITE_OK;
  if (pLast && pLast->eSource == eSource && pLast->tTo == tFrom) {
    pLast->tTo = tTo;
    return SQLITE_OK;
  }
  if (pPlan->n >= pPlan->nAlloc) {
    int nNew = pPlan->nAlloc ? pPlan->nAlloc * 2 : 16;
    BkPiece *aNew =
        sqlite3_realloc64(pPlan->a, (sqlite3_uint64)nNew * sizeof(BkPiece));
    if (aNew == 0) return SQLITE_NOMEM;
    pPlan->a = aNew;
    pPlan->nAlloc = nNew;
  }
  pPlan->a[pPlan->n].eSource = eSource;
  pPlan->a[pPlan->n].tFrom = tFrom;
  pPlan->a[pPlan->n].tTo = tTo;
  pPlan->n++;
  return SQLITE_OK;
}

/* The day rollups of [tFrom, tTo), whole days, with each dirty day (of the
** sorted aDirty[0..nDirty), local day starts) read raw instead. */
static int plan_days(BkPlan *pPlan, int64_t tFrom, int64_t tTo,
                     const int64_t *aDirty, int nDirty) {
  int i, rc = SQLITE_OK;
  for (i = 0; i < nDirty && rc == SQLITE_OK; i++) {
    if (aDirty[i] < tFrom || aDirty[i] >= tTo) continue;
    rc = plan_add(pPlan, BK_ROLL_DAY, tFrom, aDirty[i]);
    if (rc == SQLITE_OK) {
      rc = plan_add(pPlan, BK_ROLL_RAW, aDirty[i],
                    day_next(pPlan->pZone, aDirty[i]));
    }
    tFrom = day_next(pPlan->pZone, aDirty[i]);
  }
  if (rc == SQLITE_OK) rc = plan_add(pPlan, BK_ROLL_DAY, tFrom, tTo);
  return rc;
}

/* The first dirty day at or after t, or INT64_MAX. */
static int64_t next_dirty(const int64_t *aDirty, int nDirty, int64_t t) {
  int i;
  for (i = 0; i < nDirty; i++) {
    if (aDirty[i] >= t) return aDirty[i];
  }
  return INT64_MAX;
}

/* The body [tLo, tHi) (whole days before the watermark) of a calendar
** query: each stretch of clean whole months from month rollups in one
** piece, and a month that is cut or holds a dirty day by days. */
static int plan_months(BkPlan *pPlan, int64_t tLo, int64_t tHi,
                       const int64_t *aDirty, int nDirty) {
  const UsageZone *pZ = pPlan->pZone;
  int64_t t = tLo;
  int rc = SQLITE_OK;
  while (t < tHi && rc == SQLITE_OK) {
    int64_t tNext;
    if (usage_rollup_month_floor(pZ, t) == t) {
      int64_t tStop = usage_rollup_month_floor(pZ, tHi);
      int64_t tDirty = next_dirty(aDirty, nDirty, t);
      if (tDirty < tStop) tStop = usage_rollup_month_floor(pZ, tDirty);
      if (tStop > t) {
        rc = plan_add(pPlan, BK_ROLL_MONTH, t, tStop);
        t = tStop;
        continue;
      }
    }
    tNext = usage_rollup_month_after(pZ, usage_rollup_month_floor(pZ, t));
    if (tNext > tHi) tNext = tHi;
    rc = plan_days(pPlan, t, tNext, aDirty, nDirty);
    t = tNext;
  }
  return rc;
}

/* The query's zone, with a zone named 'UTC' as NULL. */
static const UsageZone *query_zone(const BkCursor *c) {
  const UsageZone *pZ = c->arg.pZone;
  const char *z = pZ ? usage_zone_name(pZ->iZone) : 0;
  return z && usage_rollup_tz_is_utc(z, (int)strlen(z)) ? 0 : pZ;
}

/* Which rollup level can serve this query's buckets: BK_ROLL_DAY, _MONTH,
** or BK_ROLL_RAW when none can. The rollups hold the local days of zone
** pZ (NULL: UTC): a query in another zone is read raw, and so is one whose
** buckets are not whole local days or months there. */
static int plan_level(const BkCursor *c, const UsageZone *pZ) {
  const UsageWidth *pW = &c->arg.w;
  const UsageZone *pQ = query_zone(c);
  if (pQ != pZ && (pQ == 0 || pZ == 0 || pQ->iZone != pZ->iZone)) {
    return BK_ROLL_RAW;
  }
  if (usage_rollup_day_floor(pZ, c->arg.iOrigin) != c->arg.iOrigin) {
    return BK_ROLL_RAW;
  }
  if (pW->eKind == USAGE_WIDTH_MONTHS) return BK_ROLL_MONTH;
  if (pZ && !c->arg.lw.bCalendar) return BK_ROLL_RAW;
  if (pW->n % USAGE_DAY_SECS == 0) return BK_ROLL_DAY;
  return BK_ROLL_RAW;
}

/* The first instant of the first local day, the bound of an open start. */
static int64_t first_day(const UsageZone *pZ) {
  return usage_rollup_day_ceil(pZ, USAGE_TS_MIN);
}

/* Plan [tStart, tEnd) given the watermark tMark and the dirty days. */
static int plan_build(BkPlan *pPlan, int eLevel, int64_t tStart, int64_t tEnd,
                      int64_t tMark, const int64_t *aDirty, int nDirty) {
  const UsageZone *pZ = pPlan->pZone;
  int64_t tLo =
      tStart == INT64_MIN ? first_day(pZ) : usage_rollup_day_ceil(pZ, tStart);
  int64_t tHi = tEnd == INT64_MAX ? tMark : usage_rollup_day_floor(pZ, tEnd);
  int rc = SQLITE_OK;
  if (tHi > tMark) tHi = tMark;
  if (tLo >= tHi) return plan_add(pPlan, BK_ROLL_RAW, tStart, tEnd);
  if (tStart != INT64_MIN) rc = plan_add(pPlan, BK_ROLL_RAW, tStart, tLo);
  if (rc == SQLITE_OK) {
    rc = eLevel == BK_ROLL_MONTH ? plan_months(pPlan, tLo, tHi, aDirty, nDirty)
                                 : plan_days(pPlan, tLo, tHi, aDirty, nDirty);
  }
  if (rc == SQLITE_OK) rc = plan_add(pPlan, BK_ROLL_RAW, tHi, tEnd);
  return rc;
}

/* ---- reading the state ------------------------------------------------- */

/* Statement iStmt of the rollup reads, prepared on first use. A database
** without the rollup tables gives SQLITE_DONE: read it raw. */
static int roll_stmt(BkVtab *p, int iStmt, sqlite3_stmt **ppStmt) {
  if (p->aRoll[iStmt] == 0) {
    int rc = usage_prepare_persistent(p->db, azRollSql[iStmt], p->zSchema,
                                      &p->aRoll[iStmt]);
    if (rc == SQLITE_ERROR) return SQLITE_DONE;
    if (rc != SQLITE_OK) return bk_db_error(p, rc);
  }
  *ppStmt = p->aRoll[iStmt];
  return SQLITE_OK;
}

/* The scope's watermark as unix seconds, or INT64_MIN when nothing is
** built (or there are no rollup tables, or it is not a local midnight of
** zone pZ). */
static int read_mark(BkVtab *p, const UsageZone *pZ, const char *zScope,
                     int64_t *pMark) {
  sqlite3_stmt *pStmt;
  int rc = roll_stmt(p, BK_ROLL_STATE, &pStmt), rcStep;
  *pMark = INT64_MIN;
  if (rc == SQLITE_DONE) return SQLITE_OK;
  if (rc != SQLITE_OK) return rc;
  rc = sqlite3_bind_text(pStmt, 1, zScope, -1, SQLITE_STATIC);
  if (rc != SQLITE_OK) return bk_stmt_done(p, pStmt, rc);
  rcStep = sqlite3_step(pStmt);
  if (rcStep == SQLITE_ROW && sqlite3_column_type(pStmt, 0) == SQLITE_TEXT) {
    const char *z = (const char *)sqlite3_column_text(pStmt, 0);
    int64_t d;
    if (z && usage_rollup_mark_day(pZ, z, &d) == 0) {
      *pMark = usage_rollup_day_start(pZ, d);
    }
  }
  return bk_stmt_done(p, pStmt, rcStep);
}

/* The rollups' zone, rollup_tz, into *ppZone (NULL: UTC), decoded once
** per name; SQLITE_DONE when the rollups cannot serve (no usage_meta, or
** a name that is no zone). */
static int roll_zone(BkVtab *p, const UsageZone **ppZone) {
  sqlite3_stmt *pStmt;
  int rc = roll_stmt(p, BK_ROLL_TZ, &pStmt), rcStep;
  char *zName;
  *ppZone = 0;
  if (rc != SQLITE_OK) return rc;
  rcStep = sqlite3_step(pStmt);
  zName = sqlite3_mprintf(
      "%s", rcStep == SQLITE_ROW && sqlite3_column_type(pStmt, 0) == SQLITE_TEXT
                ? (const char *)sqlite3_column_text(pStmt, 0)
                : USAGE_ROLLUP_TZ_UTC);
  rc = bk_stmt_done(p, pStmt, rcStep);
  if (rc == SQLITE_OK && zName == 0) rc = SQLITE_NOMEM;
  if (rc == SQLITE_OK && (p->zRollTz == 0 || strcmp(p->zRollTz, zName))) {
    sqlite3_free(p->zRollTz);
    sqlite3_free(p->pRollZone);
    p->pRollZone = 0;
    p->zRollTz = 0;
    rc = usage_rollup_zone_open(zName, &p->pRollZone);
    if (rc == SQLITE_OK) {
      p->zRollTz = zName;
      zName = 0;
    }
    if (rc == SQLITE_ERROR) rc = SQLITE_DONE;
  }
  sqlite3_free(zName);
  *ppZone = p->pRollZone;
  return rc;
}

/* The day text of t into z (11 bytes). */
static void day_text(int64_t t, char *z) {
  char zTs[USAGE_TS_LEN + 1];
  usage_time_format(t, zTs);
  memcpy(z, zTs, 10);
  z[10] = 0;
}

/* Append local day start t to the sorted dirty list, unless it is there. */
static int dirty_add(int64_t **paDirty, int *pnDirty, int *pnAlloc, int64_t t) {
  if (*pnDirty > 0 && (*paDirty)[*pnDirty - 1] >= t) return SQLITE_OK;
  if (*pnDirty >= *pnAlloc) {
    int64_t *aNew;
    *pnAlloc = *pnAlloc ? *pnAlloc * 2 : 16;
    aNew =
        sqlite3_realloc64(*paDirty, (sqlite3_uint64)*pnAlloc * sizeof(int64_t));
    if (aNew == 0) return SQLITE_NOMEM;
    *paDirty = aNew;
  }
  (*paDirty)[(*pnDirty)++] = t;
  return SQLITE_OK;
}

/* The local days of zone pZ in or around [tLo, tHi) that overlap a dirty
** UTC day of the scope, sorted, as day starts. */
static int read_dirty(BkVtab *p, const UsageZone *pZ, const char *zScope,
                      int64_t tLo, int64_t tHi, int64_t **paDirty,
                      int *pnDirty) {
  sqlite3_stmt *pStmt;
  char zLo[11], zHi[11];
  int rc = roll_stmt(p, BK_ROLL_DIRTY, &pStmt), rcStep, nAlloc = 0;
  *paDirty = 0;
  *pnDirty = 0;
  if (rc != SQLITE_OK) return rc;
  day_text(tLo, zLo);
  day_text(tHi + USAGE_DAY_SECS - 1, zHi);
  rc = sqlite3_bind_text(pStmt, 1, zScope, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK) rc = sqlite3_bind_text(pStmt, 2, zLo, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK) rc = sqlite3_bind_text(pStmt, 3, zHi, -1, SQLITE_STATIC);
  if (rc != SQLITE_OK) return bk_stmt_done(p, pStmt, rc);
  while ((rcStep = sqlite3_step(pStmt)) == SQLITE_ROW) {
    const char *z = (const char *)sqlite3_column_text(pStmt, 0);
    int64_t t;
    const char *zWhy;
    if (z == 0 || strlen(z) != 10 || usage_time_parse(z, 10, &t, &zWhy)) {
      continue; /* not a day: nothing of it is served from a rollup */
    }
    rc = dirty_add(paDirty, pnDirty, &nAlloc, usage_rollup_day_floor(pZ, t));
    if (rc == SQLITE_OK) {
      rc = dirty_add(paDirty, pnDirty, &nAlloc,
                     usage_rollup_day_floor(pZ, t + USAGE_DAY_SECS - 1));
    }
    if (rc != SQLITE_OK) {
      sqlite3_reset(pStmt);
      return rc;
    }
  }
  return bk_stmt_done(p, pStmt, rcStep);
}

/* ---- feeding the cells ------------------------------------------------- */

/* Add one rollup row (period text, key, samples, amounts) to its cell. */
static int roll_row(BkVtab *p, BkCursor *c, sqlite3_value **apCol) {
  const char *z = (const char *)sqlite3_value_text(apCol[0]);
  int n = sqlite3_value_bytes(apCol[0]);
  int k, iCell, j, rc;
  BkKey *pKey;
  BkCell *pCell;
  if (z == 0 || (n != 10 && n != 7)) return SQLITE_CORRUPT_VTAB;
  if (memcmp(z, c->scan.zScanTs, n) != 0) {
    int64_t t;
    char zDay[11];
    const char *zWhy;
    memcpy(zDay, z, n);
    if (n == 7) memcpy(zDay + 7, "-01", 4);
    if (usage_time_parse(zDay, 10, &t, &zWhy)) return SQLITE_CORRUPT_VTAB;
    /* The period's first instant in the zone (the rollups' and the query's) */
    t = usage_rollup_day_start(c->arg.pZone, t / USAGE_DAY_SECS);
    memcpy(c->scan.zScanTs, z, n);
    c->scan.zScanTs[n] = 0;
    if (t < c->scan.iScanBucket || t >= c->scan.iScanNext) {
      if (usage_local_bucket(&c->arg.lw, t, &c->scan.iScanBucket,
                             &c->scan.iScanNext)) {
        return SQLITE_RANGE; /* the raw path says which ts */
      }
      c->scan.iScanSerial++;
    }
  }
  rc = bk_row_key(c, apCol[1], &k);
  if (rc != SQLITE_OK || k < 0) return rc;
  pKey = &c->keys.aKey[k];
  if (pKey->iCurSerial == c->scan.iScanSerial) {
    iCell = pKey->iCurCell;
  } else {
    iCell = bk_cell_find(&c->cells, c->scan.iScanBucket, k);
    if (iCell < 0) {
      rc = bk_cell_new(p, c, c->scan.iScanBucket, k, &iCell);
      if (rc != SQLITE_OK) return rc;
    }
    pKey = &c->keys.aKey[k];
    pKey->iCurSerial = c->scan.iScanSerial;
    pKey->iCurCell = iCell;
  }
  pCell = &c->cells.aCell[iCell];
  for (j = 0; j < BK_NSUM; j++) {
    if (c->arg.mSum & (1 << j)) {
      pCell->aSum[j] += sqlite3_value_double(apCol[3 + j]);
    }
  }
  pCell->nSample += sqlite3_value_int64(apCol[2]);
  return SQLITE_OK;
}

/* usage__buckets_roll(cursor, period, key, samples, sums..., 0): the
** step of the rollup reads' aggregate. Internal, as usage__buckets_add.
** The cursor, the same for every row of a read, is taken from its pointer
** once and kept in the aggregate's context. */
static void roll_step(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  BkCursor **pp = sqlite3_aggregate_context(ctx, sizeof(BkCursor *)), *c;
  int rc;
  if (pp == 0) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (*pp == 0 && argc == 5 + BK_NSUM) {
    *pp = sqlite3_value_pointer(argv[0], BK_ROLL_POINTER);
  }
  c = *pp;
  if (c == 0) {
    sqlite3_result_error(ctx,
                         "usage__buckets_roll() is internal to "
                         "usage_buckets",
                         -1);
    return;
  }
  if (c->scan.rcScan != SQLITE_OK) return;
  rc = roll_row((BkVtab *)c->base.pVtab, c, argv + 1);
  c->scan.nRoll++;
  if (rc != SQLITE_OK) {
    c->scan.rcScan = rc;
    sqlite3_result_error_code(ctx, rc);
  }
}

/* The aggregate's final step: the totals are in the cursor. */
static void roll_final(sqlite3_context *ctx) {
  sqlite3_result_null(ctx);
}

/* Feed the rollup rows of [tFrom, tTo) (whole local days or months of
** zone pZ) to cells. */
static int roll_read(BkVtab *p, BkCursor *c, const UsageZone *pZ, int eSource,
                     const char *zScope, int64_t tFrom, int64_t tTo) {
  sqlite3_stmt *pStmt;
  char zFrom[11], zTo[11];
  int rc = bk_roll_read_stmt(p, eSource, c->arg.mSum, &pStmt);
  int rcStep, nLen = eSource == BK_ROLL_DAY ? 10 : 7;
  if (rc != SQLITE_OK) return rc;
  usage_rollup_day_text(usage_rollup_day_of(pZ, tFrom), zFrom);
  usage_rollup_day_text(usage_rollup_day_of(pZ, tTo), zTo);
  zFrom[nLen] = zTo[nLen] = 0;
  bk_scan_restart(c);
  c->scan.nRoll = 0;
  rc = sqlite3_bind_text(pStmt, 1, zScope, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_text(pStmt, 2, zFrom, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK) rc = sqlite3_bind_text(pStmt, 3, zTo, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK) {
    rc = sqlite3_bind_pointer(pStmt, 4, c, BK_ROLL_POINTER, 0);
  }
  if (rc != SQLITE_OK) return bk_stmt_done(p, pStmt, rc);
  while ((rcStep = sqlite3_step(pStmt)) == SQLITE_ROW) {}
  sqlite3_reset(pStmt);
  sqlite3_clear_bindings(pStmt);
  if (eSource == BK_ROLL_DAY) {
    p->pStats->nDay += c->scan.nRoll;
  } else {
    p->pStats->nMonth += c->scan.nRoll;
  }
  if (c->scan.rcScan != SQLITE_OK) return c->scan.rcScan;
  if (rcStep != SQLITE_DONE) return bk_db_error(p, rcStep);
  return SQLITE_OK;
}

/* Canonical text of a piece bound, or NULL for an open end. */
static const char *bound_text(int64_t t, char *z) {
  if (t == INT64_MIN || t == INT64_MAX) return 0;
  usage_time_format(t, z);
  return z;
}

/* Run the plan: every piece into the cells. */
static int plan_run(BkVtab *p, BkCursor *c, const BkPlan *pPlan,
                    const char *zScope) {
  int i, rc = SQLITE_OK;
  for (i = 0; i < pPlan->n && rc == SQLITE_OK; i++) {
    const BkPiece *pP = &pPlan->a[i];
    if (pP->eSource == BK_ROLL_RAW) {
      char zFrom[USAGE_TS_LEN + 1], zTo[USAGE_TS_LEN + 1];
      rc = bk_scan_rows(p, c, bound_text(pP->tFrom, zFrom),
                        bound_text(pP->tTo, zTo));
    } else {
      rc = roll_read(p, c, pPlan->pZone, pP->eSource, zScope, pP->tFrom,
                     pP->tTo);
    }
  }
  return rc;
}

/* Forget every cell, so the query can be read again from the raw rows. */
static void cells_drop(BkCursor *c) {
  int k;
  usage_hash_clear(&c->cells.cellMap);
  c->cells.nCell = 0;
  for (k = 0; k < c->keys.nKey; k++) {
    c->keys.aKey[k].nCell = 0;
    c->keys.aKey[k].iCurSerial = 0;
  }
}

/* The bounds of the query as unix seconds, INT64_MIN/MAX when open. */
static void query_bounds(const BkCursor *c, int64_t *pStart, int64_t *pEnd) {
  *pStart = INT64_MIN;
  *pEnd = INT64_MAX;
  if (c->arg.bStart) {
    usage_time_parse_canonical(c->arg.zFrom, USAGE_TS_LEN, pStart);
  }
  if (c->arg.bEnd) usage_time_parse_canonical(c->arg.zTo, USAGE_TS_LEN, pEnd);
}

int bk_rollup_rows(BkVtab *p, BkCursor *c) {
  const char *zScope = c->arg.eScope == USAGE_SCOPE_GROUP
                           ? "user"
                           : usage_scope_name(c->arg.eScope);
  const char *zFrom = c->arg.bStart ? c->arg.zFrom : 0;
  const char *zTo = c->arg.bEnd ? c->arg.zTo : 0;
  int eLevel = BK_ROLL_RAW;
  int64_t tStart, tEnd, tMark = INT64_MIN, *aDirty = 0;
  int nDirty = 0, rc;
  BkPlan plan = {0, 0, 0, 0};
  memset(p->pStats, 0, sizeof(*p->pStats));
  c->scan.nRow = 0;
  query_bounds(c, &tStart, &tEnd);
  rc = roll_zone(p, &plan.pZone);
  if (rc == SQLITE_OK) eLevel = plan_level(c, plan.pZone);
  if (rc == SQLITE_DONE) rc = SQLITE_OK;
  if (eLevel != BK_ROLL_RAW) rc = read_mark(p, plan.pZone, zScope, &tMark);
  if (rc == SQLITE_OK && tMark != INT64_MIN) {
    const UsageZone *pZ = plan.pZone;
    int64_t tLo =
        tStart == INT64_MIN ? first_day(pZ) : usage_rollup_day_ceil(pZ, tStart);
    int64_t tHi = tEnd < tMark ? usage_rollup_day_floor(pZ, tEnd) : tMark;
    if (tLo < tHi) {
      rc = read_dirty(p, plan.pZone, zScope, tLo, tHi, &aDirty, &nDirty);
    }
    if (rc == SQLITE_OK) {
      rc = plan_build(&plan, eLevel, tStart, tEnd, tMark, aDirty, nDirty);
    }
  }
  if (rc == SQLITE_OK && plan.n > 0) {
    rc = plan_run(p, c, &plan, zScope);
    if (rc == SQLITE_RANGE || rc == SQLITE_CORRUPT_VTAB) {
      /* A bucket out of range, or a rollup row that is not one: read raw,
      ** which reports the exact error, if any. */
      cells_drop(c);
      memset(p->pStats, 0, sizeof(*p->pStats));
      c->scan.nRow = 0;
      plan.n = 0;
      rc = SQLITE_OK;
    } else {
      p->pStats->ePlan = eLevel;
      p->pStats->nDirty = nDirty;
    }
  }
  if (rc == SQLITE_OK && plan.n == 0) rc = bk_scan_rows(p, c, zFrom, zTo);
  p->pStats->nRaw = c->scan.nRow;
  sqlite3_free(plan.a);
  sqlite3_free(aDirty);
  return rc;
}

/* usage_buckets_stats(): how the last usage_buckets query on this
** connection was served, as JSON. */
static void stats_func(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  static const char *const azPlan[] = {"raw", "day", "month"};
  const BkStats *pS = sqlite3_user_data(ctx);
  (void)argc;
  (void)argv;
  sqlite3_result_text(
      ctx,
      sqlite3_mprintf("{\"plan\":\"%s\",\"raw_rows\":%lld,\"day_rows\":%lld,"
                      "\"month_rows\":%lld,\"dirty_days\":%d}",
                      azPlan[pS->ePlan], pS->nRaw, pS->nDay, pS->nMonth,
                      pS->nDirty),
      -1, sqlite3_free);
}

int bk_register_rollup(sqlite3 *db, BkStats *pStats) {
  int rc = sqlite3_create_function(db, "usage__buckets_roll", 5 + BK_NSUM,
                                   SQLITE_UTF8 | SQLITE_DIRECTONLY, 0, 0,
                                   roll_step, roll_final);
  if (rc != SQLITE_OK) return rc;
  return sqlite3_create_function(db, "usage_buckets_stats", 0,
                                 SQLITE_UTF8 | SQLITE_DIRECTONLY, pStats,
                                 stats_func, 0, 0);
}
