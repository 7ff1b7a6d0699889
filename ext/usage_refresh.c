/*
** usage_refresh.c: usage_refresh(), which builds and repairs the rollups.
**
**   SELECT usage_refresh();               -- every scope, all that is stale
**   SELECT usage_refresh('project');      -- one scope
**   SELECT usage_refresh('machine', 30);  -- at most 30 days in this call
**   SELECT usage_refresh(NULL, 30);       -- every scope, 30 days in all
**   SELECT * FROM usage_rollup_status;    -- watermark, dirty days, rows
**
** The rollup tables of migration 3 (sql/migrations/003_rollups.sql) hold
** per scope, UTC day or month and key the row count and the sum of each
** amount, for the days before the scope's watermark. A call, for each scope
** in turn and within its budget of max_days day rollups:
**   1. recomputes every day marked in usage_rollup_dirty, oldest first,
**      from the fact_usage rows of that day, and clears its mark;
**   2. extends the rollups over complete days: from the watermark (or the
**      first day with rows, when nothing is built) up to the day of the
**      newest row of the scope, which stays unbuilt while it may still
**      fill; a day is complete once a later day has a row. The watermark
**      moves to the first day not built;
**   3. recomputes the month rows of every month with a day written, from
**      the day rows.
** Sums are always recomputed from rows, never adjusted by deltas, and a
** day's sums are added in the order of the covering index fact_usage_report
** (ts, then keys), the order the raw scan of usage_buckets adds them in:
** a one-day bucket has the same bits from either. The rows come from one
** pass over that index per range, handed to C by the internal aggregate
** usage__rollup_add() as usage_buckets does, so no SQL GROUP BY sorts them.
**
** It returns the number of day rollups written: each dirty day recomputed
** and each newly built day that has rows counts one. The whole call is one
** savepoint, so a failure or a crash leaves the rollups as they were; a
** second call with nothing new returns 0 and writes nothing. It writes, so
** it is SQLITE_DIRECTONLY, and on a read-only database or under PRAGMA
** query_only it fails with an error saying so. It works on main only.
**
** To rebuild a scope from scratch: UPDATE usage_rollup_state SET watermark
** = NULL WHERE scope = 'user'; the next call drops that scope's rollups
** and marks, and builds them again.
*/
#include <string.h>

#include "usage.h"
SQLITE_EXTENSION_INIT3

/* The summed columns of fact_usage and of the rollup tables, in order. SQL
** column lists are built from this list, so a new summed column is added
** here and in the migration that adds it. */
static const char *const azAmount[] = {
  "busy_cpu_seconds_total", "idle_cpu_seconds_total", "busy_kwh", "idle_kwh",
  "busy_gCo2eq", "idle_gCo2eq",
};
#define RF_NAMOUNT ((int)(sizeof(azAmount) / sizeof(azAmount[0])))

/* Most cells one scan holds: a chunk of days is cut to fit. */
#define RF_CELL_BUDGET (1 << 18)

/* Most days one chunk of the build scans. */
#define RF_CHUNK_DAYS 31

/* Length of a day text "YYYY-MM-DD" and of a month text "YYYY-MM". */
#define RF_DAY_LEN 10
#define RF_MONTH_LEN 7

/* Type tag of the scan pointer bound into the scan statement. */
#define RF_POINTER_TYPE "usage_refresh_scan"

/* The statements one call prepares. */
enum {
  RS_SCAN, RS_DAY_DELETE, RS_DAY_INSERT, RS_MONTH_DELETE, RS_MONTH_INSERT,
  RS_DIRTY_LIST, RS_DIRTY_DELETE, RS_STATE_GET, RS_STATE_SET, RS_TS_MIN,
  RS_TS_MAX, RS_CLEAR_MONTHS, RS_CLEAR_DIRTY, RS_COUNT
};

typedef struct RfKey RfKey;
typedef struct RfCell RfCell;
typedef struct RfScan RfScan;
typedef struct RfCall RfCall;

/* A distinct key of a scan: the stored id or user id, owned. */
struct RfKey {
  int eType;            /* SQLITE_INTEGER, _TEXT or _BLOB */
  sqlite3_int64 i;      /* SQLITE_INTEGER */
  char *z;              /* _TEXT and _BLOB: n bytes */
  int n;
  unsigned h;           /* hash of the value */
  int iCurDay;          /* day of iCurCell, or -1 */
  int iCurCell;         /* this key's cell on day iCurDay */
};

/* The totals of one (day, key). */
struct RfCell {
  int iDay;                     /* index into RfScan.azDay */
  int iKey;                     /* index into RfScan.aKey */
  sqlite3_int64 nSample;        /* rows added */
  double aSum[RF_NAMOUNT];      /* the amounts, in the order of azAmount */
};

/* The cells of one scan of a range of days of one scope. */
struct RfScan {
  int eScope;                   /* a UsageScope, never group */
  RfKey *aKey;                  /* keys by first appearance */
  int nKey, nKeyAlloc;
  int *aSlot;                   /* hash slots: key index, or -1 */
  unsigned mask;                /* slots - 1, or 0 when none */
  RfCell *aCell;                /* cells by first appearance */
  int nCell, nCellAlloc;
  char (*azDay)[RF_DAY_LEN + 1];/* the days seen, in order */
  int nDay, nDayAlloc;
  int rc;                       /* first error of the scan */
  char *zErr;                   /* its message, from sqlite3_mprintf */
};

/* One call of usage_refresh(): its connection and statements. */
struct RfCall {
  sqlite3 *db;
  sqlite3_stmt *aStmt[RS_COUNT];
  char *zErr;                   /* the error to report, or NULL */
  char (*azMonth)[RF_MONTH_LEN + 1]; /* months with a day written */
  int nMonth, nMonthAlloc;
  sqlite3_int64 nWritten;       /* day rollups written */
};

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
      sqlite3_str_appendall(pStr, "INSERT INTO main.usage_rollup_day(scope, "
                            "day, key_id, samples");
      append_amounts(pStr, "", "");
      sqlite3_str_appendall(pStr, ") VALUES (?1, ?2, ?3, ?4");
      for (j = 0; j < RF_NAMOUNT; j++) sqlite3_str_appendf(pStr, ", ?%d", 5 + j);
      sqlite3_str_appendall(pStr, ")");
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
      sqlite3_str_appendall(pStr, " FROM main.usage_rollup_day WHERE scope = "
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
      sqlite3_str_appendall(pStr, "INSERT INTO main.usage_rollup_state(scope, "
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
static int call_error(RfCall *pCall, int rc, const char *zWhat) {
  if (pCall->zErr == 0) {
    pCall->zErr = sqlite3_mprintf("usage_refresh: %s: %s", zWhat,
                                  sqlite3_errmsg(pCall->db));
  }
  return rc == SQLITE_OK ? SQLITE_ERROR : rc;
}

/* Statement iStmt for the current scope, prepared on first use. The scan
** depends on the scope's key column, so it is prepared per scope. */
static int call_stmt(RfCall *pCall, int iStmt, const char *zKey,
                     sqlite3_stmt **ppStmt) {
  if (pCall->aStmt[iStmt] == 0) {
    char *zSql = stmt_sql(iStmt, zKey);
    int rc;
    if (zSql == 0) return SQLITE_NOMEM;
    rc = sqlite3_prepare_v2(pCall->db, zSql, -1, &pCall->aStmt[iStmt], 0);
    sqlite3_free(zSql);
    if (rc != SQLITE_OK) return call_error(pCall, rc, "cannot prepare");
  }
  *ppStmt = pCall->aStmt[iStmt];
  return SQLITE_OK;
}

/* Step a statement that returns no rows, reset it, and report failure. */
static int stmt_exec(RfCall *pCall, sqlite3_stmt *pStmt) {
  int rc = sqlite3_step(pStmt);
  int rc2 = sqlite3_reset(pStmt);
  if (rc == SQLITE_DONE || rc == SQLITE_ROW) return SQLITE_OK;
  return call_error(pCall, rc2 != SQLITE_OK ? rc2 : rc, "write failed");
}

/* Run a one-value query bound with scope and an optional text; copy the
** text result (at most RF_DAY_LEN bytes) into zOut, "" for NULL. */
static int query_day(RfCall *pCall, sqlite3_stmt *pStmt, const char *zScope,
                     const char *zArg, char *zOut) {
  int rc = sqlite3_bind_text(pStmt, 1, zScope, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK && zArg) rc = sqlite3_bind_text(pStmt, 2, zArg, -1, SQLITE_STATIC);
  zOut[0] = 0;
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(pStmt);
    if (rc == SQLITE_ROW) {
      const char *z = (const char *)sqlite3_column_text(pStmt, 0);
      if (z) sqlite3_snprintf(RF_DAY_LEN + 1, zOut, "%s", z);
      rc = SQLITE_DONE;
    }
  }
  if (rc != SQLITE_DONE) {
    rc = call_error(pCall, sqlite3_reset(pStmt), "read failed");
    return rc;
  }
  return sqlite3_reset(pStmt);
}

/* ---- days -------------------------------------------------------------- */

/* The day text "YYYY-MM-DD" of day number d (days since 1970-01-01). */
static void day_text(int64_t d, char *zOut) {
  int64_t y;
  int m, dd;
  usage_civil_from_days(d, &y, &m, &dd);
  sqlite3_snprintf(RF_DAY_LEN + 1, zOut, "%04lld-%02d-%02d", (long long)y, m, dd);
}

/* The day number of a day text; 1 when it is not a day. */
static int day_number(const char *z, int64_t *pD) {
  int64_t t;
  const char *zWhy;
  if (strlen(z) != RF_DAY_LEN || usage_time_parse(z, RF_DAY_LEN, &t, &zWhy)) {
    return 1;
  }
  *pD = t / 86400;
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
static int month_touch(RfCall *pCall, const char *zDay) {
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

/* A 32-bit hash of a key value. */
static unsigned key_hash(int eType, sqlite3_int64 i, const char *z, int n) {
  sqlite3_uint64 h;
  int k;
  if (eType == SQLITE_INTEGER) {
    h = (sqlite3_uint64)i * 0x9E3779B97F4A7C15ULL;
  } else {
    h = 0xCBF29CE484222325ULL ^ (sqlite3_uint64)eType;
    for (k = 0; k < n; k++) {
      h ^= (unsigned char)z[k];
      h *= 0x100000001B3ULL;
    }
  }
  h ^= h >> 31;
  h *= 0xBF58476D1CE4E5B9ULL;
  return (unsigned)(h ^ (h >> 29));
}

/* Does key k hold this value? */
static int key_equal(const RfKey *k, int eType, sqlite3_int64 i,
                     const char *z, int n) {
  if (k->eType != eType) return 0;
  if (eType == SQLITE_INTEGER) return k->i == i;
  return k->n == n && (n == 0 || memcmp(k->z, z, n) == 0);
}

/* Double the hash slots (or create them) and re-enter every key. */
static int key_grow(RfScan *s) {
  unsigned nNew = s->aSlot ? (s->mask + 1) * 2 : 256, i;
  int *aNew = sqlite3_malloc64((sqlite3_uint64)nNew * sizeof(int));
  int k;
  if (aNew == 0) return SQLITE_NOMEM;
  for (i = 0; i < nNew; i++) aNew[i] = -1;
  for (k = 0; k < s->nKey; k++) {
    i = s->aKey[k].h & (nNew - 1);
    while (aNew[i] >= 0) i = (i + 1) & (nNew - 1);
    aNew[i] = k;
  }
  sqlite3_free(s->aSlot);
  s->aSlot = aNew;
  s->mask = nNew - 1;
  return SQLITE_OK;
}

/* The index of the key holding a row's key value, added when new. */
static int key_find(RfScan *s, sqlite3_value *pVal, int *piKey) {
  int eType = sqlite3_value_type(pVal);
  sqlite3_int64 i = 0;
  const char *z = 0;
  int n = 0, k;
  unsigned h, slot;
  RfKey *pKey;
  if (s->eScope == USAGE_SCOPE_ADA) {
    eType = SQLITE_INTEGER;
  } else if (eType == SQLITE_INTEGER) {
    i = sqlite3_value_int64(pVal);
  } else if (eType == SQLITE_TEXT || eType == SQLITE_BLOB) {
    z = (const char *)sqlite3_value_blob(pVal);
    n = sqlite3_value_bytes(pVal);
    if (z == 0 && n > 0) return SQLITE_NOMEM;
  } else {
    s->zErr = sqlite3_mprintf("usage_refresh: fact_usage has a %s row "
                              "without its key", usage_scope_name(s->eScope));
    return SQLITE_ERROR;
  }
  if (s->aSlot == 0 && key_grow(s)) return SQLITE_NOMEM;
  h = key_hash(eType, i, z, n);
  for (slot = h & s->mask; (k = s->aSlot[slot]) >= 0; slot = (slot + 1) & s->mask) {
    if (s->aKey[k].h == h && key_equal(&s->aKey[k], eType, i, z, n)) {
      *piKey = k;
      return SQLITE_OK;
    }
  }
  if (s->nKey >= s->nKeyAlloc) {
    int nNew = s->nKeyAlloc ? s->nKeyAlloc * 2 : 64;
    RfKey *aNew = sqlite3_realloc64(s->aKey, (sqlite3_uint64)nNew * sizeof(RfKey));
    if (aNew == 0) return SQLITE_NOMEM;
    s->aKey = aNew;
    s->nKeyAlloc = nNew;
  }
  pKey = &s->aKey[s->nKey];
  memset(pKey, 0, sizeof(*pKey));
  pKey->eType = eType;
  pKey->i = i;
  pKey->h = h;
  pKey->iCurDay = -1;
  if (eType != SQLITE_INTEGER) {
    pKey->z = sqlite3_malloc64((sqlite3_uint64)n + 1);
    if (pKey->z == 0) return SQLITE_NOMEM;
    if (n > 0) memcpy(pKey->z, z, n);
    pKey->n = n;
  }
  s->aSlot[slot] = s->nKey;
  *piKey = s->nKey++;
  if ((unsigned)s->nKey * 4 > (s->mask + 1) * 3) return key_grow(s);
  return SQLITE_OK;
}

/* Start a new day, text z[0..RF_DAY_LEN). */
static int day_add(RfScan *s, const char *z) {
  if (s->nDay >= s->nDayAlloc) {
    int nNew = s->nDayAlloc ? s->nDayAlloc * 2 : 32;
    void *aNew = sqlite3_realloc64(s->azDay, (sqlite3_uint64)nNew * sizeof(*s->azDay));
    if (aNew == 0) return SQLITE_NOMEM;
    s->azDay = aNew;
    s->nDayAlloc = nNew;
  }
  memcpy(s->azDay[s->nDay], z, RF_DAY_LEN);
  s->azDay[s->nDay][RF_DAY_LEN] = 0;
  s->nDay++;
  return SQLITE_OK;
}

/* A new, zero cell for key k on the current day. */
static int cell_add(RfScan *s, int k, int *piCell) {
  RfCell *pCell;
  if (s->nCell >= s->nCellAlloc) {
    int nNew = s->nCellAlloc ? s->nCellAlloc * 2 : 256;
    RfCell *aNew = sqlite3_realloc64(s->aCell, (sqlite3_uint64)nNew * sizeof(RfCell));
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
                              "not canonical: '%.*q'", nTs > 64 ? 64 : nTs,
                              zTs ? zTs : "");
    return SQLITE_ERROR;
  }
  if (s->nDay == 0 || memcmp(s->azDay[s->nDay - 1], zTs, RF_DAY_LEN) != 0) {
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
  for (j = 0; j < RF_NAMOUNT; j++) pCell->aSum[j] += sqlite3_value_double(apCol[2 + j]);
  pCell->nSample++;
  return SQLITE_OK;
}

/* usage__rollup_add(scan, ts, key, amounts...): the step of the scan's
** aggregate. Internal: with any other first argument it fails. */
static void rf_add_step(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  RfScan *s = argc == 3 + RF_NAMOUNT
                  ? sqlite3_value_pointer(argv[0], RF_POINTER_TYPE) : 0;
  if (s == 0) {
    sqlite3_result_error(ctx, "usage__rollup_add() is internal to "
                         "usage_refresh", -1);
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
static void scan_clear(RfScan *s) {
  int k;
  for (k = 0; k < s->nKey; k++) sqlite3_free(s->aKey[k].z);
  s->nKey = s->nCell = s->nDay = 0;
  if (s->aSlot) memset(s->aSlot, 0xff, (s->mask + 1) * sizeof(int));
  s->rc = SQLITE_OK;
}

/* ... and free it all. */
static void scan_free(RfScan *s) {
  scan_clear(s);
  sqlite3_free(s->aKey);
  sqlite3_free(s->aSlot);
  sqlite3_free(s->aCell);
  sqlite3_free(s->azDay);
  sqlite3_free(s->zErr);
  memset(s, 0, sizeof(*s));
}

/* Scan the rows of scope zScope with ts in [zFrom, zTo) into s. */
static int scan_range(RfCall *pCall, RfScan *s, const char *zScope,
                      const char *zFrom, const char *zTo) {
  static const char *const azKey[] = {"NULL", "project_id", "machine_id",
                                      "user_id"};
  sqlite3_stmt *pStmt;
  int rc = call_stmt(pCall, RS_SCAN, azKey[s->eScope], &pStmt);
  int rcStep;
  if (rc != SQLITE_OK) return rc;
  scan_clear(s);
  rc = sqlite3_bind_text(pStmt, 1, zScope, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK) rc = sqlite3_bind_text(pStmt, 2, zFrom, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK) rc = sqlite3_bind_text(pStmt, 3, zTo, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK) rc = sqlite3_bind_pointer(pStmt, 4, s, RF_POINTER_TYPE, 0);
  if (rc != SQLITE_OK) return call_error(pCall, rc, "cannot bind");
  while ((rcStep = sqlite3_step(pStmt)) == SQLITE_ROW) {
  }
  rc = sqlite3_reset(pStmt);
  sqlite3_clear_bindings(pStmt);
  if (s->rc != SQLITE_OK) {
    if (s->zErr && pCall->zErr == 0) {
      pCall->zErr = s->zErr;
      s->zErr = 0;
    }
    return s->rc;
  }
  if (rcStep != SQLITE_DONE) return call_error(pCall, rc, "scan failed");
  return SQLITE_OK;
}

/* ---- writing ----------------------------------------------------------- */

/* Bind a key of the scan as parameter i. */
static int bind_key(sqlite3_stmt *pStmt, int i, const RfKey *k) {
  if (k->eType == SQLITE_INTEGER) return sqlite3_bind_int64(pStmt, i, k->i);
  if (k->eType == SQLITE_TEXT) return sqlite3_bind_text(pStmt, i, k->z, k->n, SQLITE_STATIC);
  return sqlite3_bind_blob(pStmt, i, k->z, k->n, SQLITE_STATIC);
}

/* Replace the day rows of [zFrom, zTo) with the scan's cells, and note the
** months of the days written. */
static int write_days(RfCall *pCall, RfScan *s, const char *zScope,
                      const char *zFrom, const char *zTo) {
  sqlite3_stmt *pDel, *pIns;
  int rc = call_stmt(pCall, RS_DAY_DELETE, 0, &pDel);
  int i, j;
  if (rc == SQLITE_OK) rc = call_stmt(pCall, RS_DAY_INSERT, 0, &pIns);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_text(pDel, 1, zScope, -1, SQLITE_STATIC);
  sqlite3_bind_text(pDel, 2, zFrom, -1, SQLITE_STATIC);
  sqlite3_bind_text(pDel, 3, zTo, -1, SQLITE_STATIC);
  rc = stmt_exec(pCall, pDel);
  sqlite3_bind_text(pIns, 1, zScope, -1, SQLITE_STATIC);
  for (i = 0; rc == SQLITE_OK && i < s->nCell; i++) {
    const RfCell *pCell = &s->aCell[i];
    rc = sqlite3_bind_text(pIns, 2, s->azDay[pCell->iDay], RF_DAY_LEN, SQLITE_STATIC);
    if (rc == SQLITE_OK) rc = bind_key(pIns, 3, &s->aKey[pCell->iKey]);
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(pIns, 4, pCell->nSample);
    for (j = 0; rc == SQLITE_OK && j < RF_NAMOUNT; j++) {
      rc = sqlite3_bind_double(pIns, 5 + j, pCell->aSum[j]);
    }
    if (rc == SQLITE_OK) rc = stmt_exec(pCall, pIns);
  }
  for (i = 0; rc == SQLITE_OK && i < s->nDay; i++) rc = month_touch(pCall, s->azDay[i]);
  return rc;
}

/* Recompute the month rows of every month noted, from the day rows. */
static int write_months(RfCall *pCall, const char *zScope) {
  sqlite3_stmt *pDel, *pIns;
  int rc = call_stmt(pCall, RS_MONTH_DELETE, 0, &pDel);
  int i;
  if (rc == SQLITE_OK) rc = call_stmt(pCall, RS_MONTH_INSERT, 0, &pIns);
  for (i = 0; rc == SQLITE_OK && i < pCall->nMonth; i++) {
    char zFrom[RF_DAY_LEN + 1], zTo[RF_DAY_LEN + 1];
    month_bounds(pCall->azMonth[i], zFrom, zTo);
    sqlite3_bind_text(pDel, 1, zScope, -1, SQLITE_STATIC);
    sqlite3_bind_text(pDel, 2, pCall->azMonth[i], -1, SQLITE_STATIC);
    rc = stmt_exec(pCall, pDel);
    sqlite3_bind_text(pIns, 1, zScope, -1, SQLITE_STATIC);
    sqlite3_bind_text(pIns, 2, pCall->azMonth[i], -1, SQLITE_STATIC);
    sqlite3_bind_text(pIns, 3, zFrom, -1, SQLITE_STATIC);
    sqlite3_bind_text(pIns, 4, zTo, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK) rc = stmt_exec(pCall, pIns);
  }
  pCall->nMonth = 0;
  return rc;
}

/* ---- one scope --------------------------------------------------------- */

/* The day after day text zDay, into zOut; 1 when zDay is not a day. */
static int day_after(const char *zDay, char *zOut) {
  int64_t d;
  if (day_number(zDay, &d)) return 1;
  day_text(d + 1, zOut);
  return 0;
}

/* Recompute the dirty days of a scope before its watermark zWm, oldest
** first, at most *pBudget of them; clear their marks. */
static int refresh_dirty(RfCall *pCall, RfScan *s, const char *zScope,
                         const char *zWm, sqlite3_int64 *pBudget) {
  sqlite3_stmt *pList, *pDel;
  char (*azDay)[RF_DAY_LEN + 1] = 0;
  int nDay = 0, nAlloc = 0, i, rc, rcStep;
  rc = call_stmt(pCall, RS_DIRTY_LIST, 0, &pList);
  if (rc == SQLITE_OK) rc = call_stmt(pCall, RS_DIRTY_DELETE, 0, &pDel);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_text(pList, 1, zScope, -1, SQLITE_STATIC);
  sqlite3_bind_int64(pList, 2, *pBudget);
  while ((rcStep = sqlite3_step(pList)) == SQLITE_ROW) {
    const char *z = (const char *)sqlite3_column_text(pList, 0);
    if (nDay >= nAlloc) {
      void *aNew;
      nAlloc = nAlloc ? nAlloc * 2 : 16;
      aNew = sqlite3_realloc64(azDay, (sqlite3_uint64)nAlloc * sizeof(*azDay));
      if (aNew == 0) {
        rc = SQLITE_NOMEM;
        break;
      }
      azDay = aNew;
    }
    sqlite3_snprintf(RF_DAY_LEN + 1, azDay[nDay++], "%s", z ? z : "");
  }
  if (rc == SQLITE_OK && rcStep != SQLITE_DONE) {
    rc = call_error(pCall, sqlite3_reset(pList), "cannot read usage_rollup_dirty");
  }
  sqlite3_reset(pList);
  for (i = 0; rc == SQLITE_OK && i < nDay; i++) {
    char zTo[RF_DAY_LEN + 1];
    if (day_after(azDay[i], zTo)) {
      pCall->zErr = sqlite3_mprintf("usage_refresh: usage_rollup_dirty has "
                                    "'%q' for scope '%s', which is not a day "
                                    "'YYYY-MM-DD'", azDay[i], zScope);
      rc = SQLITE_ERROR;
      break;
    }
    if (strcmp(azDay[i], zWm) < 0) {
      rc = scan_range(pCall, s, zScope, azDay[i], zTo);
      if (rc == SQLITE_OK) rc = write_days(pCall, s, zScope, azDay[i], zTo);
      if (rc == SQLITE_OK) rc = month_touch(pCall, azDay[i]);
      pCall->nWritten++;
      (*pBudget)--;
    }
    sqlite3_bind_text(pDel, 1, zScope, -1, SQLITE_STATIC);
    sqlite3_bind_text(pDel, 2, azDay[i], -1, SQLITE_STATIC);
    if (rc == SQLITE_OK) rc = stmt_exec(pCall, pDel);
  }
  sqlite3_free(azDay);
  return rc;
}

/* Drop a scope's rollups and marks, before building it from nothing. */
static int refresh_clear(RfCall *pCall, const char *zScope) {
  static const int aClear[] = {RS_DAY_DELETE, RS_CLEAR_MONTHS, RS_CLEAR_DIRTY};
  int i, rc = SQLITE_OK;
  for (i = 0; rc == SQLITE_OK && i < 3; i++) {
    sqlite3_stmt *pStmt;
    rc = call_stmt(pCall, aClear[i], 0, &pStmt);
    if (rc != SQLITE_OK) break;
    sqlite3_bind_text(pStmt, 1, zScope, -1, SQLITE_STATIC);
    if (aClear[i] == RS_DAY_DELETE) {
      sqlite3_bind_text(pStmt, 2, "", -1, SQLITE_STATIC);
      sqlite3_bind_text(pStmt, 3, "\x7f", -1, SQLITE_STATIC);
    }
    rc = stmt_exec(pCall, pStmt);
  }
  return rc;
}

/* How many days the next chunk of a build may scan, given the keys per
** day of the last chunk, so its cells stay within RF_CELL_BUDGET. */
static int64_t chunk_days(const RfScan *s, int64_t nLeft, sqlite3_int64 nBudget) {
  int64_t n = RF_CHUNK_DAYS;
  if (s->nDay > 0) {
    int64_t nPerDay = s->nCell / s->nDay + 1;
    if (n > RF_CELL_BUDGET / nPerDay) n = RF_CELL_BUDGET / nPerDay;
  } else {
    n = 1;
  }
  if (n > nBudget) n = nBudget;
  if (n > nLeft) n = nLeft;
  return n < 1 ? 1 : n;
}

/* Extend a scope's rollups over its complete days, from zWm (the
** watermark, "" when nothing is built) toward the day of its newest row,
** within *pBudget days with rows. zWm becomes the new watermark. */
static int refresh_extend(RfCall *pCall, RfScan *s, const char *zScope,
                          char *zWm, sqlite3_int64 *pBudget) {
  sqlite3_stmt *pMin, *pMax;
  char zHi[RF_DAY_LEN + 1], zLo[RF_DAY_LEN + 1];
  int64_t lo, hi;
  int rc = call_stmt(pCall, RS_TS_MIN, 0, &pMin);
  if (rc == SQLITE_OK) rc = call_stmt(pCall, RS_TS_MAX, 0, &pMax);
  if (rc == SQLITE_OK) rc = query_day(pCall, pMax, zScope, 0, zHi);
  if (rc == SQLITE_OK) rc = query_day(pCall, pMin, zScope, zWm, zLo);
  if (rc != SQLITE_OK || zHi[0] == 0 || zLo[0] == 0) return rc;
  if (day_number(zLo, &lo) || day_number(zHi, &hi)) {
    pCall->zErr = sqlite3_mprintf("usage_refresh: fact_usage has a %s row "
                                  "whose ts is not canonical", zScope);
    return SQLITE_ERROR;
  }
  while (rc == SQLITE_OK && lo < hi && *pBudget > 0) {
    char zFrom[RF_DAY_LEN + 1], zTo[RF_DAY_LEN + 1];
    int64_t end = lo + chunk_days(s, hi - lo, *pBudget);
    day_text(lo, zFrom);
    day_text(end, zTo);
    rc = scan_range(pCall, s, zScope, zFrom, zTo);
    if (rc == SQLITE_OK) rc = write_days(pCall, s, zScope, zFrom, zTo);
    if (rc != SQLITE_OK) break;
    pCall->nWritten += s->nDay;
    *pBudget -= s->nDay;
    lo = end;
    if (s->nDay == 0) {
      /* A gap: go on from the next day with rows. */
      char zNext[RF_DAY_LEN + 1];
      rc = query_day(pCall, pMin, zScope, zTo, zNext);
      if (rc == SQLITE_OK && (zNext[0] == 0 || day_number(zNext, &lo) || lo > hi)) {
        lo = hi;
      }
    }
  }
  if (rc == SQLITE_OK) {
    char zNew[RF_DAY_LEN + 1];
    day_text(lo, zNew);
    /* From nothing to nothing built, the scope stays unbuilt. */
    if ((zWm[0] != 0 || strcmp(zNew, zLo) != 0) && strcmp(zNew, zWm) > 0) {
      memcpy(zWm, zNew, RF_DAY_LEN + 1);
    }
  }
  return rc;
}

/* Refresh one scope within *pBudget day rollups. */
static int refresh_scope(RfCall *pCall, int eScope, sqlite3_int64 *pBudget) {
  const char *zScope = usage_scope_name(eScope);
  sqlite3_stmt *pGet, *pSet;
  RfScan s;
  char zWm[RF_DAY_LEN + 1], zOld[RF_DAY_LEN + 1];
  int64_t d;
  int rc;
  memset(&s, 0, sizeof(s));
  s.eScope = eScope;
  /* The scan reads this scope's key column: prepare it anew. */
  sqlite3_finalize(pCall->aStmt[RS_SCAN]);
  pCall->aStmt[RS_SCAN] = 0;
  rc = call_stmt(pCall, RS_STATE_GET, 0, &pGet);
  if (rc == SQLITE_OK) rc = query_day(pCall, pGet, zScope, 0, zWm);
  if (rc == SQLITE_OK && zWm[0] != 0 && day_number(zWm, &d)) {
    pCall->zErr = sqlite3_mprintf("usage_refresh: usage_rollup_state has "
                                  "watermark '%q' for scope '%s', which is "
                                  "not a day 'YYYY-MM-DD'", zWm, zScope);
    rc = SQLITE_ERROR;
  }
  memcpy(zOld, zWm, sizeof(zOld));
  if (rc == SQLITE_OK && zWm[0] == 0) rc = refresh_clear(pCall, zScope);
  if (rc == SQLITE_OK && zWm[0] != 0) rc = refresh_dirty(pCall, &s, zScope, zWm, pBudget);
  if (rc == SQLITE_OK) rc = refresh_extend(pCall, &s, zScope, zWm, pBudget);
  if (rc == SQLITE_OK) rc = write_months(pCall, zScope);
  if (rc == SQLITE_OK && strcmp(zWm, zOld) != 0) {
    rc = call_stmt(pCall, RS_STATE_SET, 0, &pSet);
    if (rc == SQLITE_OK) {
      sqlite3_bind_text(pSet, 1, zScope, -1, SQLITE_STATIC);
      sqlite3_bind_text(pSet, 2, zWm, -1, SQLITE_STATIC);
      rc = stmt_exec(pCall, pSet);
    }
  }
  scan_free(&s);
  return rc;
}

/* ---- the function ------------------------------------------------------ */

/* Why this connection cannot write main, as an error message, or NULL. */
static char *write_problem(sqlite3 *db) {
  sqlite3_stmt *pStmt = 0;
  int bQueryOnly = 0;
  if (sqlite3_db_readonly(db, "main") == 1) {
    return sqlite3_mprintf("usage_refresh: the database main is read-only "
                           "on this connection; refresh it from one that "
                           "can write (reads are exact without a refresh)");
  }
  if (sqlite3_prepare_v2(db, "PRAGMA query_only", -1, &pStmt, 0) == SQLITE_OK &&
      sqlite3_step(pStmt) == SQLITE_ROW) {
    bQueryOnly = sqlite3_column_int(pStmt, 0);
  }
  sqlite3_finalize(pStmt);
  if (bQueryOnly) {
    return sqlite3_mprintf("usage_refresh: PRAGMA query_only is on, so it "
                           "cannot write the rollups (reads are exact "
                           "without a refresh)");
  }
  return 0;
}

/* Does main have the rollup tables of migration 3? */
static int has_rollups(sqlite3 *db) {
  sqlite3_stmt *pStmt = 0;
  int bHas = 0;
  if (sqlite3_prepare_v2(db, "SELECT 1 FROM main.sqlite_master WHERE "
                         "name = 'usage_rollup_state'", -1, &pStmt, 0) == SQLITE_OK) {
    bHas = sqlite3_step(pStmt) == SQLITE_ROW;
  }
  sqlite3_finalize(pStmt);
  return bHas;
}

/* Read the arguments: the scope (-1 for every scope) and the budget. */
static char *read_args(int argc, sqlite3_value **argv, int *peScope,
                       sqlite3_int64 *pBudget) {
  *peScope = -1;
  *pBudget = INT64_MAX;
  if (argc > 0 && sqlite3_value_type(argv[0]) != SQLITE_NULL) {
    const char *z = (const char *)sqlite3_value_text(argv[0]);
    if (sqlite3_value_type(argv[0]) == SQLITE_TEXT && z) {
      *peScope = usage_scope_parse(z, sqlite3_value_bytes(argv[0]));
    }
    if (*peScope < 0) {
      char *zRepr = usage_value_repr(argv[0]);
      char *zErr = zRepr ? sqlite3_mprintf(
          "usage_refresh: scope must be 'ada', 'project', 'machine', 'user' "
          "or NULL for all, got %s%s", zRepr,
          z && strcmp(z, "group") == 0
              ? " (groups are served from the user rollups)" : "") : 0;
      sqlite3_free(zRepr);
      return zErr ? zErr : sqlite3_mprintf("");
    }
  }
  if (argc > 1 && sqlite3_value_type(argv[1]) != SQLITE_NULL) {
    if (sqlite3_value_type(argv[1]) != SQLITE_INTEGER ||
        sqlite3_value_int64(argv[1]) < 0) {
      char *zRepr = usage_value_repr(argv[1]);
      char *zErr = zRepr ? sqlite3_mprintf(
          "usage_refresh: max_days must be an integer >= 0 or NULL for no "
          "limit, got %s", zRepr) : 0;
      sqlite3_free(zRepr);
      return zErr ? zErr : sqlite3_mprintf("");
    }
    *pBudget = sqlite3_value_int64(argv[1]);
  }
  return 0;
}

/* Take the write lock, then refresh the scopes, all in one savepoint. */
static int refresh_all(RfCall *pCall, int eScope, sqlite3_int64 nBudget) {
  int rc = sqlite3_exec(pCall->db, "SAVEPOINT usage_refresh", 0, 0, 0);
  int e, i;
  if (rc != SQLITE_OK) return call_error(pCall, rc, "cannot start a savepoint");
  /* A write first, so the lock is taken before anything is read. */
  rc = sqlite3_exec(pCall->db, "INSERT OR IGNORE INTO main.usage_rollup_state"
                    "(scope) VALUES ('ada'), ('project'), ('machine'), "
                    "('user')", 0, 0, 0);
  if (rc != SQLITE_OK) rc = call_error(pCall, rc, "cannot write");
  for (e = USAGE_SCOPE_ADA; rc == SQLITE_OK && e <= USAGE_SCOPE_USER; e++) {
    if (eScope < 0 || e == eScope) rc = refresh_scope(pCall, e, &nBudget);
  }
  for (i = 0; i < RS_COUNT; i++) {
    sqlite3_finalize(pCall->aStmt[i]);
    pCall->aStmt[i] = 0;
  }
  if (rc == SQLITE_OK) {
    rc = sqlite3_exec(pCall->db, "RELEASE usage_refresh", 0, 0, 0);
    if (rc != SQLITE_OK) rc = call_error(pCall, rc, "cannot commit");
    return rc;
  }
  sqlite3_exec(pCall->db, "ROLLBACK TO usage_refresh", 0, 0, 0);
  sqlite3_exec(pCall->db, "RELEASE usage_refresh", 0, 0, 0);
  return rc;
}

/* usage_refresh([scope[, max_days]]): see the top of this file. */
static void fn_refresh(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  RfCall call;
  int eScope, rc;
  sqlite3_int64 nBudget;
  char *zErr = read_args(argc, argv, &eScope, &nBudget);
  memset(&call, 0, sizeof(call));
  call.db = sqlite3_context_db_handle(ctx);
  if (zErr == 0) zErr = write_problem(call.db);
  if (zErr == 0 && !has_rollups(call.db)) {
    zErr = sqlite3_mprintf("usage_refresh: main has no rollup tables; run "
                           "SELECT usage_init() first");
  }
  if (zErr) {
    usage_result_error(ctx, zErr);
    return;
  }
  rc = refresh_all(&call, eScope, nBudget);
  sqlite3_free(call.azMonth);
  if (rc != SQLITE_OK) {
    if (rc == SQLITE_NOMEM && call.zErr == 0) {
      sqlite3_result_error_nomem(ctx);
    } else {
      usage_result_error(ctx, call.zErr ? call.zErr
                                        : sqlite3_mprintf("usage_refresh: %s",
                                                          sqlite3_errstr(rc)));
    }
    return;
  }
  sqlite3_free(call.zErr);
  sqlite3_result_int64(ctx, call.nWritten);
}

int usage_register_rollups(sqlite3 *db) {
  const int flags = SQLITE_UTF8 | SQLITE_DIRECTONLY;
  int rc = sqlite3_create_function(db, "usage__rollup_add", 3 + RF_NAMOUNT,
                                   flags, 0, 0, rf_add_step, rf_add_final);
  int n;
  for (n = 0; rc == SQLITE_OK && n <= 2; n++) {
    rc = sqlite3_create_function(db, "usage_refresh", n, flags, 0, fn_refresh, 0, 0);
  }
  return rc;
}
