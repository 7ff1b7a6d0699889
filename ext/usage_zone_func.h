/*
** usage_zone_func.h: the zone argument helpers of usage_zone_func.c, for
** the SQL functions and tables that take a time zone.
**
**   const UsageZone *pZ;
**   if (usage_zone_arg(ctx, argv, 3, "usage_bucket", &pZ)) return;
**
** A NULL or '' zone is UTC: *ppZone is then NULL.
*/
#ifndef USAGE_ZONE_FUNC_H
#define USAGE_ZONE_FUNC_H

#include "usage.h"
#include "usage_zone.h"

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

#endif /* USAGE_ZONE_FUNC_H */
