/*
** time/zone.c: IANA time zones, compiled in, in plain C (time/zone.h).
**
** The data comes from build/usage_zone_data.c, which scripts/tzgen writes
** from the tzdata package's TZif files. This file finds a zone by name,
** decodes its compact tables, evaluates its POSIX TZ rule after the last
** transition, converts instants to local time and back. In SQL it sits
** under:
**
**   SELECT usage_local('2025-07-01T00:00:00Z', 'Europe/London');
**     -- '2025-07-01T01:00:00+01:00'
**   SELECT usage_tz_version();
**     -- '2025b'
**
** Gap and overlap rule (see time/zone.h): a local time means the first
** instant at or after which the clock reads it. In London, 2025-03-30
** 01:30 (skipped) is 01:00:00Z, the instant clocks went to 02:00 BST, and
** 2025-10-26 01:30 (read twice) is 00:30:00Z, its first reading (BST).
**
** The offset function is built from "periods": maximal stretches of time
** with one offset, found from the transition list by binary search, or
** from the rule for the UTC year of the instant, as zoneinfo does.
*/
#include "time/zone.h"

#include <stddef.h>
#include <string.h>

#include "time/time.h"
#include "time/zone_data.h"

/* Bounds of "forever" for the first and last periods. */
#define T_NONE_BEFORE INT64_MIN
#define T_NONE_AFTER INT64_MAX

/* Store a failure reason, if the caller wants one, and return 1. */
static int fail(const char **pzWhy, const char *zWhy) {
  if (pzWhy) *pzWhy = zWhy;
  return 1;
}

const char *usage_zone_version(void) {
  return usage_zone_data_version;
}

int usage_zone_count(void) {
  return usage_zone_data_count;
}

const char *usage_zone_name(int i) {
  if (i < 0 || i >= usage_zone_data_count) return NULL;
  return usage_zone_data.aName + usage_zone_data.aZoneName[i].iName;
}

/* Compare z[0..n) with the NUL-terminated zName, bytewise, like strcmp. */
static int name_cmp(const char *z, int n, const char *zName) {
  int k;
  for (k = 0; k < n; k++) {
    unsigned char a = (unsigned char)z[k], b = (unsigned char)zName[k];
    if (b == 0 || a != b) return b == 0 ? 1 : (a < b ? -1 : 1);
  }
  return zName[n] == 0 ? 0 : -1;
}

/* Binary search of the sorted names. */
int usage_zone_find(const char *z, int n) {
  int lo = 0, hi = usage_zone_data_count - 1;
  if (z == NULL || n <= 0) return -1;
  while (lo <= hi) {
    int mid = lo + (hi - lo) / 2;
    int c = name_cmp(z, n, usage_zone_name(mid));
    if (c == 0) return mid;
    if (c < 0) {
      hi = mid - 1;
    } else {
      lo = mid + 1;
    }
  }
  return -1;
}

/* ---------------------------------------------------------------------
** The POSIX TZ rule string.
*/

/* A cursor over the rule text. */
typedef struct RuleText {
  const char *z;
  int n, i;
} RuleText;

/* True if byte c is an ASCII digit. */
static int is_digit(char c) {
  return c >= '0' && c <= '9';
}

/* Skip a zone abbreviation: 3+ letters, or "<" [A-Za-z0-9+-]+ ">". */
static int rule_name(RuleText *p) {
  int start = p->i;
  if (p->i < p->n && p->z[p->i] == '<') {
    p->i++;
    while (p->i < p->n && p->z[p->i] != '>') {
      char c = p->z[p->i];
      if (!(is_digit(c) || c == '+' || c == '-' || (c >= 'A' && c <= 'Z') ||
            (c >= 'a' && c <= 'z'))) {
        return 1;
      }
      p->i++;
    }
    if (p->i >= p->n || p->i - start < 2) return 1;
    p->i++;
    return 0;
  }
  while (p->i < p->n && ((p->z[p->i] >= 'A' && p->z[p->i] <= 'Z') ||
                         (p->z[p->i] >= 'a' && p->z[p->i] <= 'z'))) {
    p->i++;
  }
  return p->i - start < 3;
}

/* Read a number of 1 to nMax digits. */
static int rule_int(RuleText *p, int nMax, int *pV) {
  int v = 0, k = 0;
  while (p->i < p->n && is_digit(p->z[p->i]) && k < nMax) {
    v = v * 10 + (p->z[p->i++] - '0');
    k++;
  }
  *pV = v;
  return k == 0;
}

/* Read [+-]hh[:mm[:ss]] with hh at most hMax, as signed seconds. */
static int rule_hms(RuleText *p, int hMax, int32_t *pSecs) {
  int sign = 1, h, m = 0, s = 0;
  if (p->i < p->n && (p->z[p->i] == '+' || p->z[p->i] == '-')) {
    sign = p->z[p->i++] == '-' ? -1 : 1;
  }
  if (rule_int(p, 3, &h) || h > hMax) return 1;
  if (p->i < p->n && p->z[p->i] == ':') {
    p->i++;
    if (rule_int(p, 2, &m) || m > 59) return 1;
    if (p->i < p->n && p->z[p->i] == ':') {
      p->i++;
      if (rule_int(p, 2, &s) || s > 59) return 1;
    }
  }
  *pSecs = sign * (h * 3600 + m * 60 + s);
  return 0;
}

/* Read ",date[/time]": Jn, n or Mm.w.d; the time defaults to 02:00. */
static int rule_date(RuleText *p, UsageRuleDate *pD) {
  if (p->i >= p->n || p->z[p->i] != ',') return 1;
  p->i++;
  memset(pD, 0, sizeof(*pD));
  if (p->i < p->n && p->z[p->i] == 'M') {
    p->i++;
    pD->eKind = USAGE_RULE_MONTH;
    if (rule_int(p, 2, &pD->m) || pD->m < 1 || pD->m > 12) return 1;
    if (p->i >= p->n || p->z[p->i++] != '.') return 1;
    if (rule_int(p, 1, &pD->w) || pD->w < 1 || pD->w > 5) return 1;
    if (p->i >= p->n || p->z[p->i++] != '.') return 1;
    if (rule_int(p, 1, &pD->d) || pD->d > 6) return 1;
  } else if (p->i < p->n && p->z[p->i] == 'J') {
    p->i++;
    pD->eKind = USAGE_RULE_JULIAN;
    if (rule_int(p, 3, &pD->n) || pD->n < 1 || pD->n > 365) return 1;
  } else {
    pD->eKind = USAGE_RULE_DAY;
    if (rule_int(p, 3, &pD->n) || pD->n > 365) return 1;
  }
  pD->secs = 2 * 3600;
  if (p->i < p->n && p->z[p->i] == '/') {
    p->i++;
    return rule_hms(p, 167, &pD->secs);
  }
  return 0;
}

/* Parse a POSIX TZ rule string (see header). */
int usage_zone_rule_parse(const char *z, int n, UsageZoneRule *pR,
                          const char **pzWhy) {
  RuleText t;
  int32_t west;
  t.z = z;
  t.n = z ? n : 0;
  t.i = 0;
  memset(pR, 0, sizeof(*pR));
  if (rule_name(&t)) return fail(pzWhy, "expected a standard time name");
  if (rule_hms(&t, 24, &west)) {
    return fail(pzWhy, "expected the standard time offset");
  }
  pR->stdOff = -west;
  if (t.i == t.n) return 0;
  if (rule_name(&t)) return fail(pzWhy, "expected a daylight time name");
  pR->hasDst = 1;
  pR->dstOff = pR->stdOff + 3600;
  if (t.i < t.n && t.z[t.i] != ',') {
    if (rule_hms(&t, 24, &west)) {
      return fail(pzWhy, "expected the daylight time offset");
    }
    pR->dstOff = -west;
  }
  if (rule_date(&t, &pR->start) || rule_date(&t, &pR->end)) {
    return fail(pzWhy, "expected ',start[/time],end[/time]'");
  }
  if (t.i != t.n) return fail(pzWhy, "trailing text after the rule");
  return 0;
}

/* Wall time of a rule date in year y: its day, plus its time of day. */
int64_t usage_zone_rule_wall(const UsageRuleDate *pD, int64_t y) {
  int64_t jan1 = usage_days_from_civil(y, 1, 1), day;
  switch (pD->eKind) {
    case USAGE_RULE_JULIAN:
      day = jan1 + pD->n - 1 + (pD->n >= 60 && usage_is_leap(y));
      break;
    case USAGE_RULE_DAY: day = jan1 + pD->n; break;
    default: {
      int64_t first = usage_days_from_civil(y, pD->m, 1);
      int64_t next = pD->m == 12 ? usage_days_from_civil(y + 1, 1, 1)
                                 : usage_days_from_civil(y, pD->m + 1, 1);
      int wdFirst = (int)(((first + 4) % 7 + 7) % 7); /* 1970-01-01: Thu */
      day = first + ((pD->d - wdFirst) % 7 + 7) % 7 + (pD->w - 1) * 7;
      if (day >= next) day -= 7;
      break;
    }
  }
  return day * USAGE_DAY_SECS + pD->secs;
}

/* ---------------------------------------------------------------------
** Decoding a zone.
*/

/* Read one varint at a[*pi]; advance *pi. */
static uint64_t read_varint(const unsigned char *a, uint32_t *pi) {
  uint64_t v = 0;
  int shift = 0;
  unsigned char c;
  do {
    c = a[(*pi)++];
    v |= (uint64_t)(c & 127) << shift;
    shift += 7;
  } while ((c & 128) && shift < 64);
  return v;
}

/* The largest |offset| among the zone's types and its rule. */
static int32_t max_abs_offset(const UsageZone *pZ) {
  int32_t m = 0;
  int k;
  for (k = 0; k < pZ->nType; k++) {
    int32_t a = pZ->aOff[k] < 0 ? -pZ->aOff[k] : pZ->aOff[k];
    if (a > m) m = a;
  }
  if (pZ->hasRule) {
    int32_t a = pZ->rule.stdOff < 0 ? -pZ->rule.stdOff : pZ->rule.stdOff;
    int32_t b = pZ->rule.dstOff < 0 ? -pZ->rule.dstOff : pZ->rule.dstOff;
    if (a > m) m = a;
    if (b > m) m = b;
  }
  return m;
}

/* Decode zone i (see scripts/tzgen for the encoding). */
int usage_zone_load(int i, UsageZone *pZ, const char **pzWhy) {
  const UsageZoneDataSet *pD = &usage_zone_data;
  const UsageZoneTable *pT;
  const char *zRule;
  uint32_t iDelta;
  int k;
  if (i < 0 || i >= usage_zone_data_count) return fail(pzWhy, "no such zone");
  pT = &pD->aTable[pD->aZoneName[i].iTable];
  if (pT->nTrans > USAGE_ZONE_MAX_TRANS || pT->nType > USAGE_ZONE_MAX_TYPES ||
      pT->nType == 0 || pT->iBefore >= pT->nType) {
    return fail(pzWhy, "zone data too large");
  }
  pZ->iZone = i;
  pZ->nTrans = pT->nTrans;
  pZ->nType = pT->nType;
  pZ->iBefore = pT->iBefore;
  for (k = 0; k < pT->nType; k++) {
    int32_t v = pD->aOff[pT->iOff + k];
    pZ->aOff[k] = (int32_t)usage_floor_div(v, 2);
    pZ->aDst[k] = (unsigned char)(v - 2 * pZ->aOff[k]);
  }
  iDelta = pT->iDelta;
  for (k = 0; k < pT->nTrans; k++) {
    unsigned char ty = pD->aTypeIdx[pT->iTypeIdx + k];
    if (ty >= pT->nType) return fail(pzWhy, "zone data corrupt");
    pZ->aType[k] = ty;
    if (k == 0) {
      pZ->aTrans[0] = pT->first;
    } else {
      uint64_t v = read_varint(pD->aDelta, &iDelta);
      int64_t d = (v & 1) ? (int64_t)(v >> 1) : (int64_t)(v >> 1) * 60;
      pZ->aTrans[k] = pZ->aTrans[k - 1] + d;
    }
  }
  zRule = pD->aRule + pT->iRule;
  pZ->hasRule = zRule[0] != 0;
  memset(&pZ->rule, 0, sizeof(pZ->rule));
  if (pZ->hasRule &&
      usage_zone_rule_parse(zRule, (int)strlen(zRule), &pZ->rule, pzWhy)) {
    return 1;
  }
  pZ->maxAbsOff = max_abs_offset(pZ);
  return 0;
}

/* ---------------------------------------------------------------------
** Periods: maximal stretches [s, e) of one offset.
*/
typedef struct Period {
  int64_t s, e; /* s may be T_NONE_BEFORE, e T_NONE_AFTER */
  int32_t off;
  int isDst;
} Period;

/* Set *p from type k of the zone, over [s, e). */
static void period_type(const UsageZone *pZ, int k, int64_t s, int64_t e,
                        Period *p) {
  p->s = s;
  p->e = e;
  p->off = pZ->aOff[k];
  p->isDst = pZ->aDst[k];
}

/* The period of t under the daylight rule, within the UTC year of t, as
** zoneinfo evaluates it; never starting before sFloor. */
static void period_rule(const UsageZone *pZ, int64_t t, int64_t sFloor,
                        Period *p) {
  const UsageZoneRule *r = &pZ->rule;
  int64_t y, a[5];
  int m, d, k, dst;
  usage_civil_from_days(usage_floor_div(t, USAGE_DAY_SECS), &y, &m, &d);
  a[0] = usage_days_from_civil(y, 1, 1) * USAGE_DAY_SECS;
  a[1] = usage_days_from_civil(y + 1, 1, 1) * USAGE_DAY_SECS;
  a[2] = usage_zone_rule_wall(&r->start, y) - r->stdOff;
  a[3] = usage_zone_rule_wall(&r->end, y) - r->dstOff;
  a[4] = sFloor;
  if (a[2] < a[3]) {
    dst = a[2] <= t && t < a[3];
  } else {
    dst = !(a[3] <= t && t < a[2]);
  }
  p->s = T_NONE_BEFORE;
  p->e = T_NONE_AFTER;
  for (k = 0; k < 5; k++) {
    if (a[k] <= t && a[k] > p->s) p->s = a[k];
    if (a[k] > t && a[k] < p->e) p->e = a[k];
  }
  p->off = dst ? r->dstOff : r->stdOff;
  p->isDst = dst;
}

/* Index of the last transition at or before t (t >= aTrans[0]). */
static int trans_index(const UsageZone *pZ, int64_t t) {
  int lo = 0, hi = pZ->nTrans - 1;
  while (lo < hi) {
    int mid = lo + (hi - lo + 1) / 2;
    if (pZ->aTrans[mid] <= t) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return lo;
}

/* The period holding t. Mirrors zoneinfo's fromutc: before the first
** transition the "before" type; after the last one, the rule. */
static void zone_period(const UsageZone *pZ, int64_t t, Period *p) {
  int n = pZ->nTrans, k;
  int64_t last = n > 0 ? pZ->aTrans[n - 1] : 0;
  if (n > 0 && t < pZ->aTrans[0]) {
    period_type(pZ, pZ->iBefore, T_NONE_BEFORE, pZ->aTrans[0], p);
    return;
  }
  if (pZ->hasRule && (n == 0 || t > last) && pZ->rule.hasDst) {
    period_rule(pZ, t, n > 0 ? last + 1 : T_NONE_BEFORE, p);
    return;
  }
  if (pZ->hasRule && (n == 0 || (n == 1 && t > last))) {
    p->s = n > 0 ? last + 1 : T_NONE_BEFORE;
    p->e = T_NONE_AFTER;
    p->off = pZ->rule.stdOff;
    p->isDst = 0;
    return;
  }
  if (n == 0) {
    period_type(pZ, pZ->iBefore, T_NONE_BEFORE, T_NONE_AFTER, p);
    return;
  }
  k = trans_index(pZ, t);
  if (k < n - 1) {
    period_type(pZ, pZ->aType[k], pZ->aTrans[k], pZ->aTrans[k + 1], p);
  } else if (pZ->hasRule && (pZ->rule.hasDst || n == 1)) {
    period_type(pZ, pZ->aType[k], last, last + 1, p); /* t == last */
  } else {
    period_type(pZ, pZ->aType[k], last, T_NONE_AFTER, p);
  }
}

/* ---------------------------------------------------------------------
** Conversions.
*/

int32_t usage_zone_offset(const UsageZone *pZ, int64_t t, int *pIsDst) {
  Period p;
  if (pZ == NULL) {
    if (pIsDst) *pIsDst = 0;
    return 0;
  }
  zone_period(pZ, t, &p);
  if (pIsDst) *pIsDst = p.isDst;
  return p.off;
}

/* The first instant of the window in which a wall time's instants lie. */
static int64_t window_start(const UsageZone *pZ, int64_t wall) {
  return wall - pZ->maxAbsOff - 1;
}

int usage_zone_instants(const UsageZone *pZ, int64_t wall, int64_t aT[2]) {
  int64_t t, tEnd;
  int nFound = 0;
  Period p;
  if (pZ == NULL) {
    aT[0] = wall;
    return 1;
  }
  t = window_start(pZ, wall);
  tEnd = wall + pZ->maxAbsOff + 1;
  while (t <= tEnd) {
    int64_t u;
    zone_period(pZ, t, &p);
    u = wall - p.off;
    if (u >= p.s && u < p.e) {
      if (nFound < 2) aT[nFound] = u;
      nFound++;
    }
    if (p.e == T_NONE_AFTER) break;
    t = p.e;
  }
  return nFound;
}

int64_t usage_zone_from_local(const UsageZone *pZ, int64_t wall) {
  int64_t t;
  Period p;
  if (pZ == NULL) return wall;
  t = window_start(pZ, wall);
  for (;;) {
    int64_t u;
    zone_period(pZ, t, &p);
    u = wall - p.off;
    if (u < p.s) u = p.s;
    if (u < p.e) return u;
    t = p.e; /* p.e is finite here, since u < T_NONE_AFTER */
  }
}

int usage_zone_format(const UsageZone *pZ, int64_t t, char *zOut) {
  int32_t off = usage_zone_offset(pZ, t, NULL), a;
  int n = USAGE_TS_LEN - 1;
  if (usage_time_format(t + off, zOut)) return 0;
  a = off < 0 ? -off : off;
  zOut[n++] = off < 0 ? '-' : '+';
  zOut[n++] = (char)('0' + a / 36000);
  zOut[n++] = (char)('0' + a / 3600 % 10);
  zOut[n++] = ':';
  zOut[n++] = (char)('0' + a / 600 % 6);
  zOut[n++] = (char)('0' + a / 60 % 10);
  if (a % 60) {
    zOut[n++] = ':';
    zOut[n++] = (char)('0' + a % 60 / 10);
    zOut[n++] = (char)('0' + a % 10);
  }
  zOut[n] = 0;
  return n;
}
