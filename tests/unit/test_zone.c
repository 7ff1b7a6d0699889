/*
** test_zone.c: check unit tests of ext/time/zone.c and ext/time/local.c.
**
** Each test is named after the behaviour it proves. Expected instants and
** offsets were computed independently of the code under test with Python's
** zoneinfo, e.g.
**   python3 -c 'import zoneinfo, datetime as d; z=zoneinfo.ZoneInfo(
**     "Europe/London"); x=d.datetime(2025,10,26,1,30,tzinfo=z,fold=0);
**     print(x.astimezone(d.timezone.utc).isoformat(), x.utcoffset())'
** and are hard-coded with the local time they name. Where the rule of
** time/zone.h differs from zoneinfo's fold=0 (a local time in a gap), the
** test says so. The whole-zone comparison with zoneinfo is the SQL suite
** tests/sql/t_zone_reference.
*/
#define _POSIX_C_SOURCE 200809L

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "time/local.h"
#include "time/time.h"
#include "time/zone.h"

/* ---------------------------------------------------------------------
** Helpers
*/

/* Unix seconds of a timestamp text (with or without an offset: without
** one it is read as UTC, which is how the tests spell wall times). */
static int64_t T(const char *z) {
  int64_t t = 0;
  const char *zWhy = NULL;
  int rc = usage_time_parse(z, (int)strlen(z), &t, &zWhy);
  ck_assert_msg(rc == 0, "bad test timestamp '%s': %s", z, zWhy);
  return t;
}

/* Decode the zone named z into *pZ, failing the test if it is unknown. */
static void load(const char *z, UsageZone *pZ) {
  const char *zWhy = NULL;
  int i = usage_zone_find(z, (int)strlen(z));
  ck_assert_msg(i >= 0, "zone '%s' not found", z);
  ck_assert_msg(usage_zone_load(i, pZ, &zWhy) == 0, "zone '%s': %s", z, zWhy);
}

/* An assertion for hot loops: check's own record the location of every
** passing assertion, which costs more than the code under test. */
#define REQUIRE(c)                                       \
  do {                                                   \
    if (!(c)) ck_abort_msg("Assertion '%s' failed", #c); \
  } while (0)

/* A zone, decoded into a heap block (a UsageZone is a few kilobytes). */
static UsageZone *zone(const char *z) {
  UsageZone *p = malloc(sizeof(*p));
  ck_assert_ptr_nonnull(p);
  load(z, p);
  return p;
}

/* Assert the UTC offset (and isdst) of zone z at instant text zT. */
#define OFFSET_IS(z, zT, want, wantDst)                                    \
  do {                                                                     \
    UsageZone *p_ = zone(z);                                               \
    int dst_ = -1;                                                         \
    int32_t o_ = usage_zone_offset(p_, T(zT), &dst_);                      \
    ck_assert_msg(o_ == (want) && dst_ == (wantDst),                       \
                  "%s at %s: offset %d dst %d, want %d dst %d", (z), (zT), \
                  (int)o_, dst_, (int)(want), (int)(wantDst));             \
    free(p_);                                                              \
  } while (0)

/* Assert the text usage_zone_format() writes for zone z at instant zT. */
#define LOCAL_IS(z, zT, want)                  \
  do {                                         \
    UsageZone *p_ = (z) ? zone(z) : NULL;      \
    char b_[USAGE_ZONE_TEXT_MAX + 1];          \
    int n_ = usage_zone_format(p_, T(zT), b_); \
    ck_assert_int_eq(n_, (int)strlen(want));   \
    ck_assert_str_eq(b_, (want));              \
    free(p_);                                  \
  } while (0)

/* Assert the bucket of zT for width zW (default origin) in zone z. */
#define BUCKET_IS(z, zW, zT, wantStart, wantEnd)                               \
  do {                                                                         \
    UsageZone *p_ = (z) ? zone(z) : NULL;                                      \
    UsageWidth w_;                                                             \
    UsageLocalWidth lw_;                                                       \
    int64_t s_ = 0, e_ = 0;                                                    \
    char a_[USAGE_TS_LEN + 1], b_[USAGE_TS_LEN + 1];                           \
    ck_assert_int_eq(usage_width_parse((zW), (int)strlen(zW), &w_, NULL), 0);  \
    ck_assert_int_eq(usage_local_width_init(&lw_, &w_, p_, NULL, 0, NULL), 0); \
    ck_assert_int_eq(usage_local_bucket(&lw_, T(zT), &s_, &e_), 0);            \
    usage_time_format(s_, a_);                                                 \
    usage_time_format(e_, b_);                                                 \
    ck_assert_msg(s_ == T(wantStart) && e_ == T(wantEnd),                      \
                  "%s %s of %s: [%s, %s), want [%s, %s)", (z) ? (z) : "UTC",   \
                  (zW), (zT), a_, b_, (wantStart), (wantEnd));                 \
    free(p_);                                                                  \
  } while (0)

/* ---------------------------------------------------------------------
** Names and version
*/

START_TEST(test_names_are_sorted_and_each_is_found_at_its_index) {
  int n = usage_zone_count(), i;
  ck_assert_int_gt(n, 500);
  for (i = 0; i < n; i++) {
    const char *z = usage_zone_name(i);
    ck_assert_ptr_nonnull(z);
    if (i > 0) ck_assert_int_lt(strcmp(usage_zone_name(i - 1), z), 0);
    ck_assert_int_eq(usage_zone_find(z, (int)strlen(z)), i);
  }
  ck_assert_ptr_null(usage_zone_name(-1));
  ck_assert_ptr_null(usage_zone_name(n));
}
END_TEST

START_TEST(test_find_is_exact_and_case_sensitive) {
  ck_assert_int_ge(usage_zone_find("Europe/London", 13), 0);
  ck_assert_int_eq(usage_zone_find("Europe/Lundon", 13), -1);
  ck_assert_int_eq(usage_zone_find("europe/london", 13), -1);
  ck_assert_int_eq(usage_zone_find("Europe/Londo", 12), -1);
  ck_assert_int_eq(usage_zone_find("Europe/London ", 14), -1);
  ck_assert_int_eq(usage_zone_find("Europe/LondonX", 13),
                   usage_zone_find("Europe/London", 13));
  ck_assert_int_eq(usage_zone_find("", 0), -1);
  ck_assert_int_eq(usage_zone_find(NULL, 5), -1);
  ck_assert_int_eq(usage_zone_find("localtime", 9), -1);
}
END_TEST

START_TEST(test_links_share_their_target_data) {
  UsageZone *a = zone("GB"), *b = zone("Europe/London");
  ck_assert_int_eq(a->nTrans, b->nTrans);
  ck_assert_int_eq(memcmp(a->aTrans, b->aTrans, sizeof(int64_t) * a->nTrans),
                   0);
  ck_assert_int_ne(a->iZone, b->iZone);
  free(a);
  free(b);
}
END_TEST

START_TEST(test_version_looks_like_a_tzdata_release) {
  const char *z = usage_zone_version();
  ck_assert_int_eq((int)strlen(z), 5);
  ck_assert(z[0] == '2' && z[1] >= '0' && z[1] <= '9' && z[4] >= 'a' &&
            z[4] <= 'z');
}
END_TEST

START_TEST(test_load_refuses_an_index_out_of_range) {
  UsageZone z;
  const char *zWhy = NULL;
  ck_assert_int_eq(usage_zone_load(-1, &z, &zWhy), 1);
  ck_assert_ptr_nonnull(zWhy);
  ck_assert_int_eq(usage_zone_load(usage_zone_count(), &z, NULL), 1);
}
END_TEST

/* ---------------------------------------------------------------------
** POSIX TZ rule strings
*/

START_TEST(test_rule_london) {
  UsageZoneRule r;
  ck_assert_int_eq(
      usage_zone_rule_parse("GMT0BST,M3.5.0/1,M10.5.0", 24, &r, NULL), 0);
  ck_assert_int_eq(r.stdOff, 0);
  ck_assert_int_eq(r.hasDst, 1);
  ck_assert_int_eq(r.dstOff, 3600);
  ck_assert_int_eq(r.start.eKind, USAGE_RULE_MONTH);
  ck_assert(r.start.m == 3 && r.start.w == 5 && r.start.d == 0);
  ck_assert_int_eq(r.start.secs, 3600);
  ck_assert(r.end.m == 10 && r.end.w == 5 && r.end.d == 0);
  ck_assert_int_eq(r.end.secs, 7200); /* the default time, 02:00 */
}
END_TEST

START_TEST(test_rule_quoted_names_and_minute_offsets) {
  UsageZoneRule r;
  const char *z = "<+0545>-5:45";
  ck_assert_int_eq(usage_zone_rule_parse(z, (int)strlen(z), &r, NULL), 0);
  ck_assert_int_eq(r.stdOff, 5 * 3600 + 45 * 60);
  ck_assert_int_eq(r.hasDst, 0);
  z = "NST3:30NDT,M3.2.0,M11.1.0";
  ck_assert_int_eq(usage_zone_rule_parse(z, (int)strlen(z), &r, NULL), 0);
  ck_assert_int_eq(r.stdOff, -(3 * 3600 + 30 * 60));
  ck_assert_int_eq(r.dstOff, -(2 * 3600 + 30 * 60)); /* default: +1 hour */
  z = "<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45";
  ck_assert_int_eq(usage_zone_rule_parse(z, (int)strlen(z), &r, NULL), 0);
  ck_assert_int_eq(r.stdOff, 45900);
  ck_assert_int_eq(r.dstOff, 49500);
  ck_assert_int_eq(r.start.secs, 2 * 3600 + 45 * 60);
  ck_assert_int_eq(r.end.secs, 3 * 3600 + 45 * 60);
  z = "<-03>3";
  ck_assert_int_eq(usage_zone_rule_parse(z, (int)strlen(z), &r, NULL), 0);
  ck_assert_int_eq(r.stdOff, -3 * 3600);
  z = "<+00>0<+02>-2,M3.5.0/1,M10.5.0/3";
  ck_assert_int_eq(usage_zone_rule_parse(z, (int)strlen(z), &r, NULL), 0);
  ck_assert_int_eq(r.dstOff, 7200);
}
END_TEST

START_TEST(test_rule_times_past_midnight_and_negative) {
  UsageZoneRule r;
  const char *z = "IST-2IDT,M3.4.4/26,M10.5.0";
  ck_assert_int_eq(usage_zone_rule_parse(z, (int)strlen(z), &r, NULL), 0);
  ck_assert_int_eq(r.start.secs, 26 * 3600);
  z = "<-02>2<-01>,M3.5.0/-1,M10.5.0/0";
  ck_assert_int_eq(usage_zone_rule_parse(z, (int)strlen(z), &r, NULL), 0);
  ck_assert_int_eq(r.start.secs, -3600);
  ck_assert_int_eq(r.end.secs, 0);
  z = "EET-2EEST,M3.4.4/50,M10.4.4/50";
  ck_assert_int_eq(usage_zone_rule_parse(z, (int)strlen(z), &r, NULL), 0);
  ck_assert_int_eq(r.start.secs, 50 * 3600);
  z = "XXX3YYY,J60/-1:30,300/167";
  ck_assert_int_eq(usage_zone_rule_parse(z, (int)strlen(z), &r, NULL), 0);
  ck_assert_int_eq(r.start.eKind, USAGE_RULE_JULIAN);
  ck_assert_int_eq(r.start.n, 60);
  ck_assert_int_eq(r.start.secs, -5400);
  ck_assert_int_eq(r.end.eKind, USAGE_RULE_DAY);
  ck_assert_int_eq(r.end.n, 300);
  ck_assert_int_eq(r.end.secs, 167 * 3600);
}
END_TEST

START_TEST(test_rule_refuses_malformed_strings) {
  static const char *const az[] = {"",
                                   "AB0",
                                   "EST",
                                   "EST5EDT",
                                   "EST5EDT,M3.2.0",
                                   "EST5EDT,M13.1.0,M11.1.0",
                                   "EST5EDT,M3.6.0,M11.1.0",
                                   "EST5EDT,M3.2.7,M11.1.0",
                                   "EST5EDT,J0,J365",
                                   "EST5EDT,366,1",
                                   "EST25",
                                   "EST5EDT,M3.2.0/168,M11.1.0",
                                   "<+05",
                                   "<>5",
                                   "EST5x",
                                   "EST5EDT,M3.2.0,M11.1.0,",
                                   "EST5:60",
                                   "<+05>-5:45:61"};
  size_t k;
  for (k = 0; k < sizeof(az) / sizeof(az[0]); k++) {
    UsageZoneRule r;
    const char *zWhy = NULL;
    ck_assert_msg(usage_zone_rule_parse(az[k], (int)strlen(az[k]), &r, &zWhy) ==
                      1,
                  "'%s' accepted", az[k]);
    ck_assert_ptr_nonnull(zWhy);
  }
}
END_TEST

START_TEST(test_rule_dates_fall_on_the_right_days) {
  UsageRuleDate d;
  memset(&d, 0, sizeof(d));
  d.eKind = USAGE_RULE_MONTH;
  d.m = 3, d.w = 5, d.d = 0, d.secs = 3600; /* last Sunday of March, 01:00 */
  ck_assert_int_eq(usage_zone_rule_wall(&d, 2025), T("2025-03-30T01:00"));
  ck_assert_int_eq(usage_zone_rule_wall(&d, 2024), T("2024-03-31T01:00"));
  /* 2018: the first Sunday is the 4th, so a "5th" would be 1 April. */
  ck_assert_int_eq(usage_zone_rule_wall(&d, 2018), T("2018-03-25T01:00"));
  d.m = 2, d.w = 5, d.d = 4, d.secs = 0; /* last Thursday of February */
  ck_assert_int_eq(usage_zone_rule_wall(&d, 2024), T("2024-02-29T00:00"));
  ck_assert_int_eq(usage_zone_rule_wall(&d, 2023), T("2023-02-23T00:00"));
  d.m = 11, d.w = 1, d.d = 0, d.secs = 7200; /* first Sunday of November */
  ck_assert_int_eq(usage_zone_rule_wall(&d, 2025), T("2025-11-02T02:00"));
  d.m = 10, d.w = 4, d.d = 4, d.secs = 50 * 3600; /* 4th Thursday + 50 h */
  ck_assert_int_eq(usage_zone_rule_wall(&d, 2025), T("2025-10-25T02:00"));
  d.m = 3, d.w = 5, d.d = 0, d.secs = -3600; /* Nuuk: last Sunday, -1 h */
  ck_assert_int_eq(usage_zone_rule_wall(&d, 2025), T("2025-03-29T23:00"));
  d.eKind = USAGE_RULE_JULIAN, d.n = 60, d.secs = 0; /* 1 March, always */
  ck_assert_int_eq(usage_zone_rule_wall(&d, 2024), T("2024-03-01T00:00"));
  ck_assert_int_eq(usage_zone_rule_wall(&d, 2023), T("2023-03-01T00:00"));
  d.n = 59; /* 28 February, even in a leap year */
  ck_assert_int_eq(usage_zone_rule_wall(&d, 2024), T("2024-02-28T00:00"));
  d.eKind = USAGE_RULE_DAY, d.n = 59; /* zero-based: 29 Feb in a leap year */
  ck_assert_int_eq(usage_zone_rule_wall(&d, 2024), T("2024-02-29T00:00"));
  ck_assert_int_eq(usage_zone_rule_wall(&d, 2023), T("2023-03-01T00:00"));
  d.n = 0;
  ck_assert_int_eq(usage_zone_rule_wall(&d, 2023), T("2023-01-01T00:00"));
}
END_TEST

/* ---------------------------------------------------------------------
** UTC to local
*/

START_TEST(test_london_offsets_around_the_2025_changes) {
  OFFSET_IS("Europe/London", "2025-03-30T00:59:59Z", 0, 0);
  OFFSET_IS("Europe/London", "2025-03-30T01:00:00Z", 3600, 1);
  OFFSET_IS("Europe/London", "2025-10-26T00:59:59Z", 3600, 1);
  OFFSET_IS("Europe/London", "2025-10-26T01:00:00Z", 0, 0);
}
END_TEST

START_TEST(test_london_before_the_first_transition_is_lmt) {
  OFFSET_IS("Europe/London", "1800-01-01T00:00:00Z", -75, 0);
  LOCAL_IS("Europe/London", "1800-01-01T00:00:00Z",
           "1799-12-31T23:58:45-00:01:15");
}
END_TEST

START_TEST(test_london_rule_applies_after_the_last_transition) {
  OFFSET_IS("Europe/London", "2100-07-01T00:00:00Z", 3600, 1);
  OFFSET_IS("Europe/London", "2100-01-01T00:00:00Z", 0, 0);
  OFFSET_IS("Europe/London", "2099-03-29T00:59:59Z", 0, 0); /* 29 Mar 2099 */
  OFFSET_IS("Europe/London", "2099-03-29T01:00:00Z", 3600, 1);
  LOCAL_IS("Europe/London", "9999-07-01T00:00:00Z",
           "9999-07-01T01:00:00+01:00");
}
END_TEST

START_TEST(test_fixed_and_half_hour_zones) {
  OFFSET_IS("Asia/Kathmandu", "2025-01-15T12:00:00Z", 20700, 0);
  LOCAL_IS("Asia/Kathmandu", "2025-01-15T12:00:00Z",
           "2025-01-15T17:45:00+05:45");
  OFFSET_IS("Australia/Lord_Howe", "2025-07-01T00:00:00Z", 37800, 0);
  OFFSET_IS("Australia/Lord_Howe", "2025-01-01T00:00:00Z", 39600, 1);
  OFFSET_IS("UTC", "2025-01-01T00:00:00Z", 0, 0);
  OFFSET_IS("Etc/GMT+5", "2025-01-01T00:00:00Z", -18000, 0);
  LOCAL_IS("Etc/GMT-14", "2025-01-01T00:00:00Z", "2025-01-01T14:00:00+14:00");
  LOCAL_IS(NULL, "2025-01-01T00:00:00Z", "2025-01-01T00:00:00+00:00");
}
END_TEST

START_TEST(test_apia_skipped_2011_12_30) {
  LOCAL_IS("Pacific/Apia", "2011-12-30T09:59:59Z", "2011-12-29T23:59:59-10:00");
  LOCAL_IS("Pacific/Apia", "2011-12-30T10:00:00Z", "2011-12-31T00:00:00+14:00");
}
END_TEST

START_TEST(test_sao_paulo_dst_abolished_in_2019) {
  OFFSET_IS("America/Sao_Paulo", "2018-11-04T03:00:00Z", -7200, 1);
  OFFSET_IS("America/Sao_Paulo", "2019-11-03T12:00:00Z", -10800, 0);
  OFFSET_IS("America/Sao_Paulo", "2030-01-15T12:00:00Z", -10800, 0);
}
END_TEST

START_TEST(test_dublin_negative_dst_in_winter) {
  OFFSET_IS("Europe/Dublin", "2025-01-15T12:00:00Z", 0, 1);
  OFFSET_IS("Europe/Dublin", "2025-07-15T12:00:00Z", 3600, 0);
  OFFSET_IS("Europe/Dublin", "2090-01-15T12:00:00Z", 0, 1); /* by the rule */
  OFFSET_IS("Europe/Dublin", "2090-07-15T12:00:00Z", 3600, 0);
}
END_TEST

START_TEST(test_format_refuses_local_times_past_9999) {
  UsageZone *p = zone("Pacific/Kiritimati");
  char b[USAGE_ZONE_TEXT_MAX + 1];
  ck_assert_int_eq(usage_zone_format(p, T("9999-12-31T12:00:00Z"), b), 0);
  free(p);
}
END_TEST

/* ---------------------------------------------------------------------
** Local to UTC
*/

/* Assert the instants of wall time zW in zone z: n of them, then from_local. */
static void instants_are(const char *z, const char *zW, int n, const char *zA,
                         const char *zB, const char *zFirst) {
  UsageZone *p = zone(z);
  int64_t a[2] = {0, 0};
  int got = usage_zone_instants(p, T(zW), a);
  ck_assert_msg(got == n, "%s %s: %d instants, want %d", z, zW, got, n);
  if (n >= 1) ck_assert_int_eq(a[0], T(zA));
  if (n >= 2) ck_assert_int_eq(a[1], T(zB));
  ck_assert_int_eq(usage_zone_from_local(p, T(zW)), T(zFirst));
  free(p);
}

START_TEST(test_london_gap_maps_to_the_change) {
  /* zoneinfo fold=0 gives 01:30:00Z (shifted by the gap); the rule here
  ** gives the instant clocks went forward. */
  instants_are("Europe/London", "2025-03-30T01:30", 0, 0, 0,
               "2025-03-30T01:00:00Z");
  instants_are("Europe/London", "2025-03-30T01:00", 0, 0, 0,
               "2025-03-30T01:00:00Z");
  instants_are("Europe/London", "2025-03-30T02:00", 1, "2025-03-30T01:00:00Z",
               0, "2025-03-30T01:00:00Z");
  instants_are("Europe/London", "2025-03-30T00:59:59", 1,
               "2025-03-30T00:59:59Z", 0, "2025-03-30T00:59:59Z");
}
END_TEST

START_TEST(test_london_overlap_maps_to_the_first_reading_as_fold_0) {
  instants_are("Europe/London", "2025-10-26T01:30", 2, "2025-10-26T00:30:00Z",
               "2025-10-26T01:30:00Z", "2025-10-26T00:30:00Z");
  instants_are("Europe/London", "2025-10-26T01:00", 2, "2025-10-26T00:00:00Z",
               "2025-10-26T01:00:00Z", "2025-10-26T00:00:00Z");
  instants_are("Europe/London", "2025-10-26T02:00", 1, "2025-10-26T02:00:00Z",
               0, "2025-10-26T02:00:00Z");
  instants_are("Europe/London", "2025-07-01T12:00", 1, "2025-07-01T11:00:00Z",
               0, "2025-07-01T11:00:00Z");
}
END_TEST

START_TEST(test_other_gaps_and_overlaps) {
  /* Sao Paulo 2018: DST began at midnight, so the day began at 01:00. */
  instants_are("America/Sao_Paulo", "2018-11-04T00:00", 0, 0, 0,
               "2018-11-04T03:00:00Z");
  /* ... and ended at midnight, so 23:30 on the 17th came twice. */
  instants_are("America/Sao_Paulo", "2018-02-17T23:30", 2,
               "2018-02-18T01:30:00Z", "2018-02-18T02:30:00Z",
               "2018-02-18T01:30:00Z");
  /* Lord Howe's 30-minute change: 01:45 on 6 April 2025 came twice. */
  instants_are("Australia/Lord_Howe", "2025-04-06T01:45", 2,
               "2025-04-05T14:45:00Z", "2025-04-05T15:15:00Z",
               "2025-04-05T14:45:00Z");
  /* Apia's skipped day: every time of it maps to the change. */
  instants_are("Pacific/Apia", "2011-12-30T12:00", 0, 0, 0,
               "2011-12-30T10:00:00Z");
  /* Dublin's negative DST: the overlap is in October all the same. */
  instants_are("Europe/Dublin", "2025-10-26T01:30", 2, "2025-10-26T00:30:00Z",
               "2025-10-26T01:30:00Z", "2025-10-26T00:30:00Z");
  /* Past the last transition, by the rule: New York, November 2090. */
  instants_are("America/New_York", "2090-11-05T01:30", 2,
               "2090-11-05T05:30:00Z", "2090-11-05T06:30:00Z",
               "2090-11-05T05:30:00Z");
}
END_TEST

/* The offset at t (a local wall time is t + this). */
static int64_t wall_of(const UsageZone *p, int64_t t) {
  return t + usage_zone_offset(p, t, NULL);
}

START_TEST(test_from_local_is_the_first_instant_reading_that_time) {
  static const char *const az[] = {
      "Europe/London",    "America/New_York", "Australia/Lord_Howe",
      "Asia/Kathmandu",   "Pacific/Apia",     "America/Sao_Paulo",
      "Europe/Dublin",    "America/Nuuk",     "Asia/Gaza",
      "Antarctica/Troll", "Africa/Casablanca"};
  size_t k;
  unsigned seed = 13;
  for (k = 0; k < sizeof(az) / sizeof(az[0]); k++) {
    UsageZone *p = zone(az[k]);
    int64_t lo = T("1900-01-01T00:00:00Z"),
            span = T("2100-01-01T00:00:00Z") - lo;
    int j;
    for (j = 0; j < 20000; j++) {
      int64_t w, u, a[2], t;
      int n, i;
      seed = seed * 1103515245u + 12345u;
      t = lo + (int64_t)(((uint64_t)seed << 20 ^ (uint64_t)(seed >> 3)) %
                         (uint64_t)span);
      /* The instant itself is among the instants of its wall time, and
      ** from_local gives it or an earlier reading. */
      w = wall_of(p, t);
      n = usage_zone_instants(p, w, a);
      REQUIRE(n == 1 || n == 2);
      REQUIRE(a[0] == t || (n == 2 && a[1] == t));
      for (i = 0; i < n && i < 2; i++) REQUIRE((wall_of(p, a[i])) == (w));
      REQUIRE((usage_zone_from_local(p, w)) <= (t));
      /* Any wall time: the clock reads it at u at the latest, not before. */
      w = t + (int64_t)(seed % 7200) - 3600;
      u = usage_zone_from_local(p, w);
      REQUIRE((wall_of(p, u)) >= (w));
      REQUIRE((wall_of(p, u - 1)) < (w));
      REQUIRE((u) <= (usage_zone_from_local(p, w + 1)));
    }
    free(p);
  }
}
END_TEST

/* ---------------------------------------------------------------------
** Local buckets
*/

START_TEST(test_london_days_of_23_and_25_hours) {
  BUCKET_IS("Europe/London", "1 day", "2025-03-30T12:00:00Z",
            "2025-03-30T00:00:00Z", "2025-03-30T23:00:00Z");
  BUCKET_IS("Europe/London", "1 day", "2025-10-26T12:00:00Z",
            "2025-10-25T23:00:00Z", "2025-10-27T00:00:00Z");
  BUCKET_IS("Europe/London", "day", "2025-10-25T22:59:59Z",
            "2025-10-24T23:00:00Z", "2025-10-25T23:00:00Z");
  BUCKET_IS("Europe/London", "day", "2025-07-01T23:30:00Z",
            "2025-07-01T23:00:00Z", "2025-07-02T23:00:00Z");
}
END_TEST

START_TEST(test_london_weeks_months_quarters_years) {
  BUCKET_IS("Europe/London", "1 week", "2025-07-02T12:00:00Z",
            "2025-06-29T23:00:00Z", "2025-07-06T23:00:00Z");
  BUCKET_IS("Europe/London", "1 week", "2025-10-26T12:00:00Z", /* Sunday */
            "2025-10-19T23:00:00Z", "2025-10-27T00:00:00Z");
  BUCKET_IS("Europe/London", "1 month", "2025-07-01T12:00:00Z",
            "2025-06-30T23:00:00Z", "2025-07-31T23:00:00Z");
  BUCKET_IS("Europe/London", "1 month", "2025-06-30T23:30:00Z", /* 1 July */
            "2025-06-30T23:00:00Z", "2025-07-31T23:00:00Z");
  BUCKET_IS("Europe/London", "1 month", "2025-10-31T23:30:00Z", /* 31 Oct */
            "2025-09-30T23:00:00Z", "2025-11-01T00:00:00Z");
  BUCKET_IS("Europe/London", "1 quarter", "2025-05-10T00:00:00Z",
            "2025-03-31T23:00:00Z", "2025-06-30T23:00:00Z");
  BUCKET_IS("Europe/London", "1 year", "2025-05-10T00:00:00Z",
            "2025-01-01T00:00:00Z", "2026-01-01T00:00:00Z");
}
END_TEST

START_TEST(test_widths_under_a_day_are_elapsed_time_from_the_origin) {
  BUCKET_IS("Europe/London", "1 hour", "2025-03-30T01:30:00Z",
            "2025-03-30T01:00:00Z", "2025-03-30T02:00:00Z");
  BUCKET_IS("Europe/London", "30 minutes", "2025-10-26T01:10:00Z",
            "2025-10-26T01:00:00Z", "2025-10-26T01:30:00Z");
  /* Kathmandu's origin is local midnight, 2000-01-02T18:15:00Z. */
  BUCKET_IS("Asia/Kathmandu", "1 hour", "2025-01-15T12:00:00Z",
            "2025-01-15T11:15:00Z", "2025-01-15T12:15:00Z");
  /* Lord Howe's origin is 2000-01-02T13:00:00Z (in DST): hours stay on
  ** the UTC hour, which is :30 local in winter. */
  BUCKET_IS("Australia/Lord_Howe", "1 hour", "2025-07-01T00:10:00Z",
            "2025-07-01T00:00:00Z", "2025-07-01T01:00:00Z");
  /* 36 hours is not whole days: elapsed time too. */
  BUCKET_IS("Europe/London", "36 hours", "2000-01-04T12:00:00Z",
            "2000-01-04T12:00:00Z", "2000-01-06T00:00:00Z");
}
END_TEST

START_TEST(test_kathmandu_and_lord_howe_days) {
  BUCKET_IS("Asia/Kathmandu", "1 day", "2025-01-15T12:00:00Z",
            "2025-01-14T18:15:00Z", "2025-01-15T18:15:00Z");
  BUCKET_IS("Australia/Lord_Howe", "1 day", "2025-04-05T20:00:00Z",
            "2025-04-05T13:00:00Z", "2025-04-06T13:30:00Z"); /* 24.5 hours */
}
END_TEST

START_TEST(test_apia_skipped_day_has_no_bucket) {
  BUCKET_IS("Pacific/Apia", "1 day", "2011-12-30T09:59:59Z",
            "2011-12-29T10:00:00Z", "2011-12-30T10:00:00Z");
  BUCKET_IS("Pacific/Apia", "1 day", "2011-12-30T10:00:00Z",
            "2011-12-30T10:00:00Z", "2011-12-31T10:00:00Z");
}
END_TEST

START_TEST(test_sao_paulo_days_that_start_at_one_and_last_25_hours) {
  BUCKET_IS("America/Sao_Paulo", "1 day", "2018-11-04T12:00:00Z",
            "2018-11-04T03:00:00Z", "2018-11-05T02:00:00Z");
  BUCKET_IS("America/Sao_Paulo", "1 day",
            "2018-02-18T02:30:00Z", /* 2nd 23:30 */
            "2018-02-17T02:00:00Z", "2018-02-18T03:00:00Z");
  BUCKET_IS("America/Sao_Paulo", "1 day", "2018-02-18T03:00:00Z",
            "2018-02-18T03:00:00Z", "2018-02-19T03:00:00Z");
}
END_TEST

START_TEST(test_a_wall_origin_sets_the_local_time_of_day) {
  UsageZone *p = zone("Europe/London");
  UsageWidth w;
  UsageLocalWidth lw;
  int64_t o = T("2000-01-03T06:00"), s, e;
  ck_assert_int_eq(usage_width_parse("1 day", 5, &w, NULL), 0);
  ck_assert_int_eq(usage_local_width_init(&lw, &w, p, &o, 1, NULL), 0);
  ck_assert_int_eq(usage_local_bucket(&lw, T("2025-07-01T04:00:00Z"), &s, &e),
                   0);
  ck_assert_int_eq(s, T("2025-06-30T05:00:00Z"));
  ck_assert_int_eq(e, T("2025-07-01T05:00:00Z"));
  /* The same origin as an instant: 06:00Z is 06:00 GMT in January. */
  o = T("2000-01-03T06:00:00Z");
  ck_assert_int_eq(usage_local_width_init(&lw, &w, p, &o, 0, NULL), 0);
  ck_assert_int_eq(usage_local_bucket(&lw, T("2025-07-01T04:00:00Z"), &s, &e),
                   0);
  ck_assert_int_eq(s, T("2025-06-30T05:00:00Z"));
  free(p);
}
END_TEST

START_TEST(test_month_origin_must_be_local_midnight_on_a_first) {
  UsageZone *p = zone("Europe/London");
  UsageWidth w;
  UsageLocalWidth lw;
  const char *zWhy = NULL;
  int64_t o = T("2000-04-01T00:00"), s, e;
  ck_assert_int_eq(usage_width_parse("1 year", 6, &w, NULL), 0);
  ck_assert_int_eq(usage_local_width_init(&lw, &w, p, &o, 1, NULL), 0);
  ck_assert_int_eq(usage_local_bucket(&lw, T("2025-03-31T22:59:59Z"), &s, &e),
                   0);
  ck_assert_int_eq(s, T("2024-03-31T23:00:00Z")); /* fiscal year from April */
  ck_assert_int_eq(e, T("2025-03-31T23:00:00Z"));
  /* 2000-04-01T00:00:00Z is 01:00 BST: not a local month start. */
  o = T("2000-04-01T00:00:00Z");
  ck_assert_int_eq(usage_local_width_init(&lw, &w, p, &o, 0, &zWhy), 1);
  ck_assert_ptr_nonnull(zWhy);
  o = T("2000-03-31T23:00:00Z");
  ck_assert_int_eq(usage_local_width_init(&lw, &w, p, &o, 0, NULL), 0);
  free(p);
}
END_TEST

START_TEST(test_utc_equals_usage_time_buckets) {
  static const char *const azW[] = {
      "1 second", "15 minutes", "1 hour",    "1 day",  "3 days",
      "1 week",   "1 month",    "1 quarter", "1 year", "7 months"};
  size_t k;
  unsigned seed = 7;
  for (k = 0; k < sizeof(azW) / sizeof(azW[0]); k++) {
    UsageWidth w;
    UsageLocalWidth lw;
    int j;
    REQUIRE((usage_width_parse(azW[k], (int)strlen(azW[k]), &w, NULL)) == (0));
    REQUIRE((usage_local_width_init(&lw, &w, NULL, NULL, 0, NULL)) == (0));
    for (j = 0; j < 2000; j++) {
      int64_t t, s, e, s2, e2;
      seed = seed * 1103515245u + 12345u;
      t = T("1900-01-01T00:00:00Z") + (int64_t)(seed % 4000000000u) * 2;
      REQUIRE((usage_local_bucket(&lw, t, &s, &e)) == (0));
      REQUIRE((usage_bucket_start(&w, usage_width_default_origin(&w), t,
                                  &s2)) == (0));
      REQUIRE((usage_bucket_next(&w, s2, &e2)) == (0));
      REQUIRE((s) == (s2));
      REQUIRE((e) == (e2));
    }
  }
}
END_TEST

START_TEST(test_local_buckets_tile_time_2010_to_2030) {
  static const char *const azZ[] = {"Europe/London",       "America/New_York",
                                    "Australia/Lord_Howe", "Asia/Kathmandu",
                                    "Pacific/Apia",        "America/Sao_Paulo"};
  static const char *const azW[] = {"1 day",     "2 days", "1 week", "1 month",
                                    "1 quarter", "1 year", "1 hour"};
  size_t k, m;
  for (k = 0; k < sizeof(azZ) / sizeof(azZ[0]); k++) {
    UsageZone *p = zone(azZ[k]);
    for (m = 0; m < sizeof(azW) / sizeof(azW[0]); m++) {
      UsageWidth w;
      UsageLocalWidth lw;
      int64_t t = T("2010-01-01T00:00:00Z"), end = T("2030-12-31T00:00:00Z");
      int64_t s, e, prevEnd = -1;
      REQUIRE((usage_width_parse(azW[m], (int)strlen(azW[m]), &w, NULL)) ==
              (0));
      REQUIRE((usage_local_width_init(&lw, &w, p, NULL, 0, NULL)) == (0));
      while (t < end) {
        REQUIRE((usage_local_bucket(&lw, t, &s, &e)) == (0));
        REQUIRE((s) <= (t));
        REQUIRE((e) > (t));
        if (prevEnd >= 0) REQUIRE((s) == (prevEnd));
        /* The last second of the bucket belongs to it too. */
        {
          int64_t s2, e2;
          REQUIRE((usage_local_bucket(&lw, e - 1, &s2, &e2)) == (0));
          REQUIRE((s2) == (s));
          REQUIRE((e2) == (e));
        }
        /* A calendar bucket starts at local midnight unless that is in a
        ** gap, where it starts at the change. */
        if (lw.bCalendar) {
          int64_t wall = s + usage_zone_offset(p, s, NULL);
          int64_t a[2];
          int n = usage_zone_instants(p, wall - wall % 86400, a);
          REQUIRE(wall % 86400 == 0 || n == 0);
        }
        prevEnd = e;
        t = e;
      }
    }
    free(p);
  }
}
END_TEST

/* ---------------------------------------------------------------------
** The suite
*/

static TCase *tcase(const char *zName) {
  TCase *tc = tcase_create(zName);
  tcase_set_timeout(tc, 60);
  return tc;
}

static Suite *zone_suite(void) {
  Suite *s = suite_create("usage_zone");
  TCase *tc = tcase("names");
  tcase_add_test(tc, test_names_are_sorted_and_each_is_found_at_its_index);
  tcase_add_test(tc, test_find_is_exact_and_case_sensitive);
  tcase_add_test(tc, test_links_share_their_target_data);
  tcase_add_test(tc, test_version_looks_like_a_tzdata_release);
  tcase_add_test(tc, test_load_refuses_an_index_out_of_range);
  suite_add_tcase(s, tc);

  tc = tcase("rules");
  tcase_add_test(tc, test_rule_london);
  tcase_add_test(tc, test_rule_quoted_names_and_minute_offsets);
  tcase_add_test(tc, test_rule_times_past_midnight_and_negative);
  tcase_add_test(tc, test_rule_refuses_malformed_strings);
  tcase_add_test(tc, test_rule_dates_fall_on_the_right_days);
  suite_add_tcase(s, tc);

  tc = tcase("to_local");
  tcase_add_test(tc, test_london_offsets_around_the_2025_changes);
  tcase_add_test(tc, test_london_before_the_first_transition_is_lmt);
  tcase_add_test(tc, test_london_rule_applies_after_the_last_transition);
  tcase_add_test(tc, test_fixed_and_half_hour_zones);
  tcase_add_test(tc, test_apia_skipped_2011_12_30);
  tcase_add_test(tc, test_sao_paulo_dst_abolished_in_2019);
  tcase_add_test(tc, test_dublin_negative_dst_in_winter);
  tcase_add_test(tc, test_format_refuses_local_times_past_9999);
  suite_add_tcase(s, tc);

  tc = tcase("from_local");
  tcase_add_test(tc, test_london_gap_maps_to_the_change);
  tcase_add_test(tc, test_london_overlap_maps_to_the_first_reading_as_fold_0);
  tcase_add_test(tc, test_other_gaps_and_overlaps);
  tcase_add_test(tc, test_from_local_is_the_first_instant_reading_that_time);
  suite_add_tcase(s, tc);

  tc = tcase("local_buckets");
  tcase_add_test(tc, test_london_days_of_23_and_25_hours);
  tcase_add_test(tc, test_london_weeks_months_quarters_years);
  tcase_add_test(tc, test_widths_under_a_day_are_elapsed_time_from_the_origin);
  tcase_add_test(tc, test_kathmandu_and_lord_howe_days);
  tcase_add_test(tc, test_apia_skipped_day_has_no_bucket);
  tcase_add_test(tc, test_sao_paulo_days_that_start_at_one_and_last_25_hours);
  tcase_add_test(tc, test_a_wall_origin_sets_the_local_time_of_day);
  tcase_add_test(tc, test_month_origin_must_be_local_midnight_on_a_first);
  tcase_add_test(tc, test_utc_equals_usage_time_buckets);
  tcase_add_test(tc, test_local_buckets_tile_time_2010_to_2030);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(zone_suite());
  int nFailed;
  srunner_run_all(sr, CK_NORMAL);
  nFailed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return nFailed == 0 ? 0 : 1;
}
