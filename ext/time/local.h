/*
** time/local.h: time buckets in a time zone's local calendar, plain C.
**
** Widths of whole days or weeks, and months, quarters and years, follow the
** local calendar of the zone: a bucket starts at a local wall time (local
** midnight for the default origin) and a local day on a DST change is 23 or
** 25 hours long. Other widths ('15 minutes', '1 hour', '36 hours') are
** elapsed time, counted from the origin's instant, so they neither repeat
** nor skip at a change. Bucket starts and ends are UTC instants; a wall
** time is mapped to an instant by usage_zone_from_local() (the first
** instant at or after which the clock reads it, see time/zone.h). A local
** bucket that has no instant at all, such as Pacific/Apia's 2011-12-30, is
** skipped: the bucket before it ends where the one after it starts.
**
** With a NULL zone everything is UTC and equals usage_bucket_start() and
** usage_bucket_next() of time/time.h.
*/
#ifndef USAGE_LOCAL_H
#define USAGE_LOCAL_H

#include <stdint.h>

#include "time/time.h"
#include "time/zone.h"

/* A width in a zone, with its origin both as an instant and as a wall time. */
typedef struct UsageLocalWidth {
  UsageWidth w;
  const UsageZone *pZone; /* NULL: UTC */
  int bCalendar;          /* 1: local-calendar arithmetic on wall times */
  int64_t origin;         /* origin instant */
  int64_t originWall;     /* origin's local wall time */
} UsageLocalWidth;

/* The default origin's wall time: local midnight of 2000-01-03 (a Monday);
** for month widths, of 2000-01-01 (only its month, January, matters). */
int64_t usage_local_default_origin(const UsageWidth *pW);

/* Set up *p for width *pW in zone pZone (NULL: UTC). The origin is *pOrigin,
** a wall time when isWall, else an instant; NULL means the default. For
** month widths the origin must be local 00:00:00 on the first of a month.
** Returns 0, or 1 and sets *pzWhy. *pZone must outlive *p. */
int usage_local_width_init(UsageLocalWidth *p, const UsageWidth *pW,
                           const UsageZone *pZone, const int64_t *pOrigin,
                           int isWall, const char **pzWhy);

/* The bucket [*pStart, *pEnd) holding instant t. *pEnd is USAGE_TS_MAX + 1
** when the next bucket would start after the year 9999. Returns 0, or 1
** when the start falls outside the years 0000-9999. */
int usage_local_bucket(const UsageLocalWidth *p, int64_t t, int64_t *pStart,
                       int64_t *pEnd);

#endif /* USAGE_LOCAL_H */
