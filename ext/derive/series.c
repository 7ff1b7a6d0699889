/*
** derive/series.c: rating many intervals of one region's intensity series
** by the rule that derives a fact's carbon (derive/derive.c).
**
**   INSERT INTO usage_intensity VALUES
**     ('GB', '2024-03-01T12:00Z', '2024-03-01T12:30Z', 200, 'forecast', ''),
**     ('GB', '2024-03-01T12:30Z', '2024-03-01T13:00Z', 100, 'forecast', ''),
**     ('GB', '2024-03-01T12:00Z', '2024-03-01T12:30Z', 150, 'actual', '');
**   SELECT gco2_per_kwh, kind FROM usage_best_window('1 hour',
**     '2024-03-01T12:00Z', '2024-03-01T12:00Z');       -- 125.0|mixed
**
** The periods overlapping the whole range are read once (one query); each
** interval is then rated from those that overlap it, by the same sweep
** usage_derive() runs, so a window is rated exactly as a fact over it.
*/
#include <stdlib.h>
#include <string.h>

#include "derive/derive_state.h"
SQLITE_EXTENSION_INIT3

struct UsageSeries {
  Period *aAll; /* every period read, by tStart */
  int nAll;
  int64_t nMaxLen; /* the longest period read */
  Period *aHit;    /* scratch: those overlapping one interval */
};

/* qsort order of periods: by start. */
static int cmp_start(const void *pA, const void *pB) {
  int64_t a = ((const Period *)pA)->tStart, b = ((const Period *)pB)->tStart;
  return a < b ? -1 : a > b;
}

int usage_series_read(UsageDeriver *d, const char *zTable, const char *zRegion,
                      int64_t a, int64_t b, UsageSeries **ppS, char **pzErr) {
  UsageSeries *s;
  int i, n = 0, rc = usage_derive_refresh(d, zTable, pzErr);
  *ppS = 0;
  if (rc == SQLITE_OK) {
    rc = usage_derive_read_periods(d, zTable, zRegion, a, b, &n, pzErr);
  }
  if (rc != SQLITE_OK) return rc;
  s = sqlite3_malloc(sizeof(*s));
  if (s == 0) return SQLITE_NOMEM;
  memset(s, 0, sizeof(*s));
  if (n > 0) {
    s->aAll = sqlite3_malloc64(sizeof(Period) * (sqlite3_uint64)n);
    s->aHit = sqlite3_malloc64(sizeof(Period) * (sqlite3_uint64)n);
    if (s->aAll == 0 || s->aHit == 0) {
      usage_series_free(s);
      return SQLITE_NOMEM;
    }
    memcpy(s->aAll, d->aPeriod, sizeof(Period) * (size_t)n);
    qsort(s->aAll, (size_t)n, sizeof(Period), cmp_start);
  }
  for (i = 0; i < n; i++) {
    int64_t len = s->aAll[i].tEnd - s->aAll[i].tStart;
    if (len > s->nMaxLen) s->nMaxLen = len;
  }
  s->nAll = n;
  *ppS = s;
  return SQLITE_OK;
}

/* The first period that can overlap an interval starting at a: none
** before it is longer than nMaxLen, so none starting before a - nMaxLen
** reaches a. */
static int first_candidate(const UsageSeries *s, int64_t a) {
  int lo = 0, hi = s->nAll;
  while (lo < hi) {
    int mid = lo + (hi - lo) / 2;
    if (s->aAll[mid].tStart < a - s->nMaxLen) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

int usage_series_rate(UsageSeries *s, int64_t a, int64_t b, UsageRating *pR) {
  Carbon c;
  int i, n = 0, rc;
  for (i = first_candidate(s, a); i < s->nAll && s->aAll[i].tStart < b; i++) {
    if (s->aAll[i].tEnd > a) s->aHit[n++] = s->aAll[i];
  }
  memset(&c, 0, sizeof(c));
  rc = usage_derive_sweep(s->aHit, n, a, b, &c);
  if (rc != SQLITE_OK) return rc;
  pR->intensity = c.intensity;
  pR->coverage = c.coverage;
  pR->eSource = c.eSource;
  return SQLITE_OK;
}

int64_t usage_series_min_period(const UsageSeries *s) {
  int64_t m = 0;
  int i;
  for (i = 0; i < s->nAll; i++) {
    int64_t len = s->aAll[i].tEnd - s->aAll[i].tStart;
    if (m == 0 || len < m) m = len;
  }
  return m;
}

void usage_series_free(UsageSeries *s) {
  if (s == 0) return;
  sqlite3_free(s->aAll);
  sqlite3_free(s->aHit);
  sqlite3_free(s);
}
