/*
** functions/func.c: the scalar SQL functions of the usage extension.
**
**   SELECT usage_version();                                  -- '0.1.0'
**   SELECT usage_ts('2024-03-01 01:30+02:00');      -- '2024-02-29T23:30:00Z'
**   SELECT usage_bucket('2024-03-06T10:00:00Z', 'week');
**                                                   -- '2024-03-04T00:00:00Z'
**   SELECT usage_bucket('2025-10-26T12:00Z', 'day', NULL, 'Europe/London');
**                                                   -- '2025-10-25T23:00:00Z'
**   SELECT usage_scope_check('project', 7, NULL, NULL);      -- 'project'
**   SELECT usage_intensity(SUM(busy_gCo2eq + idle_gCo2eq),
**                          SUM(busy_kwh + idle_kwh)) FROM fact_usage;
**
** Every function here is pure: SQLITE_DETERMINISTIC and SQLITE_INNOCUOUS,
** so CHECKs, indexes, views and triggers may use them under
** PRAGMA trusted_schema=OFF. The value helpers they use are in value/value.c.
*/
#include <stddef.h>

#include "time/local.h"
#include "usage_register.h"
#include "value/value.h"
#include "value/zone_arg.h"
SQLITE_EXTENSION_INIT3

/* usage_version(): the extension's version text. */
static void fn_version(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  (void)argv;
  sqlite3_result_text(ctx, USAGE_VERSION, -1, SQLITE_STATIC);
}

/* Set the result to the canonical text of t, or an out-of-range error. */
static void result_time(sqlite3_context *ctx, const char *zFunc, int64_t t) {
  char zOut[USAGE_TS_LEN + 1];
  if (usage_time_format(t, zOut)) {
    usage_result_error(ctx,
                       sqlite3_mprintf("%s: result %lld is outside the years "
                                       "0000-9999",
                                       zFunc, (long long)t));
    return;
  }
  sqlite3_result_text(ctx, zOut, USAGE_TS_LEN, SQLITE_TRANSIENT);
}

/* usage_ts(x): the canonical UTC text of a timestamp; NULL gives NULL. */
static void fn_ts(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  int64_t t;
  char *zErr = 0;
  int rc;
  (void)argc;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return;
  rc = usage_value_time(argv[0], "usage_ts", &t, &zErr);
  if (rc != SQLITE_OK) {
    usage_result_error(ctx, zErr);
    return;
  }
  result_time(ctx, "usage_ts", t);
}

/* Parse a width argument, or set an error naming it. Returns 0 on success. */
static int arg_width(sqlite3_context *ctx, sqlite3_value *pVal,
                     UsageWidth *pW) {
  const char *zWhy = "expected text such as '1 day'";
  if (sqlite3_value_type(pVal) == SQLITE_TEXT &&
      usage_width_parse((const char *)sqlite3_value_text(pVal),
                        sqlite3_value_bytes(pVal), pW, &zWhy) == 0) {
    return 0;
  }
  {
    char *zRepr = usage_value_repr(pVal);
    usage_result_error(ctx, zRepr
                                ? sqlite3_mprintf("usage_bucket: invalid width "
                                                  "%s: %s",
                                                  zRepr, zWhy)
                                : 0);
    sqlite3_free(zRepr);
  }
  return 1;
}

/* usage_bucket(ts, width [, origin [, tz]]): the canonical start of ts's
** bucket, in the local calendar of tz when it names a zone. With a zone,
** text without an offset (ts or origin) is local time there. */
static void fn_bucket(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  const UsageZone *pZone = 0;
  UsageWidth w;
  UsageLocalWidth lw;
  int64_t t, origin, start, end;
  char *zErr = 0;
  const char *zWhy = 0;
  int hasOrigin = argc > 2 && sqlite3_value_type(argv[2]) != SQLITE_NULL;
  int isWall = 0;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL ||
      sqlite3_value_type(argv[1]) == SQLITE_NULL) {
    return;
  }
  if (arg_width(ctx, argv[1], &w)) return;
  if (argc > 3 && usage_zone_arg(ctx, argv, 3, "usage_bucket", &pZone)) return;
  if (usage_value_instant_in(argv[0], "usage_bucket", pZone, &t, &zErr)) {
    usage_result_error(ctx, zErr);
    return;
  }
  if (hasOrigin && usage_value_local_time(argv[2], "usage_bucket: origin",
                                          &origin, &isWall, &zErr)) {
    usage_result_error(ctx, zErr);
    return;
  }
  if (usage_local_width_init(&lw, &w, pZone, hasOrigin ? &origin : NULL, isWall,
                             &zWhy)) {
    char *zRepr = usage_value_repr(hasOrigin ? argv[2] : argv[1]);
    usage_result_error(ctx,
                       zRepr ? sqlite3_mprintf("usage_bucket: invalid origin "
                                               "%s: %s",
                                               zRepr, zWhy)
                             : 0);
    sqlite3_free(zRepr);
    return;
  }
  if (usage_local_bucket(&lw, t, &start, &end)) {
    usage_result_error(
        ctx, sqlite3_mprintf("usage_bucket: the bucket of %lld starts "
                             "outside the years 0000-9999",
                             (long long)t));
    return;
  }
  result_time(ctx, "usage_bucket", start);
}

/* usage_scope_check(scope, project_id, machine_id, user_id): the scope when
** the ids fit it, else the UsageDB design's error. */
static void fn_scope_check(sqlite3_context *ctx, int argc,
                           sqlite3_value **argv) {
  static const char *const azField[3] = {"project_id", "machine_id", "user_id"};
  int bNoMem = 0;
  char *zErr;
  (void)argc;
  zErr = usage_scope_problem(
      argv[0], sqlite3_value_type(argv[1]) != SQLITE_NULL,
      sqlite3_value_type(argv[2]) != SQLITE_NULL,
      sqlite3_value_type(argv[3]) != SQLITE_NULL, azField, &bNoMem);
  if (zErr || bNoMem) {
    usage_result_error(ctx, zErr);
    return;
  }
  sqlite3_result_value(ctx, argv[0]);
}

/* Read argument i of usage_intensity as a number; 1 and an error if it is
** not one, 2 if it is NULL. */
static int arg_number(sqlite3_context *ctx, sqlite3_value **argv, int i,
                      const char *const *azName, double *pOut) {
  int isNull;
  if (usage_value_number(argv[i], pOut, &isNull)) {
    char *zRepr = usage_value_repr(argv[i]);
    usage_result_error(ctx,
                       zRepr ? sqlite3_mprintf("usage_intensity: %s must be a "
                                               "number, got %s",
                                               azName[i], zRepr)
                             : 0);
    sqlite3_free(zRepr);
    return 1;
  }
  return isNull ? 2 : 0;
}

/* usage_intensity(gco2, kwh) or (busy_g, idle_g, busy_kwh, idle_kwh): grams
** of CO2eq per kWh, or NULL when the energy is <= 0 or an argument is NULL. */
static void fn_intensity(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  static const char *const azTwo[] = {"gco2", "kwh"};
  static const char *const azFour[] = {"busy_g", "idle_g", "busy_kwh",
                                       "idle_kwh"};
  const char *const *azName = argc == 2 ? azTwo : azFour;
  double a[4] = {0, 0, 0, 0};
  double g, kwh;
  int i, anyNull = 0;
  for (i = 0; i < argc; i++) {
    int rc = arg_number(ctx, argv, i, azName, &a[i]);
    if (rc == 1) return;
    if (rc == 2) anyNull = 1;
  }
  if (anyNull) return;
  if (argc == 2) {
    g = a[0];
    kwh = a[1];
  } else {
    g = a[0] + a[1];
    kwh = a[2] + a[3];
  }
  if (!(kwh > 0)) return;
  sqlite3_result_double(ctx, g / kwh);
}

int usage_register_functions(sqlite3 *db) {
  static const struct {
    const char *zName;
    int nArg;
    void (*xFunc)(sqlite3_context *, int, sqlite3_value **);
  } aFunc[] = {
      {"usage_version", 0, fn_version},
      {"usage_ts", 1, fn_ts},
      {"usage_bucket", 2, fn_bucket},
      {"usage_bucket", 3, fn_bucket},
      {"usage_bucket", 4, fn_bucket},
      {"usage_scope_check", 4, fn_scope_check},
      {"usage_intensity", 2, fn_intensity},
      {"usage_intensity", 4, fn_intensity},
  };
  const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
  size_t i;
  for (i = 0; i < sizeof(aFunc) / sizeof(aFunc[0]); i++) {
    int rc = sqlite3_create_function(db, aFunc[i].zName, aFunc[i].nArg, flags,
                                     0, aFunc[i].xFunc, 0, 0);
    if (rc != SQLITE_OK) return rc;
  }
  return SQLITE_OK;
}
