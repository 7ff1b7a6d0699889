/*
** time/time.c: timestamps and time buckets, in plain C (see time/time.h).
**
** This file provides the SQLite-free half of the extension's time support:
**
**   - usage_time_parse() reads the timestamp texts users write, such as
**     '2024-03-01', '2024-03-01 12:30', '2024-03-01T12:30:15.250+02:00',
**     into unix seconds in UTC (fractions of a second are floored);
**   - usage_time_parse_canonical() is the fast path for the one stored form
**     'YYYY-MM-DDTHH:MM:SSZ', and usage_time_format() writes that form;
**   - usage_width_parse() reads bucket widths such as '15 minutes', 'week'
**     or '1 quarter', and usage_bucket_start() / usage_bucket_next() floor
**     an instant to its bucket and step to the next one.
**
** In SQL terms, these sit under functions used like:
**
**   SELECT usage_ts('2024-03-01T01:30+02:00');
**     -- '2024-02-29T23:30:00Z'
**   SELECT usage_bucket('2024-03-06T10:00:00Z', '1 week');
**     -- '2024-03-04T00:00:00Z'  (weeks start on Monday, from 2000-01-03)
**   SELECT usage_bucket('2024-05-10', '1 year', '2000-04-01');
**     -- '2024-04-01T00:00:00Z'  (a fiscal year starting in April)
**
** Every instant lies in the years 0000 to 9999 (USAGE_TS_MIN..USAGE_TS_MAX).
** Arithmetic is on int64_t with floor division, so instants before 1970
** work like any other. There is no global mutable state, no allocation and
** no printing; failures return 1 and a static English reason.
*/
#include "time/time.h"

#include <math.h>
#include <stddef.h>

/* Largest widths accepted: 10000 years of 366 days, or of 12 months. */
#define WIDTH_MAX_SECONDS ((int64_t)10000 * 366 * USAGE_DAY_SECS)
#define WIDTH_MAX_MONTHS ((int64_t)10000 * 12)

/* Month index (year*12 + month-1) of 0000-01 and of 9999-12. */
#define MONTH_INDEX_MAX ((int64_t)9999 * 12 + 11)

/* Store a failure reason, if the caller wants one, and return 1. */
static int fail(const char **pzWhy, const char *zWhy) {
  if (pzWhy) *pzWhy = zWhy;
  return 1;
}

/* True if t is an instant in the years 0000-9999. */
static int ts_in_range(int64_t t) {
  return t >= USAGE_TS_MIN && t <= USAGE_TS_MAX;
}

/* Number of days in month m (1-12) of year y. */
static int days_in_month(int64_t y, int m) {
  static const unsigned char aDays[12] = {31, 28, 31, 30, 31, 30,
                                          31, 31, 30, 31, 30, 31};
  return (m == 2 && usage_is_leap(y)) ? 29 : aDays[m - 1];
}

/*
** Days since 1970-01-01 of the proleptic Gregorian date y-m-d (m 1-12,
** d 1-31). The year is shifted to start in March so the leap day falls at
** the end, then counted in 400-year eras of 146097 days (Hinnant's method).
** Exact for |y| up to about 10^15; the module passes only 0000-9999.
*/
int64_t usage_days_from_civil(int64_t y, int m, int d) {
  int64_t era, yoe, doy, doe;
  if (m <= 2) y--;
  era = usage_floor_div(y, 400);
  yoe = y - era * 400;                                   /* 0..399 */
  doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* 0..365 */
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* 0..146096 */
  return era * 146097 + doe - 719468;
}

/*
** The inverse of usage_days_from_civil(): the date of a day number.
** Exact for |days| up to about 10^17.
*/
void usage_civil_from_days(int64_t days, int64_t *pY, int *pM, int *pD) {
  int64_t z, era, doe, yoe, doy, mp, y;
  int m;
  z = days + 719468; /* from 0000-03-01 */
  era = usage_floor_div(z, 146097);
  doe = z - era * 146097;                                      /* 0..146096 */
  yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* 0..399 */
  doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* 0..365 */
  mp = (5 * doy + 2) / 153; /* 0..11, from March */
  m = (int)(mp < 10 ? mp + 3 : mp - 9);
  y = yoe + era * 400 + (m <= 2);
  *pY = y;
  *pM = m;
  *pD = (int)(doy - (153 * mp + 2) / 5 + 1);
}

/* True if byte c is an ASCII decimal digit (locale-independent). */
static int is_digit(unsigned char c) {
  return (unsigned)(c - '0') <= 9;
}

/* Read exactly nDigit digits at z[i..] (bounded by n) into *pV; 0 if ok. */
static int read_digits(const unsigned char *z, int n, int i, int nDigit,
                       int *pV) {
  int v = 0, k;
  if (n - i < nDigit) return 1;
  for (k = 0; k < nDigit; k++) {
    if (!is_digit(z[i + k])) return 1;
    v = v * 10 + (z[i + k] - '0');
  }
  *pV = v;
  return 0;
}

/* Convert a validated date and time of day to unix seconds (no checks). */
static int64_t ts_from_fields(int y, int mo, int d, int h, int mi, int s) {
  return usage_days_from_civil(y, mo, d) * USAGE_DAY_SECS + h * 3600 + mi * 60 +
         s;
}

/*
** Parse "YYYY-MM-DD" at the start of z: set the fields and return 0, or
** return 1 with *pzWhy set.
*/
static int parse_date(const unsigned char *z, int n, int *pY, int *pM, int *pD,
                      const char **pzWhy) {
  if (read_digits(z, n, 0, 4, pY) || z[4] != '-' ||
      read_digits(z, n, 5, 2, pM) || z[7] != '-' ||
      read_digits(z, n, 8, 2, pD)) {
    return fail(pzWhy, "expected 'YYYY-MM-DD'");
  }
  if (*pM < 1 || *pM > 12) return fail(pzWhy, "month out of range");
  if (*pD < 1 || *pD > days_in_month(*pY, *pM)) {
    return fail(pzWhy, "day out of range for month");
  }
  return 0;
}

/*
** Parse "HH:MM[:SS][.fff]" at z[*pi]: add its seconds to *pSecs, advance
** *pi, and return 0; or return 1 with *pzWhy set.
*/
static int parse_time(const unsigned char *z, int n, int *pi, int *pSecs,
                      const char **pzWhy) {
  int i = *pi, h, m, s = 0;
  if (read_digits(z, n, i, 2, &h) || i + 2 >= n || z[i + 2] != ':' ||
      read_digits(z, n, i + 3, 2, &m)) {
    return fail(pzWhy, "expected 'HH:MM' after the date");
  }
  if (h > 23) return fail(pzWhy, "hour out of range");
  if (m > 59) return fail(pzWhy, "minute out of range");
  i += 5;
  if (i < n && z[i] == ':') {
    if (read_digits(z, n, i + 1, 2, &s)) {
      return fail(pzWhy, "expected two digits of seconds");
    }
    if (s > 59) return fail(pzWhy, "second out of range");
    i += 3;
    if (i < n && z[i] == '.') {
      i++;
      if (i >= n || !is_digit(z[i])) {
        return fail(pzWhy, "expected digits after '.'");
      }
      while (i < n && is_digit(z[i])) i++; /* floored: ignored */
    }
  }
  *pSecs = h * 3600 + m * 60 + s;
  *pi = i;
  return 0;
}

/*
** Parse an optional zone at z[*pi]: 'Z', 'z', "+HH:MM", "+HHMM" or "+HH"
** (or '-'). Set *pOff to the seconds east of UTC (0 if none), advance *pi,
** and return 0; or return 1 with *pzWhy set.
*/
static int parse_zone(const unsigned char *z, int n, int *pi, int *pOff,
                      const char **pzWhy) {
  int i = *pi, sign, h, m = 0;
  *pOff = 0;
  if (i >= n) return 0;
  if (z[i] == 'Z' || z[i] == 'z') {
    *pi = i + 1;
    return 0;
  }
  if (z[i] != '+' && z[i] != '-') return 0;
  sign = z[i] == '-' ? -1 : 1;
  if (read_digits(z, n, i + 1, 2, &h)) {
    return fail(pzWhy, "expected two digits of offset hours");
  }
  if (h > 23) return fail(pzWhy, "offset hour out of range");
  i += 3;
  if (i < n && z[i] == ':') {
    if (read_digits(z, n, i + 1, 2, &m)) {
      return fail(pzWhy, "expected two digits of offset minutes");
    }
    i += 3;
  } else if (read_digits(z, n, i, 2, &m) == 0) {
    i += 2;
  }
  if (m > 59) return fail(pzWhy, "offset minute out of range");
  *pOff = sign * (h * 3600 + m * 60);
  *pi = i;
  return 0;
}

/* Parse a timestamp text of n bytes into UTC unix seconds (see header). */
int usage_time_parse(const char *zIn, int n, int64_t *pOut,
                     const char **pzWhy) {
  const unsigned char *z = (const unsigned char *)zIn;
  int y, mo, d, secs = 0, off = 0, i = 10;
  int64_t t;
  if (z == NULL || n <= 0) return fail(pzWhy, "empty");
  if (n < 10) return fail(pzWhy, "expected 'YYYY-MM-DD'");
  if (parse_date(z, n, &y, &mo, &d, pzWhy)) return 1;
  if (i < n && (z[i] == 'T' || z[i] == 't' || z[i] == ' ')) {
    i++;
    if (parse_time(z, n, &i, &secs, pzWhy)) return 1;
    if (parse_zone(z, n, &i, &off, pzWhy)) return 1;
  }
  if (i != n) return fail(pzWhy, "trailing text");
  t = usage_days_from_civil(y, mo, d) * USAGE_DAY_SECS + secs - off;
  if (!ts_in_range(t)) return fail(pzWhy, "out of range (years 0000-9999)");
  *pOut = t;
  return 0;
}

/* Value of the two ASCII digits at z (validity checked by the caller). */
#define DIGIT2(z) (((z)[0] - '0') * 10 + ((z)[1] - '0'))

/* Fast path: exactly "YYYY-MM-DDTHH:MM:SSZ", fixed positions, no loops. */
int usage_time_parse_canonical(const char *zIn, int n, int64_t *pOut) {
  const unsigned char *z = (const unsigned char *)zIn;
  int y, mo, d, h, mi, s;
  if (n != USAGE_TS_LEN || z == NULL) return 1;
  if (z[4] != '-' || z[7] != '-' || z[10] != 'T' || z[13] != ':' ||
      z[16] != ':' || z[19] != 'Z')
    return 1;
  if (!is_digit(z[0]) || !is_digit(z[1]) || !is_digit(z[2]) ||
      !is_digit(z[3]) || !is_digit(z[5]) || !is_digit(z[6]) ||
      !is_digit(z[8]) || !is_digit(z[9]) || !is_digit(z[11]) ||
      !is_digit(z[12]) || !is_digit(z[14]) || !is_digit(z[15]) ||
      !is_digit(z[17]) || !is_digit(z[18]))
    return 1;
  y = DIGIT2(z) * 100 + DIGIT2(z + 2);
  mo = DIGIT2(z + 5);
  d = DIGIT2(z + 8);
  h = DIGIT2(z + 11);
  mi = DIGIT2(z + 14);
  s = DIGIT2(z + 17);
  if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 ||
      mi > 59 || s > 59)
    return 1;
  *pOut = ts_from_fields(y, mo, d, h, mi, s);
  return 0;
}

/* Unix seconds from a real, floored; NaN, infinities and range refused. */
int usage_time_from_double(double r, int64_t *pOut, const char **pzWhy) {
  int64_t i;
  if (isnan(r)) return fail(pzWhy, "not a number");
  if (isinf(r)) return fail(pzWhy, "infinite");
  /* Both bounds are exact in a double; [MIN, MAX+1) floors into range. */
  if (r < (double)USAGE_TS_MIN || r >= (double)USAGE_TS_MAX + 1.0) {
    return fail(pzWhy, "out of range (years 0000-9999)");
  }
  i = (int64_t)r;         /* truncates toward zero ... */
  if ((double)i > r) i--; /* ... so step down for negatives */
  *pOut = i;
  return 0;
}

/* Integer unix seconds: only the range needs checking. */
int usage_time_from_int(int64_t i, int64_t *pOut, const char **pzWhy) {
  if (!ts_in_range(i)) return fail(pzWhy, "out of range (years 0000-9999)");
  *pOut = i;
  return 0;
}

/* Write v as exactly nDigit decimal digits ending just before z[nDigit]. */
static void put_digits(char *z, int nDigit, int64_t v) {
  while (nDigit-- > 0) {
    z[nDigit] = (char)('0' + v % 10);
    v /= 10;
  }
}

/* Write "YYYY-MM-DDTHH:MM:SSZ" and a NUL; floor division handles t < 0. */
int usage_time_format(int64_t t, char *zOut) {
  int64_t days, secs, y;
  int m, d;
  if (!ts_in_range(t)) return 1;
  days = usage_floor_div(t, USAGE_DAY_SECS);
  secs = t - days * USAGE_DAY_SECS; /* 0..86399 */
  usage_civil_from_days(days, &y, &m, &d);
  put_digits(zOut, 4, y);
  zOut[4] = '-';
  put_digits(zOut + 5, 2, m);
  zOut[7] = '-';
  put_digits(zOut + 8, 2, d);
  zOut[10] = 'T';
  put_digits(zOut + 11, 2, secs / 3600);
  zOut[13] = ':';
  put_digits(zOut + 14, 2, secs / 60 % 60);
  zOut[16] = ':';
  put_digits(zOut + 17, 2, secs % 60);
  zOut[19] = 'Z';
  zOut[20] = 0;
  return 0;
}

/* A width unit: its singular name, its kind and its size in that kind. */
typedef struct WidthUnit {
  const char *zName;
  int nName;
  UsageWidthKind eKind;
  int64_t nMult;
} WidthUnit;

static const WidthUnit aWidthUnit[] = {
    {"second", 6, USAGE_WIDTH_SECONDS, 1},
    {"minute", 6, USAGE_WIDTH_SECONDS, 60},
    {"hour", 4, USAGE_WIDTH_SECONDS, 3600},
    {"day", 3, USAGE_WIDTH_SECONDS, USAGE_DAY_SECS},
    {"week", 4, USAGE_WIDTH_SECONDS, 7 * USAGE_DAY_SECS},
    {"month", 5, USAGE_WIDTH_MONTHS, 1},
    {"quarter", 7, USAGE_WIDTH_MONTHS, 3},
    {"year", 4, USAGE_WIDTH_MONTHS, 12},
};

/* ASCII lower case of c, whatever the locale. */
static unsigned char ascii_lower(unsigned char c) {
  return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* True if z[0..n) equals the lower-case word zWord, ignoring ASCII case. */
static int word_equal(const unsigned char *z, int n, const char *zWord) {
  int k;
  for (k = 0; k < n; k++) {
    if (zWord[k] == 0 || ascii_lower(z[k]) != (unsigned char)zWord[k]) {
      return 0;
    }
  }
  return zWord[n] == 0;
}

/* The unit named by z[0..n) (singular or plural, any case), or NULL. */
static const WidthUnit *find_unit(const unsigned char *z, int n) {
  size_t k;
  for (k = 0; k < sizeof(aWidthUnit) / sizeof(aWidthUnit[0]); k++) {
    const WidthUnit *p = &aWidthUnit[k];
    if (n == p->nName && word_equal(z, n, p->zName)) return p;
    if (n == p->nName + 1 && ascii_lower(z[n - 1]) == 's' &&
        word_equal(z, n - 1, p->zName))
      return p;
  }
  return NULL;
}

/* Parse a width "[N ]unit" of n bytes into *pW (see header). */
int usage_width_parse(const char *zIn, int n, UsageWidth *pW,
                      const char **pzWhy) {
  const unsigned char *z = (const unsigned char *)zIn;
  const WidthUnit *pUnit;
  int64_t N = 1, nMax;
  int i = 0;
  if (z == NULL || n <= 0) return fail(pzWhy, "empty");
  if (z[0] == ' ' || z[n - 1] == ' ') {
    return fail(pzWhy, "leading or trailing space");
  }
  if (z[0] == '+' || z[0] == '-') {
    return fail(pzWhy, "width must be a positive whole number");
  }
  if (is_digit(z[0])) {
    /* Saturate just above the largest limit, so N cannot overflow. */
    for (N = 0; i < n && is_digit(z[i]); i++) {
      if (N <= WIDTH_MAX_SECONDS) N = N * 10 + (z[i] - '0');
    }
    if (i == n) return fail(pzWhy, "missing unit");
    if (z[i] == '.' || z[i] == ',') {
      return fail(pzWhy, "width must be a positive whole number");
    }
    if (z[i] != ' ') {
      return fail(pzWhy, "expected a space between the number and the unit");
    }
    while (i < n && z[i] == ' ') i++;
    if (N == 0) return fail(pzWhy, "width must be at least 1");
  }
  pUnit = find_unit(z + i, n - i);
  if (pUnit == NULL) {
    return fail(pzWhy, "unknown unit (expected second, minute, hour, day, "
                       "week, month, quarter or year)");
  }
  nMax =
      pUnit->eKind == USAGE_WIDTH_MONTHS ? WIDTH_MAX_MONTHS : WIDTH_MAX_SECONDS;
  if (N > nMax / pUnit->nMult) return fail(pzWhy, "width too large");
  pW->eKind = pUnit->eKind;
  pW->n = N * pUnit->nMult;
  return 0;
}

/* Fixed widths count from a Monday; calendar widths from a 1 January. */
int64_t usage_width_default_origin(const UsageWidth *pW) {
  return pW->eKind == USAGE_WIDTH_MONTHS ? USAGE_ORIGIN_CALENDAR
                                         : USAGE_ORIGIN_FIXED;
}

/* Month index year*12 + (month-1) of an instant. */
static int64_t month_index(int64_t t) {
  int64_t y;
  int m, d;
  usage_civil_from_days(usage_floor_div(t, USAGE_DAY_SECS), &y, &m, &d);
  return y * 12 + (m - 1);
}

/* Unix seconds of 00:00:00 on day 1 of month index mi (year*12 + month-1). */
static int64_t month_start(int64_t mi) {
  int64_t y = usage_floor_div(mi, 12);
  return usage_days_from_civil(y, (int)(mi - y * 12) + 1, 1) * USAGE_DAY_SECS;
}

/* True if the width is one this module could have produced. */
static int width_ok(const UsageWidth *pW) {
  if (pW->eKind == USAGE_WIDTH_MONTHS) {
    return pW->n >= 1 && pW->n <= WIDTH_MAX_MONTHS;
  }
  return pW->eKind == USAGE_WIDTH_SECONDS && pW->n >= 1 &&
         pW->n <= WIDTH_MAX_SECONDS;
}

/* An origin must be in range; for calendar widths, also a month start. */
int usage_origin_check(const UsageWidth *pW, int64_t origin,
                       const char **pzWhy) {
  if (!ts_in_range(origin)) {
    return fail(pzWhy, "origin out of range (years 0000-9999)");
  }
  if (pW->eKind == USAGE_WIDTH_MONTHS &&
      origin != month_start(month_index(origin))) {
    return fail(pzWhy, "origin for month, quarter and year widths must be "
                       "00:00:00 on the first of a month");
  }
  return 0;
}

/*
** Start of the bucket holding t. Inputs are bounded first (t and origin
** within 0000-9999, n at most 10000 years), so no product or sum below can
** come near the int64_t limits: |t - origin| < 4e11 and |q*n| < 8e11.
*/
int usage_bucket_start(const UsageWidth *pW, int64_t origin, int64_t t,
                       int64_t *pStart) {
  int64_t start;
  if (!width_ok(pW) || !ts_in_range(origin) || !ts_in_range(t)) return 1;
  if (pW->eKind == USAGE_WIDTH_MONTHS) {
    int64_t oi = month_index(origin);
    int64_t mi = oi + usage_floor_div(month_index(t) - oi, pW->n) * pW->n;
    if (mi < 0 || mi > MONTH_INDEX_MAX) return 1;
    start = month_start(mi);
  } else {
    start = origin + usage_floor_div(t - origin, pW->n) * pW->n;
  }
  if (!ts_in_range(start)) return 1;
  *pStart = start;
  return 0;
}

/*
** Start of the next bucket: start + n seconds, or the first of the month
** n months after start's month. Returns 1 past 9999-12-31T23:59:59Z, so
** the very last bucket has no representable end.
*/
int usage_bucket_next(const UsageWidth *pW, int64_t start, int64_t *pNext) {
  int64_t next;
  if (!width_ok(pW) || !ts_in_range(start)) return 1;
  if (pW->eKind == USAGE_WIDTH_MONTHS) {
    int64_t mi = month_index(start) + pW->n;
    if (mi > MONTH_INDEX_MAX) return 1;
    next = month_start(mi);
  } else {
    next = start + pW->n;
  }
  if (next > USAGE_TS_MAX) return 1;
  *pNext = next;
  return 0;
}
