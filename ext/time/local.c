/*
** time/local.c: time buckets in a zone's local calendar, in plain C
** (see time/local.h).
**
** In SQL this sits under the tz argument of usage_bucket and usage_buckets:
**
**   SELECT usage_bucket('2025-03-30T12:00:00Z', '1 day', NULL,
**                       'Europe/London');
**     -- '2025-03-30T00:00:00Z'  (local midnight, still GMT)
**   SELECT usage_bucket('2025-07-01T12:00:00Z', '1 month', NULL,
**                       'Europe/London');
**     -- '2025-06-30T23:00:00Z'  (local midnight of 1 July, BST)
**
** Calendar widths floor the instant's wall time with time/time.c's own
** bucket arithmetic (which works on any seconds count, wall or UTC), then
** map the wall start back to an instant. Because that mapping is monotonic,
** the starts of successive buckets never decrease and the buckets tile
** time; a floor that an overlap put one bucket too early is stepped on.
*/
#include "time/local.h"

#include <stddef.h>

/* The "no representable end" value of a bucket after the year 9999. */
#define END_NONE (USAGE_TS_MAX + 1)

int64_t usage_local_default_origin(const UsageWidth *pW) {
  return pW->eKind == USAGE_WIDTH_MONTHS ? USAGE_ORIGIN_CALENDAR
                                         : USAGE_ORIGIN_FIXED;
}

/* True for the widths that follow the local calendar: months, and whole
** numbers of days. */
static int is_calendar(const UsageWidth *pW) {
  return pW->eKind == USAGE_WIDTH_MONTHS || pW->n % USAGE_DAY_SECS == 0;
}

int usage_local_width_init(UsageLocalWidth *p, const UsageWidth *pW,
                           const UsageZone *pZone, const int64_t *pOrigin,
                           int isWall, const char **pzWhy) {
  p->w = *pW;
  p->pZone = pZone;
  p->bCalendar = pZone != NULL && is_calendar(pW);
  if (pOrigin == NULL) {
    p->originWall = usage_local_default_origin(pW);
    p->origin = usage_zone_from_local(pZone, p->originWall);
  } else if (isWall) {
    p->originWall = *pOrigin;
    p->origin = usage_zone_from_local(pZone, *pOrigin);
  } else {
    p->origin = *pOrigin;
    p->originWall = *pOrigin + usage_zone_offset(pZone, *pOrigin, NULL);
  }
  if (!p->bCalendar) return usage_origin_check(pW, p->origin, pzWhy);
  if (usage_origin_check(pW, p->originWall, pzWhy)) return 1;
  if (p->origin < USAGE_TS_MIN || p->origin > USAGE_TS_MAX) {
    if (pzWhy) *pzWhy = "origin out of range (years 0000-9999)";
    return 1;
  }
  return 0;
}

/* Elapsed-time or UTC buckets: time/time.c's own arithmetic. */
static int fixed_bucket(const UsageLocalWidth *p, int64_t t, int64_t *pStart,
                        int64_t *pEnd) {
  if (usage_bucket_start(&p->w, p->origin, t, pStart)) return 1;
  if (usage_bucket_next(&p->w, *pStart, pEnd)) *pEnd = END_NONE;
  return 0;
}

int usage_local_bucket(const UsageLocalWidth *p, int64_t t, int64_t *pStart,
                       int64_t *pEnd) {
  int64_t wall, bw, nw, s, e;
  if (!p->bCalendar) return fixed_bucket(p, t, pStart, pEnd);
  wall = t + usage_zone_offset(p->pZone, t, NULL);
  if (usage_bucket_start(&p->w, p->originWall, wall, &bw)) return 1;
  s = usage_zone_from_local(p->pZone, bw);
  for (;;) {
    if (usage_bucket_next(&p->w, bw, &nw)) {
      e = END_NONE;
      break;
    }
    e = usage_zone_from_local(p->pZone, nw);
    if (e > t) break;
    bw = nw; /* t lies past this bucket (an overlap across its end) */
    s = e;
  }
  if (s < USAGE_TS_MIN || s > USAGE_TS_MAX) return 1;
  *pStart = s;
  *pEnd = e > USAGE_TS_MAX ? END_NONE : e;
  return 0;
}
