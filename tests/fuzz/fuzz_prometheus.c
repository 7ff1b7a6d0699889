/*
** fuzz_prometheus.c: libFuzzer harness for the Prometheus answer parser
** behind usage_prometheus() (ext/prometheus/json.c and parse.c).
**
**   tests/fuzz/run prometheus
**   build/fuzz/fuzz_prometheus -runs=0 tests/fuzz/corpus/prometheus
**
** The input is the response text, in a buffer of exactly its size, so ASan
** sees any read past its end. Besides memory errors and leaks it checks,
** and aborts on:
**   - a parse that succeeds only on text the JSON check accepts;
**   - every sample's time formats (years 0000-9999), its value is finite,
**     and its series index names one of the series;
**   - every series' labels are one JSON object that the check accepts,
**     with no white space outside its strings;
**   - a parse that fails sets a message starting "usage_prometheus: ",
**     unless memory ran out, and leaves the answer empty.
*/
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "prometheus/prometheus.h"
#include "time/time.h"

int LLVMFuzzerTestOneInput(const uint8_t *aData, size_t nData);

/* Stop the run: libFuzzer records the input as a crash. */
static void must(int bCond) {
  if (!bCond) abort();
}

/* A series' labels: a compact JSON object. */
static void check_labels(const char *z) {
  int n = (int)strlen(z), i, bStr = 0, iErr = 0;
  const char *zWant = 0;
  must(n >= 2 && z[0] == '{' && z[n - 1] == '}');
  must(usage_prom_json_check(z, n, &iErr, &zWant) == 0);
  for (i = 0; i < n; i++) {
    if (bStr && z[i] == '\\') {
      i++;
    } else if (z[i] == '"') {
      bStr = !bStr;
    } else if (!bStr) {
      must(z[i] != ' ' && z[i] != '\t' && z[i] != '\n' && z[i] != '\r');
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *aData, size_t nData) {
  char *z;
  char *zErr = 0;
  PromAnswer ans;
  int rc, i, iErr = 0, bJson;
  const char *zWant = 0;
  char zTs[USAGE_TS_LEN + 1];
  if (nData > 1000000) return 0;
  z = malloc(nData ? nData : 1);
  if (z == 0) return 0;
  memcpy(z, aData, nData);
  memset(&ans, 0, sizeof(ans));
  bJson = usage_prom_json_check(z, (int)nData, &iErr, &zWant) == 0;
  rc = usage_prom_parse(z, (int)nData, &ans, &zErr);
  if (rc == SQLITE_OK) {
    must(bJson && zErr == 0);
    for (i = 0; i < ans.nSample; i++) {
      must(usage_time_format(ans.aSample[i].t, zTs) == 0);
      must(isfinite(ans.aSample[i].v));
      must(ans.aSample[i].iSeries >= 0 && ans.aSample[i].iSeries < ans.nSeries);
    }
    for (i = 0; i < ans.nSeries; i++) check_labels(ans.azLabels[i]);
  } else {
    must(rc == SQLITE_NOMEM ||
         (zErr && strncmp(zErr, "usage_prometheus: ", 18) == 0));
    must(ans.nSample == 0 && ans.nSeries == 0 && ans.aSample == 0);
    if (!bJson) must(zErr == 0 || strstr(zErr, "malformed JSON at byte"));
  }
  sqlite3_free(zErr);
  usage_prom_clear(&ans);
  free(z);
  return 0;
}
