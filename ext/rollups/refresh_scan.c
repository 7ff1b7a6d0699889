/*
** rollups/refresh_scan.c: the reads and writes of usage_refresh().
**
**   SELECT usage_refresh('machine');
**   -- reads each range of days in one pass:
**   SELECT usage__rollup_add(?4, ts, machine_id, busy_cpu_seconds_total,
**          ..., idle_gCo2eq, covered_kwh) FROM main.fact_usage
**    WHERE scope = ?1 AND ts >= ?2 AND ts < ?3
**
** Owns the statements of one call (their SQL is built from the amount
** list, amounts/amounts.h) and the scan: the rows of a range come in the
** order of the covering index fact_usage_report, handed to C by the
** internal aggregate usage__rollup_add() with the scan bound as a pointer,
** and are summed per (day, key) in that order, as usage_buckets' raw scan
** sums them. The cells are written as day rows. A day newly built past the
** watermark is also added to its month row (an upsert per cell); a month
** with a recomputed day is recomputed whole from its day rows (INSERT ...
** SELECT ... GROUP BY key_id over at most 31 days of one scope).
*/
#include <stdarg.h>
#include <string.h>

#include "rollups/refresh.h"
SQLITE_EXTENSION_INIT3

/* Type tag of the scan pointer bound into the scan statement. */
#define RF_POINTER_TYPE "usage_refresh_scan"

/* The summed columns of fact_usage and of the rollup tables, in order.
** Every SQL column list here is built from it, so a new summed column
** needs only the migration that adds it to the tables. */
static const char *const azAmount[] = USAGE_SUM_NAMES;

/* ---- SQL --------------------------------------------------------------- */

/* Append ", p<col>" for every amount, each column prefixed by zPre
** (e.g. "sum(" with zPost ")"). */
static void append_amounts(sqlite3_str *pStr, const char *zPre,
                           const char *zPost) {
  int j;
  for (j = 0; j < RF_NAMOUNT; j++) {
    sqlite3_str_appendf(pStr, ", %s%s%s", zPre, azAmount[j], zPost);
  }
}

/* Append "INSERT INTO main.<zTable>(scope, <zPeriod>, key_id, samples,
** <amounts>) VALUES (?1, ?2, ...)", one parameter per column in order. */
static void append_rollup_insert(sqlite3_str *pStr, const char *zTable,
                                 const char *zPeriod) {
  int j;
  sqlite3_str_appendf(pStr, "INSERT INTO main.%s(scope, %s, key_id, samples",
                      zTable, zPeriod);
  append_amounts(pStr, "", "");
  sqlite3_str_appendall(pStr, ") VALUES (?1, ?2, ?3, ?4");
  for (j = 0; j < RF_NAMOUNT; j++) sqlite3_str_appendf(pStr, ", ?%d", 5 + j);
  sqlite3_str_appendall(pStr, ")");
}

/* The SQL of statement iStmt for scope text zScope's key column zKey. */
static char *stmt_sql(int iStmt, const char *zKey) {
  sqlite3_str *pStr = sqlite3_str_new(0);
  int j;
  switch (iStmt) {
    case RS_SCAN:
      sqlite3_str_appendf(pStr, "SELECT usage__rollup_add(?4, ts, %s", zKey);
      append_amounts(pStr, "", "");
      sqlite3_str_appendall(pStr, ") FROM main.fact_usage WHERE scope = ?1 "
                                  "AND ts >= ?2 AND ts < ?3");
      break;
    case RS_DAY_DELETE:
      sqlite3_str_appendall(pStr, "DELETE FROM main.usage_rollup_day WHERE "
                                  "scope = ?1 AND day >= ?2 AND day < ?3");
      break;
    case RS_DAY_INSERT:
      append_rollup_insert(pStr, "usage_rollup_day", "day");
      break;
    case RS_MONTH_ADD:
      append_rollup_insert(pStr, "usage_rollup_month", "month");
      sqlite3_str_appendall(pStr, " ON CONFLICT(scope, month, key_id) DO "
                                  "UPDATE SET samples = samples + "
                                  "excluded.samples");
      for (j = 0; j < RF_NAMOUNT; j++) {
        sqlite3_str_appendf(pStr, ", %s = %s + excluded.%s", azAmount[j],
                            azAmount[j], azAmount[j]);
      }
      break;
    case RS_MONTH_DELETE:
      sqlite3_str_appendall(pStr, "DELETE FROM main.usage_rollup_month WHERE "
                                  "scope = ?1 AND month = ?2");
      break;
    case RS_MONTH_INSERT:
      sqlite3_str_appendall(pStr, "INSERT INTO main.usage_rollup_month(scope, "
                                  "month, key_id, samples");
      append_amounts(pStr, "", "");
      sqlite3_str_appendall(pStr, ") SELECT ?1, ?2, key_id, sum(samples)");
      append_amounts(pStr, "sum(", ")");
      sqlite3_str_appendall(pStr,
                            " FROM main.usage_rollup_day WHERE scope = "
                            "?1 AND day >= ?3 AND day < ?4 GROUP BY key_id");
      break;
    case RS_DIRTY_LIST:
      sqlite3_str_appendall(pStr, "SELECT day FROM main.usage_rollup_dirty "
                                  "WHERE scope = ?1 ORDER BY day LIMIT ?2");
      break;
    case RS_DIRTY_DELETE:
      sqlite3_str_appendall(pStr, "DELETE FROM main.usage_rollup_dirty WHERE "
                                  "scope = ?1 AND day = ?2");
      break;
    case RS_STATE_GET:
      sqlite3_str_appendall(pStr, "SELECT watermark FROM "
                                  "main.usage_rollup_state WHERE scope = ?1");
      break;
    case RS_STATE_SET:
      sqlite3_str_appendall(pStr,
                            "INSERT INTO main.usage_rollup_state(scope, "
                            "watermark) VALUES (?1, ?2) ON CONFLICT(scope) "
                            "DO UPDATE SET watermark = excluded.watermark");
      break;
    case RS_TS_MIN:
      sqlite3_str_appendall(pStr, "SELECT min(ts) FROM main.fact_usage WHERE "
                                  "scope = ?1 AND ts >= ?2");
      break;
    case RS_TS_MAX:
      sqlite3_str_appendall(pStr, "SELECT max(ts) FROM main.fact_usage WHERE "
                                  "scope = ?1");
      break;
    case RS_CLEAR_MONTHS:
      sqlite3_str_appendall(pStr, "DELETE FROM main.usage_rollup_month WHERE "
                                  "scope = ?1");
      break;
    default:
      sqlite3_str_appendall(pStr, "DELETE FROM main.usage_rollup_dirty WHERE "
                                  "scope = ?1");
      break;
  }
  return sqlite3_str_finish(pStr);
}

/* Set the call's error from the connection's, prefixed with zWhat. */
int rf_call_error(RfCall *pCall, int rc, const char *zWhat) {
  if (pCall->zErr == 0) {
    pCall->zErr = sqlite3_mprintf("usage_refresh: %s: %s", zWhat,
                                  sqlite3_errmsg(pCall->db));
  }
  return rc == SQLITE_OK ? SQLITE_ERROR : rc;
}

/* Statement iStmt for the current scope, prepared on first use. The scan
** depends on the scope's key column, so it is prepared per scope. */
int rf_call_stmt(RfCall *pCall, int iStmt, const char *zKey,
                 sqlite3_stmt **ppStmt) {
  if (pCall->aStmt[iStmt] == 0) {
    char *zSql = stmt_sql(iStmt, zKey);
    int rc;
    if (zSql == 0) return SQLITE_NOMEM;
    rc = sqlite3_prepare_v2(pCall->db, zSql, -1, &pCall->aStmt[iStmt], 0);
    sqlite3_free(zSql);
    if (rc != SQLITE_OK) return rf_call_error(pCall, rc, "cannot prepare");
  }
  *ppStmt = pCall->aStmt[iStmt];
  return SQLITE_OK;
}

int rf_bind_texts(sqlite3_stmt *pStmt, int n, ...) {
  va_list ap;
  int i, rc = SQLITE_OK;
  va_start(ap, n);
  for (i = 1; rc == SQLITE_OK && i <= n; i++) {
    rc = sqlite3_bind_text(pStmt, i, va_arg(ap, const char *), -1,
                           SQLITE_STATIC);
  }
  va_end(ap);
  return rc;
}

/* Step a statement that returns no rows, reset it, and report failure. */
int rf_stmt_exec(RfCall *pCall, sqlite3_stmt *pStmt) {
  int rc = sqlite3_step(pStmt);
  int rc2 = sqlite3_reset(pStmt);
  if (rc == SQLITE_DONE || rc == SQLITE_ROW) return SQLITE_OK;
  return rf_call_error(pCall, rc2 != SQLITE_OK ? rc2 : rc, "write failed");
}

/* Run a one-value query bound with scope and an optional text; copy the
** text result (at most RF_TEXT_LEN bytes) into zOut, "" for NULL. */
int rf_query_day(RfCall *pCall, sqlite3_stmt *pStmt, const char *zScope,
                 const char *zArg, char *zOut) {
  int rc = sqlite3_bind_text(pStmt, 1, zScope, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK && zArg)
    rc = sqlite3_bind_text(pStmt, 2, zArg, -1, SQLITE_STATIC);
  zOut[0] = 0;
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(pStmt);
    if (rc == SQLITE_ROW) {
      const char *z = (const char *)sqlite3_column_text(pStmt, 0);
      if (z) sqlite3_snprintf(RF_TEXT_LEN + 1, zOut, "%s", z);
      rc = SQLITE_DONE;
    }
  }
  if (rc != SQLITE_DONE) {
    rc = rf_call_error(pCall, sqlite3_reset(pStmt), "read failed");
    return rc;
  }
  return sqlite3_reset(pStmt);
}

/* ---- days -------------------------------------------------------------- */

/* The day text "YYYY-MM-DD" of day number d (days since 1970-01-01). */
void rf_day_text(int64_t d, char *zOut) {
  int64_t y;
  int m, dd;
  usage_civil_from_days(d, &y, &m, &dd);
  sqlite3_snprintf(RF_DAY_LEN + 1, zOut, "%04lld-%02d-%02d", (long long)y, m,
                   dd);
}

/* The day number of a day text; 1 when it is not a day. */
int rf_day_number(const char *z, int64_t *pD) {
  int64_t t;
  const char *zWhy;
  if (strlen(z) != RF_DAY_LEN || usage_time_parse(z, RF_DAY_LEN, &t, &zWhy)) {
    return 1;
  }
  *pD = t / USAGE_DAY_SECS;
  return 0;
}

/* The first day of month zMonth ("YYYY-MM") and of the month after it. */
static void month_bounds(const char *zMonth, char *zFrom, char *zTo) {
  int y = 0, m = 0, i;
  for (i = 0; i < 4; i++) y = y * 10 + (zMonth[i] - '0');
  m = (zMonth[5] - '0') * 10 + (zMonth[6] - '0');
  sqlite3_snprintf(RF_DAY_LEN + 1, zFrom, "%.7s-01", zMonth);
  sqlite3_snprintf(RF_DAY_LEN + 1, zTo, "%04d-%02d-01", m == 12 ? y + 1 : y,
                   m == 12 ? 1 : m + 1);
}

/* Remember the month of day text zDay as written (kept sorted, unique). */
int rf_month_touch(RfCall *pCall, const char *zDay) {
  int i, j;
  for (i = pCall->nMonth - 1; i >= 0; i--) {
    int c = memcmp(pCall->azMonth[i], zDay, RF_MONTH_LEN);
    if (c == 0) return SQLITE_OK;
    if (c < 0) break;
  }
  if (pCall->nMonth >= pCall->nMonthAlloc) {
    int nNew = pCall->nMonthAlloc ? pCall->nMonthAlloc * 2 : 16;
    void *aNew = sqlite3_realloc64(pCall->azMonth, (sqlite3_uint64)nNew *
                                                       sizeof(*pCall->azMonth));
    if (aNew == 0) return SQLITE_NOMEM;
    pCall->azMonth = aNew;
    pCall->nMonthAlloc = nNew;
  }
  for (j = pCall->nMonth; j > i + 1; j--) {
    memcpy(pCall->azMonth[j], pCall->azMonth[j - 1], RF_MONTH_LEN + 1);
  }
  memcpy(pCall->azMonth[i + 1], zDay, RF_MONTH_LEN);
  pCall->azMonth[i + 1][RF_MONTH_LEN] = 0;
  pCall->nMonth++;
  return SQLITE_OK;
}

/* ---- the scan ---------------------------------------------------------- */

/* The index of the key holding a row's key value, added when new: ids go
** through (id, 0) pairs, user ids through their bytes. */
static int key_find(RfScan *s, sqlite3_value *pVal, int *piKey) {
  int eType = sqlite3_value_type(pVal);
  sqlite3_int64 i = 0;
  const char *z = "";
  int n = 0, k = -1, bFound = 0, rc = SQLITE_OK;
  RfKey *pKey;
  if (s->eScope == USAGE_SCOPE_ADA) {
    eType = SQLITE_INTEGER;
    bFound = s->nKey > 0;
    k = 0;
  } else if (eType == SQLITE_INTEGER) {
    i = sqlite3_value_int64(pVal);
    k = usage_hash_pair_get(&s->idMap, i, 0);
    bFound = k >= 0;
  } else if (eType == SQLITE_TEXT || eType == SQLITE_BLOB) {
    n = sqlite3_value_bytes(pVal);
    if (n > 0) z = (const char *)sqlite3_value_blob(pVal);
    if (z == 0) return SQLITE_NOMEM;
    k = usage_hash_bytes_get(&s->textMap, z, n, &bFound);
  } else {
    s->zErr = sqlite3_mprintf("usage_refresh: fact_usage has a %s row "
                              "without its key",
                              usage_scope_name(s->eScope));
    return SQLITE_ERROR;
  }
  if (bFound) {
    *piKey = k;
    return SQLITE_OK;
  }
  if (s->nKey >= s->nKeyAlloc) {
    int nNew = s->nKeyAlloc ? s->nKeyAlloc * 2 : 64;
    RfKey *aNew =
        sqlite3_realloc64(s->aKey, (sqlite3_uint64)nNew * sizeof(RfKey));
    if (aNew == 0) return SQLITE_NOMEM;
    s->aKey = aNew;
    s->nKeyAlloc = nNew;
  }
  k = s->nKey;
  pKey = &s->aKey[k];
  memset(pKey, 0, sizeof(*pKey));
  pKey->eType = eType;
  pKey->i = i;
  pKey->iCurDay = -1;
  if (eType != SQLITE_INTEGER) {
    pKey->z = sqlite3_malloc64((sqlite3_uint64)n + 1);
    if (pKey->z == 0) return SQLITE_NOMEM;
    memcpy(pKey->z, z, n);
    pKey->n = n;
    rc = usage_hash_bytes_put(&s->textMap, z, n, k);
  } else if (s->eScope != USAGE_SCOPE_ADA) {
    rc = usage_hash_pair_put(&s->idMap, i, 0, k);
  }
  s->nKey++;
  *piKey = k;
  return rc;
}

/* Start a new day, text z[0..RF_DAY_LEN). */
static int day_add(RfScan *s, const char *z) {
  if (s->nDay >= s->nDayAlloc) {
    int nNew = s->nDayAlloc ? s->nDayAlloc * 2 : 32;
    void *aNew =
        sqlite3_realloc64(s->azDay, (sqlite3_uint64)nNew * sizeof(*s->azDay));
    if (aNew == 0) return SQLITE_NOMEM;
    s->azDay = aNew;
    s->nDayAlloc = nNew;
  }
  memcpy(s->azDay[s->nDay], z, RF_DAY_LEN);
  s->azDay[s->nDay][RF_DAY_LEN] = 0;
  s->nDay++;
  return SQLITE_OK;
}

/* Make the local day of s->pZone holding canonical ts zTs the current
** day; rows come in ts order, so a day once left does not come back. */
static int local_day(RfScan *s, const char *zTs) {
  int64_t t, d;
  char zDay[RF_DAY_LEN + 1];
  if (usage_time_parse_canonical(zTs, USAGE_TS_LEN, &t)) {
    s->zErr = sqlite3_mprintf("usage_refresh: fact_usage has a ts that is "
                              "not canonical: '%.*q'",
                              USAGE_TS_LEN, zTs);
    return SQLITE_ERROR;
  }
  if (s->nDay > 0 && t >= s->tDayStart && t < s->tDayEnd) return SQLITE_OK;
  d = usage_rollup_day_of(s->pZone, t);
  s->tDayStart = usage_rollup_day_start(s->pZone, d);
  s->tDayEnd = usage_rollup_day_start(s->pZone, d + 1);
  usage_rollup_day_text(d, zDay);
  if (s->nDay > 0 && memcmp(s->azDay[s->nDay - 1], zDay, RF_DAY_LEN) == 0) {
    return SQLITE_OK;
  }
  return day_add(s, zDay);
}

/* A new, zero cell for key k on the current day. */
static int cell_add(RfScan *s, int k, int *piCell) {
  RfCell *pCell;
  if (s->nCell >= s->nCellAlloc) {
    int nNew = s->nCellAlloc ? s->nCellAlloc * 2 : 256;
    RfCell *aNew =
        sqlite3_realloc64(s->aCell, (sqlite3_uint64)nNew * sizeof(RfCell));
    if (aNew == 0) return SQLITE_NOMEM;
    s->aCell = aNew;
    s->nCellAlloc = nNew;
  }
  pCell = &s->aCell[s->nCell];
  memset(pCell, 0, sizeof(*pCell));
  pCell->iDay = s->nDay - 1;
  pCell->iKey = k;
  *piCell = s->nCell++;
  return SQLITE_OK;
}

/* Add one fact row (ts, key, amounts) to the cell of its day and key. Rows
** come in index order: ts, then keys. */
static int scan_row(RfScan *s, sqlite3_value **apCol) {
  const char *zTs = (const char *)sqlite3_value_blob(apCol[0]);
  int nTs = sqlite3_value_bytes(apCol[0]);
  int k, iCell, j, rc;
  RfCell *pCell;
  if (zTs == 0 || nTs != USAGE_TS_LEN) {
    s->zErr = sqlite3_mprintf("usage_refresh: fact_usage has a ts that is "
                              "not canonical: '%.*q'",
                              nTs > 64 ? 64 : nTs, zTs ? zTs : "");
    return SQLITE_ERROR;
  }
  if (s->pZone) {
    rc = local_day(s, zTs);
    if (rc != SQLITE_OK) return rc;
  } else if (s->nDay == 0 ||
             memcmp(s->azDay[s->nDay - 1], zTs, RF_DAY_LEN) != 0) {
    rc = day_add(s, zTs);
    if (rc != SQLITE_OK) return rc;
  }
  rc = key_find(s, apCol[1], &k);
  if (rc != SQLITE_OK) return rc;
  if (s->aKey[k].iCurDay == s->nDay - 1) {
    iCell = s->aKey[k].iCurCell;
  } else {
    rc = cell_add(s, k, &iCell);
    if (rc != SQLITE_OK) return rc;
    s->aKey[k].iCurDay = s->nDay - 1;
    s->aKey[k].iCurCell = iCell;
  }
  pCell = &s->aCell[iCell];
  for (j = 0; j < RF_NAMOUNT; j++)
    pCell->aSum[j] += sqlite3_value_double(apCol[2 + j]);
  pCell->nSample++;
  return SQLITE_OK;
}

/* usage__rollup_add(scan, ts, key, amounts...): the step of the scan's
** aggregate. Internal: with any other first argument it fails. */
static void rf_add_step(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  RfScan *s = argc == 3 + RF_NAMOUNT
                  ? sqlite3_value_pointer(argv[0], RF_POINTER_TYPE)
                  : 0;
  if (s == 0) {
    sqlite3_result_error(ctx,
                         "usage__rollup_add() is internal to "
                         "usage_refresh",
                         -1);
    return;
  }
  if (s->rc != SQLITE_OK) return;
  s->rc = scan_row(s, argv + 1);
  if (s->rc == SQLITE_NOMEM) {
    sqlite3_result_error_nomem(ctx);
  } else if (s->rc != SQLITE_OK) {
    sqlite3_result_error(ctx, "usage_refresh: scan failed", -1);
  }
}

/* The aggregate's final step: the totals are in the scan, not here. */
static void rf_add_final(sqlite3_context *ctx) {
  sqlite3_result_null(ctx);
}

/* Forget a scan's cells, days and keys, keeping its memory for reuse... */
void rf_scan_clear(RfScan *s) {
  int k;
  for (k = 0; k < s->nKey; k++) sqlite3_free(s->aKey[k].z);
  s->nKey = s->nCell = s->nDay = 0;
  usage_hash_clear(&s->idMap);
  usage_hash_clear(&s->textMap);
  s->rc = SQLITE_OK;
}

/* ... and free it all. */
void rf_scan_free(RfScan *s) {
  rf_scan_clear(s);
  sqlite3_free(s->aKey);
  sqlite3_free(s->aCell);
  sqlite3_free(s->azDay);
  sqlite3_free(s->zErr);
  memset(s, 0, sizeof(*s));
}

/* Scan the rows of scope zScope with ts in [zFrom, zTo) into s. */
int rf_scan_range(RfCall *pCall, RfScan *s, const char *zScope,
                  const char *zFrom, const char *zTo) {
  static const char *const azKey[] = {"NULL", "project_id", "machine_id",
                                      "user_id"};
  sqlite3_stmt *pStmt;
  int rc = rf_call_stmt(pCall, RS_SCAN, azKey[s->eScope], &pStmt);
  int rcStep;
  if (rc != SQLITE_OK) return rc;
  rf_scan_clear(s);
  rc = sqlite3_bind_text(pStmt, 1, zScope, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_text(pStmt, 2, zFrom, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK) rc = sqlite3_bind_text(pStmt, 3, zTo, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_pointer(pStmt, 4, s, RF_POINTER_TYPE, 0);
  if (rc != SQLITE_OK) return rf_call_error(pCall, rc, "cannot bind");
  while ((rcStep = sqlite3_step(pStmt)) == SQLITE_ROW) {}
  rc = sqlite3_reset(pStmt);
  sqlite3_clear_bindings(pStmt);
  if (s->rc != SQLITE_OK) {
    if (s->zErr && pCall->zErr == 0) {
      pCall->zErr = s->zErr;
      s->zErr = 0;
    }
    return s->rc;
  }
  if (rcStep != SQLITE_DONE) return rf_call_error(pCall, rc, "scan failed");
  return SQLITE_OK;
}

/* ---- writing ----------------------------------------------------------- */

/* Bind a key of the scan as parameter i. */
static int bind_key(sqlite3_stmt *pStmt, int i, const RfKey *k) {
  if (k->eType == SQLITE_INTEGER) return sqlite3_bind_int64(pStmt, i, k->i);
  if (k->eType == SQLITE_TEXT)
    return sqlite3_bind_text(pStmt, i, k->z, k->n, SQLITE_STATIC);
  return sqlite3_bind_blob(pStmt, i, k->z, k->n, SQLITE_STATIC);
}

/* Replace the day rows of [zFrom, zTo) with the scan's cells, and note the
** months of the days written. */
int rf_write_days(RfCall *pCall, RfScan *s, const char *zScope,
                  const char *zFrom, const char *zTo, int bAppend) {
  sqlite3_stmt *pDel, *pIns, *pAdd = 0;
  int rc = rf_call_stmt(pCall, RS_DAY_DELETE, 0, &pDel);
  int i, j, k;
  if (rc == SQLITE_OK) rc = rf_call_stmt(pCall, RS_DAY_INSERT, 0, &pIns);
  if (rc == SQLITE_OK) rc = rf_call_stmt(pCall, RS_MONTH_ADD, 0, &pAdd);
  if (rc != SQLITE_OK) return rc;
  rc = rf_bind_texts(pDel, 3, zScope, zFrom, zTo);
  if (rc == SQLITE_OK) rc = rf_stmt_exec(pCall, pDel);
  /* Days that replace day rows: their months are recomputed whole. */
  if (sqlite3_changes(pCall->db) > 0) bAppend = 0;
  for (i = 0; rc == SQLITE_OK && i < s->nCell; i++) {
    const RfCell *pCell = &s->aCell[i];
    for (k = 0; rc == SQLITE_OK && k < (bAppend ? 2 : 1); k++) {
      sqlite3_stmt *pStmt = k ? pAdd : pIns;
      rc = sqlite3_bind_text(pStmt, 1, zScope, -1, SQLITE_STATIC);
      if (rc == SQLITE_OK) {
        rc = sqlite3_bind_text(pStmt, 2, s->azDay[pCell->iDay],
                               k ? RF_MONTH_LEN : RF_DAY_LEN, SQLITE_STATIC);
      }
      if (rc == SQLITE_OK) rc = bind_key(pStmt, 3, &s->aKey[pCell->iKey]);
      if (rc == SQLITE_OK) rc = sqlite3_bind_int64(pStmt, 4, pCell->nSample);
      for (j = 0; rc == SQLITE_OK && j < RF_NAMOUNT; j++) {
        rc = sqlite3_bind_double(pStmt, 5 + j, pCell->aSum[j]);
      }
      if (rc == SQLITE_OK) rc = rf_stmt_exec(pCall, pStmt);
    }
  }
  for (i = 0; rc == SQLITE_OK && !bAppend && i < s->nDay; i++) {
    rc = rf_month_touch(pCall, s->azDay[i]);
  }
  return rc;
}

/* Recompute the month rows of every month noted, from the day rows. */
int rf_write_months(RfCall *pCall, const char *zScope) {
  sqlite3_stmt *pDel, *pIns;
  int rc = rf_call_stmt(pCall, RS_MONTH_DELETE, 0, &pDel);
  int i;
  if (rc == SQLITE_OK) rc = rf_call_stmt(pCall, RS_MONTH_INSERT, 0, &pIns);
  for (i = 0; rc == SQLITE_OK && i < pCall->nMonth; i++) {
    char zFrom[RF_DAY_LEN + 1], zTo[RF_DAY_LEN + 1];
    month_bounds(pCall->azMonth[i], zFrom, zTo);
    rc = rf_bind_texts(pDel, 2, zScope, pCall->azMonth[i]);
    if (rc == SQLITE_OK) rc = rf_stmt_exec(pCall, pDel);
    if (rc == SQLITE_OK) {
      rc = rf_bind_texts(pIns, 4, zScope, pCall->azMonth[i], zFrom, zTo);
    }
    if (rc == SQLITE_OK) rc = rf_stmt_exec(pCall, pIns);
  }
  pCall->nMonth = 0;
  return rc;
}

int rf_register_scan(sqlite3 *db) {
  return sqlite3_create_function(db, "usage__rollup_add", 3 + RF_NAMOUNT,
                                 SQLITE_UTF8 | SQLITE_DIRECTONLY, 0, 0,
                                 rf_add_step, rf_add_final);
}
