/*
** time/time.h: timestamps and time buckets, in plain C.
**
** This layer knows nothing about SQLite. It turns the timestamp texts that
** users write into unix seconds, formats unix seconds as the one canonical
** text "YYYY-MM-DDTHH:MM:SSZ", parses bucket widths such as "15 minutes"
** or "1 quarter", and floors an instant to the start of its bucket.
**
** Every instant handled here lies in the years 0000 to 9999, the range the
** canonical text can spell. Functions that fail return a non-zero code and,
** where they take one, set *pzWhy to a static English reason such as
** "month out of range"; they never allocate and never print.
*/
#ifndef USAGE_TIME_H
#define USAGE_TIME_H

#include <stdint.h>

/* Length of the canonical text "YYYY-MM-DDTHH:MM:SSZ", without the NUL. */
#define USAGE_TS_LEN 20

/* Seconds in a day: days of UTC, and of a zone's local calendar. */
#define USAGE_DAY_SECS 86400

/* Floor division a/b for b > 0: rounds toward minus infinity, unlike '/'. */
static inline int64_t usage_floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b) < 0) q--;
  return q;
}

/* True if y is a leap year of the proleptic Gregorian calendar. */
static inline int usage_is_leap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Unix seconds of 0000-01-01T00:00:00Z and of 9999-12-31T23:59:59Z. */
#define USAGE_TS_MIN ((int64_t)-62167219200LL)
#define USAGE_TS_MAX ((int64_t)253402300799LL)

/* Default bucket origin for fixed widths: 2000-01-03T00:00:00Z, a Monday. */
#define USAGE_ORIGIN_FIXED ((int64_t)946857600LL)
/* Default bucket origin for calendar widths: 2000-01-01T00:00:00Z. */
#define USAGE_ORIGIN_CALENDAR ((int64_t)946684800LL)

/* Parse a timestamp text of n bytes (z need not be NUL-terminated).
** Accepted: "YYYY-MM-DD", then optionally 'T', 't' or ' ' and "HH:MM",
** optional ":SS", optional '.' and one or more fraction digits (floored),
** then optionally 'Z', 'z', "+HH:MM", "+HHMM" or "+HH" (or '-'), which is
** converted to UTC. Returns 0 and sets *pOut, or returns 1 and sets *pzWhy. */
int usage_time_parse(const char *z, int n, int64_t *pOut, const char **pzWhy);

/* Fast check-and-parse of a canonical text (exactly USAGE_TS_LEN bytes, as
** stored in fact_usage.ts). Returns 0 and sets *pOut, 1 if not canonical. */
int usage_time_parse_canonical(const char *z, int n, int64_t *pOut);

/* Unix seconds from a real number of seconds, floored. Returns 1 and sets
** *pzWhy for NaN, infinities and instants outside the years 0000-9999. */
int usage_time_from_double(double r, int64_t *pOut, const char **pzWhy);

/* Check that integer unix seconds lie in the years 0000-9999. */
int usage_time_from_int(int64_t i, int64_t *pOut, const char **pzWhy);

/* Write the canonical text of t and a NUL into zOut (USAGE_TS_LEN+1 bytes).
** Returns 0, or 1 when t lies outside the years 0000-9999. */
int usage_time_format(int64_t t, char *zOut);

/* A bucket width: a whole number of seconds, or of calendar months. */
typedef enum { USAGE_WIDTH_SECONDS = 0, USAGE_WIDTH_MONTHS = 1 } UsageWidthKind;
typedef struct UsageWidth {
  UsageWidthKind eKind; /* seconds or calendar months */
  int64_t n;            /* width in seconds or in months, always >= 1 */
} UsageWidth;

/* Parse a width text of n bytes: "[N ]unit", N a positive integer
** (default 1), unit one of second, minute, hour, day, week, month,
** quarter, year, singular or plural, any case, one or more spaces between.
** Widths longer than 10000 years are refused. Returns 0 or 1 (*pzWhy). */
int usage_width_parse(const char *z, int n, UsageWidth *pW, const char **pzWhy);

/* The default origin for a width: USAGE_ORIGIN_FIXED or _CALENDAR. */
int64_t usage_width_default_origin(const UsageWidth *pW);

/* Check an origin for a width. Calendar widths need an origin at 00:00:00
** on the first of a month: only its month matters (its phase). Returns 0
** or 1 (*pzWhy). Fixed widths accept any origin. */
int usage_origin_check(const UsageWidth *pW, int64_t origin,
                       const char **pzWhy);

/* Start of the bucket holding t: floor division from the origin, so it is
** right before 1970 too. Returns 0, or 1 when the start falls outside the
** years 0000-9999. */
int usage_bucket_start(const UsageWidth *pW, int64_t origin, int64_t t,
                       int64_t *pStart);

/* Start of the bucket after the one starting at start. Returns 0, or 1 when
** that instant lies after the year 9999. */
int usage_bucket_next(const UsageWidth *pW, int64_t start, int64_t *pNext);

/* Civil date helpers, exposed for tests and for callers that need them. */
int64_t usage_days_from_civil(int64_t y, int m, int d);
void usage_civil_from_days(int64_t days, int64_t *pY, int *pM, int *pD);

#endif /* USAGE_TIME_H */
