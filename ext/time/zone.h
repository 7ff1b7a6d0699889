/*
** time/zone.h: IANA time zones, compiled in, in plain C.
**
** This layer knows nothing about SQLite, like time/time.h. It finds a zone
** by name in the data that scripts/tzgen compiled from the tzdata package,
** decodes it into a UsageZone, and answers two questions: what is the UTC
** offset at an instant, and which instants have a given local time.
**
** An instant is unix seconds (UTC). A "wall" time is local civil time
** counted the same way: the unix seconds the local date and time would have
** if they were UTC. So wall = t + offset.
**
** The answers agree with Python's zoneinfo: the same TZif data, the same
** type before the first transition (the file's first non-DST type), and
** after the last transition the zone's POSIX TZ rule string, evaluated as
** zoneinfo does (per UTC year). Local times resolve by one rule, chosen so
** that it is monotonic and gives the first instant of a local day:
**
**   a local time maps to the first instant at or after which the local
**   clock reads that time. In an overlap (clocks go back) that is the first
**   occurrence, as zoneinfo's fold=0; in a gap (clocks go forward) it is
**   the instant of the change, i.e. the first valid local time after the
**   gap (zoneinfo's fold=0 instead shifts the time forward by the gap).
**
** A NULL UsageZone pointer means UTC everywhere. Nothing here allocates,
** prints or keeps global mutable state; failures return 1 and a static
** English reason.
*/
#ifndef USAGE_ZONE_H
#define USAGE_ZONE_H

#include <stdint.h>

/* Capacity of a decoded zone; scripts/tzgen refuses data that exceeds it. */
#define USAGE_ZONE_MAX_TRANS 512
#define USAGE_ZONE_MAX_TYPES 32

/* Length of usage_zone_format()'s longest text, without the NUL:
** "YYYY-MM-DDTHH:MM:SS+HH:MM:SS" (the ":SS" of the offset only when it is
** not zero). Buffers are USAGE_ZONE_TEXT_MAX + 1 bytes. */
#define USAGE_ZONE_TEXT_MAX 28

/* The date part of a POSIX TZ rule: "Jn", "n" or "Mm.w.d", and its time. */
typedef enum {
  USAGE_RULE_JULIAN = 0, /* Jn: day 1-365, February 29 never counted */
  USAGE_RULE_DAY = 1,    /* n: zero-based day 0-365, February 29 counted */
  USAGE_RULE_MONTH = 2   /* Mm.w.d: weekday d (0 Sunday) of week w of m */
} UsageRuleKind;

typedef struct UsageRuleDate {
  UsageRuleKind eKind;
  int n;        /* day for JULIAN and DAY */
  int m, w, d;  /* month 1-12, week 1-5 (5 = last), weekday 0-6 */
  int32_t secs; /* local time of day of the change, -167h to +167h */
} UsageRuleDate;

/* A POSIX TZ rule such as "GMT0BST,M3.5.0/1,M10.5.0" or "<+0545>-5:45".
** Offsets here are seconds east of UTC (the string counts them west). */
typedef struct UsageZoneRule {
  int32_t stdOff;      /* standard time's UTC offset */
  int32_t dstOff;      /* daylight time's, when hasDst */
  int hasDst;          /* 0: stdOff all year */
  UsageRuleDate start; /* daylight time starts (in standard time) */
  UsageRuleDate end;   /* daylight time ends (in daylight time) */
} UsageZoneRule;

/* A decoded zone: its transitions, their types and its rule. */
typedef struct UsageZone {
  int iZone;          /* index of its name: usage_zone_name(iZone) */
  int nTrans;         /* transitions in aTrans */
  int nType;          /* types in aOff/aDst */
  int iBefore;        /* type in force before aTrans[0] */
  int hasRule;        /* the TZif footer held a rule */
  int32_t maxAbsOff;  /* largest |offset| of any type or of the rule */
  UsageZoneRule rule; /* used after the last transition */
  int32_t aOff[USAGE_ZONE_MAX_TYPES];        /* each type's UTC offset */
  unsigned char aDst[USAGE_ZONE_MAX_TYPES];  /* each type's isdst */
  unsigned char aType[USAGE_ZONE_MAX_TRANS]; /* type from aTrans[i] on */
  int64_t aTrans[USAGE_ZONE_MAX_TRANS];      /* increasing, unix seconds */
} UsageZone;

/* The tzdata version built in, e.g. "2025b". */
const char *usage_zone_version(void);

/* Number of zone names built in, and the i-th in bytewise order (NULL when
** i is out of range). */
int usage_zone_count(void);
const char *usage_zone_name(int i);

/* Index of the zone named exactly z[0..n) (case matters, as in IANA
** names), or -1. A binary search of the sorted names. */
int usage_zone_find(const char *z, int n);

/* Decode zone i into *pZ. Returns 0, or 1 and sets *pzWhy. */
int usage_zone_load(int i, UsageZone *pZ, const char **pzWhy);

/* Parse a POSIX TZ rule string of n bytes into *pR: std name, offset
** [+-]hh[:mm[:ss]], optional dst name and offset (default std + 1 hour),
** then ",start[/time],end[/time]" when there is a dst name. Names are
** letters or "<...>" quoted. Returns 0, or 1 and sets *pzWhy. */
int usage_zone_rule_parse(const char *z, int n, UsageZoneRule *pR,
                          const char **pzWhy);

/* The wall time at which rule date *pD falls in year y. */
int64_t usage_zone_rule_wall(const UsageRuleDate *pD, int64_t y);

/* UTC offset in seconds at instant t; sets *pIsDst when pIsDst is not
** NULL. A NULL pZ is UTC. */
int32_t usage_zone_offset(const UsageZone *pZ, int64_t t, int *pIsDst);

/* The instants whose local time is wall: returns how many (0 in a gap, 1,
** or 2 in an overlap) and writes up to 2 of them, earliest first, to aT. */
int usage_zone_instants(const UsageZone *pZ, int64_t wall, int64_t aT[2]);

/* The first instant at or after which the local clock reads wall (the rule
** in the header comment): the only instant, the first of two in an
** overlap, or the instant of the change for a wall time in a gap. */
int64_t usage_zone_from_local(const UsageZone *pZ, int64_t wall);

/* Write "YYYY-MM-DDTHH:MM:SS+HH:MM" (plus ":SS" when the offset has
** seconds) and a NUL: the local time of t and its offset. Returns the
** length, or 0 when the local time lies outside the years 0000-9999. */
int usage_zone_format(const UsageZone *pZ, int64_t t, char *zOut);

#endif /* USAGE_ZONE_H */
