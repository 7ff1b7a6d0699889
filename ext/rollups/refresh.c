/*
** rollups/refresh.c: usage_refresh(), which builds and repairs the rollups.
**
**   SELECT usage_refresh();               -- every scope, all that is stale
**   SELECT usage_refresh('project');      -- one scope
**   SELECT usage_refresh('machine', 30);  -- at most 30 days in this call
**   SELECT usage_refresh(NULL, 30);       -- every scope, 30 days in all
**   SELECT * FROM usage_rollup_status;    -- watermark, dirty days, rows
**
** The rollup tables of migration 3 (sql/migrations/003_rollups.sql) hold
** per scope, day or month and key the row count and the sum of each
** amount, for the days before the scope's watermark. Days and months are
** UTC, or local ones of the zone usage_config('rollup_tz') names
** (rollzone/rollup_zone.h): a dirty mark then names a UTC day, and the local
** days overlapping it are recomputed; the watermark is the canonical ts
** of the local midnight it stands for. A call, for each scope
** in turn and within its budget of max_days day rollups:
**   1. recomputes every day marked in usage_rollup_dirty, oldest first,
**      from the fact_usage rows of that day, and clears its mark;
**   2. extends the rollups over complete days: from the watermark (or the
**      first day with rows, when nothing is built) up to the day of the
**      newest row of the scope, which stays unbuilt while it may still
**      fill; a day is complete once a later day has a row, or a row in its
**      last hour (its 23:00 in UTC). The watermark moves to the first day
**      not built;
**   3. recomputes the month rows of every month with a dirty day, from
**      the day rows; a newly built day is added to its month row as it is
**      written (a month row is the sum of its day rows either way).
** Sums are always recomputed from rows, never adjusted by subtracting
** deltas (which drift with REAL numbers), and a
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

#include "rollups/refresh.h"
#include "usage_register.h"
#include "vtab/vtab.h"
SQLITE_EXTENSION_INIT3

/* ---- one scope --------------------------------------------------------- */

/* The canonical ts of the first instant of local day d. */
static void day_ts(const RfCall *pCall, int64_t d, char *zOut) {
  usage_time_format(usage_rollup_day_start(pCall->pZone, d), zOut);
}

/* The local day of canonical ts z; 1 when z is not canonical. */
static int ts_day(const RfCall *pCall, const char *z, int64_t *pD) {
  int64_t t;
  if (strlen(z) != USAGE_TS_LEN ||
      usage_time_parse_canonical(z, USAGE_TS_LEN, &t)) {
    return 1;
  }
  *pD = usage_rollup_day_of(pCall->pZone, t);
  return 0;
}

/* Whether the newest row, at zTs in local day d, lies in the day's last
** hour: then no later hour can come, so the day is built now instead of
** staying raw until a later day has a row (a late row marks it dirty). */
static int day_is_full(const RfCall *pCall, const char *zTs, int64_t d) {
  int64_t t;
  if (usage_time_parse_canonical(zTs, USAGE_TS_LEN, &t)) return 0;
  return t + 3600 >= usage_rollup_day_start(pCall->pZone, d + 1);
}

/* Recompute local day d of a scope from its fact rows, as one dirty day. */
static int recompute_day(RfCall *pCall, RfScan *s, const char *zScope,
                         int64_t d) {
  char zFrom[USAGE_TS_LEN + 1], zTo[USAGE_TS_LEN + 1];
  char zDay[RF_DAY_LEN + 1], zNext[RF_DAY_LEN + 1];
  int rc;
  day_ts(pCall, d, zFrom);
  day_ts(pCall, d + 1, zTo);
  rf_day_text(d, zDay);
  rf_day_text(d + 1, zNext);
  rc = rf_scan_range(pCall, s, zScope, zFrom, zTo);
  if (rc == SQLITE_OK) rc = rf_write_days(pCall, s, zScope, zDay, zNext, 0);
  if (rc == SQLITE_OK) rc = rf_month_touch(pCall, zDay);
  return rc;
}

/* Recompute the dirty days of a scope before its watermark, local day dWm,
** oldest first, at most *pBudget of them; clear their marks. A mark names
** a UTC day (the triggers know no zone): the local days that overlap it,
** at most two, are the ones recomputed. */
static int refresh_dirty(RfCall *pCall, RfScan *s, const char *zScope,
                         int64_t dWm, sqlite3_int64 *pBudget) {
  int64_t dLast = INT64_MIN;
  sqlite3_stmt *pList, *pDel;
  char(*azDay)[RF_DAY_LEN + 1] = 0;
  int nDay = 0, nAlloc = 0, i, rc, rcStep;
  rc = rf_call_stmt(pCall, RS_DIRTY_LIST, 0, &pList);
  if (rc == SQLITE_OK) rc = rf_call_stmt(pCall, RS_DIRTY_DELETE, 0, &pDel);
  if (rc != SQLITE_OK) return rc;
  rc = rf_bind_texts(pList, 1, zScope);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int64(pList, 2, *pBudget);
  if (rc != SQLITE_OK) return rf_call_error(pCall, rc, "cannot bind");
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
    rc = rf_call_error(pCall, sqlite3_reset(pList),
                       "cannot read usage_rollup_dirty");
  }
  sqlite3_reset(pList);
  for (i = 0; rc == SQLITE_OK && i < nDay; i++) {
    int64_t dUtc, d, dEnd;
    if (rf_day_number(azDay[i], &dUtc)) {
      pCall->zErr = sqlite3_mprintf("usage_refresh: usage_rollup_dirty has "
                                    "'%q' for scope '%s', which is not a day "
                                    "'YYYY-MM-DD'",
                                    azDay[i], zScope);
      rc = SQLITE_ERROR;
      break;
    }
    d = usage_rollup_day_of(pCall->pZone, dUtc * USAGE_DAY_SECS);
    dEnd = usage_rollup_day_of(pCall->pZone,
                               dUtc * USAGE_DAY_SECS + USAGE_DAY_SECS - 1);
    if (d <= dLast) d = dLast + 1;
    for (; rc == SQLITE_OK && d <= dEnd && d < dWm; d++) {
      rc = recompute_day(pCall, s, zScope, d);
      dLast = d;
      pCall->nWritten++;
      (*pBudget)--;
    }
    if (rc == SQLITE_OK) rc = rf_bind_texts(pDel, 2, zScope, azDay[i]);
    if (rc == SQLITE_OK) rc = rf_stmt_exec(pCall, pDel);
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
    rc = rf_call_stmt(pCall, aClear[i], 0, &pStmt);
    if (rc != SQLITE_OK) break;
    rc = aClear[i] == RS_DAY_DELETE
             ? rf_bind_texts(pStmt, 3, zScope, "", "\x7f")
             : rf_bind_texts(pStmt, 1, zScope);
    if (rc == SQLITE_OK) rc = rf_stmt_exec(pCall, pStmt);
  }
  return rc;
}

/* How many days the next chunk of a build may scan, given the keys per
** day of the last chunk, so its cells stay within RF_CELL_BUDGET. */
static int64_t chunk_days(const RfScan *s, int64_t nLeft,
                          sqlite3_int64 nBudget) {
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

/* Extend a scope's rollups over its complete local days, from zWm (the
** watermark, "" when nothing is built) toward the day of its newest row,
** within *pBudget days with rows. zWm becomes the new watermark. */
static int refresh_extend(RfCall *pCall, RfScan *s, const char *zScope,
                          char *zWm, sqlite3_int64 *pBudget) {
  sqlite3_stmt *pMin, *pMax;
  char zHi[RF_TEXT_LEN + 1], zLo[RF_TEXT_LEN + 1];
  int64_t lo, hi, lo0;
  int rc = rf_call_stmt(pCall, RS_TS_MIN, 0, &pMin);
  if (rc == SQLITE_OK) rc = rf_call_stmt(pCall, RS_TS_MAX, 0, &pMax);
  if (rc == SQLITE_OK) rc = rf_query_day(pCall, pMax, zScope, 0, zHi);
  if (rc == SQLITE_OK) rc = rf_query_day(pCall, pMin, zScope, zWm, zLo);
  if (rc != SQLITE_OK || zHi[0] == 0 || zLo[0] == 0) return rc;
  if (ts_day(pCall, zLo, &lo) || ts_day(pCall, zHi, &hi)) {
    pCall->zErr = sqlite3_mprintf("usage_refresh: fact_usage has a %s row "
                                  "whose ts is not canonical",
                                  zScope);
    return SQLITE_ERROR;
  }
  if (day_is_full(pCall, zHi, hi)) hi++;
  lo0 = lo;
  while (rc == SQLITE_OK && lo<hi && * pBudget> 0) {
    char zFrom[RF_DAY_LEN + 1], zTo[RF_DAY_LEN + 1];
    char zTsFrom[USAGE_TS_LEN + 1], zTsTo[USAGE_TS_LEN + 1];
    int64_t end = lo + chunk_days(s, hi - lo, *pBudget);
    rf_day_text(lo, zFrom);
    rf_day_text(end, zTo);
    day_ts(pCall, lo, zTsFrom);
    day_ts(pCall, end, zTsTo);
    rc = rf_scan_range(pCall, s, zScope, zTsFrom, zTsTo);
    if (rc == SQLITE_OK) rc = rf_write_days(pCall, s, zScope, zFrom, zTo, 1);
    if (rc != SQLITE_OK) break;
    pCall->nWritten += s->nDay;
    *pBudget -= s->nDay;
    lo = end;
    if (s->nDay == 0) {
      /* A gap: go on from the next day with rows. */
      char zNext[RF_TEXT_LEN + 1];
      rc = rf_query_day(pCall, pMin, zScope, zTsTo, zNext);
      if (rc == SQLITE_OK &&
          (zNext[0] == 0 || ts_day(pCall, zNext, &lo) || lo > hi)) {
        lo = hi;
      }
    }
  }
  if (rc == SQLITE_OK) {
    char zNew[RF_TEXT_LEN + 1];
    usage_rollup_mark_text(pCall->pZone, lo, zNew);
    /* From nothing to nothing built, the scope stays unbuilt. */
    if ((zWm[0] != 0 || lo != lo0) && strcmp(zNew, zWm) > 0) {
      memcpy(zWm, zNew, RF_TEXT_LEN + 1);
    }
  }
  return rc;
}

/* Refresh one scope within *pBudget day rollups. */
static int refresh_scope(RfCall *pCall, int eScope, sqlite3_int64 *pBudget) {
  const char *zScope = usage_scope_name(eScope);
  sqlite3_stmt *pGet, *pSet;
  RfScan s;
  char zWm[RF_TEXT_LEN + 1], zOld[RF_TEXT_LEN + 1];
  int64_t d = 0, t;
  int rc;
  memset(&s, 0, sizeof(s));
  s.eScope = eScope;
  s.pZone = pCall->pZone;
  /* The scan reads this scope's key column: prepare it anew. */
  sqlite3_finalize(pCall->aStmt[RS_SCAN]);
  pCall->aStmt[RS_SCAN] = 0;
  rc = rf_call_stmt(pCall, RS_STATE_GET, 0, &pGet);
  if (rc == SQLITE_OK) rc = rf_query_day(pCall, pGet, zScope, 0, zWm);
  if (rc == SQLITE_OK && zWm[0] != 0 && rf_day_number(zWm, &t) &&
      (strlen(zWm) != USAGE_TS_LEN ||
       usage_time_parse_canonical(zWm, USAGE_TS_LEN, &t))) {
    pCall->zErr = sqlite3_mprintf("usage_refresh: usage_rollup_state has "
                                  "watermark '%q' for scope '%s', which is "
                                  "not a day 'YYYY-MM-DD'",
                                  zWm, zScope);
    rc = SQLITE_ERROR;
  }
  memcpy(zOld, zWm, sizeof(zOld));
  /* A watermark that is not a local midnight of the zone (one written in
  ** another zone) covers no whole day: rebuild the scope. */
  if (rc == SQLITE_OK && zWm[0] != 0 &&
      usage_rollup_mark_day(pCall->pZone, zWm, &d)) {
    zWm[0] = 0;
  }
  if (rc == SQLITE_OK && zWm[0] == 0) rc = refresh_clear(pCall, zScope);
  if (rc == SQLITE_OK && zWm[0] != 0)
    rc = refresh_dirty(pCall, &s, zScope, d, pBudget);
  if (rc == SQLITE_OK) rc = refresh_extend(pCall, &s, zScope, zWm, pBudget);
  if (rc == SQLITE_OK) rc = rf_write_months(pCall, zScope);
  if (rc == SQLITE_OK && strcmp(zWm, zOld) != 0) {
    rc = rf_call_stmt(pCall, RS_STATE_SET, 0, &pSet);
    if (rc == SQLITE_OK) {
      rc = zWm[0] ? rf_bind_texts(pSet, 2, zScope, zWm)
                  : rf_bind_texts(pSet, 1, zScope);
      if (rc == SQLITE_OK && zWm[0] == 0) rc = sqlite3_bind_null(pSet, 2);
      if (rc == SQLITE_OK) rc = rf_stmt_exec(pCall, pSet);
    }
  }
  rf_scan_free(&s);
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
  if (sqlite3_prepare_v2(db,
                         "SELECT 1 FROM main.sqlite_master WHERE "
                         "name = 'usage_rollup_state'",
                         -1, &pStmt, 0) == SQLITE_OK) {
    bHas = sqlite3_step(pStmt) == SQLITE_ROW;
  }
  sqlite3_finalize(pStmt);
  return bHas;
}

/* Decode rollup_tz into pCall->pZone. On an error *pzErr gets its message,
** left NULL when memory ran out (SQLITE_NOMEM, whose message would be
** "not an error" when our own allocation failed). */
static int open_zone(RfCall *pCall, char **pzErr) {
  char *zName = 0;
  int rc = usage_rollup_tz_read(pCall->db, "main", &zName);
  if (rc == SQLITE_OK) rc = usage_rollup_zone_open(zName, &pCall->pZone);
  if (rc == SQLITE_ERROR && zName) {
    *pzErr = sqlite3_mprintf("usage_refresh: usage_meta has rollup_tz '%q', "
                             "which is not a known time zone",
                             zName);
  } else if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_NOMEM) {
    *pzErr = sqlite3_mprintf("usage_refresh: cannot read rollup_tz: %s",
                             sqlite3_errmsg(pCall->db));
  }
  sqlite3_free(zName);
  return rc;
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
      char *zErr =
          zRepr
              ? sqlite3_mprintf(
                    "usage_refresh: scope must be 'ada', 'project', 'machine', 'user' "
                    "or NULL for all, got %s%s",
                    zRepr,
                    z && strcmp(z, "group") == 0
                        ? " (groups are served from the user rollups)"
                        : "")
              : 0;
      sqlite3_free(zRepr);
      return zErr ? zErr : sqlite3_mprintf("");
    }
  }
  if (argc > 1 && sqlite3_value_type(argv[1]) != SQLITE_NULL) {
    if (sqlite3_value_type(argv[1]) != SQLITE_INTEGER ||
        sqlite3_value_int64(argv[1]) < 0) {
      char *zRepr = usage_value_repr(argv[1]);
      char *zErr =
          zRepr
              ? sqlite3_mprintf(
                    "usage_refresh: max_days must be an integer >= 0 or NULL for no "
                    "limit, got %s",
                    zRepr)
              : 0;
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
  if (rc != SQLITE_OK)
    return rf_call_error(pCall, rc, "cannot start a savepoint");
  /* A write first, so the lock is taken before anything is read. */
  rc = sqlite3_exec(pCall->db,
                    "INSERT OR IGNORE INTO main.usage_rollup_state"
                    "(scope) VALUES ('ada'), ('project'), ('machine'), "
                    "('user')",
                    0, 0, 0);
  if (rc != SQLITE_OK) rc = rf_call_error(pCall, rc, "cannot write");
  for (e = USAGE_SCOPE_ADA; rc == SQLITE_OK && e <= USAGE_SCOPE_USER; e++) {
    if (eScope < 0 || e == eScope) rc = refresh_scope(pCall, e, &nBudget);
  }
  for (i = 0; i < RS_COUNT; i++) {
    sqlite3_finalize(pCall->aStmt[i]);
    pCall->aStmt[i] = 0;
  }
  if (rc == SQLITE_OK) {
    rc = sqlite3_exec(pCall->db, "RELEASE usage_refresh", 0, 0, 0);
    if (rc != SQLITE_OK) rc = rf_call_error(pCall, rc, "cannot commit");
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
  if (zErr == 0 && usage_schema_absent(call.db, "main")) {
    zErr = sqlite3_mprintf("usage_refresh: no usage schema in main; run "
                           "SELECT usage_init()");
  }
  if (zErr == 0 && !has_rollups(call.db)) {
    zErr = sqlite3_mprintf("usage_refresh: main has no rollup tables; run "
                           "SELECT usage_init() first");
  }
  if (zErr == 0 && open_zone(&call, &zErr) != SQLITE_OK && zErr == 0) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (zErr) {
    usage_result_error(ctx, zErr);
    return;
  }
  rc = refresh_all(&call, eScope, nBudget);
  sqlite3_free(call.azMonth);
  sqlite3_free(call.pZone);
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
  int rc = rf_register_scan(db);
  int n;
  for (n = 0; rc == SQLITE_OK && n <= 2; n++) {
    rc = sqlite3_create_function(db, "usage_refresh", n, flags, 0, fn_refresh,
                                 0, 0);
  }
  return rc;
}
