/*
** rollzone/rollup_zone.h: the reporting zone of the rollups, and its days.
**
**   SELECT usage_config('rollup_tz', 'Europe/London');
**   -- the rollups then hold London days and months
**
** usage_meta key 'rollup_tz' names the zone whose local days and months
** the day and month rollups hold; absent, '' or 'UTC' means UTC, a NULL
** zone here. The day helpers count local days of that zone: day number d
** is the local date d days after 1970-01-01, starting at the instant
** usage_zone_from_local() gives for its midnight. With a NULL zone they
** are UTC days.
*/
#ifndef USAGE_ROLLUP_ZONE_H
#define USAGE_ROLLUP_ZONE_H

#include "sqlite3ext.h"
#include "time/time.h"
#include "time/zone.h"

/* The usage_meta key, and the value read back for UTC. */
#define USAGE_ROLLUP_TZ_KEY "rollup_tz"
#define USAGE_ROLLUP_TZ_UTC "UTC"

/* True when zone name z[0..n) means UTC: '' or 'UTC'. */
int usage_rollup_tz_is_utc(const char *z, int n);

/* Decode the zone named z (NUL-terminated) into *ppZone, from
** sqlite3_malloc (NULL for UTC). Returns SQLITE_OK, SQLITE_NOMEM, or
** SQLITE_ERROR when no zone has that name. */
int usage_rollup_zone_open(const char *z, UsageZone **ppZone);

/* The configured zone of schema zSchema as a name from sqlite3_mprintf
** ("UTC" when unset). SQLITE_OK, or an SQLite error (no usage_meta...). */
int usage_rollup_tz_read(sqlite3 *db, const char *zSchema, char **pzName);

/* Local day number of instant t, and the first instant of day d. */
int64_t usage_rollup_day_of(const UsageZone *pZ, int64_t t);
int64_t usage_rollup_day_start(const UsageZone *pZ, int64_t d);

/* The first instant of the local day holding t, and of the first local day
** starting at or after t. */
int64_t usage_rollup_day_floor(const UsageZone *pZ, int64_t t);
int64_t usage_rollup_day_ceil(const UsageZone *pZ, int64_t t);

/* The first instant of the local month holding t, and of the month after. */
int64_t usage_rollup_month_floor(const UsageZone *pZ, int64_t t);
int64_t usage_rollup_month_after(const UsageZone *pZ, int64_t t);

/* Text "YYYY-MM-DD" of day number d into zOut (11 bytes). */
void usage_rollup_day_text(int64_t d, char *zOut);

/* The watermark text of day number d: the day text with a NULL zone (as
** the UTC rollups always wrote it), else the canonical ts of the day's
** first instant, so the triggers' "ts < watermark" is exact in any zone.
** zOut holds USAGE_TS_LEN + 1 bytes. */
void usage_rollup_mark_text(const UsageZone *pZ, int64_t d, char *zOut);

/* The day number a watermark text stands for; 1 when it is not the form
** usage_rollup_mark_text() writes for the zone, or not the start of a
** local day there: it was written in another zone (by a tool that changed
** usage_meta directly), so nothing is served from the rollups and the next
** refresh rebuilds them. */
int usage_rollup_mark_day(const UsageZone *pZ, const char *z, int64_t *pD);

#endif /* USAGE_ROLLUP_ZONE_H */
