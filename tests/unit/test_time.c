/*
** test_time.c: check unit tests of ext/time/time.c.
**
** Each test is named after the behaviour it proves. Expected epoch values
** were computed independently of the code under test, with
**   python3 -c 'import datetime as d; U=d.timezone.utc;
**     print(int((d.datetime(Y,M,D,h,m,s,tzinfo=U)
**                - d.datetime(1970,1,1,tzinfo=U)).total_seconds()))'
** or `date -u -d '...' +%s`, and are hard-coded with the instant they name.
**
** Every text handed to the parsers is first copied into a heap buffer of
** exactly its length (no NUL after it), so an AddressSanitizer build
** catches any read past n.
*/
#define _POSIX_C_SOURCE 200809L

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "time/time.h"

/* ---------------------------------------------------------------------
** Helpers
*/

/* A heap copy of z[0..n) with nothing after it, for overread detection. */
static char *exact_copy(const char *z, int n) {
  char *p = malloc(n > 0 ? (size_t)n : 1);
  ck_assert_ptr_nonnull(p);
  if (n > 0) memcpy(p, z, (size_t)n);
  return p;
}

/* usage_time_parse() on an exact-size copy of z[0..n). */
static int parse_n(const char *z, int n, int64_t *pOut, const char **pzWhy) {
  char *p = exact_copy(z, n);
  int rc = usage_time_parse(p, n, pOut, pzWhy);
  free(p);
  return rc;
}

/* usage_time_parse_canonical() on an exact-size copy of z[0..n). */
static int canon_n(const char *z, int n, int64_t *pOut) {
  char *p = exact_copy(z, n);
  int rc = usage_time_parse_canonical(p, n, pOut);
  free(p);
  return rc;
}

/* usage_width_parse() on an exact-size copy of z[0..n). */
static int width_n(const char *z, int n, UsageWidth *pW, const char **pzWhy) {
  char *p = exact_copy(z, n);
  int rc = usage_width_parse(p, n, pW, pzWhy);
  free(p);
  return rc;
}

/* Assert that text s parses to the unix seconds want. */
#define PARSE_OK(s, want)                                                  \
  do {                                                                     \
    int64_t t_ = 0x5a5a5a5a;                                               \
    const char *w_ = NULL;                                                 \
    int rc_ = parse_n((s), (int)strlen(s), &t_, &w_);                      \
    ck_assert_msg(rc_ == 0, "'%s' rejected: %s", (s), w_ ? w_ : "(null)"); \
    ck_assert_msg(t_ == (int64_t)(want), "'%s' gave %lld, want %lld", (s), \
                  (long long)t_, (long long)(want));                       \
  } while (0)

/* Assert that text s (n bytes) is rejected, with reason why if not NULL. */
#define PARSE_BAD_N(s, n, why)                                              \
  do {                                                                      \
    int64_t t_ = 0x5a5a5a5a;                                                \
    const char *w_ = NULL;                                                  \
    int rc_ = parse_n((s), (n), &t_, &w_);                                  \
    ck_assert_msg(rc_ == 1, "'%s' accepted as %lld", (s), (long long)t_);   \
    ck_assert_msg(t_ == 0x5a5a5a5a, "'%s': *pOut written on failure", (s)); \
    ck_assert_msg(w_ != NULL && w_[0] != 0, "'%s': no reason", (s));        \
    if ((why) != NULL) ck_assert_str_eq(w_, (const char *)(why));           \
  } while (0)
#define PARSE_BAD(s, why) PARSE_BAD_N((s), (int)strlen(s), (why))

/* Assert that width text s parses to kind k and size n. */
#define WIDTH_OK(s, k, nWant)                                              \
  do {                                                                     \
    UsageWidth w_ = {USAGE_WIDTH_SECONDS, -7};                             \
    const char *y_ = NULL;                                                 \
    int rc_ = width_n((s), (int)strlen(s), &w_, &y_);                      \
    ck_assert_msg(rc_ == 0, "'%s' rejected: %s", (s), y_ ? y_ : "(null)"); \
    ck_assert_msg(w_.eKind == (k), "'%s': wrong kind", (s));               \
    ck_assert_msg(w_.n == (int64_t)(nWant), "'%s' gave n=%lld, want %lld", \
                  (s), (long long)w_.n, (long long)(nWant));               \
  } while (0)

/* Assert that width text s is rejected, with reason why if not NULL. */
#define WIDTH_BAD_N(s, len, why)                                              \
  do {                                                                        \
    UsageWidth w_ = {USAGE_WIDTH_SECONDS, -7};                                \
    const char *y_ = NULL;                                                    \
    int rc_ = width_n((s), (len), &w_, &y_);                                  \
    ck_assert_msg(rc_ == 1, "'%s' accepted as n=%lld", (s), (long long)w_.n); \
    ck_assert_msg(w_.n == -7, "'%s': *pW written on failure", (s));           \
    ck_assert_msg(y_ != NULL && y_[0] != 0, "'%s': no reason", (s));          \
    if ((why) != NULL) ck_assert_str_eq(y_, (const char *)(why));             \
  } while (0)
#define WIDTH_BAD(s, why) WIDTH_BAD_N((s), (int)strlen(s), (why))

/* Parse a width that must be valid. */
static UsageWidth W(const char *z) {
  UsageWidth w = {USAGE_WIDTH_SECONDS, 0};
  const char *zWhy = NULL;
  ck_assert_msg(usage_width_parse(z, (int)strlen(z), &w, &zWhy) == 0,
                "width '%s': %s", z, zWhy ? zWhy : "(null)");
  return w;
}

/* Assert that t falls in the bucket starting at want (width z, origin o). */
#define BUCKET_OK(z, o, t, want)                                          \
  do {                                                                    \
    UsageWidth bw_ = W(z);                                                \
    int64_t s_ = 0x5a5a5a5a;                                              \
    int rc_ = usage_bucket_start(&bw_, (o), (t), &s_);                    \
    ck_assert_msg(rc_ == 0, "bucket '%s' of %lld failed", (z),            \
                  (long long)(t));                                        \
    ck_assert_msg(s_ == (int64_t)(want),                                  \
                  "bucket '%s' of %lld gave %lld, "                       \
                  "want %lld",                                            \
                  (z), (long long)(t), (long long)s_, (long long)(want)); \
  } while (0)

/* Assert that the bucket after start is want (width z). */
#define NEXT_OK(z, start, want)                                               \
  do {                                                                        \
    UsageWidth bw_ = W(z);                                                    \
    int64_t n_ = 0x5a5a5a5a;                                                  \
    int rc_ = usage_bucket_next(&bw_, (start), &n_);                          \
    ck_assert_msg(rc_ == 0, "next '%s' of %lld failed", (z),                  \
                  (long long)(start));                                        \
    ck_assert_msg(n_ == (int64_t)(want),                                      \
                  "next '%s' of %lld gave %lld, "                             \
                  "want %lld",                                                \
                  (z), (long long)(start), (long long)n_, (long long)(want)); \
  } while (0)

/* Assert that t formats as the text want. */
#define FORMAT_OK(t, want)                           \
  do {                                               \
    char b_[USAGE_TS_LEN + 1];                       \
    ck_assert_int_eq(usage_time_format((t), b_), 0); \
    ck_assert_str_eq(b_, (want));                    \
  } while (0)

/* A check for hot loops: check's ck_assert_* records every passing
** assertion through a pipe, which is far too slow for millions of them. */
#define REQUIRE(c)                                       \
  do {                                                   \
    if (!(c)) ck_abort_msg("Assertion '%s' failed", #c); \
  } while (0)

/* A fixed-seed xorshift64* generator, so random samples are repeatable. */
static uint64_t rng_next(uint64_t *pState) {
  uint64_t x = *pState;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *pState = x;
  return x * 0x2545F4914F6CDD1DULL;
}

/* A random instant in [USAGE_TS_MIN, USAGE_TS_MAX]. */
static int64_t rng_ts(uint64_t *pState) {
  uint64_t span = (uint64_t)(USAGE_TS_MAX - USAGE_TS_MIN) + 1;
  return USAGE_TS_MIN + (int64_t)(rng_next(pState) % span);
}

/* Independent leap rule, for the calendar walk. */
static int t_is_leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Independent month lengths, for the calendar walk. */
static int t_mdays(int y, int m) {
  static const int a[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && t_is_leap(y) ? 29 : a[m - 1];
}

/* Unix seconds of some instants used throughout (verified with python). */
#define T_2024_01_01 1704067200LL        /* 2024-01-01T00:00:00Z */
#define T_2024_01_01_1230 1704112200LL   /* 2024-01-01T12:30:00Z */
#define T_2024_01_01_123045 1704112245LL /* 2024-01-01T12:30:45Z */
#define T_2024_02_01 1706745600LL        /* 2024-02-01T00:00:00Z */
#define T_2024_02_29 1709164800LL        /* 2024-02-29T00:00:00Z */
#define T_2024_02_29_2330 1709249400LL   /* 2024-02-29T23:30:00Z */
#define T_2024_03_01 1709251200LL        /* 2024-03-01T00:00:00Z */
#define T_2024_03_04 1709510400LL        /* 2024-03-04T00:00:00Z Monday */
#define T_2024_04_01 1711929600LL        /* 2024-04-01T00:00:00Z */
#define T_2024_05_10 1715299200LL        /* 2024-05-10T00:00:00Z */
#define T_2025_01_01 1735689600LL        /* 2025-01-01T00:00:00Z */
#define T_2023_02_01 1675209600LL        /* 2023-02-01T00:00:00Z */
#define T_2023_03_01 1677628800LL        /* 2023-03-01T00:00:00Z */
#define T_2000_04_01 954547200LL         /* 2000-04-01T00:00:00Z */
#define T_1900_01_01 (-2208988800LL)     /* 1900-01-01T00:00:00Z */

/* ---------------------------------------------------------------------
** usage_time_parse: accepted forms
*/

START_TEST(test_date_only_is_midnight_utc) {
  PARSE_OK("2024-01-01", T_2024_01_01);
  PARSE_OK("1970-01-01", 0);
}
END_TEST

START_TEST(test_separator_upper_T_accepted) {
  PARSE_OK("2024-01-01T12:30", T_2024_01_01_1230);
}
END_TEST

START_TEST(test_separator_lower_t_accepted) {
  PARSE_OK("2024-01-01t12:30", T_2024_01_01_1230);
}
END_TEST

START_TEST(test_separator_space_accepted) {
  PARSE_OK("2024-01-01 12:30", T_2024_01_01_1230);
}
END_TEST

START_TEST(test_time_with_seconds_accepted) {
  PARSE_OK("2024-01-01T12:30:45", T_2024_01_01_123045);
  PARSE_OK("2024-01-01 12:30:45Z", T_2024_01_01_123045);
  PARSE_OK("2024-01-01T00:00:00", T_2024_01_01);
  PARSE_OK("2024-01-01T23:59:59", T_2024_01_01 + 86399);
}
END_TEST

START_TEST(test_fraction_of_any_length_is_floored) {
  PARSE_OK("2024-01-01T12:30:45.0", T_2024_01_01_123045);
  PARSE_OK("2024-01-01T12:30:45.5", T_2024_01_01_123045);
  PARSE_OK("2024-01-01T12:30:45.9", T_2024_01_01_123045);
  PARSE_OK("2024-01-01T12:30:45.999", T_2024_01_01_123045);
  PARSE_OK("2024-01-01T12:30:45.123456", T_2024_01_01_123045);
  PARSE_OK("2024-01-01T12:30:45.999999999", T_2024_01_01_123045);
  PARSE_OK("2024-01-01T12:30:45.12345678901234567890123456789Z",
           T_2024_01_01_123045);
  PARSE_OK("2024-01-01T12:30:45.75+00:00", T_2024_01_01_123045);
}
END_TEST

START_TEST(test_fraction_before_1970_is_floored) {
  /* 1969-12-31T23:59:59.999Z is -0.001 s: floored, that is -1. */
  PARSE_OK("1969-12-31T23:59:59.999Z", -1);
}
END_TEST

START_TEST(test_fraction_without_seconds_rejected) {
  PARSE_BAD("2024-01-01T12:30.5", "trailing text");
}
END_TEST

START_TEST(test_zulu_upper_and_lower_accepted) {
  PARSE_OK("2024-01-01T12:30Z", T_2024_01_01_1230);
  PARSE_OK("2024-01-01T12:30z", T_2024_01_01_1230);
  PARSE_OK("2024-01-01T12:30:45Z", T_2024_01_01_123045);
  PARSE_OK("2024-01-01T12:30:45.5z", T_2024_01_01_123045);
}
END_TEST

START_TEST(test_offset_hh_colon_mm_is_subtracted) {
  /* 2024-03-01T01:30+02:00 is 2024-02-29T23:30:00Z. */
  PARSE_OK("2024-03-01T01:30+02:00", T_2024_02_29_2330);
}
END_TEST

START_TEST(test_offset_hhmm_is_subtracted) {
  PARSE_OK("2024-03-01T01:30+0200", T_2024_02_29_2330);
}
END_TEST

START_TEST(test_offset_hh_is_subtracted) {
  PARSE_OK("2024-03-01T01:30+02", T_2024_02_29_2330);
  PARSE_OK("2024-03-01T01:30:00.25+02", T_2024_02_29_2330);
}
END_TEST

START_TEST(test_offset_with_minutes_is_subtracted) {
  /* 2024-01-01T12:30+05:30 is 2024-01-01T07:00:00Z = 1704092400. */
  PARSE_OK("2024-01-01T12:30+05:30", 1704092400LL);
  PARSE_OK("2024-01-01T12:30+0530", 1704092400LL);
}
END_TEST

START_TEST(test_negative_offset_is_added) {
  /* 2024-01-01T12:30:45.5-01:30 is 2024-01-01T14:00:45Z = 1704117645. */
  PARSE_OK("2024-01-01T12:30:45.5-01:30", 1704117645LL);
  PARSE_OK("2024-01-01T12:30:45-0130", 1704117645LL);
  /* 2024-01-01T12:30-05 is 17:30Z. */
  PARSE_OK("2024-01-01T12:30-05", T_2024_01_01_1230 + 5 * 3600);
}
END_TEST

START_TEST(test_zero_offsets_accepted) {
  PARSE_OK("2024-01-01T00:00+00:00", T_2024_01_01);
  PARSE_OK("2024-01-01T00:00-00:00", T_2024_01_01);
  PARSE_OK("2024-01-01T00:00+0000", T_2024_01_01);
  PARSE_OK("2024-01-01T00:00-00", T_2024_01_01);
}
END_TEST

START_TEST(test_offset_23_59_accepted) {
  /* 2024-01-01T00:00+23:59 is 2023-12-31T00:01:00Z = 1703980860. */
  PARSE_OK("2024-01-01T00:00+23:59", 1703980860LL);
  PARSE_OK("2024-01-01T00:00-23:59", T_2024_01_01 + 23 * 3600 + 59 * 60);
}
END_TEST

START_TEST(test_offset_crosses_year_backward) {
  /* 2024-01-01T01:00+02:00 is 2023-12-31T23:00:00Z = 1704063600. */
  PARSE_OK("2024-01-01T01:00+02:00", 1704063600LL);
}
END_TEST

START_TEST(test_offset_crosses_year_forward) {
  /* 2023-12-31T22:00-02:00 is 2024-01-01T00:00:00Z. */
  PARSE_OK("2023-12-31T22:00-02:00", T_2024_01_01);
}
END_TEST

START_TEST(test_offset_crosses_month_forward_in_common_year) {
  /* 2023-02-28T23:00-02:00 is 2023-03-01T01:00:00Z = 1677632400. */
  PARSE_OK("2023-02-28T23:00-02:00", 1677632400LL);
}
END_TEST

START_TEST(test_offset_crosses_into_leap_day_forward) {
  /* 2024-02-28T23:00-01:00 is 2024-02-29T00:00:00Z. */
  PARSE_OK("2024-02-28T23:00-01:00", T_2024_02_29);
}
END_TEST

START_TEST(test_offset_crosses_into_leap_day_backward) {
  PARSE_OK("2024-03-01T00:30+01:00", T_2024_02_29 + 23 * 3600 + 30 * 60);
}
END_TEST

START_TEST(test_leap_day_2024_accepted) {
  PARSE_OK("2024-02-29", T_2024_02_29);
}
END_TEST

START_TEST(test_leap_day_2000_accepted) {
  /* 2000-02-29T00:00:00Z = 951782400: divisible by 400, so leap. */
  PARSE_OK("2000-02-29", 951782400LL);
}
END_TEST

START_TEST(test_leap_day_year_0000_accepted) {
  /* Year 0 is leap (divisible by 400): 0000-01-01 + 59 days. */
  PARSE_OK("0000-02-29", USAGE_TS_MIN + 59LL * 86400);
}
END_TEST

START_TEST(test_last_day_of_each_month_accepted) {
  PARSE_OK("2024-01-31", T_2024_01_01 + 30LL * 86400);
  PARSE_OK("2024-04-30", T_2024_04_01 + 29LL * 86400);
  PARSE_OK("2023-02-28", 1677542400LL); /* 2023-02-28T00:00:00Z */
  PARSE_OK("2024-12-31", 1735603200LL); /* 2024-12-31T00:00:00Z */
}
END_TEST

/* ---------------------------------------------------------------------
** usage_time_parse: rejected forms
*/

START_TEST(test_feb_29_common_year_rejected) {
  PARSE_BAD("2023-02-29", "day out of range for month");
  PARSE_BAD("2023-02-29T00:00:00Z", "day out of range for month");
}
END_TEST

START_TEST(test_feb_29_1900_rejected) {
  /* Divisible by 100 but not 400: not leap. */
  PARSE_BAD("1900-02-29", "day out of range for month");
  PARSE_BAD("2100-02-29", "day out of range for month");
}
END_TEST

START_TEST(test_feb_30_rejected_even_in_leap_year) {
  PARSE_BAD("2024-02-30", "day out of range for month");
}
END_TEST

START_TEST(test_month_00_rejected) {
  PARSE_BAD("2024-00-10", "month out of range");
}
END_TEST

START_TEST(test_month_13_rejected) {
  PARSE_BAD("2024-13-10", "month out of range");
  PARSE_BAD("2024-99-10", "month out of range");
}
END_TEST

START_TEST(test_day_00_rejected) {
  PARSE_BAD("2024-01-00", "day out of range for month");
}
END_TEST

START_TEST(test_day_32_rejected) {
  PARSE_BAD("2024-01-32", "day out of range for month");
}
END_TEST

START_TEST(test_april_31_rejected) {
  PARSE_BAD("2024-04-31", "day out of range for month");
  PARSE_BAD("2024-06-31", "day out of range for month");
  PARSE_BAD("2024-09-31", "day out of range for month");
  PARSE_BAD("2024-11-31", "day out of range for month");
}
END_TEST

START_TEST(test_hour_24_rejected) {
  PARSE_BAD("2024-01-01T24:00", "hour out of range");
  PARSE_BAD("2024-01-01T24:00:00Z", "hour out of range");
}
END_TEST

START_TEST(test_minute_60_rejected) {
  PARSE_BAD("2024-01-01T23:60", "minute out of range");
}
END_TEST

START_TEST(test_second_60_rejected) {
  PARSE_BAD("2024-01-01T23:59:60", "second out of range");
  PARSE_BAD("2024-01-01T23:59:60Z", "second out of range");
}
END_TEST

START_TEST(test_trailing_text_rejected) {
  PARSE_BAD("2024-01-01x", "trailing text");
  PARSE_BAD("2024-01-01T00:00:00Zx", "trailing text");
  PARSE_BAD("2024-01-01T00:00:00ZZ", "trailing text");
  PARSE_BAD("2024-01-01T00:00:00+02:00:00", "trailing text");
  PARSE_BAD("2024-01-01T00:00:00+020", "trailing text");
  PARSE_BAD("2024-01-01T00:00:00 UTC", "trailing text");
  PARSE_BAD("2024-01-01T00:00:00:00", "trailing text");
  PARSE_BAD("2024-01-010", "trailing text");
}
END_TEST

START_TEST(test_leading_space_rejected) {
  PARSE_BAD(" 2024-01-01", "expected 'YYYY-MM-DD'");
  PARSE_BAD("\t2024-01-01", "expected 'YYYY-MM-DD'");
}
END_TEST

START_TEST(test_trailing_space_rejected) {
  PARSE_BAD("2024-01-01 ", NULL);
  PARSE_BAD("2024-01-01T00:00 ", "trailing text");
  PARSE_BAD("2024-01-01T00:00:00Z ", "trailing text");
  PARSE_BAD("2024-01-01T00:00:00Z\n", "trailing text");
}
END_TEST

START_TEST(test_empty_string_rejected) {
  int64_t t = 0;
  const char *zWhy = NULL;
  PARSE_BAD("", "empty");
  ck_assert_int_eq(usage_time_parse("2024-01-01", 0, &t, &zWhy), 1);
  ck_assert_str_eq(zWhy, "empty");
  ck_assert_int_eq(usage_time_parse("2024-01-01", -1, &t, &zWhy), 1);
}
END_TEST

START_TEST(test_lone_fraction_dot_rejected) {
  PARSE_BAD("2024-01-01T00:00:00.", "expected digits after '.'");
  PARSE_BAD("2024-01-01T00:00:00.Z", "expected digits after '.'");
  PARSE_BAD("2024-01-01T00:00:00.+01:00", "expected digits after '.'");
}
END_TEST

START_TEST(test_zone_without_time_rejected) {
  PARSE_BAD("2024-01-01Z", "trailing text");
  PARSE_BAD("2024-01-01z", "trailing text");
  PARSE_BAD("2024-01-01+02:00", "trailing text");
  PARSE_BAD("2024-01-01-02:00", "trailing text");
}
END_TEST

START_TEST(test_three_digit_year_rejected) {
  PARSE_BAD("202-01-01", "expected 'YYYY-MM-DD'");
  PARSE_BAD("202-01-01T00:00", "expected 'YYYY-MM-DD'");
}
END_TEST

START_TEST(test_five_digit_year_rejected) {
  PARSE_BAD("20240-01-01", "expected 'YYYY-MM-DD'");
  PARSE_BAD("+2024-01-01", "expected 'YYYY-MM-DD'");
  PARSE_BAD("-2024-01-01", "expected 'YYYY-MM-DD'");
}
END_TEST

START_TEST(test_single_digit_month_or_day_rejected) {
  PARSE_BAD("2024-1-01", "expected 'YYYY-MM-DD'");
  PARSE_BAD("2024-01-1", "expected 'YYYY-MM-DD'");
  PARSE_BAD("2024-1-1T00:00:00Z", "expected 'YYYY-MM-DD'");
}
END_TEST

START_TEST(test_other_date_separators_rejected) {
  PARSE_BAD("2024/01/01", "expected 'YYYY-MM-DD'");
  PARSE_BAD("2024.01.01", "expected 'YYYY-MM-DD'");
  PARSE_BAD("20240101", "expected 'YYYY-MM-DD'");
  PARSE_BAD("20240101T000000Z", "expected 'YYYY-MM-DD'");
  PARSE_BAD("2024-01-01_00:00", "trailing text");
  PARSE_BAD("2024-01-01  00:00", "expected 'HH:MM' after the date");
}
END_TEST

START_TEST(test_missing_time_digits_rejected) {
  PARSE_BAD("2024-01-01T", "expected 'HH:MM' after the date");
  PARSE_BAD("2024-01-01T1", "expected 'HH:MM' after the date");
  PARSE_BAD("2024-01-01T12", "expected 'HH:MM' after the date");
  PARSE_BAD("2024-01-01T12:", "expected 'HH:MM' after the date");
  PARSE_BAD("2024-01-01T12:3", "expected 'HH:MM' after the date");
  PARSE_BAD("2024-01-01T1:30", "expected 'HH:MM' after the date");
  PARSE_BAD("2024-01-01T12.30", "expected 'HH:MM' after the date");
  PARSE_BAD("2024-01-01T12:30:", "expected two digits of seconds");
  PARSE_BAD("2024-01-01T12:30:4", "expected two digits of seconds");
  PARSE_BAD("2024-01-01T12:30:4Z", "expected two digits of seconds");
  PARSE_BAD("2024-01-01T12:30:456", "trailing text");
}
END_TEST

START_TEST(test_offset_hour_24_rejected) {
  PARSE_BAD("2024-01-01T00:00+24:00", "offset hour out of range");
  PARSE_BAD("2024-01-01T00:00-2400", "offset hour out of range");
  PARSE_BAD("2024-01-01T00:00+99", "offset hour out of range");
}
END_TEST

START_TEST(test_offset_minute_60_rejected) {
  PARSE_BAD("2024-01-01T00:00+01:60", "offset minute out of range");
  PARSE_BAD("2024-01-01T00:00+0160", "offset minute out of range");
}
END_TEST

START_TEST(test_offset_missing_digits_rejected) {
  PARSE_BAD("2024-01-01T00:00+", "expected two digits of offset hours");
  PARSE_BAD("2024-01-01T00:00-", "expected two digits of offset hours");
  PARSE_BAD("2024-01-01T00:00+1", "expected two digits of offset hours");
  PARSE_BAD("2024-01-01T00:00+1:00", "expected two digits of offset hours");
  PARSE_BAD("2024-01-01T00:00+01:", "expected two digits of offset minutes");
  PARSE_BAD("2024-01-01T00:00+01:5", "expected two digits of offset minutes");
  PARSE_BAD("2024-01-01T00:00+015", "trailing text");
  PARSE_BAD("2024-01-01T00:00Z+01:00", "trailing text");
}
END_TEST

START_TEST(test_embedded_nul_rejected) {
  static const char a[] = "2024-01-01\0T00:00";
  static const char b[] = "2024-0\0-01";
  static const char c[] = "2024-01-01T00:00:00Z\0";
  static const char d[] = "2024-01-01T00:00:00.5\0005Z";
  PARSE_BAD_N(a, (int)sizeof(a) - 1, "trailing text");
  PARSE_BAD_N(b, (int)sizeof(b) - 1, "expected 'YYYY-MM-DD'");
  PARSE_BAD_N(c, (int)sizeof(c) - 1, "trailing text");
  PARSE_BAD_N(d, (int)sizeof(d) - 1, "trailing text");
}
END_TEST

START_TEST(test_non_ascii_bytes_rejected) {
  /* A no-break space as separator; Arabic-Indic digits; a high byte. */
  PARSE_BAD("2024-01-01\xc2\xa0"
            "00:00",
            "trailing text");
  PARSE_BAD("\xd9\xa2\xd9\xa0\xd9\xa2\xd9\xa4-01-01", "expected 'YYYY-MM-DD'");
  PARSE_BAD("2024-01-01T00:00:00\xff", "trailing text");
  PARSE_BAD("2024-01-\xb1"
            "1",
            "expected 'YYYY-MM-DD'");
}
END_TEST

START_TEST(test_junk_1000_bytes_rejected) {
  char a[1000];
  uint64_t seed = 0x1234567u;
  int k, r;
  for (r = 0; r < 200; r++) {
    for (k = 0; k < 1000; k++) a[k] = (char)(rng_next(&seed) >> 56);
    if (r == 0) memset(a, 'x', sizeof(a));
    PARSE_BAD_N(a, (int)sizeof(a), NULL);
  }
  /* A valid date followed by 990 bytes of text. */
  memcpy(a, "2024-01-01", 10);
  memset(a + 10, '9', sizeof(a) - 10);
  PARSE_BAD_N(a, (int)sizeof(a), "trailing text");
}
END_TEST

START_TEST(test_long_fraction_1000_bytes_accepted) {
  char a[1000];
  int64_t t = 0;
  const char *zWhy = NULL;
  memcpy(a, "2024-01-01T12:30:45.", 20);
  memset(a + 20, '7', sizeof(a) - 21);
  a[sizeof(a) - 1] = 'Z';
  ck_assert_int_eq(parse_n(a, (int)sizeof(a), &t, &zWhy), 0);
  ck_assert_int_eq(t, T_2024_01_01_123045);
}
END_TEST

START_TEST(test_parse_stops_at_n) {
  /* Only the first n bytes count, whatever follows them. */
  static const char z[] = "2024-01-01T12:30:45Z";
  int64_t t = 0;
  const char *zWhy = NULL;
  ck_assert_int_eq(usage_time_parse(z, 10, &t, &zWhy), 0);
  ck_assert_int_eq(t, T_2024_01_01);
  ck_assert_int_eq(usage_time_parse(z, 16, &t, &zWhy), 0);
  ck_assert_int_eq(t, T_2024_01_01_1230);
  ck_assert_int_eq(usage_time_parse(z, 19, &t, &zWhy), 0);
  ck_assert_int_eq(t, T_2024_01_01_123045);
  PARSE_BAD_N(z, 9, "expected 'YYYY-MM-DD'");
  PARSE_BAD_N(z, 11, "expected 'HH:MM' after the date");
  PARSE_BAD_N(z, 17, "expected two digits of seconds");
}
END_TEST

START_TEST(test_every_prefix_of_a_full_timestamp_is_safe) {
  /* Each prefix is either accepted or rejected with a reason, never read
  ** past (the exact-size copy lets AddressSanitizer see any overread). */
  static const char *az[] = {
      "2024-03-01T01:30:00.123456+02:00",
      "2024-03-01t01:30:00.5-0200",
      "2024-03-01 01:30-02",
      "2024-03-01T01:30:00.9z",
  };
  size_t k;
  int n;
  for (k = 0; k < sizeof(az) / sizeof(az[0]); k++) {
    for (n = 0; n <= (int)strlen(az[k]); n++) {
      int64_t t = 0;
      const char *zWhy = NULL;
      if (parse_n(az[k], n, &t, &zWhy)) {
        ck_assert_ptr_nonnull(zWhy);
      } else {
        ck_assert_msg(t >= USAGE_TS_MIN && t <= USAGE_TS_MAX, "range");
      }
    }
  }
}
END_TEST

START_TEST(test_null_reason_pointer_allowed) {
  int64_t t = 0;
  ck_assert_int_eq(usage_time_parse("2024-13-01", 10, &t, NULL), 1);
  ck_assert_int_eq(usage_time_from_double(NAN, &t, NULL), 1);
  ck_assert_int_eq(usage_time_from_int(USAGE_TS_MAX + 1, &t, NULL), 1);
}
END_TEST

/* ---------------------------------------------------------------------
** usage_time_parse: range bounds
*/

START_TEST(test_year_0000_lower_bound_accepted) {
  PARSE_OK("0000-01-01", USAGE_TS_MIN);
  PARSE_OK("0000-01-01T00:00:00Z", USAGE_TS_MIN);
  PARSE_OK("0000-01-01T00:30-01:00", USAGE_TS_MIN + 5400);
  /* 0001-01-01T00:00:00Z = -62135596800 (year 0 has 366 days). */
  PARSE_OK("0001-01-01", -62135596800LL);
}
END_TEST

START_TEST(test_offset_before_year_0000_rejected) {
  PARSE_BAD("0000-01-01T00:30+01:00", "out of range (years 0000-9999)");
  PARSE_BAD("0000-01-01T00:00+00:01", "out of range (years 0000-9999)");
}
END_TEST

START_TEST(test_year_9999_upper_bound_accepted) {
  PARSE_OK("9999-12-31T23:59:59Z", USAGE_TS_MAX);
  PARSE_OK("9999-12-31T23:59:59.999999", USAGE_TS_MAX);
  /* 23:30:00 is 1799 s before 23:59:59; the offset takes an hour more. */
  PARSE_OK("9999-12-31T23:30+01:00", USAGE_TS_MAX - 1799 - 3600);
}
END_TEST

START_TEST(test_offset_after_year_9999_rejected) {
  PARSE_BAD("9999-12-31T23:30-01:00", "out of range (years 0000-9999)");
  PARSE_BAD("9999-12-31T23:59:59-00:01", "out of range (years 0000-9999)");
}
END_TEST

START_TEST(test_epoch_minus_one_is_1969_12_31_23_59_59) {
  PARSE_OK("1969-12-31T23:59:59Z", -1);
  PARSE_OK("1969-12-31T23:59:59", -1);
  PARSE_OK("1970-01-01T00:59:59+01:00", -1);
}
END_TEST

START_TEST(test_1900_new_year_is_negative_epoch) {
  /* date -u -d '1900-01-01' +%s gives -2208988800. */
  PARSE_OK("1900-01-01", T_1900_01_01);
  PARSE_OK("1900-01-01T00:00:00Z", T_1900_01_01);
}
END_TEST

/* ---------------------------------------------------------------------
** usage_time_parse_canonical
*/

START_TEST(test_canonical_accepts_exact_form) {
  int64_t t = 0;
  ck_assert_int_eq(canon_n("2024-02-29T23:30:00Z", 20, &t), 0);
  ck_assert_int_eq(t, T_2024_02_29_2330);
  ck_assert_int_eq(canon_n("1969-12-31T23:59:59Z", 20, &t), 0);
  ck_assert_int_eq(t, -1);
  ck_assert_int_eq(canon_n("1900-01-01T00:00:00Z", 20, &t), 0);
  ck_assert_int_eq(t, T_1900_01_01);
}
END_TEST

START_TEST(test_canonical_range_bounds) {
  int64_t t = 0;
  ck_assert_int_eq(canon_n("0000-01-01T00:00:00Z", 20, &t), 0);
  ck_assert_int_eq(t, USAGE_TS_MIN);
  ck_assert_int_eq(canon_n("9999-12-31T23:59:59Z", 20, &t), 0);
  ck_assert_int_eq(t, USAGE_TS_MAX);
}
END_TEST

START_TEST(test_canonical_rejects_other_accepted_forms) {
  static const char *az[] = {
      "2024-02-29t23:30:00Z",   "2024-02-29 23:30:00Z",
      "2024-02-29T23:30:00z",   "2024-02-29T23:30:00",
      "2024-02-29T23:30Z",      "2024-02-29",
      "2024-02-29T23:30:00.0Z", "2024-02-29T23:30:00+00:00",
      "2024-02-29T23:30+0000",
  };
  size_t k;
  for (k = 0; k < sizeof(az) / sizeof(az[0]); k++) {
    int64_t t = 0x5a5a;
    ck_assert_msg(canon_n(az[k], (int)strlen(az[k]), &t) == 1,
                  "'%s' taken as canonical", az[k]);
    ck_assert_int_eq(t, 0x5a5a);
  }
}
END_TEST

START_TEST(test_canonical_rejects_invalid_fields) {
  static const char *az[] = {
      "2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2024-00-01T00:00:00Z",
      "2024-13-01T00:00:00Z", "2024-01-00T00:00:00Z", "2024-01-32T00:00:00Z",
      "2024-04-31T00:00:00Z", "2024-01-01T24:00:00Z", "2024-01-01T23:60:00Z",
      "2024-01-01T23:59:60Z", "2024-01-01T99:99:99Z", "2024/01/01T00:00:00Z",
      "2024-01-01T00-00-00Z", "2024-01-01T00:00:00X", "x024-01-01T00:00:00Z",
      "2024-0a-01T00:00:00Z", "2024-01-01T0 :00:00Z", "2024-01-01T00:00:0aZ",
      " 024-01-01T00:00:00Z", "2024-01-01T00:00:00 ", "2024-1-01T00:00:00Z ",
      "20240-1-01T00:00:00Z", "++++-01-01T00:00:00Z", "2024-01-01T00:0\xb0:00Z",
  };
  size_t k;
  for (k = 0; k < sizeof(az) / sizeof(az[0]); k++) {
    int64_t t = 0;
    ck_assert_msg(strlen(az[k]) == 20, "test text length");
    ck_assert_msg(canon_n(az[k], 20, &t) == 1, "'%s' accepted", az[k]);
  }
}
END_TEST

START_TEST(test_canonical_rejects_wrong_length) {
  static const char z[] = "2024-01-01T00:00:00Z";
  static const char zNul[] = "2024-01-01T00:00\00000Z";
  int64_t t = 0;
  ck_assert_int_eq(canon_n(z, 19, &t), 1);
  ck_assert_int_eq(canon_n(z, 0, &t), 1);
  ck_assert_int_eq(canon_n("2024-01-01T00:00:00ZZ", 21, &t), 1);
  ck_assert_int_eq(usage_time_parse_canonical(z, -20, &t), 1);
  ck_assert_int_eq((int)sizeof(zNul), 21);
  ck_assert_int_eq(canon_n(zNul, 20, &t), 1);
}
END_TEST

/* ---------------------------------------------------------------------
** usage_time_from_double, usage_time_from_int
*/

/* Assert that double r gives the unix seconds want. */
#define DOUBLE_OK(r, want)                                                \
  do {                                                                    \
    int64_t t_ = 0x5a5a;                                                  \
    const char *w_ = NULL;                                                \
    ck_assert_msg(usage_time_from_double((r), &t_, &w_) == 0,             \
                  "%.17g rejected: %s", (double)(r), w_ ? w_ : "(null)"); \
    ck_assert_msg(t_ == (int64_t)(want), "%.17g gave %lld, want %lld",    \
                  (double)(r), (long long)t_, (long long)(want));         \
  } while (0)

/* Assert that double r is rejected with reason why. */
#define DOUBLE_BAD(r, why)                                               \
  do {                                                                   \
    int64_t t_ = 0x5a5a;                                                 \
    const char *w_ = NULL;                                               \
    ck_assert_msg(usage_time_from_double((r), &t_, &w_) == 1,            \
                  "%.17g accepted as %lld", (double)(r), (long long)t_); \
    ck_assert_int_eq(t_, 0x5a5a);                                        \
    ck_assert_str_eq(w_, (why));                                         \
  } while (0)

START_TEST(test_double_floors_toward_minus_infinity) {
  DOUBLE_OK(-0.5, -1);
  DOUBLE_OK(1.9, 1);
  DOUBLE_OK(0.0, 0);
  DOUBLE_OK(-0.0, 0);
  DOUBLE_OK(-1.0, -1);
  DOUBLE_OK(-1.5, -2);
  DOUBLE_OK(-1e-9, -1);
  DOUBLE_OK(0.999999, 0);
  DOUBLE_OK(1709249400.75, T_2024_02_29_2330);
  DOUBLE_OK(-2208988799.5, T_1900_01_01);
}
END_TEST

START_TEST(test_double_rejects_nan_and_infinities) {
  DOUBLE_BAD(NAN, "not a number");
  DOUBLE_BAD(-NAN, "not a number");
  DOUBLE_BAD(INFINITY, "infinite");
  DOUBLE_BAD(-INFINITY, "infinite");
}
END_TEST

START_TEST(test_double_range_bounds) {
  DOUBLE_OK((double)USAGE_TS_MIN, USAGE_TS_MIN);
  DOUBLE_OK((double)USAGE_TS_MAX, USAGE_TS_MAX);
  DOUBLE_OK((double)USAGE_TS_MAX + 0.5, USAGE_TS_MAX);
  DOUBLE_OK((double)USAGE_TS_MIN + 0.5, USAGE_TS_MIN);
  DOUBLE_BAD((double)USAGE_TS_MIN - 0.5, "out of range (years 0000-9999)");
  DOUBLE_BAD((double)USAGE_TS_MAX + 1.0, "out of range (years 0000-9999)");
  DOUBLE_BAD(1e300, "out of range (years 0000-9999)");
  DOUBLE_BAD(-1e300, "out of range (years 0000-9999)");
  DOUBLE_BAD(9.3e18, "out of range (years 0000-9999)");
  DOUBLE_BAD(-9.3e18, "out of range (years 0000-9999)");
}
END_TEST

START_TEST(test_int_range_bounds) {
  int64_t t = 0;
  const char *zWhy = NULL;
  ck_assert_int_eq(usage_time_from_int(USAGE_TS_MIN, &t, &zWhy), 0);
  ck_assert_int_eq(t, USAGE_TS_MIN);
  ck_assert_int_eq(usage_time_from_int(USAGE_TS_MAX, &t, &zWhy), 0);
  ck_assert_int_eq(t, USAGE_TS_MAX);
  ck_assert_int_eq(usage_time_from_int(-1, &t, &zWhy), 0);
  ck_assert_int_eq(t, -1);
  t = 7;
  ck_assert_int_eq(usage_time_from_int(USAGE_TS_MIN - 1, &t, &zWhy), 1);
  ck_assert_str_eq(zWhy, "out of range (years 0000-9999)");
  ck_assert_int_eq(usage_time_from_int(USAGE_TS_MAX + 1, &t, &zWhy), 1);
  ck_assert_int_eq(usage_time_from_int(INT64_MIN, &t, &zWhy), 1);
  ck_assert_int_eq(usage_time_from_int(INT64_MAX, &t, &zWhy), 1);
  ck_assert_int_eq(t, 7);
}
END_TEST

/* ---------------------------------------------------------------------
** usage_time_format
*/

START_TEST(test_format_epoch_zero) {
  FORMAT_OK(0, "1970-01-01T00:00:00Z");
}
END_TEST

START_TEST(test_format_negative_epochs) {
  FORMAT_OK(-1, "1969-12-31T23:59:59Z");
  FORMAT_OK(-86400, "1969-12-31T00:00:00Z");
  FORMAT_OK(-86401, "1969-12-30T23:59:59Z");
  FORMAT_OK(T_1900_01_01, "1900-01-01T00:00:00Z");
  FORMAT_OK(T_1900_01_01 - 1, "1899-12-31T23:59:59Z");
}
END_TEST

START_TEST(test_format_range_bounds) {
  FORMAT_OK(USAGE_TS_MIN, "0000-01-01T00:00:00Z");
  FORMAT_OK(USAGE_TS_MAX, "9999-12-31T23:59:59Z");
  FORMAT_OK(USAGE_TS_MIN + 59LL * 86400, "0000-02-29T00:00:00Z");
}
END_TEST

START_TEST(test_format_known_instants) {
  FORMAT_OK(T_2024_02_29_2330, "2024-02-29T23:30:00Z");
  FORMAT_OK(T_2024_01_01_123045, "2024-01-01T12:30:45Z");
  FORMAT_OK(USAGE_ORIGIN_FIXED, "2000-01-03T00:00:00Z");
  FORMAT_OK(USAGE_ORIGIN_CALENDAR, "2000-01-01T00:00:00Z");
  /* 2024-06-15T13:47:12Z = 1718459232. */
  FORMAT_OK(1718459232LL, "2024-06-15T13:47:12Z");
}
END_TEST

START_TEST(test_format_out_of_range_refused) {
  char b[USAGE_TS_LEN + 1];
  ck_assert_int_eq(usage_time_format(USAGE_TS_MIN - 1, b), 1);
  ck_assert_int_eq(usage_time_format(USAGE_TS_MAX + 1, b), 1);
  ck_assert_int_eq(usage_time_format(INT64_MIN, b), 1);
  ck_assert_int_eq(usage_time_format(INT64_MAX, b), 1);
}
END_TEST

START_TEST(test_format_writes_exactly_21_bytes) {
  char b[32];
  memset(b, 'x', sizeof(b));
  ck_assert_int_eq(usage_time_format(-1, b), 0);
  ck_assert_int_eq(b[USAGE_TS_LEN], 0);
  ck_assert_int_eq(b[USAGE_TS_LEN + 1], 'x');
  ck_assert_int_eq((int)strlen(b), USAGE_TS_LEN);
}
END_TEST

START_TEST(test_format_random_seconds_match_gmtime_and_round_trip) {
  uint64_t seed = 0x9E3779B97F4A7C15ULL;
  int k;
  for (k = 0; k < 300000; k++) {
    int64_t t = rng_ts(&seed), back = 0;
    char b[USAGE_TS_LEN + 1], want[64];
    const char *zWhy = NULL;
    time_t tt;
    struct tm tm;
    if (k == 0) t = USAGE_TS_MIN;
    if (k == 1) t = USAGE_TS_MAX;
    tt = (time_t)t;
    REQUIRE(gmtime_r(&tt, &tm) != NULL);
    snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02dZ",
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec);
    REQUIRE(usage_time_format(t, b) == 0);
    REQUIRE(strcmp(b, want) == 0);
    REQUIRE(usage_time_parse_canonical(b, USAGE_TS_LEN, &back) == 0);
    REQUIRE(back == t);
    REQUIRE(usage_time_parse(b, USAGE_TS_LEN, &back, &zWhy) == 0);
    REQUIRE(back == t);
  }
}
END_TEST

/* ---------------------------------------------------------------------
** Civil day helpers
*/

START_TEST(test_civil_known_day_numbers) {
  int64_t y;
  int m, d;
  ck_assert_int_eq(usage_days_from_civil(1970, 1, 1), 0);
  ck_assert_int_eq(usage_days_from_civil(1969, 12, 31), -1);
  ck_assert_int_eq(usage_days_from_civil(2000, 3, 1), 11017);
  ck_assert_int_eq(usage_days_from_civil(0, 1, 1), -719528);
  ck_assert_int_eq(usage_days_from_civil(1, 1, 1), -719162);
  ck_assert_int_eq(usage_days_from_civil(9999, 12, 31), 2932896);
  ck_assert_int_eq(usage_days_from_civil(2024, 2, 29), T_2024_02_29 / 86400);
  usage_civil_from_days(-1, &y, &m, &d);
  ck_assert(y == 1969 && m == 12 && d == 31);
  usage_civil_from_days(-719528, &y, &m, &d);
  ck_assert(y == 0 && m == 1 && d == 1);
  usage_civil_from_days(2932896, &y, &m, &d);
  ck_assert(y == 9999 && m == 12 && d == 31);
}
END_TEST

START_TEST(test_civil_beyond_supported_years) {
  int64_t y;
  int m, d;
  /* The proleptic calendar continues: 0000-01-01 minus one day. */
  ck_assert_int_eq(usage_days_from_civil(-1, 12, 31), -719529);
  ck_assert_int_eq(usage_days_from_civil(10000, 1, 1), 2932897);
  /* 400 Gregorian years are always 146097 days. */
  ck_assert_int_eq(usage_days_from_civil(-400, 3, 1) + 146097,
                   usage_days_from_civil(0, 3, 1));
  usage_civil_from_days(-719529, &y, &m, &d);
  ck_assert(y == -1 && m == 12 && d == 31);
}
END_TEST

START_TEST(test_civil_every_day_0000_to_9999_round_trips) {
  /* Walk the calendar with an independent month-length table, checking
  ** both helpers, the formatter and both parsers on every day. */
  int64_t day = -719528, y2, t;
  int y, m, d, m2, d2;
  char b[USAGE_TS_LEN + 1], want[64];
  const char *zWhy = NULL;
  for (y = 0; y <= 9999; y++) {
    for (m = 1; m <= 12; m++) {
      for (d = 1; d <= t_mdays(y, m); d++, day++) {
        REQUIRE(usage_days_from_civil(y, m, d) == day);
        usage_civil_from_days(day, &y2, &m2, &d2);
        REQUIRE(y2 == y && m2 == m && d2 == d);
        snprintf(want, sizeof(want), "%04d-%02d-%02dT00:00:00Z", y, m, d);
        REQUIRE(usage_time_format(day * 86400, b) == 0);
        REQUIRE(strcmp(b, want) == 0);
        REQUIRE(usage_time_parse_canonical(b, 20, &t) == 0);
        REQUIRE(t == day * 86400);
        REQUIRE(usage_time_parse(want, 10, &t, &zWhy) == 0);
        REQUIRE(t == day * 86400);
      }
    }
  }
  REQUIRE(day * 86400 == USAGE_TS_MAX + 1);
}
END_TEST

START_TEST(test_civil_round_trip_far_years) {
  int64_t day, y;
  int m, d;
  for (day = -400000000; day <= 400000000; day += 999983) {
    usage_civil_from_days(day, &y, &m, &d);
    REQUIRE(m >= 1 && m <= 12 && d >= 1 && d <= 31);
    REQUIRE(usage_days_from_civil(y, m, d) == day);
  }
}
END_TEST

/* ---------------------------------------------------------------------
** usage_width_parse
*/

START_TEST(test_width_every_unit_singular_and_plural) {
  WIDTH_OK("1 second", USAGE_WIDTH_SECONDS, 1);
  WIDTH_OK("2 seconds", USAGE_WIDTH_SECONDS, 2);
  WIDTH_OK("1 minute", USAGE_WIDTH_SECONDS, 60);
  WIDTH_OK("15 minutes", USAGE_WIDTH_SECONDS, 900);
  WIDTH_OK("1 hour", USAGE_WIDTH_SECONDS, 3600);
  WIDTH_OK("6 hours", USAGE_WIDTH_SECONDS, 21600);
  WIDTH_OK("1 day", USAGE_WIDTH_SECONDS, 86400);
  WIDTH_OK("3 days", USAGE_WIDTH_SECONDS, 259200);
  WIDTH_OK("1 week", USAGE_WIDTH_SECONDS, 604800);
  WIDTH_OK("2 weeks", USAGE_WIDTH_SECONDS, 1209600);
  WIDTH_OK("1 month", USAGE_WIDTH_MONTHS, 1);
  WIDTH_OK("6 months", USAGE_WIDTH_MONTHS, 6);
  WIDTH_OK("1 quarter", USAGE_WIDTH_MONTHS, 3);
  WIDTH_OK("2 quarters", USAGE_WIDTH_MONTHS, 6);
  WIDTH_OK("1 year", USAGE_WIDTH_MONTHS, 12);
  WIDTH_OK("5 years", USAGE_WIDTH_MONTHS, 60);
}
END_TEST

START_TEST(test_width_number_defaults_to_one) {
  WIDTH_OK("second", USAGE_WIDTH_SECONDS, 1);
  WIDTH_OK("minute", USAGE_WIDTH_SECONDS, 60);
  WIDTH_OK("hour", USAGE_WIDTH_SECONDS, 3600);
  WIDTH_OK("day", USAGE_WIDTH_SECONDS, 86400);
  WIDTH_OK("days", USAGE_WIDTH_SECONDS, 86400);
  WIDTH_OK("week", USAGE_WIDTH_SECONDS, 604800);
  WIDTH_OK("month", USAGE_WIDTH_MONTHS, 1);
  WIDTH_OK("quarter", USAGE_WIDTH_MONTHS, 3);
  WIDTH_OK("years", USAGE_WIDTH_MONTHS, 12);
}
END_TEST

START_TEST(test_width_unit_case_insensitive) {
  WIDTH_OK("1 Day", USAGE_WIDTH_SECONDS, 86400);
  WIDTH_OK("HOURS", USAGE_WIDTH_SECONDS, 3600);
  WIDTH_OK("15 MiNuTeS", USAGE_WIDTH_SECONDS, 900);
  WIDTH_OK("2 QuarterS", USAGE_WIDTH_MONTHS, 6);
  WIDTH_OK("1 YEAR", USAGE_WIDTH_MONTHS, 12);
}
END_TEST

START_TEST(test_width_several_spaces_accepted) {
  WIDTH_OK("15   minutes", USAGE_WIDTH_SECONDS, 900);
}
END_TEST

START_TEST(test_width_leading_zeros_accepted) {
  WIDTH_OK("007 days", USAGE_WIDTH_SECONDS, 604800);
  WIDTH_OK("00000000000000000000000001 hour", USAGE_WIDTH_SECONDS, 3600);
}
END_TEST

START_TEST(test_width_zero_rejected) {
  WIDTH_BAD("0 days", "width must be at least 1");
  WIDTH_BAD("000 seconds", "width must be at least 1");
}
END_TEST

START_TEST(test_width_sign_rejected) {
  WIDTH_BAD("-1 day", "width must be a positive whole number");
  WIDTH_BAD("+1 day", "width must be a positive whole number");
}
END_TEST

START_TEST(test_width_fraction_rejected) {
  WIDTH_BAD("1.5 hours", "width must be a positive whole number");
  WIDTH_BAD("1,5 hours", "width must be a positive whole number");
}
END_TEST

START_TEST(test_width_number_glued_to_unit_rejected) {
  WIDTH_BAD("15minutes", "expected a space between the number and the unit");
  WIDTH_BAD("1\tday", "expected a space between the number and the unit");
}
END_TEST

START_TEST(test_width_leading_or_trailing_space_rejected) {
  WIDTH_BAD("day ", "leading or trailing space");
  WIDTH_BAD(" day", "leading or trailing space");
  WIDTH_BAD(" 1 day", "leading or trailing space");
  WIDTH_BAD("1 day ", "leading or trailing space");
  WIDTH_BAD("1 ", "leading or trailing space");
  WIDTH_BAD(" ", "leading or trailing space");
}
END_TEST

START_TEST(test_width_unknown_unit_rejected) {
  static const char zWhy[] = "unknown unit (expected second, minute, hour, "
                             "day, week, month, quarter or year)";
  WIDTH_BAD("fortnight", zWhy);
  WIDTH_BAD("2 fortnights", zWhy);
  WIDTH_BAD("1 dayss", zWhy);
  WIDTH_BAD("1 days2", zWhy);
  WIDTH_BAD("1 s", zWhy);
  WIDTH_BAD("1 sec", zWhy);
  WIDTH_BAD("1 da", zWhy);
  WIDTH_BAD("1 day s", zWhy);
  WIDTH_BAD("1 1 day", zWhy);
  WIDTH_BAD("1 dáy", zWhy);
  WIDTH_BAD("dayz", zWhy);
  WIDTH_BAD("s", zWhy);
}
END_TEST

START_TEST(test_width_missing_unit_or_empty_rejected) {
  UsageWidth w;
  const char *zWhy = NULL;
  WIDTH_BAD("1", "missing unit");
  WIDTH_BAD("15", "missing unit");
  WIDTH_BAD("", "empty");
  ck_assert_int_eq(usage_width_parse("1 day", -1, &w, &zWhy), 1);
}
END_TEST

START_TEST(test_width_embedded_nul_rejected) {
  static const char a[] = "1 d\0y";
  static const char b[] = "1 day\0";
  WIDTH_BAD_N(a, (int)sizeof(a) - 1, NULL);
  WIDTH_BAD_N(b, (int)sizeof(b) - 1, NULL);
}
END_TEST

START_TEST(test_width_stops_at_n) {
  UsageWidth w;
  const char *zWhy = NULL;
  ck_assert_int_eq(usage_width_parse("1 days", 5, &w, &zWhy), 0);
  ck_assert_int_eq(w.n, 86400);
  ck_assert_int_eq(usage_width_parse("12 hours", 1, &w, &zWhy), 1);
  ck_assert_str_eq(zWhy, "missing unit");
}
END_TEST

START_TEST(test_width_huge_number_rejected) {
  WIDTH_BAD("99999999999999999999 seconds", "width too large");
  WIDTH_BAD("99999999999999999999999999999999999999 years", "width too large");
  WIDTH_BAD("9223372036854775807 seconds", "width too large");
  WIDTH_BAD("9223372036854775808 months", "width too large");
  WIDTH_BAD("18446744073709551617 days", "width too large");
}
END_TEST

START_TEST(test_width_10000_years_is_the_limit) {
  /* Months: 10000 years = 120000 months. */
  WIDTH_OK("10000 years", USAGE_WIDTH_MONTHS, 120000);
  WIDTH_OK("40000 quarters", USAGE_WIDTH_MONTHS, 120000);
  WIDTH_OK("120000 months", USAGE_WIDTH_MONTHS, 120000);
  WIDTH_BAD("10001 years", "width too large");
  WIDTH_BAD("40001 quarters", "width too large");
  WIDTH_BAD("120001 months", "width too large");
  /* Seconds: 10000 * 366 * 86400 = 316224000000. */
  WIDTH_OK("316224000000 seconds", USAGE_WIDTH_SECONDS, 316224000000LL);
  WIDTH_BAD("316224000001 seconds", "width too large");
  WIDTH_OK("5270400000 minutes", USAGE_WIDTH_SECONDS, 316224000000LL);
  WIDTH_BAD("5270400001 minutes", "width too large");
  WIDTH_OK("87840000 hours", USAGE_WIDTH_SECONDS, 316224000000LL);
  WIDTH_BAD("87840001 hours", "width too large");
  WIDTH_OK("3660000 days", USAGE_WIDTH_SECONDS, 316224000000LL);
  WIDTH_BAD("3660001 days", "width too large");
  /* 522857 weeks = 316223913600 s fits; 522858 weeks does not. */
  WIDTH_OK("522857 weeks", USAGE_WIDTH_SECONDS, 316223913600LL);
  WIDTH_BAD("522858 weeks", "width too large");
}
END_TEST

/* ---------------------------------------------------------------------
** Origins
*/

START_TEST(test_default_origin_fixed_is_monday_2000_01_03) {
  UsageWidth w = W("1 week");
  ck_assert_int_eq(usage_width_default_origin(&w), USAGE_ORIGIN_FIXED);
  w = W("15 minutes");
  ck_assert_int_eq(usage_width_default_origin(&w), USAGE_ORIGIN_FIXED);
  /* 2000-01-03T00:00:00Z = 946857600, a Monday. */
  ck_assert_int_eq(USAGE_ORIGIN_FIXED, 946857600LL);
}
END_TEST

START_TEST(test_default_origin_calendar_is_2000_01_01) {
  UsageWidth w = W("1 month");
  ck_assert_int_eq(usage_width_default_origin(&w), USAGE_ORIGIN_CALENDAR);
  w = W("quarter");
  ck_assert_int_eq(usage_width_default_origin(&w), USAGE_ORIGIN_CALENDAR);
  w = W("2 years");
  ck_assert_int_eq(usage_width_default_origin(&w), USAGE_ORIGIN_CALENDAR);
  /* 2000-01-01T00:00:00Z = 946684800. */
  ck_assert_int_eq(USAGE_ORIGIN_CALENDAR, 946684800LL);
}
END_TEST

START_TEST(test_origin_calendar_needs_midnight_on_the_first) {
  UsageWidth w = W("1 year");
  const char *zWhy = NULL;
  ck_assert_int_eq(usage_origin_check(&w, T_2000_04_01, &zWhy), 0);
  ck_assert_int_eq(usage_origin_check(&w, USAGE_ORIGIN_CALENDAR, &zWhy), 0);
  ck_assert_int_eq(usage_origin_check(&w, USAGE_TS_MIN, &zWhy), 0);
  ck_assert_int_eq(usage_origin_check(&w, T_1900_01_01, &zWhy), 0);
  /* 9999-12-01T00:00:00Z = 253399622400. */
  ck_assert_int_eq(usage_origin_check(&w, 253399622400LL, &zWhy), 0);
  ck_assert_int_eq(usage_origin_check(&w, T_2000_04_01 + 86400, &zWhy), 1);
  ck_assert_str_eq(zWhy, "origin for month, quarter and year widths must be "
                         "00:00:00 on the first of a month");
  zWhy = NULL;
  ck_assert_int_eq(usage_origin_check(&w, T_2000_04_01 + 1, &zWhy), 1);
  ck_assert_ptr_nonnull(zWhy);
  ck_assert_int_eq(usage_origin_check(&w, T_2000_04_01 - 1, &zWhy), 1);
  ck_assert_int_eq(usage_origin_check(&w, USAGE_ORIGIN_FIXED, &zWhy), 1);
  w = W("1 month");
  ck_assert_int_eq(usage_origin_check(&w, T_1900_01_01 + 3600, &zWhy), 1);
}
END_TEST

START_TEST(test_origin_fixed_accepts_any_instant) {
  UsageWidth w = W("1 day");
  const char *zWhy = NULL;
  /* 2000-04-02T13:14:15Z */
  ck_assert_int_eq(usage_origin_check(&w, T_2000_04_01 + 86400 + 47655, &zWhy),
                   0);
  ck_assert_int_eq(usage_origin_check(&w, -1, &zWhy), 0);
  ck_assert_int_eq(usage_origin_check(&w, USAGE_TS_MIN, &zWhy), 0);
  ck_assert_int_eq(usage_origin_check(&w, USAGE_TS_MAX, &zWhy), 0);
}
END_TEST

START_TEST(test_origin_outside_years_0000_9999_rejected) {
  UsageWidth w = W("1 day");
  const char *zWhy = NULL;
  ck_assert_int_eq(usage_origin_check(&w, USAGE_TS_MAX + 1, &zWhy), 1);
  ck_assert_ptr_nonnull(zWhy);
  w = W("1 month");
  ck_assert_int_eq(usage_origin_check(&w, USAGE_TS_MIN - 86400 * 31LL, &zWhy),
                   1);
  ck_assert_int_eq(usage_origin_check(&w, INT64_MIN, &zWhy), 1);
}
END_TEST

/* ---------------------------------------------------------------------
** usage_bucket_start: fixed widths
*/

START_TEST(test_bucket_one_second_is_identity) {
  BUCKET_OK("1 second", USAGE_ORIGIN_FIXED, 1709620199LL, 1709620199LL);
  BUCKET_OK("second", USAGE_ORIGIN_FIXED, -1, -1);
  BUCKET_OK("second", USAGE_ORIGIN_FIXED, USAGE_TS_MIN, USAGE_TS_MIN);
  BUCKET_OK("second", USAGE_ORIGIN_FIXED, USAGE_TS_MAX, USAGE_TS_MAX);
}
END_TEST

START_TEST(test_bucket_seconds_width) {
  /* 2024-03-05T06:29:59Z = 1709620199; 30 s buckets start at :29:30. */
  BUCKET_OK("30 seconds", USAGE_ORIGIN_FIXED, 1709620199LL, 1709620170LL);
}
END_TEST

START_TEST(test_bucket_minutes_width) {
  /* 2024-03-05T06:29:59Z -> 06:29:00 (1709620140) and 06:15:00
  ** (1709619300, python: 1709620199 // 900 * 900). */
  BUCKET_OK("1 minute", USAGE_ORIGIN_FIXED, 1709620199LL, 1709620140LL);
  BUCKET_OK("15 minutes", USAGE_ORIGIN_FIXED, 1709620199LL, 1709619300LL);
}
END_TEST

START_TEST(test_bucket_hours_width) {
  /* 2024-03-05T06:29:59Z -> 06:00:00Z = 1709618400. */
  BUCKET_OK("1 hour", USAGE_ORIGIN_FIXED, 1709620199LL, 1709618400LL);
  /* 6-hour buckets from 00:00 also start at 06:00. */
  BUCKET_OK("6 hours", USAGE_ORIGIN_FIXED, 1709620199LL, 1709618400LL);
}
END_TEST

START_TEST(test_bucket_day_width) {
  /* 2024-03-05T06:29:59Z -> 2024-03-05T00:00:00Z = 1709596800. */
  BUCKET_OK("1 day", USAGE_ORIGIN_FIXED, 1709620199LL, 1709596800LL);
  BUCKET_OK("day", USAGE_ORIGIN_FIXED, 1709596800LL, 1709596800LL);
}
END_TEST

START_TEST(test_week_bucket_starts_monday) {
  /* 2024-03-06T10:00:00Z (1709719200) is a Wednesday: Monday 2024-03-04. */
  BUCKET_OK("1 week", USAGE_ORIGIN_FIXED, 1709719200LL, T_2024_03_04);
  /* The Monday itself, and the Sunday 2024-03-10T23:59:59Z (1710115199). */
  BUCKET_OK("1 week", USAGE_ORIGIN_FIXED, T_2024_03_04, T_2024_03_04);
  BUCKET_OK("1 week", USAGE_ORIGIN_FIXED, 1710115199LL, T_2024_03_04);
  BUCKET_OK("week", USAGE_ORIGIN_FIXED, 1710115199LL + 1,
            T_2024_03_04 + 604800);
}
END_TEST

START_TEST(test_week_bucket_before_1970_starts_monday) {
  /* 1969-12-31 (Wednesday, -86400) -> Monday 1969-12-29 (-259200). */
  BUCKET_OK("1 week", USAGE_ORIGIN_FIXED, -86400, -259200);
  BUCKET_OK("1 week", USAGE_ORIGIN_FIXED, -1, -259200);
  /* 1960-06-15T13:47:12Z (-301227168), a Wednesday -> Monday 1960-06-13
  ** (-301449600). */
  BUCKET_OK("1 week", USAGE_ORIGIN_FIXED, -301227168LL, -301449600LL);
}
END_TEST

START_TEST(test_day_bucket_before_1970_floors) {
  /* 1969-12-31T23:00:00Z (-3600) -> 1969-12-31T00:00:00Z (-86400). */
  BUCKET_OK("1 day", USAGE_ORIGIN_FIXED, -3600, -86400);
  BUCKET_OK("1 day", USAGE_ORIGIN_FIXED, -86400, -86400);
  BUCKET_OK("1 day", USAGE_ORIGIN_FIXED, -86401, -172800);
  BUCKET_OK("1 day", USAGE_ORIGIN_FIXED, T_1900_01_01 + 5, T_1900_01_01);
  /* 1960-06-15T13:47:12Z -> 13:00:00Z (-301230000). */
  BUCKET_OK("1 hour", USAGE_ORIGIN_FIXED, -301227168LL, -301230000LL);
}
END_TEST

START_TEST(test_fixed_bucket_with_custom_origin) {
  /* Days from 06:00: 2024-03-06T05:00Z (1709701200) is in the day that
  ** starts 2024-03-05T06:00:00Z (1709618400). */
  int64_t o = USAGE_ORIGIN_FIXED + 6 * 3600;
  BUCKET_OK("1 day", o, 1709701200LL, 1709618400LL);
  BUCKET_OK("1 day", o, 1709618400LL, 1709618400LL);
  BUCKET_OK("1 day", o, 1709618400LL - 1, 1709618400LL - 86400);
}
END_TEST

START_TEST(test_fixed_bucket_after_origin_in_the_future) {
  /* An origin after t: floor division still finds the bucket holding t. */
  int64_t o = T_2025_01_01;
  BUCKET_OK("1 day", o, T_2024_01_01 + 10, T_2024_01_01);
  BUCKET_OK("7 days", o, T_2024_01_01, T_2025_01_01 - 53 * 604800LL);
}
END_TEST

/* ---------------------------------------------------------------------
** usage_bucket_start: calendar widths
*/

START_TEST(test_month_bucket_leap_february) {
  /* 2024-02-29T12:00:00Z (1709208000) and 23:59:59Z -> 2024-02-01. */
  BUCKET_OK("1 month", USAGE_ORIGIN_CALENDAR, 1709208000LL, T_2024_02_01);
  BUCKET_OK("1 month", USAGE_ORIGIN_CALENDAR, T_2024_03_01 - 1, T_2024_02_01);
  BUCKET_OK("1 month", USAGE_ORIGIN_CALENDAR, T_2024_03_01, T_2024_03_01);
}
END_TEST

START_TEST(test_month_bucket_common_february) {
  /* 2023-02-28T00:00:00Z (1677542400) -> 2023-02-01 (1675209600). */
  BUCKET_OK("1 month", USAGE_ORIGIN_CALENDAR, 1677542400LL, T_2023_02_01);
  BUCKET_OK("1 month", USAGE_ORIGIN_CALENDAR, T_2023_03_01 - 1, T_2023_02_01);
  BUCKET_OK("1 month", USAGE_ORIGIN_CALENDAR, T_2023_03_01, T_2023_03_01);
}
END_TEST

START_TEST(test_quarter_bucket_default_origin) {
  /* 2024-05-10 -> 2024-04-01; 2024-12-31T23:59:59Z -> 2024-10-01. */
  BUCKET_OK("1 quarter", USAGE_ORIGIN_CALENDAR, T_2024_05_10, T_2024_04_01);
  BUCKET_OK("quarter", USAGE_ORIGIN_CALENDAR, 1735689599LL, 1727740800LL);
  BUCKET_OK("quarter", USAGE_ORIGIN_CALENDAR, T_2024_01_01, T_2024_01_01);
  BUCKET_OK("quarter", USAGE_ORIGIN_CALENDAR, T_2024_04_01 - 1, T_2024_01_01);
}
END_TEST

START_TEST(test_year_bucket_default_origin) {
  BUCKET_OK("1 year", USAGE_ORIGIN_CALENDAR, T_2024_05_10, T_2024_01_01);
  BUCKET_OK("1 year", USAGE_ORIGIN_CALENDAR, T_2025_01_01 - 1, T_2024_01_01);
}
END_TEST

START_TEST(test_fiscal_year_april_origin) {
  /* Years from 2000-04-01: 2024-05-10 -> 2024-04-01;
  ** 2024-03-31T23:59:59Z (1711929599) -> 2023-04-01 (1680307200);
  ** 2025-04-01 (1743465600) -> itself. */
  BUCKET_OK("1 year", T_2000_04_01, T_2024_05_10, T_2024_04_01);
  BUCKET_OK("1 year", T_2000_04_01, 1711929599LL, 1680307200LL);
  BUCKET_OK("1 year", T_2000_04_01, 1743465600LL, 1743465600LL);
}
END_TEST

START_TEST(test_six_month_bucket_april_origin) {
  /* Halves Apr-Sep and Oct-Mar: 2024-02-15T12Z (1707998400) -> 2023-10-01
  ** (1696118400). */
  BUCKET_OK("6 months", T_2000_04_01, 1707998400LL, 1696118400LL);
  BUCKET_OK("6 months", T_2000_04_01, T_2024_05_10, T_2024_04_01);
}
END_TEST

START_TEST(test_calendar_bucket_before_1970) {
  /* 1960-06-15T13:47:12Z (-301227168): year -> 1960-01-01 (-315619200),
  ** quarter -> 1960-04-01 (-307756800); 2-year buckets from 2000 hold
  ** even years: 1959-06-01 (-334108800) -> 1958-01-01 (-378691200). */
  BUCKET_OK("1 year", USAGE_ORIGIN_CALENDAR, -301227168LL, -315619200LL);
  BUCKET_OK("1 quarter", USAGE_ORIGIN_CALENDAR, -301227168LL, -307756800LL);
  BUCKET_OK("2 years", USAGE_ORIGIN_CALENDAR, -301227168LL, -315619200LL);
  BUCKET_OK("2 years", USAGE_ORIGIN_CALENDAR, -334108800LL, -378691200LL);
  /* 1969-12-31T23:59:59Z -> 1969-12-01 (-2678400). */
  BUCKET_OK("1 month", USAGE_ORIGIN_CALENDAR, -1, -2678400LL);
}
END_TEST

/* ---------------------------------------------------------------------
** usage_bucket_start: bounds and errors
*/

START_TEST(test_bucket_start_range_bounds) {
  /* 9999-01-01 = 253370764800; 9999-12-31 = 253402214400. */
  BUCKET_OK("1 year", USAGE_ORIGIN_CALENDAR, USAGE_TS_MAX, 253370764800LL);
  BUCKET_OK("1 year", USAGE_ORIGIN_CALENDAR, USAGE_TS_MIN, USAGE_TS_MIN);
  BUCKET_OK("1 day", USAGE_ORIGIN_FIXED, USAGE_TS_MAX, 253402214400LL);
  BUCKET_OK("1 day", USAGE_ORIGIN_FIXED, USAGE_TS_MIN, USAGE_TS_MIN);
  BUCKET_OK("10000 years", USAGE_ORIGIN_CALENDAR, T_2024_05_10,
            USAGE_ORIGIN_CALENDAR);
  BUCKET_OK("10000 years", USAGE_TS_MIN, USAGE_TS_MAX, USAGE_TS_MIN);
}
END_TEST

START_TEST(test_bucket_start_before_year_0000_refused) {
  int64_t s = 0;
  UsageWidth w = W("1 week");
  /* 0000-01-01 is a Saturday: its week starts in year -1. */
  ck_assert_int_eq(usage_bucket_start(&w, USAGE_ORIGIN_FIXED, USAGE_TS_MIN, &s),
                   1);
  /* Two-year buckets from 2001 put year 0 in the bucket from year -1. */
  w = W("2 years");
  /* 2001-01-01T00:00:00Z = 978307200. */
  ck_assert_int_eq(usage_bucket_start(&w, 978307200LL, USAGE_TS_MIN, &s), 1);
  w = W("3660000 days");
  ck_assert_int_eq(usage_bucket_start(&w, USAGE_TS_MAX, USAGE_TS_MIN, &s), 1);
}
END_TEST

START_TEST(test_bucket_start_refuses_bad_inputs) {
  int64_t s = 0;
  UsageWidth w = W("1 day");
  ck_assert_int_eq(
      usage_bucket_start(&w, USAGE_ORIGIN_FIXED, USAGE_TS_MAX + 1, &s), 1);
  ck_assert_int_eq(usage_bucket_start(&w, USAGE_ORIGIN_FIXED, INT64_MIN, &s),
                   1);
  ck_assert_int_eq(usage_bucket_start(&w, INT64_MAX, 0, &s), 1);
  w.n = 0;
  ck_assert_int_eq(usage_bucket_start(&w, USAGE_ORIGIN_FIXED, 0, &s), 1);
  w.n = -86400;
  ck_assert_int_eq(usage_bucket_start(&w, USAGE_ORIGIN_FIXED, 0, &s), 1);
  w.eKind = USAGE_WIDTH_MONTHS;
  w.n = INT64_MAX;
  ck_assert_int_eq(usage_bucket_start(&w, USAGE_ORIGIN_CALENDAR, 0, &s), 1);
  w.eKind = USAGE_WIDTH_SECONDS;
  ck_assert_int_eq(usage_bucket_start(&w, USAGE_ORIGIN_FIXED, 0, &s), 1);
}
END_TEST

/* ---------------------------------------------------------------------
** usage_bucket_next
*/

START_TEST(test_next_month_across_february) {
  NEXT_OK("1 month", T_2024_02_01, T_2024_03_01);
  NEXT_OK("1 month", T_2023_02_01, T_2023_03_01);
  NEXT_OK("1 month", T_2024_01_01, T_2024_02_01);
  NEXT_OK("3 months", T_2024_01_01, T_2024_04_01);
}
END_TEST

START_TEST(test_next_crosses_year_end) {
  NEXT_OK("1 year", T_2024_01_01, T_2025_01_01);
  NEXT_OK("1 quarter", 1727740800LL /* 2024-10-01 */, T_2025_01_01);
  NEXT_OK("1 month", 1733011200LL /* 2024-12-01 */, T_2025_01_01);
  /* 2024-04-01 + 1 year = 2025-04-01 (1743465600). */
  NEXT_OK("1 year", T_2024_04_01, 1743465600LL);
  /* 2024-12-31 + 1 day = 2025-01-01. */
  NEXT_OK("1 day", 1735603200LL, T_2025_01_01);
}
END_TEST

START_TEST(test_next_fixed_adds_seconds) {
  NEXT_OK("15 minutes", 1709619300LL, 1709619300LL + 900);
  NEXT_OK("1 day", -86400, 0);
  NEXT_OK("1 week", -259200, 345600);
  NEXT_OK("1 day", T_2024_02_29, T_2024_03_01);
}
END_TEST

START_TEST(test_next_before_1970) {
  NEXT_OK("1 month", -2678400LL, 0); /* 1969-12 -> 1970 */
  NEXT_OK("1 year", T_1900_01_01 - 31536000LL, T_1900_01_01); /* 1899 */
}
END_TEST

START_TEST(test_next_last_bucket_has_no_end) {
  int64_t x = 0;
  UsageWidth w = W("1 day");
  ck_assert_int_eq(usage_bucket_next(&w, 253402214400LL, &x), 1);
  w = W("1 year");
  ck_assert_int_eq(usage_bucket_next(&w, 253370764800LL, &x), 1);
  w = W("1 month");
  ck_assert_int_eq(usage_bucket_next(&w, 253399622400LL, &x), 1);
  w = W("1 second");
  ck_assert_int_eq(usage_bucket_next(&w, USAGE_TS_MAX, &x), 1);
  w = W("10000 years");
  ck_assert_int_eq(usage_bucket_next(&w, USAGE_TS_MIN, &x), 1);
  w = W("316224000000 seconds");
  ck_assert_int_eq(usage_bucket_next(&w, USAGE_TS_MIN, &x), 1);
}
END_TEST

START_TEST(test_next_just_inside_year_9999) {
  /* 9999-11-01 (253397030400) + 1 month = 9999-12-01 (253399622400). */
  NEXT_OK("1 month", 253397030400LL, 253399622400LL);
  NEXT_OK("1 second", USAGE_TS_MAX - 1, USAGE_TS_MAX);
  NEXT_OK("9999 years", USAGE_TS_MIN, 253370764800LL);
}
END_TEST

START_TEST(test_next_refuses_bad_inputs) {
  int64_t x = 0;
  UsageWidth w = W("1 day");
  ck_assert_int_eq(usage_bucket_next(&w, USAGE_TS_MAX + 1, &x), 1);
  ck_assert_int_eq(usage_bucket_next(&w, INT64_MAX, &x), 1);
  ck_assert_int_eq(usage_bucket_next(&w, INT64_MIN, &x), 1);
  w.n = 0;
  ck_assert_int_eq(usage_bucket_next(&w, 0, &x), 1);
  w.eKind = USAGE_WIDTH_MONTHS;
  w.n = INT64_MAX;
  ck_assert_int_eq(usage_bucket_next(&w, 0, &x), 1);
}
END_TEST

START_TEST(test_buckets_tile_time_for_random_instants) {
  /* For random widths, origins and instants: start <= t < next, the start
  ** is its own bucket, and the next bucket starts at next. */
  static const char *azWidth[] = {
      "1 second", "7 seconds", "15 minutes", "1 hour",  "5 hours",
      "1 day",    "3 days",    "1 week",     "2 weeks", "1 month",
      "2 months", "1 quarter", "1 year",     "3 years", "400 years",
  };
  enum { N_WIDTH = sizeof(azWidth) / sizeof(azWidth[0]) };
  UsageWidth aW[N_WIDTH];
  uint64_t seed = 42;
  int k, nTested = 0;
  for (k = 0; k < N_WIDTH; k++) aW[k] = W(azWidth[k]);
  for (k = 0; k < 200000; k++) {
    const UsageWidth *pW = &aW[rng_next(&seed) % N_WIDTH];
    int64_t t = rng_ts(&seed), o = rng_ts(&seed), s, s2, nx;
    if (pW->eKind == USAGE_WIDTH_MONTHS) {
      int64_t y;
      int m, d;
      usage_civil_from_days(o / 86400 - (o % 86400 < 0), &y, &m, &d);
      o = usage_days_from_civil(y, m, 1) * 86400;
      REQUIRE(usage_origin_check(pW, o, NULL) == 0);
    }
    if (usage_bucket_start(pW, o, t, &s)) {
      REQUIRE(t - USAGE_TS_MIN <
              (pW->eKind == USAGE_WIDTH_MONTHS ? pW->n * 31 * 86400 : pW->n));
      continue; /* starts before year 0000 */
    }
    nTested++;
    REQUIRE(s <= t);
    REQUIRE(usage_bucket_start(pW, o, s, &s2) == 0 && s2 == s);
    if (usage_bucket_next(pW, s, &nx) == 0) {
      REQUIRE(t < nx);
      REQUIRE(usage_bucket_start(pW, o, nx, &s2) == 0 && s2 == nx);
      REQUIRE(usage_bucket_start(pW, o, nx - 1, &s2) == 0 && s2 == s);
    } else {
      REQUIRE(USAGE_TS_MAX - t <
              (pW->eKind == USAGE_WIDTH_MONTHS ? pW->n * 31 * 86400 : pW->n));
    }
  }
  REQUIRE(nTested > 190000);
}
END_TEST

START_TEST(test_month_buckets_walk_2023_to_2025) {
  /* Stepping month by month from 2023-01-01 gives every first of month. */
  UsageWidth w = W("1 month");
  int64_t s = 1672531200LL; /* 2023-01-01T00:00:00Z */
  int y, m;
  for (y = 2023; y <= 2025; y++) {
    for (m = 1; m <= 12; m++) {
      char b[USAGE_TS_LEN + 1], want[64];
      int64_t nx;
      snprintf(want, sizeof(want), "%04d-%02d-01T00:00:00Z", y, m);
      ck_assert_int_eq(usage_time_format(s, b), 0);
      ck_assert_str_eq(b, want);
      ck_assert_int_eq(usage_bucket_next(&w, s, &nx), 0);
      ck_assert_int_eq(nx - s, (int64_t)t_mdays(y, m) * 86400);
      s = nx;
    }
  }
}
END_TEST

/* ---------------------------------------------------------------------
** Suite
*/

/* Add a list of tests to a new test case named zName. */
static TCase *tcase(const char *zName) {
  TCase *tc = tcase_create(zName);
  tcase_set_timeout(tc, 300);
  return tc;
}

static Suite *time_suite(void) {
  Suite *s = suite_create("usage_time");
  TCase *tc;

  tc = tcase("parse_accepted");
  tcase_add_test(tc, test_date_only_is_midnight_utc);
  tcase_add_test(tc, test_separator_upper_T_accepted);
  tcase_add_test(tc, test_separator_lower_t_accepted);
  tcase_add_test(tc, test_separator_space_accepted);
  tcase_add_test(tc, test_time_with_seconds_accepted);
  tcase_add_test(tc, test_fraction_of_any_length_is_floored);
  tcase_add_test(tc, test_fraction_before_1970_is_floored);
  tcase_add_test(tc, test_zulu_upper_and_lower_accepted);
  tcase_add_test(tc, test_offset_hh_colon_mm_is_subtracted);
  tcase_add_test(tc, test_offset_hhmm_is_subtracted);
  tcase_add_test(tc, test_offset_hh_is_subtracted);
  tcase_add_test(tc, test_offset_with_minutes_is_subtracted);
  tcase_add_test(tc, test_negative_offset_is_added);
  tcase_add_test(tc, test_zero_offsets_accepted);
  tcase_add_test(tc, test_offset_23_59_accepted);
  tcase_add_test(tc, test_offset_crosses_year_backward);
  tcase_add_test(tc, test_offset_crosses_year_forward);
  tcase_add_test(tc, test_offset_crosses_month_forward_in_common_year);
  tcase_add_test(tc, test_offset_crosses_into_leap_day_forward);
  tcase_add_test(tc, test_offset_crosses_into_leap_day_backward);
  tcase_add_test(tc, test_leap_day_2024_accepted);
  tcase_add_test(tc, test_leap_day_2000_accepted);
  tcase_add_test(tc, test_leap_day_year_0000_accepted);
  tcase_add_test(tc, test_last_day_of_each_month_accepted);
  tcase_add_test(tc, test_long_fraction_1000_bytes_accepted);
  tcase_add_test(tc, test_parse_stops_at_n);
  suite_add_tcase(s, tc);

  tc = tcase("parse_rejected");
  tcase_add_test(tc, test_feb_29_common_year_rejected);
  tcase_add_test(tc, test_feb_29_1900_rejected);
  tcase_add_test(tc, test_feb_30_rejected_even_in_leap_year);
  tcase_add_test(tc, test_month_00_rejected);
  tcase_add_test(tc, test_month_13_rejected);
  tcase_add_test(tc, test_day_00_rejected);
  tcase_add_test(tc, test_day_32_rejected);
  tcase_add_test(tc, test_april_31_rejected);
  tcase_add_test(tc, test_hour_24_rejected);
  tcase_add_test(tc, test_minute_60_rejected);
  tcase_add_test(tc, test_second_60_rejected);
  tcase_add_test(tc, test_fraction_without_seconds_rejected);
  tcase_add_test(tc, test_trailing_text_rejected);
  tcase_add_test(tc, test_leading_space_rejected);
  tcase_add_test(tc, test_trailing_space_rejected);
  tcase_add_test(tc, test_empty_string_rejected);
  tcase_add_test(tc, test_lone_fraction_dot_rejected);
  tcase_add_test(tc, test_zone_without_time_rejected);
  tcase_add_test(tc, test_three_digit_year_rejected);
  tcase_add_test(tc, test_five_digit_year_rejected);
  tcase_add_test(tc, test_single_digit_month_or_day_rejected);
  tcase_add_test(tc, test_other_date_separators_rejected);
  tcase_add_test(tc, test_missing_time_digits_rejected);
  tcase_add_test(tc, test_offset_hour_24_rejected);
  tcase_add_test(tc, test_offset_minute_60_rejected);
  tcase_add_test(tc, test_offset_missing_digits_rejected);
  tcase_add_test(tc, test_embedded_nul_rejected);
  tcase_add_test(tc, test_non_ascii_bytes_rejected);
  tcase_add_test(tc, test_junk_1000_bytes_rejected);
  tcase_add_test(tc, test_every_prefix_of_a_full_timestamp_is_safe);
  tcase_add_test(tc, test_null_reason_pointer_allowed);
  suite_add_tcase(s, tc);

  tc = tcase("parse_range");
  tcase_add_test(tc, test_year_0000_lower_bound_accepted);
  tcase_add_test(tc, test_offset_before_year_0000_rejected);
  tcase_add_test(tc, test_year_9999_upper_bound_accepted);
  tcase_add_test(tc, test_offset_after_year_9999_rejected);
  tcase_add_test(tc, test_epoch_minus_one_is_1969_12_31_23_59_59);
  tcase_add_test(tc, test_1900_new_year_is_negative_epoch);
  suite_add_tcase(s, tc);

  tc = tcase("canonical");
  tcase_add_test(tc, test_canonical_accepts_exact_form);
  tcase_add_test(tc, test_canonical_range_bounds);
  tcase_add_test(tc, test_canonical_rejects_other_accepted_forms);
  tcase_add_test(tc, test_canonical_rejects_invalid_fields);
  tcase_add_test(tc, test_canonical_rejects_wrong_length);
  suite_add_tcase(s, tc);

  tc = tcase("numbers");
  tcase_add_test(tc, test_double_floors_toward_minus_infinity);
  tcase_add_test(tc, test_double_rejects_nan_and_infinities);
  tcase_add_test(tc, test_double_range_bounds);
  tcase_add_test(tc, test_int_range_bounds);
  suite_add_tcase(s, tc);

  tc = tcase("format");
  tcase_add_test(tc, test_format_epoch_zero);
  tcase_add_test(tc, test_format_negative_epochs);
  tcase_add_test(tc, test_format_range_bounds);
  tcase_add_test(tc, test_format_known_instants);
  tcase_add_test(tc, test_format_out_of_range_refused);
  tcase_add_test(tc, test_format_writes_exactly_21_bytes);
  tcase_add_test(tc, test_format_random_seconds_match_gmtime_and_round_trip);
  suite_add_tcase(s, tc);

  tc = tcase("civil");
  tcase_add_test(tc, test_civil_known_day_numbers);
  tcase_add_test(tc, test_civil_beyond_supported_years);
  tcase_add_test(tc, test_civil_every_day_0000_to_9999_round_trips);
  tcase_add_test(tc, test_civil_round_trip_far_years);
  suite_add_tcase(s, tc);

  tc = tcase("width");
  tcase_add_test(tc, test_width_every_unit_singular_and_plural);
  tcase_add_test(tc, test_width_number_defaults_to_one);
  tcase_add_test(tc, test_width_unit_case_insensitive);
  tcase_add_test(tc, test_width_several_spaces_accepted);
  tcase_add_test(tc, test_width_leading_zeros_accepted);
  tcase_add_test(tc, test_width_zero_rejected);
  tcase_add_test(tc, test_width_sign_rejected);
  tcase_add_test(tc, test_width_fraction_rejected);
  tcase_add_test(tc, test_width_number_glued_to_unit_rejected);
  tcase_add_test(tc, test_width_leading_or_trailing_space_rejected);
  tcase_add_test(tc, test_width_unknown_unit_rejected);
  tcase_add_test(tc, test_width_missing_unit_or_empty_rejected);
  tcase_add_test(tc, test_width_embedded_nul_rejected);
  tcase_add_test(tc, test_width_stops_at_n);
  tcase_add_test(tc, test_width_huge_number_rejected);
  tcase_add_test(tc, test_width_10000_years_is_the_limit);
  suite_add_tcase(s, tc);

  tc = tcase("origin");
  tcase_add_test(tc, test_default_origin_fixed_is_monday_2000_01_03);
  tcase_add_test(tc, test_default_origin_calendar_is_2000_01_01);
  tcase_add_test(tc, test_origin_calendar_needs_midnight_on_the_first);
  tcase_add_test(tc, test_origin_fixed_accepts_any_instant);
  tcase_add_test(tc, test_origin_outside_years_0000_9999_rejected);
  suite_add_tcase(s, tc);

  tc = tcase("bucket_start");
  tcase_add_test(tc, test_bucket_one_second_is_identity);
  tcase_add_test(tc, test_bucket_seconds_width);
  tcase_add_test(tc, test_bucket_minutes_width);
  tcase_add_test(tc, test_bucket_hours_width);
  tcase_add_test(tc, test_bucket_day_width);
  tcase_add_test(tc, test_week_bucket_starts_monday);
  tcase_add_test(tc, test_week_bucket_before_1970_starts_monday);
  tcase_add_test(tc, test_day_bucket_before_1970_floors);
  tcase_add_test(tc, test_fixed_bucket_with_custom_origin);
  tcase_add_test(tc, test_fixed_bucket_after_origin_in_the_future);
  tcase_add_test(tc, test_month_bucket_leap_february);
  tcase_add_test(tc, test_month_bucket_common_february);
  tcase_add_test(tc, test_quarter_bucket_default_origin);
  tcase_add_test(tc, test_year_bucket_default_origin);
  tcase_add_test(tc, test_fiscal_year_april_origin);
  tcase_add_test(tc, test_six_month_bucket_april_origin);
  tcase_add_test(tc, test_calendar_bucket_before_1970);
  tcase_add_test(tc, test_bucket_start_range_bounds);
  tcase_add_test(tc, test_bucket_start_before_year_0000_refused);
  tcase_add_test(tc, test_bucket_start_refuses_bad_inputs);
  suite_add_tcase(s, tc);

  tc = tcase("bucket_next");
  tcase_add_test(tc, test_next_month_across_february);
  tcase_add_test(tc, test_next_crosses_year_end);
  tcase_add_test(tc, test_next_fixed_adds_seconds);
  tcase_add_test(tc, test_next_before_1970);
  tcase_add_test(tc, test_next_last_bucket_has_no_end);
  tcase_add_test(tc, test_next_just_inside_year_9999);
  tcase_add_test(tc, test_next_refuses_bad_inputs);
  tcase_add_test(tc, test_buckets_tile_time_for_random_instants);
  tcase_add_test(tc, test_month_buckets_walk_2023_to_2025);
  suite_add_tcase(s, tc);

  return s;
}

int main(void) {
  SRunner *sr = srunner_create(time_suite());
  int nFailed;
  srunner_run_all(sr, CK_NORMAL);
  nFailed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return nFailed == 0 ? 0 : 1;
}
