/*
** functions/zone_func.c: the time zone SQL functions usage_local and
** usage_tz_version.
**
**   SELECT usage_local('2025-07-01T00:00:00Z', 'Europe/London');
**     -- '2025-07-01T01:00:00+01:00'
**   SELECT usage_local('2025-01-15T12:00:00Z', 'Asia/Kathmandu');
**     -- '2025-01-15T17:45:00+05:45'
**   SELECT usage_local('2025-03-30 01:30', 'Europe/London');
**     -- '2025-03-30T02:00:00+01:00'  (01:30 was skipped)
**   SELECT usage_tz_version();
**     -- '2025b'
**
** A zone is an IANA name such as 'Europe/London', looked up in the data
** compiled into the extension (time/zone.c), so no file is read at query
** time and the answers are the same on every host. NULL or '' means UTC.
** Both functions are SQLITE_DETERMINISTIC and SQLITE_INNOCUOUS. The zone
** argument is read by value/zone_arg.c, which caches the decoded zone.
*/
#include "usage_register.h"
#include "value/value.h"
#include "value/zone_arg.h"
SQLITE_EXTENSION_INIT3

/* usage_local(ts, tz): the local time of ts in zone tz, with its offset.
** Text without an offset is already local time there; it comes back with
** its offset, resolved by the gap and overlap rule. */
static void fn_local(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  const UsageZone *pZ;
  char zOut[USAGE_ZONE_TEXT_MAX + 1];
  char *zErr = 0;
  int64_t t;
  int n;
  (void)argc;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return;
  if (usage_zone_arg(ctx, argv, 1, "usage_local", &pZ)) return;
  if (usage_value_instant_in(argv[0], "usage_local", pZ, &t, &zErr) !=
      SQLITE_OK) {
    usage_result_error(ctx, zErr);
    return;
  }
  n = usage_zone_format(pZ, t, zOut);
  if (n == 0) {
    usage_result_error(ctx,
                       sqlite3_mprintf("usage_local: the local time of %lld "
                                       "is outside the years 0000-9999",
                                       (long long)t));
    return;
  }
  sqlite3_result_text(ctx, zOut, n, SQLITE_TRANSIENT);
}

/* usage_tz_version(): the tzdata version compiled in, e.g. '2025b'. */
static void fn_tz_version(sqlite3_context *ctx, int argc,
                          sqlite3_value **argv) {
  (void)argc;
  (void)argv;
  sqlite3_result_text(ctx, usage_zone_version(), -1, SQLITE_STATIC);
}

int usage_register_zone_functions(sqlite3 *db) {
  const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
  int rc =
      sqlite3_create_function(db, "usage_local", 2, flags, 0, fn_local, 0, 0);
  if (rc == SQLITE_OK) {
    rc = sqlite3_create_function(db, "usage_tz_version", 0, flags, 0,
                                 fn_tz_version, 0, 0);
  }
  return rc;
}
