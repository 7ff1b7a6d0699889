/*
** rollzone/rollup_zone.c: the reporting zone of the rollups, and its days.
**
**   SELECT usage_config('rollup_tz', 'America/New_York');
**   SELECT usage_refresh();  -- day rows are New York dates from here on
**
** Reads usage_meta's 'rollup_tz' and answers, for usage_refresh(),
** usage_buckets and usage_config(), where the local days and months of
** that zone start. See rollzone/rollup_zone.h.
*/
#include <string.h>

#include "rollzone/rollup_zone.h"
SQLITE_EXTENSION_INIT3

int usage_rollup_tz_is_utc(const char *z, int n) {
  return n == 0 || (n == 3 && memcmp(z, "UTC", 3) == 0);
}

int usage_rollup_zone_open(const char *z, UsageZone **ppZone) {
  const char *zWhy;
  int n = (int)strlen(z), i;
  *ppZone = 0;
  if (usage_rollup_tz_is_utc(z, n)) return SQLITE_OK;
  i = usage_zone_find(z, n);
  if (i < 0) return SQLITE_ERROR;
  *ppZone = sqlite3_malloc(sizeof(UsageZone));
  if (*ppZone == 0) return SQLITE_NOMEM;
  if (usage_zone_load(i, *ppZone, &zWhy)) {
    sqlite3_free(*ppZone);
    *ppZone = 0;
    return SQLITE_ERROR;
  }
  return SQLITE_OK;
}

int usage_rollup_tz_read(sqlite3 *db, const char *zSchema, char **pzName) {
  char *zSql = sqlite3_mprintf("SELECT value FROM \"%w\".usage_meta WHERE "
                               "key = '" USAGE_ROLLUP_TZ_KEY "'",
                               zSchema);
  sqlite3_stmt *pStmt = 0;
  int rc;
  *pzName = 0;
  if (zSql == 0) return SQLITE_NOMEM;
  rc = sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0);
  sqlite3_free(zSql);
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(pStmt);
    if (rc == SQLITE_ROW && sqlite3_column_type(pStmt, 0) == SQLITE_TEXT) {
      *pzName = sqlite3_mprintf("%s", sqlite3_column_text(pStmt, 0));
    } else {
      *pzName = sqlite3_mprintf("%s", USAGE_ROLLUP_TZ_UTC);
    }
    rc = sqlite3_finalize(pStmt);
    if (rc == SQLITE_OK && *pzName == 0) rc = SQLITE_NOMEM;
  }
  if (rc != SQLITE_OK) {
    sqlite3_free(*pzName);
    *pzName = 0;
  }
  return rc;
}

int64_t usage_rollup_day_of(const UsageZone *pZ, int64_t t) {
  int64_t w = t + usage_zone_offset(pZ, t, 0);
  return usage_floor_div(w, USAGE_DAY_SECS);
}

int64_t usage_rollup_day_start(const UsageZone *pZ, int64_t d) {
  if (pZ == 0) return d * USAGE_DAY_SECS;
  return usage_zone_from_local(pZ, d * USAGE_DAY_SECS);
}

int64_t usage_rollup_day_floor(const UsageZone *pZ, int64_t t) {
  return usage_rollup_day_start(pZ, usage_rollup_day_of(pZ, t));
}

int64_t usage_rollup_day_ceil(const UsageZone *pZ, int64_t t) {
  int64_t d = usage_rollup_day_of(pZ, t);
  int64_t f = usage_rollup_day_start(pZ, d);
  return f == t ? t : usage_rollup_day_start(pZ, d + 1);
}

/* The local date (y, m) of instant t. */
static void local_month(const UsageZone *pZ, int64_t t, int64_t *pY, int *pM) {
  int d;
  usage_civil_from_days(usage_rollup_day_of(pZ, t), pY, pM, &d);
}

int64_t usage_rollup_month_floor(const UsageZone *pZ, int64_t t) {
  int64_t y;
  int m;
  local_month(pZ, t, &y, &m);
  return usage_rollup_day_start(pZ, usage_days_from_civil(y, m, 1));
}

int64_t usage_rollup_month_after(const UsageZone *pZ, int64_t t) {
  int64_t y;
  int m;
  local_month(pZ, t, &y, &m);
  if (m == 12) {
    return usage_rollup_day_start(pZ, usage_days_from_civil(y + 1, 1, 1));
  }
  return usage_rollup_day_start(pZ, usage_days_from_civil(y, m + 1, 1));
}

void usage_rollup_day_text(int64_t d, char *zOut) {
  int64_t y;
  int m, dd;
  usage_civil_from_days(d, &y, &m, &dd);
  sqlite3_snprintf(11, zOut, "%04lld-%02d-%02d", (long long)y, m, dd);
}

void usage_rollup_mark_text(const UsageZone *pZ, int64_t d, char *zOut) {
  if (pZ == 0) {
    usage_rollup_day_text(d, zOut);
  } else {
    usage_time_format(usage_rollup_day_start(pZ, d), zOut);
  }
}

int usage_rollup_mark_day(const UsageZone *pZ, const char *z, int64_t *pD) {
  int n = (int)strlen(z);
  int64_t t;
  const char *zWhy;
  /* Each zone writes one form: a day text in UTC, a ts in a zone. A mark
  ** of the other form was written in another zone. */
  if (pZ == 0) {
    if (n != 10 || usage_time_parse(z, 10, &t, &zWhy)) return 1;
  } else if (n != USAGE_TS_LEN || usage_time_parse_canonical(z, n, &t)) {
    return 1;
  }
  *pD = usage_rollup_day_of(pZ, t);
  return usage_rollup_day_start(pZ, *pD) == t ? 0 : 1;
}
