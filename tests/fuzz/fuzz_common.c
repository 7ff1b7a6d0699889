/*
** fuzz_common.c: the shared half of the SQL fuzz harnesses (see
** fuzz_common.h): value decoding, the database, and checks that abort.
** Linked into fuzz_ingest and fuzz_buckets by tests/fuzz/run.
*/
#include "fuzz_common.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3ext.h> /* for sqlite3_api_routines; SQLITE_CORE is set */

int sqlite3_usage_init(sqlite3 *db, char **pzErrMsg,
                       const sqlite3_api_routines *pApi);

/* Words that reach the interesting paths: scopes, widths, fills,
** timestamps of every accepted shape and edge, names, number texts. */
static const char *const azWord[] = {
    "ada",
    "project",
    "machine",
    "user",
    "group",
    "",
    "day",
    "1 day",
    "15 minutes",
    "week",
    "2 weeks",
    "month",
    "1 quarter",
    "year",
    "2 years",
    "10000 years",
    "1 second",
    "hour",
    "none",
    "zero",
    "2024-03-01",
    "2024-03-01T10:00:00Z",
    "2024-03-01 10:00+02:00",
    "2024-02-29T23:59:59",
    "0000-01-01",
    "0000-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "9999-12-31",
    "2000-04-01",
    "2000-01-03",
    "1970-01-01T00:00:00.5-01:30",
    "physics",
    "node-1",
    "alice",
    "astro",
    "x'); DROP TABLE fact_usage; --",
    "NaN",
    "inf",
    "-inf",
    "1e999",
    "-1",
    "0x10",
    "1.5",
    "0",
    "65535",
    "main",
    "temp",
    "ADA",
    "Day",
    "month ",
    " 1 day",
    "2023-02-29",
};
#define N_WORD ((int)(sizeof(azWord) / sizeof(azWord[0])))

/* Sizes of the huge values. */
static const int aHuge[] = {257, 4096, 65536, 1 << 20};

void fuzz_fail(const char *zWhat, const char *zDetail) {
  fprintf(stderr, "fuzz check failed: %s: %s\n", zWhat, zDetail ? zDetail : "");
  abort();
}

int fuzz_byte(FuzzIn *p) {
  return p->i < p->n ? p->a[p->i++] : 0;
}

int fuzz_done(const FuzzIn *p) {
  return p->i >= p->n;
}

/* The next 8 bytes, little-endian (zeros past the end). */
static uint64_t take_u64(FuzzIn *p) {
  uint64_t u = 0;
  int k;
  for (k = 0; k < 8; k++) u |= (uint64_t)fuzz_byte(p) << (8 * k);
  return u;
}

/* A length byte and that many bytes (fewer at the end of the input). */
static const uint8_t *take_bytes(FuzzIn *p, int *pn) {
  int n = fuzz_byte(p);
  const uint8_t *z = p->a + p->i;
  if ((size_t)n > p->n - p->i) n = (int)(p->n - p->i);
  p->i += n;
  *pn = n;
  return z;
}

/* Bind a text of n bytes that SQLite will free. */
static void bind_owned_text(sqlite3_stmt *pStmt, int iParam, char *z, int n) {
  if (z == 0) {
    sqlite3_bind_null(pStmt, iParam);
    return;
  }
  sqlite3_bind_text64(pStmt, iParam, z, (sqlite3_uint64)n, free, SQLITE_UTF8);
}

/* A dictionary word followed by fuzzed text, or padded out to nPad bytes. */
static void bind_word_plus(FuzzIn *p, sqlite3_stmt *pStmt, int iParam,
                           int bHuge) {
  const char *zWord = azWord[fuzz_byte(p) % N_WORD];
  int nWord = (int)strlen(zWord), nTail;
  const uint8_t *zTail;
  char *z;
  if (bHuge) {
    int nAll = aHuge[fuzz_byte(p) % 4];
    if (nAll < nWord) nAll = nWord;
    z = malloc(nAll);
    if (z) {
      memcpy(z, zWord, nWord);
      memset(z + nWord, 'x', nAll - nWord);
    }
    bind_owned_text(pStmt, iParam, z, nAll);
    return;
  }
  zTail = take_bytes(p, &nTail);
  z = malloc(nWord + nTail + 1);
  if (z) {
    memcpy(z, zWord, nWord);
    memcpy(z + nWord, zTail, nTail);
  }
  bind_owned_text(pStmt, iParam, z, nWord + nTail);
}

void fuzz_bind(FuzzIn *p, sqlite3_stmt *pStmt, int iParam) {
  static const double aReal[] = {
      NAN,     INFINITY,     -INFINITY, -0.0,   DBL_MAX,        -DBL_MAX,
      DBL_MIN, 5e-324,       1e300,     1.5,    253402300799.5, -62167219200.5,
      0.25,    1709251200.0, -1.0,      65535.0};
  static const sqlite3_int64 aInt[] = {INT64_MIN,
                                       INT64_MAX,
                                       -1,
                                       0,
                                       1,
                                       65535,
                                       65536,
                                       253402300799LL,
                                       253402300800LL,
                                       -62167219200LL,
                                       -62167219201LL,
                                       946684800LL,
                                       1709251200LL,
                                       2147483647LL,
                                       -2147483648LL,
                                       256};
  int tag = fuzz_byte(p) % 12, n;
  const uint8_t *z;
  uint64_t u;
  double r;
  switch (tag) {
    case 0: sqlite3_bind_null(pStmt, iParam); break;
    case 1:
      sqlite3_bind_int64(pStmt, iParam, (sqlite3_int64)take_u64(p));
      break;
    case 2: sqlite3_bind_int64(pStmt, iParam, (int8_t)fuzz_byte(p)); break;
    case 3:
      u = take_u64(p);
      memcpy(&r, &u, sizeof(r));
      sqlite3_bind_double(pStmt, iParam, r);
      break;
    case 4: sqlite3_bind_double(pStmt, iParam, aReal[fuzz_byte(p) % 16]); break;
    case 5: sqlite3_bind_int64(pStmt, iParam, aInt[fuzz_byte(p) % 16]); break;
    case 6:
      z = take_bytes(p, &n);
      sqlite3_bind_text(pStmt, iParam, (const char *)z, n, SQLITE_TRANSIENT);
      break;
    case 7:
      z = take_bytes(p, &n);
      sqlite3_bind_blob(pStmt, iParam, z, n, SQLITE_TRANSIENT);
      break;
    case 8:
      sqlite3_bind_text(pStmt, iParam, azWord[fuzz_byte(p) % N_WORD], -1,
                        SQLITE_STATIC);
      break;
    case 9: bind_word_plus(p, pStmt, iParam, 1); break;
    case 10:
      sqlite3_bind_zeroblob(pStmt, iParam, aHuge[fuzz_byte(p) % 4]);
      break;
    default: bind_word_plus(p, pStmt, iParam, 0); break;
  }
}

void fuzz_exec(sqlite3 *db, const char *zSql) {
  char *zErr = 0;
  if (sqlite3_exec(db, zSql, 0, 0, &zErr) != SQLITE_OK) {
    fuzz_fail(zSql, zErr);
  }
}

sqlite3 *fuzz_open(void) {
  sqlite3 *db = 0;
  char *zErr = 0;
  if (sqlite3_open(":memory:", &db) != SQLITE_OK) fuzz_fail("open", 0);
  if (sqlite3_usage_init(db, &zErr, 0) != SQLITE_OK) {
    fuzz_fail("sqlite3_usage_init", zErr);
  }
  fuzz_exec(db, "SELECT usage_init()");
  return db;
}

unsigned char *fuzz_image(sqlite3 *db, sqlite3_int64 *pnImage) {
  unsigned char *a = sqlite3_serialize(db, "main", pnImage, 0);
  if (a == 0) fuzz_fail("sqlite3_serialize", sqlite3_errmsg(db));
  return a;
}

sqlite3 *fuzz_clone(const unsigned char *aImage, sqlite3_int64 nImage) {
  sqlite3 *db = 0;
  unsigned char *aCopy = sqlite3_malloc64((sqlite3_uint64)nImage);
  char *zErr = 0;
  if (aCopy == 0) fuzz_fail("out of memory", 0);
  memcpy(aCopy, aImage, (size_t)nImage);
  if (sqlite3_open(":memory:", &db) != SQLITE_OK) fuzz_fail("open", 0);
  if (sqlite3_deserialize(db, "main", aCopy, nImage, nImage,
                          SQLITE_DESERIALIZE_FREEONCLOSE |
                              SQLITE_DESERIALIZE_RESIZEABLE) != SQLITE_OK) {
    fuzz_fail("sqlite3_deserialize", sqlite3_errmsg(db));
  }
  if (sqlite3_usage_init(db, &zErr, 0) != SQLITE_OK) {
    fuzz_fail("sqlite3_usage_init", zErr);
  }
  return db;
}

int fuzz_step_all(sqlite3_stmt *pStmt, int nMax) {
  int rc, n = 0;
  while ((rc = sqlite3_step(pStmt)) == SQLITE_ROW && ++n < nMax) {}
  sqlite3_reset(pStmt);
  return rc;
}

char *fuzz_digest(sqlite3 *db) {
  static const char *zSql =
      "SELECT (SELECT count(*) || ',' || ifnull(max(rowid), 0) || ',' || "
      "total(busy_kwh) || ',' || total(idle_gCo2eq) || ',' || "
      "ifnull(max(ts), '') FROM fact_usage) || ';' || "
      "(SELECT count(*) || ',' || ifnull(max(rowid), 0) FROM dim_project) || "
      "';' || (SELECT count(*) || ',' || ifnull(max(rowid), 0) FROM "
      "dim_machine) || ';' || (SELECT count(*) || ',' || "
      "ifnull(group_concat(quote(display_name)), '') FROM dim_user) || ';' || "
      "(SELECT count(*) FROM dim_group) || ';' || (SELECT count(*) FROM "
      "map_user_project) || ';' || (SELECT count(*) FROM "
      "map_project_machine) || ';' || (SELECT count(*) || ',' || "
      "ifnull(max(rowid), 0) FROM dim_instance) || ';' || (SELECT count(*) "
      "FROM active_workspace)";
  sqlite3_stmt *pStmt = 0;
  char *zOut = 0;
  if (sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0) != SQLITE_OK) {
    fuzz_fail("digest", sqlite3_errmsg(db));
  }
  if (sqlite3_step(pStmt) == SQLITE_ROW) {
    zOut = sqlite3_mprintf("%s", (const char *)sqlite3_column_text(pStmt, 0));
  } else {
    fuzz_fail("digest step", sqlite3_errmsg(db));
  }
  sqlite3_finalize(pStmt);
  return zOut;
}
