/*
** buckets/buckets.c: the usage_buckets table: totals per time bucket and key.
**
**   SELECT * FROM usage_buckets('project', 'day', '2024-03-01', '2024-04-01');
**   SELECT bucket_start, key, busy_kwh + idle_kwh AS kwh, samples
**     FROM usage_buckets('machine', '1 week', '2024-01-01', '2024-04-01')
**    WHERE key IN ('node-1', 'node-7')
**    ORDER BY bucket_start, key;               -- no sort: rows come so
**   SELECT * FROM usage_buckets WHERE scope = 'ada' AND width = 'day'
**     AND tz = 'Europe/London';          -- local days, as UTC instants
**   CREATE VIRTUAL TABLE aux.buckets USING usage_buckets;  -- reads aux
**
** An eponymous, read-only table; its arguments are its hidden columns (see
** buckets/plan.c). A group's totals are the sums of its members'
** user rows, and users without a group fall under the key NULL. Under
** fill = 'zero' a requested key with no rows still gets its zero rows.
**
** This file is the module: the table's statements and errors, and xFilter,
** which reads the arguments (buckets/plan.c), chooses the keys
** (buckets/keys.c), accumulates the fact rows of the range into
** cells (buckets/scan.c), then orders them (buckets/cells.c).
** Memory is bounded by keys x buckets, and results over BK_MAX_CELLS are
** refused with an error. Names are looked up only for the keys in the
** result.
*/
#include <string.h>

#include "buckets/buckets.h"
#include "usage_register.h"
SQLITE_EXTENSION_INIT3

/* Their SQL; each "%w" is the schema. */
static const char *const azStmtSql[ST_COUNT] = {
    "SELECT cloud_project_name FROM \"%w\".dim_project WHERE project_id = ?1",
    "SELECT machine_name FROM \"%w\".dim_machine WHERE machine_id = ?1",
    "SELECT group_name FROM \"%w\".dim_group WHERE group_id = ?1",
    "SELECT project_id FROM \"%w\".dim_project WHERE cloud_project_name = ?1",
    "SELECT machine_id FROM \"%w\".dim_machine WHERE machine_name = ?1",
    "SELECT group_id FROM \"%w\".dim_group WHERE group_name = ?1",
    "SELECT user_id, group_id FROM \"%w\".dim_user",
    "SELECT 1 FROM \"%w\".sqlite_master WHERE name = 'fact_usage'",
    "SELECT count(*) FROM \"%w\".dim_project",
    "SELECT count(*) FROM \"%w\".dim_machine",
    "SELECT count(*) FROM \"%w\".dim_user",
};

/* Report "usage_buckets: <what> <value>" with the value quoted. */
int bk_value_error(BkVtab *p, const char *zWhat, sqlite3_value *pVal,
                   const char *zWhy) {
  char *zRepr = usage_value_repr(pVal);
  int rc;
  if (zRepr == 0) return SQLITE_NOMEM;
  rc = usage_vtab_error(&p->base, SQLITE_ERROR, "usage_buckets: %s %s%s%s",
                        zWhat, zRepr, zWhy ? ": " : "", zWhy ? zWhy : "");
  sqlite3_free(zRepr);
  return rc;
}

/* Report the connection's last error under this table's name. */
int bk_db_error(BkVtab *p, int rc) {
  return usage_vtab_error(&p->base, rc, "usage_buckets: %s",
                          sqlite3_errmsg(p->db));
}
/* The statement iStmt, prepared on first use. Callers reset it after use. */
static int stmt_get(BkVtab *p, int iStmt, sqlite3_stmt **ppStmt) {
  if (p->aStmt[iStmt] == 0) {
    int rc = usage_prepare_persistent(p->db, azStmtSql[iStmt], p->zSchema,
                                      &p->aStmt[iStmt]);
    if (rc != SQLITE_OK) return bk_db_error(p, rc);
  }
  *ppStmt = p->aStmt[iStmt];
  return SQLITE_OK;
}

/* A read of rollup rows (buckets/rollup.c), from the table's small cache
** or newly prepared (evicting the oldest). As in the scan, a sum not in
** mSum is NULL, so SQLite does not fetch its column. */
int bk_roll_read_stmt(BkVtab *p, int eSource, int mSum, sqlite3_stmt **ppStmt) {
  static const char *const azSumCol[BK_NSUM] = USAGE_SUM_NAMES;
  const char *zPeriod = eSource == BK_ROLL_DAY ? "day" : "month";
  int iKey = eSource | (mSum << 2), i, j, rc;
  sqlite3_str *pStr;
  char *zSql;
  for (i = 0; i < BK_NREAD; i++) {
    if (p->aRead[i] && p->aReadKey[i] == iKey) break;
  }
  if (i == BK_NREAD) {
    i = p->iReadVictim;
    p->iReadVictim = (i + 1) % BK_NREAD;
    sqlite3_finalize(p->aRead[i]);
    p->aRead[i] = 0;
    pStr = sqlite3_str_new(p->db);
    sqlite3_str_appendf(pStr,
                        "SELECT usage__buckets_roll(?4, %s, key_id, "
                        "samples, ",
                        zPeriod);
    for (j = 0; j < BK_NSUM; j++) {
      sqlite3_str_appendf(pStr, "%s, ", mSum & (1 << j) ? azSumCol[j] : "NULL");
    }
    sqlite3_str_appendf(pStr,
                        "0) FROM \"%w\".usage_rollup_%s WHERE scope = ?1 "
                        "AND %s >= ?2 AND %s < ?3",
                        p->zSchema, zPeriod, zPeriod, zPeriod);
    zSql = sqlite3_str_finish(pStr);
    if (zSql == 0) return SQLITE_NOMEM;
    rc = sqlite3_prepare_v3(p->db, zSql, -1, SQLITE_PREPARE_PERSISTENT,
                            &p->aRead[i], 0);
    sqlite3_free(zSql);
    if (rc != SQLITE_OK) return bk_db_error(p, rc);
    p->aReadKey[i] = iKey;
  }
  *ppStmt = p->aRead[i];
  return SQLITE_OK;
}

/* After a statement failed: say "no usage schema" when fact_usage is
** missing, which is by far the likeliest cause, else pass rc on. */
int bk_schema_error(BkVtab *p, int rc) {
  sqlite3_stmt *pStmt = 0;
  char *zSql = sqlite3_mprintf(azStmtSql[ST_HAS_SCHEMA], p->zSchema);
  int rc2, bHas = 1;
  if (zSql == 0) return SQLITE_NOMEM;
  rc2 = sqlite3_prepare_v2(p->db, zSql, -1, &pStmt, 0);
  sqlite3_free(zSql);
  if (rc2 == SQLITE_OK) bHas = (sqlite3_step(pStmt) == SQLITE_ROW);
  sqlite3_finalize(pStmt);
  if (rc2 == SQLITE_OK && !bHas) {
    return usage_vtab_error(&p->base, SQLITE_ERROR,
                            "usage_buckets: no usage schema in %s; "
                            "run SELECT usage_init(%s%s%s)",
                            p->zSchema, strcmp(p->zSchema, "main") ? "'" : "",
                            strcmp(p->zSchema, "main") ? p->zSchema : "",
                            strcmp(p->zSchema, "main") ? "'" : "");
  }
  return rc;
}

/* Prepare statement iStmt, turning a missing schema into a clear error. */
int bk_stmt_need(BkVtab *p, int iStmt, sqlite3_stmt **ppStmt) {
  int rc = stmt_get(p, iStmt, ppStmt);
  return rc == SQLITE_OK ? rc : bk_schema_error(p, rc);
}

/* Finish a statement run: reset it, and turn a step error into an error. */
int bk_stmt_done(BkVtab *p, sqlite3_stmt *pStmt, int rcStep) {
  int rc = sqlite3_reset(pStmt);
  sqlite3_clear_bindings(pStmt);
  if (rcStep == SQLITE_DONE || rcStep == SQLITE_ROW) return SQLITE_OK;
  return bk_db_error(p, rc != SQLITE_OK ? rc : rcStep);
}

/* The grid position of a bucket start for counting buckets: its local
** wall time when buckets follow a zone's calendar, else the instant. */
static int64_t bucket_wall(const BkCursor *c, int64_t iBucket) {
  if (!c->arg.lw.bCalendar) return iBucket;
  return iBucket + usage_zone_offset(c->arg.pZone, iBucket, 0);
}

/* Free the result of the last scan and forget its arguments. */
static void cursor_reset(BkCursor *c) {
  int i;
  for (i = 0; i < BK_NHIDDEN; i++) {
    sqlite3_value_free(c->arg.apArg[i]);
    c->arg.apArg[i] = 0;
  }
  sqlite3_free(c->arg.pZone);
  c->arg.pZone = 0;
  c->arg.lw.pZone = 0;
  for (i = 0; i < c->keys.nKey; i++) bk_val_clear(&c->keys.aKey[i].name);
  sqlite3_free(c->keys.aKey);
  sqlite3_free(c->cells.aCell);
  sqlite3_free(c->cells.aOrder);
  usage_hash_clear(&c->keys.idMap);
  usage_hash_clear(&c->cells.cellMap);
  sqlite3_free(c->keys.aDirect);
  c->keys.aDirect = 0;
  c->keys.nDirect = 0;
  usage_hash_clear(&c->keys.textMap);
  c->keys.aKey = 0;
  c->keys.nKey = c->keys.nKeyAlloc = 0;
  c->cells.aCell = 0;
  c->cells.nCell = c->cells.nCellAlloc = 0;
  c->cells.aOrder = 0;
  c->cells.nOrder = 0;
  c->keys.iAdaKey = c->keys.iNullKey = -1;
  c->arg.bStart = c->arg.bEnd = 0;
  c->arg.bFill = c->arg.bDesc = c->keys.bFilter = c->keys.nFound = 0;
  c->pos.bEof = 1;
  c->pos.iRowid = 0;
  c->pos.pCell = 0;
}

/* xFilter: read the arguments, scan, and order the result. */
static int bk_filter(sqlite3_vtab_cursor *pCursor, int idxNum,
                     const char *idxStr, int argc, sqlite3_value **argv) {
  BkCursor *c = (BkCursor *)pCursor;
  BkVtab *p = (BkVtab *)pCursor->pVtab;
  sqlite3_value *pKeyArg = 0;
  int rc;
  (void)idxStr;

  cursor_reset(c);
  memset(p->pStats, 0, sizeof(*p->pStats)); /* usage_buckets_stats() */
  rc = bk_args_read(p, c, idxNum, argc, argv, &pKeyArg);
  if (rc == SQLITE_DONE) return SQLITE_OK; /* no rows */
  if (rc != SQLITE_OK) return rc;

  /* Which keys: all, or those that key = / key IN name. */
  if (pKeyArg) {
    c->keys.bFilter = 1;
    if (idxNum & IDX_KEY_IN) {
      sqlite3_value *pVal = 0;
      for (rc = sqlite3_vtab_in_first(pKeyArg, &pVal); rc == SQLITE_OK && pVal;
           rc = sqlite3_vtab_in_next(pKeyArg, &pVal)) {
        int rc2 = bk_key_request(p, c, pVal);
        if (rc2 != SQLITE_OK) return rc2;
      }
      if (rc != SQLITE_OK && rc != SQLITE_DONE) return bk_db_error(p, rc);
      rc = SQLITE_OK;
    } else {
      rc = bk_key_request(p, c, pKeyArg);
      if (rc != SQLITE_OK) return rc;
    }
  } else if (c->arg.eScope == USAGE_SCOPE_ADA) {
    int k;
    rc = bk_key_ada(c, &k);
    if (rc != SQLITE_OK) return rc;
  }
  if (c->arg.eScope == USAGE_SCOPE_GROUP) rc = bk_load_user_groups(p, c);

  /* Scan, unless a key filter matched no stored key. */
  if (rc == SQLITE_OK && (!c->keys.bFilter || c->keys.nFound > 0)) {
    rc = bk_cells_presize(p, &c->cells);
    if (rc == SQLITE_OK) rc = bk_rollup_rows(p, c);
    p->nCellHint = c->cells.nCell;
  }
  usage_hash_clear(&c->cells.cellMap);
  if (rc == SQLITE_OK) rc = bk_order_result(p, c);
  if (rc != SQLITE_OK) return rc;
  if (c->arg.bFill && c->cells.nOrder > 0) {
    int64_t nBucket =
        bk_bucket_count(&c->arg.w, bucket_wall(c, c->arg.iFirstBucket),
                        bucket_wall(c, c->arg.iLastBucket));
    if (nBucket > BK_MAX_CELLS / c->cells.nOrder) {
      return usage_vtab_error(
          &p->base, SQLITE_ERROR,
          "usage_buckets: the result would have "
          "%lld cells, more than the limit of %d; narrow the "
          "range or widen the buckets",
          (long long)(nBucket * c->cells.nOrder), BK_MAX_CELLS);
    }
  }
  bk_cursor_start(c);
  return SQLITE_OK;
}

/* xNext: the next row, in ascending or descending order. */
static int bk_next(sqlite3_vtab_cursor *pCursor) {
  bk_cursor_advance((BkCursor *)pCursor);
  return SQLITE_OK;
}

/* xEof. */
static int bk_eof(sqlite3_vtab_cursor *pCursor) {
  return ((BkCursor *)pCursor)->pos.bEof;
}

/* Set a result to the canonical text of t. */
static void result_ts(sqlite3_context *ctx, sqlite3_int64 t) {
  char zTs[USAGE_TS_LEN + 1];
  if (usage_time_format(t, zTs)) {
    sqlite3_result_null(ctx);
  } else {
    sqlite3_result_text(ctx, zTs, USAGE_TS_LEN, SQLITE_TRANSIENT);
  }
}

/* The current row's bucket start, formatted once per bucket: the rows of
** a bucket follow one another. */
static void result_bucket_start(sqlite3_context *ctx, BkPos *pPos) {
  if (pPos->iTsBucket != pPos->iBucket) {
    if (usage_time_format(pPos->iBucket, pPos->zTs)) pPos->zTs[0] = 0;
    pPos->iTsBucket = pPos->iBucket;
  }
  if (pPos->zTs[0] == 0) {
    sqlite3_result_null(ctx);
  } else {
    sqlite3_result_text(ctx, pPos->zTs, USAGE_TS_LEN, SQLITE_TRANSIENT);
  }
}

/* The kWh that a bucket's carbon is for: all of it when the sums say it is
** all covered (sums in another order may differ in the last bits), else
** the covered part, 0 when no carbon is known. */
static double bk_carbon_kwh(const double *a) {
  double kwh = a[USAGE_AMOUNT_BUSY_KWH] + a[USAGE_AMOUNT_IDLE_KWH];
  double covered = a[USAGE_AMOUNT_COVERED_KWH];
  return covered >= kwh * (1.0 - 1e-9) ? kwh : covered;
}

/* True when a bucket has energy but none of it has known carbon: its
** gCO2eq is unknown, not 0. */
static int bk_carbon_unknown(const double *a) {
  return a[USAGE_AMOUNT_BUSY_KWH] + a[USAGE_AMOUNT_IDLE_KWH] > 0 &&
         !(a[USAGE_AMOUNT_COVERED_KWH] > 0);
}

/* xColumn: the current row's bucket, key and totals, or an argument. */
static int bk_column(sqlite3_vtab_cursor *pCursor, sqlite3_context *ctx,
                     int iCol) {
  BkCursor *c = (BkCursor *)pCursor;
  const BkCell *pCell = c->pos.pCell;
  switch (iCol) {
    case COL_BUCKET_START: result_bucket_start(ctx, &c->pos); break;
    case COL_BUCKET_END: {
      int64_t iStart, iNext;
      if (usage_local_bucket(&c->arg.lw, c->pos.iBucket, &iStart, &iNext) ==
          0) {
        result_ts(ctx, iNext); /* NULL after the year 9999 */
      }
      break;
    }
    case COL_KEY:
      assert(c->pos.iKey >= 0 && c->pos.iKey < c->keys.nKey);
      bk_val_result(ctx, &c->keys.aKey[c->pos.iKey].name);
      break;
    case COL_INTENSITY:
      if (pCell) {
        const double *a = pCell->aSum;
        double g = a[USAGE_AMOUNT_BUSY_G] + a[USAGE_AMOUNT_IDLE_G];
        double kwh = bk_carbon_kwh(a);
        if (kwh > 0) sqlite3_result_double(ctx, g / kwh);
      }
      break;
    case COL_BUSY_G:
    case COL_IDLE_G:
      if (pCell && bk_carbon_unknown(pCell->aSum)) break; /* NULL, not 0 */
      sqlite3_result_double(ctx,
                            pCell ? pCell->aSum[iCol - COL_BUSY_CPU] : 0.0);
      break;
    case COL_SAMPLES:
      sqlite3_result_int64(ctx, pCell ? pCell->nSample : 0);
      break;
    case COL_COVERAGE: /* kWh with known carbon / kWh; NULL without energy */
      if (pCell) {
        const double *a = pCell->aSum;
        double kwh = a[USAGE_AMOUNT_BUSY_KWH] + a[USAGE_AMOUNT_IDLE_KWH];
        if (kwh > 0) { /* sums in another order may round past 1 */
          double r = a[USAGE_AMOUNT_COVERED_KWH] / kwh;
          sqlite3_result_double(ctx, r > 1.0 ? 1.0 : r);
        }
      }
      break;
    case COL_EMBODIED_G: /* NULL unless a fact of the cell had a model */
      if (pCell && pCell->aSum[USAGE_AMOUNT_EMBODIED_N] > 0) {
        sqlite3_result_double(ctx, pCell->aSum[USAGE_AMOUNT_EMBODIED_G]);
      }
      break;
    case COL_WIDTH:
    case COL_FILL:
      if (c->arg.apArg[iCol - COL_SCOPE]) {
        sqlite3_result_value(ctx, c->arg.apArg[iCol - COL_SCOPE]);
      } else {
        sqlite3_result_text(ctx, iCol == COL_WIDTH ? "day" : "none", -1,
                            SQLITE_STATIC);
      }
      break;
    default:
      if (iCol >= COL_SCOPE) {
        if (c->arg.apArg[iCol - COL_SCOPE]) {
          sqlite3_result_value(ctx, c->arg.apArg[iCol - COL_SCOPE]);
        }
      } else {
        sqlite3_result_double(ctx,
                              pCell ? pCell->aSum[iCol - COL_BUSY_CPU] : 0.0);
      }
      break;
  }
  return SQLITE_OK;
}

/* xRowid: the row's position in the result, from 1. */
static int bk_rowid(sqlite3_vtab_cursor *pCursor, sqlite3_int64 *pRowid) {
  *pRowid = ((BkCursor *)pCursor)->pos.iRowid;
  return SQLITE_OK;
}

/* xOpen. */
static int bk_open(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCursor) {
  BkCursor *c = sqlite3_malloc(sizeof(*c));
  (void)pVtab;
  if (c == 0) return SQLITE_NOMEM;
  memset(c, 0, sizeof(*c));
  c->keys.iAdaKey = c->keys.iNullKey = -1;
  c->pos.bEof = 1;
  *ppCursor = &c->base;
  return SQLITE_OK;
}

/* xClose. */
static int bk_close(sqlite3_vtab_cursor *pCursor) {
  BkCursor *c = (BkCursor *)pCursor;
  cursor_reset(c);
  sqlite3_free(c);
  return SQLITE_OK;
}

/* The amounts' column declarations: "busy_cpu_seconds_total REAL, ...". */
#define BK_DECL_ITEM(NAME, zCol) zCol " REAL, "
#define BK_DECL_AMOUNTS USAGE_AMOUNTS(BK_DECL_ITEM)

/* xConnect and xCreate: declare the columns; the table reads its schema. */
static int bk_connect(sqlite3 *db, void *pAux, int argc,
                      const char *const *argv, sqlite3_vtab **ppVtab,
                      char **pzErr) {
  BkVtab *p;
  int rc;
  (void)argc;
  rc = sqlite3_declare_vtab(
      db,
      "CREATE TABLE x(bucket_start TEXT, bucket_end TEXT, key, " BK_DECL_AMOUNTS
      "intensity_gCo2eq_kwh REAL, samples INTEGER, carbon_coverage REAL, "
      "scope HIDDEN, width HIDDEN, start HIDDEN, \"end\" HIDDEN, "
      "fill HIDDEN, origin HIDDEN, tz HIDDEN, embodied_gCo2eq REAL)");
  if (rc != SQLITE_OK) return rc;
  rc = sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
  if (rc != SQLITE_OK) {
    *pzErr = sqlite3_mprintf("usage_buckets: %s", sqlite3_errstr(rc));
    return rc;
  }
  p = sqlite3_malloc(sizeof(*p));
  if (p == 0) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->db = db;
  p->pStats = pAux;
  p->zSchema = sqlite3_mprintf("%s", argv[1]);
  if (p->zSchema == 0) {
    sqlite3_free(p);
    return SQLITE_NOMEM;
  }
  *ppVtab = &p->base;
  return SQLITE_OK;
}

/* xDisconnect and xDestroy. */
static int bk_disconnect(sqlite3_vtab *pVtab) {
  BkVtab *p = (BkVtab *)pVtab;
  int i;
  for (i = 0; i < ST_COUNT; i++) sqlite3_finalize(p->aStmt[i]);
  for (i = 0; i < BK_NSCAN; i++) sqlite3_finalize(p->aScan[i]);
  for (i = 0; i < BK_NROLL; i++) sqlite3_finalize(p->aRoll[i]);
  for (i = 0; i < BK_NREAD; i++) sqlite3_finalize(p->aRead[i]);
  sqlite3_free(p->zRollTz);
  sqlite3_free(p->pRollZone);
  sqlite3_free(p->zSchema);
  sqlite3_free(p);
  return SQLITE_OK;
}

/* The module: read-only; written for SQLite 3.40 (no xIntegrity). */
static const sqlite3_module bucketsModule = {
    0,             /* iVersion */
    bk_connect,    /* xCreate: CREATE VIRTUAL TABLE aux.b USING usage_buckets */
    bk_connect,    /* xConnect */
    bk_best_index, /* xBestIndex */
    bk_disconnect, /* xDisconnect */
    bk_disconnect, /* xDestroy */
    bk_open,       /* xOpen */
    bk_close,      /* xClose */
    bk_filter,     /* xFilter */
    bk_next,       /* xNext */
    bk_eof,        /* xEof */
    bk_column,     /* xColumn */
    bk_rowid,      /* xRowid */
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

int usage_register_buckets(sqlite3 *db) {
  BkStats *pStats = sqlite3_malloc(sizeof(*pStats));
  int rc = bk_register_scan(db);
  if (pStats == 0) return SQLITE_NOMEM;
  memset(pStats, 0, sizeof(*pStats));
  /* The module owns the connection's stats and frees them last. */
  if (rc == SQLITE_OK) rc = bk_register_rollup(db, pStats);
  if (rc != SQLITE_OK) {
    sqlite3_free(pStats);
    return rc;
  }
  return sqlite3_create_module_v2(db, "usage_buckets", &bucketsModule, pStats,
                                  sqlite3_free);
}
