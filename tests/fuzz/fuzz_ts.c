/*
** fuzz_ts.c: libFuzzer harness for the timestamp parser behind usage_ts().
**
**   tests/fuzz/run ts                     (builds build/fuzz/fuzz_ts, runs it)
**   build/fuzz/fuzz_ts -runs=0 tests/fuzz/corpus/ts   (one pass, no fuzzing)
**
** The input is the timestamp text, not NUL-terminated, so ASan sees any
** read past its end. Besides memory errors it checks, and aborts on:
** an accepted text lies in the years 0000-9999; its canonical text parses
** back, by both parsers, to the same instant; the canonical fast path
** agrees with the full parser; and the first 8 bytes read as integer or
** real seconds either fail or give an instant that formats.
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

/* An instant that was accepted must format and parse back to itself. */
static void check_instant(int64_t t) {
  char zOut[USAGE_TS_LEN + 1];
  int64_t t2 = 0, t3 = 0;
  const char *zWhy = 0;
  must(t >= USAGE_TS_MIN && t <= USAGE_TS_MAX);
  must(usage_time_format(t, zOut) == 0);
  must(strlen(zOut) == USAGE_TS_LEN);
  must(usage_time_parse_canonical(zOut, USAGE_TS_LEN, &t2) == 0 && t2 == t);
  must(usage_time_parse(zOut, USAGE_TS_LEN, &t3, &zWhy) == 0 && t3 == t);
}

/* Integer and real seconds from the first 8 bytes. */
static void check_numbers(const uint8_t *aData, size_t nData) {
  int64_t i, t;
  double r;
  const char *zWhy = 0;
  if (nData < 8) return;
  memcpy(&i, aData, 8);
  memcpy(&r, aData, 8);
  if (usage_time_from_int(i, &t, &zWhy) == 0) {
    must(t == i);
    check_instant(t);
  } else {
    must(zWhy != 0);
  }
  zWhy = 0;
  if (usage_time_from_double(r, &t, &zWhy) == 0) {
    must((double)t <= r && r < (double)t + 1.0);
    check_instant(t);
  } else {
    must(zWhy != 0);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *aData, size_t nData) {
  int n = nData > 100000 ? 100000 : (int)nData;
  char *z = malloc(n ? n : 1); /* exactly n bytes: overreads are caught */
  int64_t t = 0, tc = 0;
  const char *zWhy = 0;
  if (z == 0) return 0;
  memcpy(z, aData, n);
  if (usage_time_parse(z, n, &t, &zWhy) == 0) {
    check_instant(t);
  } else {
    must(zWhy != 0 && zWhy[0] != 0);
  }
  if (usage_time_parse_canonical(z, n, &tc) == 0) {
    int64_t tf = 0;
    must(usage_time_parse(z, n, &tf, &zWhy) == 0 && tf == tc);
    check_instant(tc);
  }
  free(z);
  check_numbers(aData, nData);
  return 0;
}
