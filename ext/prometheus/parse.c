/*
** prometheus/parse.c: the samples of a Prometheus HTTP API answer.
**
**   SELECT value FROM usage_prometheus('{"status":"error",
**     "errorType":"bad_data","error":"parse error at char 4"}');
**   -- usage_prometheus: Prometheus answered "error": bad_data: parse error
**   --   at char 4
**
** Two passes over the bytes. The first (prometheus/json.c) checks that the
** text is JSON (RFC 8259) and says where it is not. The second, which may then trust
** the syntax, reads "status", "data", "resultType" and "result" in
** whatever order they come, and collects one PromSample per [time, "value"]
** pair of each series: "value" for a vector, "values" for a matrix.
** Prometheus writes values as strings so that "NaN" and "+Inf" survive
** JSON; a non-finite value is an error that names the series and the time.
** No SQLite JSON function is used: this is one linear scan, with no
** re-parse per series, and the labels are copied without white space.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "prometheus/prometheus.h"
#include "time/time.h"
SQLITE_EXTENSION_INIT3

/* Is c JSON white space? */
static int is_ws(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The offset of the first byte at or after i that is not white space. */
static int skip_ws(const char *z, int n, int i) {
  while (i < n && is_ws(z[i])) i++;
  return i;
}

/* The offset after the string at i, which the first pass checked. */
static int skip_string(const char *z, int i) {
  for (i++; z[i] != '"'; i++) {
    if (z[i] == '\\') i++;
  }
  return i + 1;
}

/* What skip_value() looks for: 1 a quote, 2 an opening, 3 a closing. */
static const unsigned char aSkipClass[256] = {
    ['"'] = 1, ['{'] = 2, ['['] = 2, ['}'] = 3, [']'] = 3};

/* The offset after the checked value at i. */
static int skip_value(const char *z, int n, int i) {
  int depth = 0;
  if (z[i] == '"') return skip_string(z, i);
  if (z[i] != '{' && z[i] != '[') {
    while (i < n && !is_ws(z[i]) && z[i] != ',' && z[i] != ']' && z[i] != '}') {
      i++;
    }
    return i;
  }
  do {
    switch (aSkipClass[(unsigned char)z[i]]) {
      case 1: i = skip_string(z, i); continue;
      case 2: depth++; break;
      case 3: depth--; break;
      default: break;
    }
    i++;
  } while (depth > 0);
  return i;
}

/* The value of the four hex digits at z. */
static unsigned hex4(const char *z) {
  unsigned u = 0;
  int k;
  for (k = 0; k < 4; k++) {
    char c = z[k];
    u = u * 16 + (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
  }
  return u;
}

/* The string at i, its escapes decoded, from sqlite3_malloc; or NULL. */
static char *string_dup(const char *z, int i) {
  int e = skip_string(z, i), j = 0;
  char *zOut = sqlite3_malloc(e - i);
  if (zOut == 0) return 0;
  for (i++; i < e - 1; i++) {
    unsigned u;
    if (z[i] != '\\') {
      zOut[j++] = z[i];
      continue;
    }
    i++;
    switch (z[i]) {
      case 'b': zOut[j++] = '\b'; break;
      case 'f': zOut[j++] = '\f'; break;
      case 'n': zOut[j++] = '\n'; break;
      case 'r': zOut[j++] = '\r'; break;
      case 't': zOut[j++] = '\t'; break;
      case 'u':
        /* Six bytes of input for at most three of UTF-8 (surrogates stay
        ** as they are: this text only goes into error messages and keys). */
        u = hex4(&z[i + 1]);
        i += 4;
        if (u < 0x80) {
          zOut[j++] = (char)u;
        } else if (u < 0x800) {
          zOut[j++] = (char)(0xC0 | (u >> 6));
          zOut[j++] = (char)(0x80 | (u & 0x3F));
        } else {
          zOut[j++] = (char)(0xE0 | (u >> 12));
          zOut[j++] = (char)(0x80 | ((u >> 6) & 0x3F));
          zOut[j++] = (char)(0x80 | (u & 0x3F));
        }
        break;
      default: zOut[j++] = z[i]; break;
    }
  }
  zOut[j] = 0;
  return zOut;
}

/* Is the string at i (a key or a value) the text zWant? *pbNoMem on
** allocation failure. */
static int string_is(const char *z, int i, const char *zWant, int *pbNoMem) {
  int e = skip_string(z, i), m = (int)strlen(zWant), bIs;
  char *zDec;
  if (memchr(&z[i], '\\', e - i) == 0) {
    return e - i - 2 == m && memcmp(&z[i + 1], zWant, m) == 0;
  }
  zDec = string_dup(z, i);
  if (zDec == 0) {
    *pbNoMem = 1;
    return 0;
  }
  bIs = strcmp(zDec, zWant) == 0;
  sqlite3_free(zDec);
  return bIs;
}

/* The parse in progress: the text, the answer, the message. */
typedef struct PromParse {
  const char *z;
  int n;
  PromAnswer *pAns;
  char *zErr;
  int bNoMem;
} PromParse;

/* Set the message of a failed parse; returns SQLITE_ERROR or NOMEM. */
static int parse_fail(PromParse *p, char *zErr) {
  if (zErr == 0) return SQLITE_NOMEM;
  sqlite3_free(p->zErr);
  p->zErr = zErr;
  return SQLITE_ERROR;
}

/* Up to 40 bytes of the value at i, for a message: "%.*s" arguments. */
static int snippet_len(PromParse *p, int i) {
  int e = skip_value(p->z, p->n, i);
  return e - i > 40 ? 40 : e - i;
}

/* The members of the object at i named in azKey: each one's value offset
** in aiVal, or -1. The scan stops once the first nStop keys are found, so
** a big "data" or "result" that comes last, as Prometheus writes it, is
** not skipped over only to be read again. */
static int find_members(PromParse *p, int i, const char *const *azKey, int nKey,
                        int nStop, int *aiVal) {
  int k, iKey, nFound = 0;
  for (k = 0; k < nKey; k++) aiVal[k] = -1;
  i = skip_ws(p->z, p->n, i + 1); /* past '{' */
  while (nFound < nStop && p->z[i] == '"') {
    iKey = i;
    i = skip_ws(p->z, p->n, skip_string(p->z, i));
    i = skip_ws(p->z, p->n, i + 1); /* past ':' */
    for (k = 0; k < nKey; k++) {
      if (aiVal[k] < 0 && string_is(p->z, iKey, azKey[k], &p->bNoMem)) {
        aiVal[k] = i;
        if (k < nStop) nFound++;
      }
    }
    if (p->bNoMem) return SQLITE_NOMEM;
    if (nFound == nStop) break;
    i = skip_ws(p->z, p->n, skip_value(p->z, p->n, i));
    if (p->z[i] == ',') i = skip_ws(p->z, p->n, i + 1);
  }
  return SQLITE_OK;
}

/* The labels object at i, copied without white space, as the next
** series; *pEnd is the offset after it. */
static int add_series(PromParse *p, int i, int *pEnd) {
  PromAnswer *a = p->pAns;
  int e = skip_value(p->z, p->n, i), j = 0;
  char *zOut;
  if (a->nSeries == a->nSeriesAlloc) {
    int nNew = a->nSeriesAlloc ? 2 * a->nSeriesAlloc : 16;
    char **azNew = sqlite3_realloc64(a->azLabels, nNew * sizeof(char *));
    if (azNew == 0) return SQLITE_NOMEM;
    a->azLabels = azNew;
    a->nSeriesAlloc = nNew;
  }
  zOut = sqlite3_malloc(e - i + 1);
  if (zOut == 0) return SQLITE_NOMEM;
  while (i < e) {
    if (p->z[i] == '"') {
      int s = skip_string(p->z, i);
      memcpy(&zOut[j], &p->z[i], s - i);
      j += s - i;
      i = s;
    } else {
      if (!is_ws(p->z[i])) zOut[j++] = p->z[i];
      i++;
    }
  }
  zOut[j] = 0;
  a->azLabels[a->nSeries++] = zOut;
  *pEnd = e;
  return SQLITE_OK;
}

/* Powers of ten that a double holds exactly. */
static const double aPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* A plain decimal -?D+(.D+)? of at most 15 digits, exactly: an integer
** below 2^53 divided by an exact power of ten is rounded once, as strtod
** rounds it (Clinger's fast path). 0 and *pR, or 1 to use strtod. */
static int read_plain(const char *z, int n, double *pR) {
  int64_t m = 0;
  int k = 0, nDigit = 0, nFrac = -1, bNeg = z[0] == '-';
  for (k = bNeg; k < n; k++) {
    char c = z[k];
    if (c >= '0' && c <= '9') {
      m = m * 10 + (c - '0');
      if (++nDigit > 15) return 1;
      if (nFrac >= 0) nFrac++;
    } else if (c == '.' && nFrac < 0 && nDigit > 0) {
      nFrac = 0;
    } else {
      return 1;
    }
  }
  if (nDigit == 0 || nFrac == 0) return 1;
  *pR = (double)m / aPow10[nFrac > 0 ? nFrac : 0];
  if (bNeg) *pR = -*pR;
  return 0;
}

/* The decimal number of n bytes at z (a JSON number, or a value string's
** bytes): 0 and *pR, or 1 when it is not one. strtod reads the rest; the
** text holds no separator but '.', which every locale in use reads. */
static int read_number(const char *z, int n, double *pR) {
  char aBuf[64];
  char *zEnd = 0;
  int k;
  if (n <= 0 || n >= (int)sizeof(aBuf)) return 1;
  if (read_plain(z, n, pR) == 0) return 0;
  for (k = 0; k < n; k++) {
    char c = z[k];
    if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' ||
          c == '+' || c == '-')) {
      return 1;
    }
  }
  memcpy(aBuf, z, n);
  aBuf[n] = 0;
  *pR = strtod(aBuf, &zEnd);
  return zEnd != aBuf + n;
}

/* Append one sample to the answer. */
static int add_sample(PromAnswer *a, int64_t t, double v) {
  if (a->nSample == a->nSampleAlloc) {
    int nNew = a->nSampleAlloc ? 2 * a->nSampleAlloc : 64;
    PromSample *aNew;
    aNew = sqlite3_realloc64(a->aSample, (sqlite3_uint64)nNew * sizeof(*aNew));
    if (aNew == 0) return SQLITE_NOMEM;
    a->aSample = aNew;
    a->nSampleAlloc = nNew;
  }
  a->aSample[a->nSample].t = t;
  a->aSample[a->nSample].v = v;
  a->aSample[a->nSample].iSeries = a->nSeries - 1;
  a->nSample++;
  return SQLITE_OK;
}

/* The error for a sample that is not [time, "value"]. */
static int sample_shape_error(PromParse *p, int i) {
  return parse_fail(
      p, sqlite3_mprintf("usage_prometheus: series %s: sample %.*s is not "
                         "[time, \"value\"]",
                         p->pAns->azLabels[p->pAns->nSeries - 1],
                         snippet_len(p, i), &p->z[i]));
}

/* The sample [time, "value"] at i, of the last series added, read in
** place; *pEnd is the offset after it. */
static int read_sample(PromParse *p, int i, int *pEnd) {
  const char *z = p->z;
  const char *zWhy = 0;
  int iT, eT, iV, eV, j;
  double rT, rV = 0;
  int64_t t;
  char zTs[USAGE_TS_LEN + 1];
  if (z[i] != '[') return sample_shape_error(p, i);
  iT = skip_ws(z, p->n, i + 1);
  for (eT = iT; eT < p->n &&
                ((z[eT] >= '0' && z[eT] <= '9') || z[eT] == '.' ||
                 z[eT] == '-' || z[eT] == '+' || z[eT] == 'e' || z[eT] == 'E');
       eT++) {}
  j = skip_ws(z, p->n, eT);
  if (z[j] != ',') return sample_shape_error(p, i);
  iV = skip_ws(z, p->n, j + 1);
  if (z[iV] != '"') return sample_shape_error(p, i);
  eV = skip_string(z, iV);
  j = skip_ws(z, p->n, eV);
  if (z[j] != ']' || read_number(&z[iT], eT - iT, &rT)) {
    return sample_shape_error(p, i);
  }
  *pEnd = j + 1;
  if (usage_time_from_double(rT, &t, &zWhy)) {
    return parse_fail(
        p, sqlite3_mprintf("usage_prometheus: series %s: time %.*s: %s",
                           p->pAns->azLabels[p->pAns->nSeries - 1], eT - iT,
                           &z[iT], zWhy ? zWhy : "out of range"));
  }
  if (read_number(&z[iV + 1], eV - iV - 2, &rV) || !isfinite(rV)) {
    usage_time_format(t, zTs);
    return parse_fail(
        p, sqlite3_mprintf("usage_prometheus: series %s at %s: value %.*s is "
                           "not a finite number",
                           p->pAns->azLabels[p->pAns->nSeries - 1], zTs,
                           eV - iV, &z[iV]));
  }
  return add_sample(p->pAns, t, rV);
}

/* The samples at i: one [time, "value"] (a vector's "value") or an array
** of them (a matrix's "values"); *pEnd is the offset after them. */
static int read_samples(PromParse *p, int i, int bMatrix, int *pEnd) {
  int rc = SQLITE_OK, e;
  if (!bMatrix) return read_sample(p, i, pEnd);
  i = skip_ws(p->z, p->n, i + 1);
  while (p->z[i] != ']') {
    rc = read_sample(p, i, &e);
    if (rc != SQLITE_OK) return rc;
    i = skip_ws(p->z, p->n, e);
    if (p->z[i] == ',') i = skip_ws(p->z, p->n, i + 1);
  }
  *pEnd = i + 1;
  return SQLITE_OK;
}

/* The series object at i: its labels, then its samples ("value" for a
** vector, "values" for a matrix), read in one pass when "metric" comes
** first, as Prometheus writes it. *pEnd is the offset after the object. */
static int read_series(PromParse *p, int i, int iIndex, int bMatrix,
                       int *pEnd) {
  const char *zKey = bMatrix ? "values" : "value";
  int iMetric = -1, iSamples = -1, iKey, rc = SQLITE_OK, e = -1, eSkip;
  if (p->z[i] != '{') {
    return parse_fail(p, sqlite3_mprintf("usage_prometheus: result[%d] is not "
                                         "a series object",
                                         iIndex));
  }
  i = skip_ws(p->z, p->n, i + 1);
  while (rc == SQLITE_OK && p->z[i] == '"') {
    iKey = i;
    i = skip_ws(p->z, p->n, skip_string(p->z, i));
    i = skip_ws(p->z, p->n, i + 1); /* past ':' */
    if (string_is(p->z, iKey, "metric", &p->bNoMem) && p->z[i] == '{' &&
        iMetric < 0) {
      iMetric = i;
      rc = add_series(p, i, &e);
      if (rc == SQLITE_OK && iSamples >= 0) {
        rc = read_samples(p, iSamples, bMatrix, &eSkip);
      }
    } else if (string_is(p->z, iKey, zKey, &p->bNoMem) && p->z[i] == '[' &&
               iSamples < 0) {
      iSamples = i;
      if (iMetric >= 0) rc = read_samples(p, i, bMatrix, &e);
    }
    if (e < 0) e = skip_value(p->z, p->n, i);
    i = skip_ws(p->z, p->n, e);
    e = -1;
    if (p->z[i] == ',') i = skip_ws(p->z, p->n, i + 1);
  }
  if (p->bNoMem) return SQLITE_NOMEM;
  if (rc != SQLITE_OK) return rc;
  *pEnd = i + 1;
  if (iMetric < 0) {
    return parse_fail(p, sqlite3_mprintf("usage_prometheus: result[%d] has no "
                                         "\"metric\" object",
                                         iIndex));
  }
  if (iSamples < 0) {
    return parse_fail(
        p, sqlite3_mprintf("usage_prometheus: series %s has no "
                           "\"%s\" array",
                           p->pAns->azLabels[p->pAns->nSeries - 1], zKey));
  }
  return SQLITE_OK;
}

/* The "data" object at i: its resultType, then each series of result. */
static int read_data(PromParse *p, int i) {
  static const char *const azKey[] = {"resultType", "result"};
  int ai[2], rc, bMatrix = 0, iIndex = 0, e;
  rc = find_members(p, i, azKey, 2, 2, ai);
  if (rc != SQLITE_OK) return rc;
  if (ai[0] < 0 || p->z[ai[0]] != '"') {
    return parse_fail(p, sqlite3_mprintf("usage_prometheus: \"data\" has no "
                                         "\"resultType\" string"));
  }
  if (string_is(p->z, ai[0], "matrix", &p->bNoMem)) {
    bMatrix = 1;
  } else if (!string_is(p->z, ai[0], "vector", &p->bNoMem)) {
    if (p->bNoMem) return SQLITE_NOMEM;
    return parse_fail(
        p, sqlite3_mprintf("usage_prometheus: resultType %.*s holds no "
                           "series; usage_prometheus reads \"vector\" "
                           "(/api/v1/query) and \"matrix\" "
                           "(/api/v1/query_range) answers",
                           snippet_len(p, ai[0]), &p->z[ai[0]]));
  }
  if (ai[1] < 0 || p->z[ai[1]] != '[') {
    return parse_fail(p, sqlite3_mprintf("usage_prometheus: \"data\" has no "
                                         "\"result\" array"));
  }
  i = skip_ws(p->z, p->n, ai[1] + 1);
  if (p->z[i] == ']') return SQLITE_OK;
  for (;;) {
    rc = read_series(p, i, iIndex++, bMatrix, &e);
    if (rc != SQLITE_OK) return rc;
    i = skip_ws(p->z, p->n, e);
    if (p->z[i] == ']') return SQLITE_OK;
    i = skip_ws(p->z, p->n, i + 1); /* past ',' */
  }
}

/* The message for "status": "error", with Prometheus's own two fields. */
static int status_error(PromParse *p, int iType, int iError) {
  char *zType = iType >= 0 && p->z[iType] == '"' ? string_dup(p->z, iType) : 0;
  char *zError =
      iError >= 0 && p->z[iError] == '"' ? string_dup(p->z, iError) : 0;
  int rc = parse_fail(
      p, sqlite3_mprintf("usage_prometheus: Prometheus answered \"error\": "
                         "%s: %s",
                         zType ? zType : "(no errorType)",
                         zError ? zError : "(no error)"));
  sqlite3_free(zType);
  sqlite3_free(zError);
  return rc;
}

/* The answer at the top: its status, then its data. */
static int read_answer(PromParse *p, int i) {
  static const char *const azKey[] = {"status", "data", "errorType", "error"};
  int ai[4], rc;
  if (p->z[i] != '{') {
    return parse_fail(p, sqlite3_mprintf("usage_prometheus: the response is "
                                         "not a JSON object"));
  }
  rc = find_members(p, i, azKey, 4, 2, ai);
  if (rc == SQLITE_OK && ai[0] >= 0 && ai[2] < 0) {
    rc = find_members(p, i, azKey, 4, 4, ai); /* "error": read it all */
  }
  if (rc != SQLITE_OK) return rc;
  if (ai[0] < 0 || p->z[ai[0]] != '"') {
    return parse_fail(p, sqlite3_mprintf("usage_prometheus: the response has "
                                         "no \"status\": is it the body of "
                                         "/api/v1/query or query_range?"));
  }
  if (string_is(p->z, ai[0], "error", &p->bNoMem)) {
    return status_error(p, ai[2], ai[3]);
  }
  if (!string_is(p->z, ai[0], "success", &p->bNoMem)) {
    if (p->bNoMem) return SQLITE_NOMEM;
    return parse_fail(p, sqlite3_mprintf("usage_prometheus: status %.*s is "
                                         "neither \"success\" nor \"error\"",
                                         snippet_len(p, ai[0]), &p->z[ai[0]]));
  }
  if (ai[1] < 0 || p->z[ai[1]] != '{') {
    return parse_fail(p, sqlite3_mprintf("usage_prometheus: the response has "
                                         "no \"data\" object"));
  }
  return read_data(p, ai[1]);
}

int usage_prom_parse(const char *z, int n, PromAnswer *pAns, char **pzErr) {
  PromParse p = {z, n, pAns, 0, 0};
  const char *zWant = 0;
  int iErr = 0, rc;
  *pzErr = 0;
  if (usage_prom_json_check(z, n, &iErr, &zWant)) {
    int m = n - iErr > 20 ? 20 : n - iErr;
    *pzErr = m > 0 ? sqlite3_mprintf("usage_prometheus: malformed JSON at byte "
                                     "%d: expected %s, got '%.*s'",
                                     iErr, zWant, m, &z[iErr])
                   : sqlite3_mprintf("usage_prometheus: malformed JSON at byte "
                                     "%d: expected %s, got the end",
                                     iErr, zWant);
    return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
  }
  rc = read_answer(&p, skip_ws(z, n, 0));
  if (p.bNoMem) rc = SQLITE_NOMEM;
  if (rc != SQLITE_OK) {
    usage_prom_clear(pAns);
    *pzErr = p.zErr;
    if (rc == SQLITE_NOMEM) {
      sqlite3_free(p.zErr);
      *pzErr = 0;
    }
  }
  return rc;
}

void usage_prom_clear(PromAnswer *p) {
  int i;
  for (i = 0; i < p->nSeries; i++) sqlite3_free(p->azLabels[i]);
  sqlite3_free(p->azLabels);
  sqlite3_free(p->aSample);
  memset(p, 0, sizeof(*p));
}
