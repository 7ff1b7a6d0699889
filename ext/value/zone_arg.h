/*
** value/zone_arg.h: the zone argument helpers of value/zone_arg.c, for
** the SQL functions and tables that take a time zone.
**
**   const UsageZone *pZ;
**   if (usage_zone_arg(ctx, argv, 3, "usage_bucket", &pZ)) return;
**
** A NULL or '' zone is UTC: *ppZone is then NULL.
*/
#ifndef USAGE_ZONE_ARG_H
#define USAGE_ZONE_ARG_H

#include "time/zone.h"
#include "value/value.h"

/* Decode the zone that pVal names into memory from sqlite3_malloc (free it
** with sqlite3_free), or set *pzErr (from sqlite3_mprintf) to e.g.
** "usage_bucket: unknown time zone 'Europe/Lundon'", zWhat naming the
** function or table. Returns SQLITE_OK, SQLITE_ERROR or SQLITE_NOMEM. */
int usage_zone_open(sqlite3_value *pVal, const char *zWhat, UsageZone **ppZone,
                    char **pzErr);

/* The zone of argument iArg of a function, kept as the argument's
** auxiliary data so a constant zone is decoded once per statement. Returns
** 0, or 1 after setting the function's error. */
int usage_zone_arg(sqlite3_context *ctx, sqlite3_value **argv, int iArg,
                   const char *zWhat, const UsageZone **ppZone);

/* A timestamp value as usage_value_time() reads it, and whether it is a
** local wall time: text without 'Z' or a UTC offset. Numbers and text with
** an offset are instants (*pIsWall = 0). */
int usage_value_local_time(sqlite3_value *pVal, const char *zWhat, int64_t *pT,
                           int *pIsWall, char **pzErr);

/* A timestamp value as an instant, text without an offset being local time
** in pZone (NULL: UTC), mapped by usage_zone_from_local(): in a gap, the
** instant of the change; in an overlap, the first reading. */
int usage_value_instant_in(sqlite3_value *pVal, const char *zWhat,
                           const UsageZone *pZone, int64_t *pT, char **pzErr);

#endif /* USAGE_ZONE_ARG_H */
