/*
** prometheus/prometheus.h: reading a Prometheus HTTP API answer.
**
**   SELECT t, labels ->> 'instance', value FROM usage_prometheus(
**     '{"status":"success","data":{"resultType":"vector","result":[
**       {"metric":{"instance":"n1:9100"},"value":[1707526800,"7.5"]}]}}');
**   -- 2024-02-10T01:00:00Z|n1:9100|7.5
**
** prometheus/json.c checks that the text is JSON; prometheus/parse.c turns the JSON body of /api/v1/query (a vector) or
** /api/v1/query_range (a matrix) into samples; prometheus/prometheus.c is
** the table usage_prometheus that returns them as rows.
*/
#ifndef USAGE_PROMETHEUS_H
#define USAGE_PROMETHEUS_H

#include <stdint.h>

#include "sqlite3ext.h"

/* One sample: its evaluation time (unix seconds, floored), its value and
** the index of its series' labels in PromAnswer.azLabels. */
typedef struct PromSample {
  int64_t t;
  double v;
  int iSeries;
} PromSample;

/* The samples of one answer, in the order the answer gives them. */
typedef struct PromAnswer {
  PromSample *aSample; /* the samples */
  int nSample, nSampleAlloc;
  char **azLabels; /* each series' labels: a compact JSON object */
  int nSeries, nSeriesAlloc;
} PromAnswer;

/* Is the text of n bytes at z one JSON value (RFC 8259), nested less than
** 200 deep? 0, or 1 with the byte offset of the first problem in *piErr and
** what was expected there in *pzWant (static text). */
int usage_prom_json_check(const char *z, int n, int *piErr,
                          const char **pzWant);

/* Parse the n bytes at z into *p (which must be zeroed or cleared).
** Returns SQLITE_OK, SQLITE_NOMEM, or SQLITE_ERROR with *pzErr set to a
** message from sqlite3_mprintf that starts with "usage_prometheus: ". */
int usage_prom_parse(const char *z, int n, PromAnswer *p, char **pzErr);

/* Free what *p holds and zero it. */
void usage_prom_clear(PromAnswer *p);

#endif /* USAGE_PROMETHEUS_H */
