/*
** fuzz_width.c: libFuzzer harness for the bucket width parser behind
** usage_bucket(), and the bucket arithmetic that uses its result.
**
**   tests/fuzz/run width
**   build/fuzz/fuzz_width -runs=0 tests/fuzz/corpus/width
**
** Input: one byte N, then N bytes of width text (not NUL-terminated), then
** up to 16 bytes read as two int64 values, an instant t and an origin. It
** checks, and aborts on: an accepted width is at least 1 and of a known
** kind; an accepted origin and t give a bucket start <= t that is its own
** bucket's start, on the first of a month for calendar widths; and the next
** bucket starts after t.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "time/time.h"

int LLVMFuzzerTestOneInput(const uint8_t *aData, size_t nData);

/* Stop the run: libFuzzer records the input as a crash. */
static void must(int bCond) {
  if (!bCond) abort();
}

/* An int64 from up to 8 bytes at a[*pi], folded into the years 0000-9999
** half of the time, so most instants are valid ones. */
static int64_t take_instant(const uint8_t *a, size_t n, size_t *pi) {
  uint64_t u = 0;
  size_t k;
  for (k = 0; k < 8 && *pi < n; k++, (*pi)++) u |= (uint64_t)a[*pi] << (8 * k);
  if (u & 1) return (int64_t)u;
  return USAGE_TS_MIN +
         (int64_t)((u >> 1) % (uint64_t)(USAGE_TS_MAX - USAGE_TS_MIN + 1));
}

/* The bucket of t: start <= t < next, and flooring start gives start. */
static void check_bucket(const UsageWidth *pW, int64_t origin, int64_t t) {
  int64_t start = 0, again = 0, next = 0;
  if (t < USAGE_TS_MIN || t > USAGE_TS_MAX) {
    must(usage_bucket_start(pW, origin, t, &start) != 0);
    return;
  }
  if (usage_bucket_start(pW, origin, t, &start)) return; /* before 0000 */
  must(start <= t && start >= USAGE_TS_MIN);
  must(usage_bucket_start(pW, origin, start, &again) == 0 && again == start);
  if (pW->eKind == USAGE_WIDTH_MONTHS) {
    char z[USAGE_TS_LEN + 1];
    must(usage_time_format(start, z) == 0);
    must(memcmp(z + 8, "01T00:00:00Z", 12) == 0);
  } else {
    must((start - origin) % pW->n == 0);
  }
  if (usage_bucket_next(pW, start, &next) == 0) {
    must(next > t && next <= USAGE_TS_MAX);
    if (pW->eKind == USAGE_WIDTH_SECONDS) must(next - start == pW->n);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *aData, size_t nData) {
  size_t nText, i;
  char *z;
  UsageWidth w;
  const char *zWhy = 0;
  int64_t t, origin;
  if (nData == 0) return 0;
  nText = aData[0];
  if (nText > nData - 1) nText = nData - 1;
  z = malloc(nText ? nText : 1); /* exactly nText bytes */
  if (z == 0) return 0;
  memcpy(z, aData + 1, nText);
  i = 1 + nText;
  t = take_instant(aData, nData, &i);
  origin = take_instant(aData, nData, &i);
  if (usage_width_parse(z, (int)nText, &w, &zWhy) == 0) {
    must(w.n >= 1);
    must(w.eKind == USAGE_WIDTH_SECONDS || w.eKind == USAGE_WIDTH_MONTHS);
    check_bucket(&w, usage_width_default_origin(&w), t);
    zWhy = 0;
    if (usage_origin_check(&w, origin, &zWhy) == 0) {
      check_bucket(&w, origin, t);
    } else {
      must(zWhy != 0);
    }
  } else {
    must(zWhy != 0 && zWhy[0] != 0);
  }
  free(z);
  return 0;
}
