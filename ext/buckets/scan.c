/*
** buckets/scan.c: fact rows of a range into usage_buckets cells.
**
**   SELECT * FROM usage_buckets('machine', 'hour', '2024-03-01', '2024-03-02');
**   -- runs, once per filter:
**   SELECT usage__buckets_add(?4, ts, machine_id, busy_cpu_seconds_total,
**          ..., idle_gCo2eq, covered_kwh) FROM "main".fact_usage
**    WHERE scope = ?1 AND ts >= ?2 AND ts < ?3
**
** Owns BkScan and the scan statements. One pass, in ts order, over the
** range (scope, ts) of the covering index fact_usage_report, run as one SQL
** statement whose rows go to the internal aggregate usage__buckets_add()
** with the cursor bound as a pointer, so they reach C from inside the VDBE
** with no per-row step or column calls. Each row's canonical ts is parsed
** and floored to its bucket (cached while ts repeats or stays in the
** bucket); its key becomes a dense number (buckets/keys.c); its
** amounts are added to the cell (bucket, key), found through the cell map
** and cached per key for the current bucket. A key filter naming one or
** two keys runs one pass per key, testing it in the index. The entry
** point, bk_scan_rows(), accumulates the rows of [from, to) into cells.
*/
#include <string.h>

#include "buckets/buckets.h"
SQLITE_EXTENSION_INIT3

/* Report a bucket start outside the years 0000-9999. */
int bk_bucket_range_error(BkVtab *p, int64_t t) {
  char zTs[USAGE_TS_LEN + 1];
  if (usage_time_format(t, zTs)) memcpy(zTs, "?", 2);
  return usage_vtab_error(&p->base, SQLITE_ERROR,
                          "usage_buckets: the bucket of %s starts "
                          "outside the years 0000-9999",
                          zTs);
}

/* The dense key of a scanned row's key value, or -1 to skip the row. */
int bk_row_key(BkCursor *c, sqlite3_value *pVal, int *piKey) {
  int k = -1, rc = SQLITE_OK;
  switch (c->arg.eScope) {
    case USAGE_SCOPE_ADA: k = c->keys.iAdaKey; break;
    case USAGE_SCOPE_PROJECT:
    case USAGE_SCOPE_MACHINE:
      if (sqlite3_value_type(pVal) == SQLITE_NULL) {
        if (!c->keys.bFilter) rc = bk_key_null(c, &k);
      } else {
        sqlite3_int64 iId = sqlite3_value_int64(pVal);
        k = bk_id_lookup(&c->keys, iId);
        if (k < 0 && !c->keys.bFilter) rc = bk_key_of_id(c, iId, &k);
      }
      break;
    default: { /* user and group: the value is the user id */
      /* The bytes as stored (text in a UTF-8 database), with no copy to
      ** add a terminator as sqlite3_value_text() would. */
      const char *z = (const char *)sqlite3_value_blob(pVal);
      int n = sqlite3_value_bytes(pVal), bFound;
      if (z == 0) {
        if (sqlite3_value_type(pVal) == SQLITE_NULL) {
          if (!c->keys.bFilter) rc = bk_key_null(c, &k);
          break;
        }
        z = "";
      }
      k = usage_hash_bytes_get(&c->keys.textMap, z, n, &bFound);
      if (!bFound && !c->keys.bFilter) {
        rc = c->arg.eScope == USAGE_SCOPE_USER ? bk_key_of_user(c, z, n, &k)
                                               : bk_key_null(c, &k);
      }
      break;
    }
  }
  *piKey = k;
  return rc;
}

/* Add one fact row (ts, key, six amounts) to the cell of its bucket and
** key. Rows come in ts order and many share a ts: a ts is parsed only when
** it differs from the last, and floored only when it leaves the bucket. */
static int scan_row(BkVtab *p, BkCursor *c, sqlite3_value **apCol) {
  const char *zTs = (const char *)sqlite3_value_blob(apCol[0]); /* no copy */
  int nTs = sqlite3_value_bytes(apCol[0]);
  int k, iCell = 0, j, rc;
  BkKey *pKey;
  BkCell *pCell;
  c->scan.nRow++;
  if (c->scan.iScanSerial == 0 || nTs != USAGE_TS_LEN ||
      memcmp(zTs, c->scan.zScanTs, USAGE_TS_LEN) != 0) {
    int64_t t;
    if (zTs == 0 || usage_time_parse_canonical(zTs, nTs, &t)) {
      return usage_vtab_error(&p->base, SQLITE_ERROR,
                              "usage_buckets: fact_usage has a ts "
                              "that is not canonical: '%.*q'",
                              nTs > 64 ? 64 : nTs, zTs ? zTs : "");
    }
    memcpy(c->scan.zScanTs, zTs, USAGE_TS_LEN);
    if (c->scan.iScanSerial == 0 || t < c->scan.iScanBucket ||
        t >= c->scan.iScanNext) {
      /* [start, next) as UTC instants, once per bucket, in any zone. */
      if (usage_local_bucket(&c->arg.lw, t, &c->scan.iScanBucket,
                             &c->scan.iScanNext)) {
        return bk_bucket_range_error(p, t);
      }
      if (c->scan.iScanNext > USAGE_TS_MAX) c->scan.iScanNext = INT64_MAX;
      c->scan.iScanSerial++;
    }
  }
  rc = bk_row_key(c, apCol[1], &k);
  if (rc != SQLITE_OK || k < 0) return rc;
  assert(k < c->keys.nKey);
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
  assert(iCell >= 0 && iCell < c->cells.nCell);
  pCell = &c->cells.aCell[iCell];
  for (j = 0; j < BK_NSUM; j++) {
    if (c->arg.mSum & (1 << j)) {
      pCell->aSum[j] += sqlite3_value_double(apCol[2 + j]);
    }
  }
  pCell->nSample++;
  return SQLITE_OK;
}

/* Type tag of the cursor pointer bound into the scan statements. */
#define BK_POINTER_TYPE "usage_buckets_cursor"

/* usage__buckets_add(cursor, ts, key, BK_NSUM sums): the step of the scan's
** aggregate; adds the row to the cursor's cells. Internal: called with any
** other first argument, it fails. The cursor, the same for every row of a
** scan, is taken from its pointer once and kept in the aggregate's context. */
static void bk_add_step(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  BkCursor **pp = sqlite3_aggregate_context(ctx, sizeof(BkCursor *)), *c;
  int rc;
  if (pp == 0) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (*pp == 0 && argc == 3 + BK_NSUM) {
    *pp = sqlite3_value_pointer(argv[0], BK_POINTER_TYPE);
  }
  c = *pp;
  if (c == 0) {
    sqlite3_result_error(ctx,
                         "usage__buckets_add() is internal to "
                         "usage_buckets",
                         -1);
    return;
  }
  if (c->scan.rcScan != SQLITE_OK) return;
  rc = scan_row((BkVtab *)c->base.pVtab, c, argv + 1);
  if (rc != SQLITE_OK) {
    c->scan.rcScan = rc;
    if (rc == SQLITE_NOMEM) {
      sqlite3_result_error_nomem(ctx);
    } else {
      sqlite3_result_error(ctx, "usage_buckets: scan failed", -1);
    }
  }
}

/* The aggregate's final step: the totals are in the cursor, not here. */
static void bk_add_final(sqlite3_context *ctx) {
  sqlite3_result_null(ctx);
}

int bk_register_scan(sqlite3 *db) {
  return sqlite3_create_function(db, "usage__buckets_add", 3 + BK_NSUM,
                                 SQLITE_UTF8 | SQLITE_DIRECTONLY, 0, 0,
                                 bk_add_step, bk_add_final);
}

/* The key of a scan statement: what its SQL depends on: the scope (3 bits),
** the bounds, the sums and keyed. */
_Static_assert(USAGE_NSCOPE <= 8 && 6 + BK_NSUM <= 31,
               "a scan key's fields do not overlap");
static int scan_key(int eScope, int bStart, int bEnd, int mSum, int bKeyed) {
  int eKind = eScope == USAGE_SCOPE_GROUP ? USAGE_SCOPE_USER : eScope;
  return eKind | (bStart << 3) | (bEnd << 4) | (mSum << 5) |
         (bKeyed << (5 + BK_NSUM));
}

/* The SQL of a scan: one range of fact_usage_report, (scope = ?1)
** narrowed by ts >= ?2 and ts < ?3 only when given, whose rows are handed
** to usage__buckets_add() with the cursor bound as ?4 (a pointer). The
** rows reach C from inside the VDBE, with no sqlite3_step() and
** sqlite3_column_*() per row, and amounts the query does not read are not
** fetched at all. A keyed scan adds "key = ?5", tested in the index entry,
** so only that key's rows reach the aggregate. */
static char *scan_sql(const char *zSchema, int eScope, int bStart, int bEnd,
                      int mSum, int bKeyed) {
  static const char *const azKeyCol[USAGE_NSCOPE] = {
      "NULL", "project_id", "machine_id", "user_id", "user_id"};
  static const char *const azSumCol[BK_NSUM] = USAGE_SUM_FACT_EXPRS;
  sqlite3_str *pStr = sqlite3_str_new(0);
  int j;
  assert(eScope >= 0 && eScope < USAGE_NSCOPE);
  assert(mSum >= 0 && mSum < (1 << BK_NSUM));
  sqlite3_str_appendf(pStr, "SELECT usage__buckets_add(?4, ts, %s",
                      azKeyCol[eScope]);
  for (j = 0; j < BK_NSUM; j++) {
    sqlite3_str_appendf(pStr, ", %s", (mSum & (1 << j)) ? azSumCol[j] : "NULL");
  }
  sqlite3_str_appendf(pStr, ") FROM \"%w\".fact_usage WHERE %s%s%s%s", zSchema,
                      bKeyed ? azKeyCol[eScope] : "",
                      bKeyed ? " = ?5 AND scope = ?1" : "scope = ?1",
                      bStart ? " AND ts >= ?2" : "",
                      bEnd ? " AND ts < ?3" : "");
  return sqlite3_str_finish(pStr);
}

/* The scan statement for these arguments, from the table's small cache or
** newly prepared (evicting the oldest). */
static int scan_stmt(BkVtab *p, int eScope, int bStart, int bEnd, int mSum,
                     int bKeyed, sqlite3_stmt **ppStmt) {
  int iKey = scan_key(eScope, bStart, bEnd, mSum, bKeyed);
  int i, rc;
  char *zSql;
  for (i = 0; i < BK_NSCAN; i++) {
    if (p->aScan[i] && p->aScanKey[i] == iKey) {
      *ppStmt = p->aScan[i];
      return SQLITE_OK;
    }
  }
  i = p->iScanVictim;
  p->iScanVictim = (i + 1) % BK_NSCAN;
  sqlite3_finalize(p->aScan[i]);
  p->aScan[i] = 0;
  zSql = scan_sql(p->zSchema, eScope, bStart, bEnd, mSum, bKeyed);
  if (zSql == 0) return SQLITE_NOMEM;
  rc = sqlite3_prepare_v3(p->db, zSql, -1, SQLITE_PREPARE_PERSISTENT,
                          &p->aScan[i], 0);
  sqlite3_free(zSql);
  if (rc != SQLITE_OK) return bk_schema_error(p, bk_db_error(p, rc));
  p->aScanKey[i] = iKey;
  *ppStmt = p->aScan[i];
  return SQLITE_OK;
}

/* Bind key i of a keyed scan as ?5: the i-th stored key asked for (by
** id, or by user id), or for a group the i-th of its members. Returns
** SQLITE_DONE when there is no key i. */
static int scan_bind_key(BkCursor *c, sqlite3_stmt *pStmt, int i) {
  int k;
  if (c->arg.eScope == USAGE_SCOPE_GROUP) {
    unsigned j;
    if (c->keys.textMap.aSlot == 0) return SQLITE_DONE;
    for (j = 0; j <= c->keys.textMap.mask; j++) {
      const UsageHashSlot *pSlot = &c->keys.textMap.aSlot[j];
      if (pSlot->b >= 0 && pSlot->v >= 0 && i-- == 0) {
        return sqlite3_bind_text(pStmt, 5, c->keys.textMap.zArena + pSlot->a,
                                 pSlot->b, SQLITE_STATIC);
      }
    }
    return SQLITE_DONE;
  }
  for (k = 0; k < c->keys.nKey; k++) {
    const BkKey *pKey = &c->keys.aKey[k];
    if (!pKey->bRequested || pKey->bPhantom || i-- > 0) continue;
    if (c->arg.eScope == USAGE_SCOPE_USER) {
      return sqlite3_bind_text(pStmt, 5, pKey->name.z, pKey->name.n,
                               SQLITE_STATIC);
    }
    return sqlite3_bind_int64(pStmt, 5, pKey->iId);
  }
  return SQLITE_DONE;
}

/* Should a key filter run one pass per key? Yes when it names few stored
** keys (see BK_KEYED_MAX and BK_KEYED_SHARE). */
static int scan_is_keyed(BkVtab *p, BkCursor *c, int *pbKeyed) {
  static const int aNum[USAGE_NSCOPE] = {-1, ST_NUM_PROJECT, ST_NUM_MACHINE,
                                         ST_NUM_USER, ST_NUM_USER};
  sqlite3_stmt *pNum;
  sqlite3_int64 nAll = 0;
  int nScan = 0, rc, rcStep;
  *pbKeyed = 0;
  if (!c->keys.bFilter || c->arg.eScope == USAGE_SCOPE_ADA) return SQLITE_OK;
  if (c->arg.eScope == USAGE_SCOPE_GROUP) {
    unsigned j;
    for (j = 0; c->keys.textMap.aSlot && j <= c->keys.textMap.mask; j++) {
      if (c->keys.textMap.aSlot[j].b >= 0 && c->keys.textMap.aSlot[j].v >= 0) {
        nScan++;
      }
    }
  } else {
    nScan = c->keys.nFound;
  }
  if (nScan == 0) return SQLITE_OK;
  assert(aNum[c->arg.eScope] >= 0);
  rc = bk_stmt_need(p, aNum[c->arg.eScope], &pNum);
  if (rc != SQLITE_OK) return rc;
  rcStep = sqlite3_step(pNum);
  if (rcStep == SQLITE_ROW) nAll = sqlite3_column_int64(pNum, 0);
  rc = bk_stmt_done(p, pNum, rcStep);
  *pbKeyed =
      nScan <= BK_KEYED_MAX && (sqlite3_int64)nScan * BK_KEYED_SHARE <= nAll;
  return rc;
}

void bk_scan_restart(BkCursor *c) {
  memset(c->scan.zScanTs, 0, sizeof(c->scan.zScanTs));
  c->scan.iScanBucket = INT64_MAX;
  c->scan.iScanNext = INT64_MIN;
  c->scan.rcScan = SQLITE_OK;
}

/* Step a bound scan statement to its end and reset it. */
static int scan_run(BkVtab *p, BkCursor *c, sqlite3_stmt *pStmt) {
  int rcStep;
  while ((rcStep = sqlite3_step(pStmt)) == SQLITE_ROW) {}
  if (c->scan.rcScan != SQLITE_OK) {
    /* scan_row() has set the message; the statement only carries it. */
    sqlite3_reset(pStmt);
    return c->scan.rcScan;
  }
  if (rcStep != SQLITE_DONE) return bk_db_error(p, sqlite3_reset(pStmt));
  sqlite3_reset(pStmt);
  return SQLITE_OK;
}

/* Read the fact_usage rows of the scope with ts in [zFrom, zTo) (a bound
** given as NULL is not applied), in one pass over the scope's index range
** or, for a few keys, one per key: every row's amounts go into the cell of
** its bucket and key. */
int bk_scan_rows(BkVtab *p, BkCursor *c, const char *zFrom, const char *zTo) {
  const char *zScope = c->arg.eScope == USAGE_SCOPE_GROUP
                           ? "user"
                           : usage_scope_name(c->arg.eScope);
  sqlite3_stmt *pStmt = 0;
  int rc, bKeyed = 0, i;

  rc = scan_is_keyed(p, c, &bKeyed);
  if (rc == SQLITE_OK) {
    rc = scan_stmt(p, c->arg.eScope, zFrom != 0, zTo != 0, c->arg.mSum, bKeyed,
                   &pStmt);
  }
  if (rc != SQLITE_OK) return rc;
  bk_scan_restart(c);
  rc = sqlite3_bind_text(pStmt, 1, zScope, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK && zFrom) {
    rc = sqlite3_bind_text(pStmt, 2, zFrom, -1, SQLITE_STATIC);
  }
  if (rc == SQLITE_OK && zTo) {
    rc = sqlite3_bind_text(pStmt, 3, zTo, -1, SQLITE_STATIC);
  }
  if (rc == SQLITE_OK) {
    rc = sqlite3_bind_pointer(pStmt, 4, c, BK_POINTER_TYPE, 0);
  }
  if (rc == SQLITE_OK && !bKeyed) rc = scan_run(p, c, pStmt);
  for (i = 0; rc == SQLITE_OK && bKeyed; i++) {
    rc = scan_bind_key(c, pStmt, i);
    if (rc == SQLITE_DONE) {
      rc = SQLITE_OK;
      break;
    }
    if (rc == SQLITE_OK) rc = scan_run(p, c, pStmt);
  }
  sqlite3_clear_bindings(pStmt);
  return rc;
}
