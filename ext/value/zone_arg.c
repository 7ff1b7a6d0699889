/*
** value/zone_arg.c: time zones and zone-local timestamps from SQL values,
** for every function and table that takes a tz.
**
**   SELECT usage_bucket('2025-10-26T12:00:00Z', 'day', NULL, 'Europe/London');
**     -- '2025-10-25T23:00:00Z': the zone 'Europe/London' comes through here
**   SELECT usage_local('2025-03-30 01:30', 'Europe/London');
**     -- '2025-03-30T02:00:00+01:00': text without an offset is local time
**
** A zone value is an IANA name, found in the compiled-in data (time/zone.c)
** and decoded into memory from sqlite3_malloc; NULL or '' means UTC, which
** is a NULL zone pointer. A function keeps the decoded zone as its
** argument's auxiliary data, so a statement with a constant zone decodes it
** once. A timestamp text without 'Z' or an offset, given with a zone, is a
** local wall time there and is mapped to an instant by the gap and overlap
** rule of time/zone.h.
*/
#include <string.h>

#include "value/zone_arg.h"
SQLITE_EXTENSION_INIT3

/* True when a zone value means UTC: NULL or the empty text. */
static int zone_is_utc(sqlite3_value *pVal) {
  int e = sqlite3_value_type(pVal);
  return e == SQLITE_NULL ||
         (e == SQLITE_TEXT && sqlite3_value_bytes(pVal) == 0);
}

int usage_zone_open(sqlite3_value *pVal, const char *zWhat, UsageZone **ppZone,
                    char **pzErr) {
  const char *zWhy = 0;
  UsageZone *pZ;
  int i = -1;
  *ppZone = 0;
  *pzErr = 0;
  if (zone_is_utc(pVal)) return SQLITE_OK;
  if (sqlite3_value_type(pVal) == SQLITE_TEXT) {
    i = usage_zone_find((const char *)sqlite3_value_text(pVal),
                        sqlite3_value_bytes(pVal));
  }
  if (i < 0) {
    char *zRepr = usage_value_repr(pVal);
    *pzErr =
        zRepr ? sqlite3_mprintf("%s: unknown time zone %s", zWhat, zRepr) : 0;
    sqlite3_free(zRepr);
    return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
  }
  pZ = sqlite3_malloc(sizeof(*pZ));
  if (pZ == 0) return SQLITE_NOMEM;
  if (usage_zone_load(i, pZ, &zWhy)) {
    *pzErr = sqlite3_mprintf("%s: time zone '%s': %s", zWhat,
                             usage_zone_name(i), zWhy);
    sqlite3_free(pZ);
    return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
  }
  *ppZone = pZ;
  return SQLITE_OK;
}

/* True when the cached zone pZ is the one the value names. */
static int zone_matches(const UsageZone *pZ, sqlite3_value *pVal) {
  const char *zName = usage_zone_name(pZ->iZone);
  int n = sqlite3_value_bytes(pVal);
  return sqlite3_value_type(pVal) == SQLITE_TEXT && (int)strlen(zName) == n &&
         memcmp(sqlite3_value_text(pVal), zName, n) == 0;
}

int usage_zone_arg(sqlite3_context *ctx, sqlite3_value **argv, int iArg,
                   const char *zWhat, const UsageZone **ppZone) {
  UsageZone *pZ = sqlite3_get_auxdata(ctx, iArg);
  char *zErr = 0;
  int rc;
  *ppZone = 0;
  if (zone_is_utc(argv[iArg])) return 0;
  if (pZ && zone_matches(pZ, argv[iArg])) {
    *ppZone = pZ;
    return 0;
  }
  rc = usage_zone_open(argv[iArg], zWhat, &pZ, &zErr);
  if (rc != SQLITE_OK) {
    if (rc == SQLITE_NOMEM) {
      sqlite3_result_error_nomem(ctx);
    } else {
      usage_result_error(ctx, zErr);
    }
    return 1;
  }
  /* SQLite keeps auxiliary data at least until this call returns, except
  ** when it runs out of memory storing it: then it frees pZ at once. */
  sqlite3_set_auxdata(ctx, iArg, pZ, sqlite3_free);
  pZ = sqlite3_get_auxdata(ctx, iArg);
  if (pZ == 0) {
    sqlite3_result_error_nomem(ctx);
    return 1;
  }
  *ppZone = pZ;
  return 0;
}

/* True when a valid timestamp text carries Z or a UTC offset: after the
** fixed "YYYY-MM-DD", only a zone can hold 'Z', '+' or '-'. */
static int text_has_offset(const char *z, int n) {
  int i;
  for (i = 10; i < n; i++) {
    if (z[i] == 'Z' || z[i] == 'z' || z[i] == '+' || z[i] == '-') return 1;
  }
  return 0;
}

int usage_value_local_time(sqlite3_value *pVal, const char *zWhat, int64_t *pT,
                           int *pIsWall, char **pzErr) {
  int rc = usage_value_time(pVal, zWhat, pT, pzErr);
  *pIsWall = 0;
  if (rc == SQLITE_OK && sqlite3_value_type(pVal) == SQLITE_TEXT) {
    *pIsWall = !text_has_offset((const char *)sqlite3_value_text(pVal),
                                sqlite3_value_bytes(pVal));
  }
  return rc;
}

int usage_value_instant_in(sqlite3_value *pVal, const char *zWhat,
                           const UsageZone *pZone, int64_t *pT, char **pzErr) {
  int isWall;
  int rc = usage_value_local_time(pVal, zWhat, pT, &isWall, pzErr);
  if (rc == SQLITE_OK && isWall) *pT = usage_zone_from_local(pZone, *pT);
  return rc;
}
