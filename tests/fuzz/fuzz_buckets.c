/*
** fuzz_buckets.c: libFuzzer harness for whole SQL calls of usage_buckets
** and of the scalar functions (usage_ts, usage_bucket, usage_intensity,
** usage_scope_check, usage_init), with arguments of every type (see
** fuzz_common.h for how bytes become values).
**
**   tests/fuzz/run buckets
**   build/fuzz/fuzz_buckets -runs=0 tests/fuzz/corpus/buckets
**
** Input: a flags byte, then the values. Flags: bit 0 first ingests up to 8
** fuzzed rows inside BEGIN ... ROLLBACK, so the scan meets odd data; bits
** 1-2 pick the form of the query (table-valued function with 0-6
** arguments, or hidden-column constraints); bit 3 adds key = ?, bit 4
** key IN (?, ?, ?); bit 5 ORDER BY bucket_start DESC; bit 6 the scalar
** functions; bit 7 usage_init() of a fuzzed schema name.
**
** Besides memory errors and leaks it checks, and aborts on: every row has
** bucket_end after bucket_start (or NULL at the end of time), finite
** amounts >= 0 and samples >= 0; usage_ts() returns canonical text that
** it maps to itself; usage_bucket() returns canonical text no later than
** usage_ts() of the same instant. Each input starts from a fresh copy of
** the same seeded database.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amounts/amounts.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *aData, size_t nData);

/* At most this many result rows are read per query. */
#define MAX_ROWS 2000

/* The seeded database every input starts from, as bytes. */
static unsigned char *gaImage = 0;
static sqlite3_int64 gnImage = 0;

/* The fixed data every input starts from: every scope, groups, users
** without one, instants at both ends of time. */
static void seed(sqlite3 *db) {
  fuzz_exec(db, "BEGIN");
  fuzz_exec(db,
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n "
            "WHERE i < 199) "
            "INSERT INTO usage_ingest(ts, scope, cloud_project_name, "
            "machine_name, user_id, busy_cpu_seconds_total, busy_kwh, "
            "idle_kwh, busy_gCo2eq, idle_gCo2eq) "
            "SELECT 1704067200 + i * 5400, "
            "CASE i % 4 WHEN 0 THEN 'ada' WHEN 1 THEN 'project' "
            "WHEN 2 THEN 'machine' ELSE 'user' END, "
            "CASE i % 4 WHEN 1 THEN 'p' || (i % 3) END, "
            "CASE i % 4 WHEN 2 THEN 'node-' || (i % 5) END, "
            "CASE i % 4 WHEN 3 THEN 'u' || (i % 4) END, "
            "i, i * 0.25, 0.5, i * 10, 1 FROM n");
  fuzz_exec(db, "INSERT INTO usage_ingest(ts, scope, busy_kwh) VALUES "
                "('0000-01-01T00:00:00Z', 'ada', 1), "
                "('9999-12-31T23:59:59Z', 'ada', 2);"
                "INSERT INTO usage_ingest(ts, scope, user_id, busy_kwh) VALUES "
                "('9999-12-31T23:59:59Z', 'user', 'u1', 3);"
                "INSERT INTO usage_users VALUES ('u1', 'U1', 'astro'), "
                "('u2', 'U2', 'astro'), ('u3', 'U3', 'bio');");
  fuzz_exec(db, "COMMIT");
}

/* Prepare SQL that must compile. */
static sqlite3_stmt *prepare(sqlite3 *db, const char *zSql) {
  sqlite3_stmt *pStmt = 0;
  if (sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0) != SQLITE_OK) {
    fuzz_fail(zSql, sqlite3_errmsg(db));
  }
  return pStmt;
}

/* Bind every parameter of pStmt from the input. */
static void bind_all(FuzzIn *p, sqlite3_stmt *pStmt) {
  int i, n = sqlite3_bind_parameter_count(pStmt);
  for (i = 1; i <= n; i++) fuzz_bind(p, pStmt, i);
}

/* Up to 8 fuzzed rows through usage_ingest (inside the caller's BEGIN). */
static void add_rows(FuzzIn *p, sqlite3 *db) {
  sqlite3_stmt *pStmt = prepare(
      db,
      "INSERT INTO usage_ingest(ts, scope, cloud_project_name, machine_name, "
      "user_id, busy_kwh, idle_gCo2eq) VALUES (?, ?, ?, ?, ?, ?, ?)");
  int n = fuzz_byte(p) % 9, i;
  for (i = 0; i < n; i++) {
    bind_all(p, pStmt);
    fuzz_step_all(pStmt, 1);
    sqlite3_clear_bindings(pStmt);
  }
  sqlite3_finalize(pStmt);
}

/* The SQL of one usage_buckets query, shaped by the flags. */
static char *query_sql(FuzzIn *p, int flags) {
  static const char *const azHidden[] = {"scope",   "width", "start",
                                         "\"end\"", "fill",  "origin"};
  sqlite3_str *pSql = sqlite3_str_new(0);
  int nArg = fuzz_byte(p) % 7, i, bWhere = 0;
  sqlite3_str_appendall(pSql, "SELECT * FROM usage_buckets");
  if ((flags & 6) != 6) {
    sqlite3_str_appendall(pSql, "(");
    for (i = 0; i < nArg; i++) sqlite3_str_appendall(pSql, i ? ", ?" : "?");
    sqlite3_str_appendall(pSql, ")");
  } else {
    for (i = 0; i < nArg; i++) {
      sqlite3_str_appendf(pSql, " %s %s = ?", bWhere++ ? "AND" : "WHERE",
                          azHidden[i]);
    }
  }
  if (flags & 8) {
    sqlite3_str_appendf(pSql, " %s key = ?", bWhere++ ? "AND" : "WHERE");
  } else if (flags & 16) {
    sqlite3_str_appendf(pSql, " %s key IN (?, ?, ?)",
                        bWhere++ ? "AND" : "WHERE");
  }
  if (flags & 32) {
    sqlite3_str_appendall(pSql, " ORDER BY bucket_start DESC, key");
  }
  return sqlite3_str_finish(pSql);
}

/* Check one result row of usage_buckets: the six amounts follow the key,
** in the order of the amount list, then the intensity and samples. */
static void check_row(sqlite3_stmt *pStmt) {
  static const char *const azAmount[USAGE_NAMOUNT] = USAGE_AMOUNT_NAMES;
  const int iSamples = 3 + USAGE_NAMOUNT + 1;
  int i;
  const char *zStart = (const char *)sqlite3_column_text(pStmt, 0);
  const char *zEnd = (const char *)sqlite3_column_text(pStmt, 1);
  if (zStart == 0 || strlen(zStart) != 20) fuzz_fail("bucket_start", zStart);
  if (zEnd && strcmp(zEnd, zStart) <= 0) fuzz_fail("bucket_end", zEnd);
  for (i = 0; i < USAGE_NAMOUNT; i++) {
    const char *zName = sqlite3_column_name(pStmt, 3 + i);
    double r = sqlite3_column_double(pStmt, 3 + i);
    if (zName == 0 || strcmp(zName, azAmount[i]) != 0) {
      fuzz_fail("amount columns follow the amount list", zName);
    }
    if (!isfinite(r) || r < 0) fuzz_fail("an amount is not finite >= 0", zName);
  }
  if (sqlite3_column_int64(pStmt, iSamples) < 0) {
    fuzz_fail("samples is not >= 0", sqlite3_column_name(pStmt, iSamples));
  }
}

/* Run one usage_buckets query and check its rows. */
static void run_query(FuzzIn *p, sqlite3 *db, int flags) {
  char *zSql = query_sql(p, flags);
  sqlite3_stmt *pStmt = prepare(db, zSql);
  int n = 0;
  bind_all(p, pStmt);
  while (n++ < MAX_ROWS && sqlite3_step(pStmt) == SQLITE_ROW) check_row(pStmt);
  sqlite3_finalize(pStmt);
  sqlite3_free(zSql);
}

/* The scalar functions with fuzzed arguments; usage_ts and usage_bucket
** results are checked against each other. */
static void run_scalars(FuzzIn *p, sqlite3 *db) {
  static const char *const azSql[] = {
      "SELECT usage_intensity(?, ?)",
      "SELECT usage_intensity(?, ?, ?, ?)",
      "SELECT usage_scope_check(?, ?, ?, ?)",
      "SELECT usage_bucket(?, ?, ?)",
  };
  sqlite3_stmt *pTs = prepare(db, "SELECT usage_ts(?1), "
                                  "usage_ts(usage_ts(?1))");
  sqlite3_stmt *pBucket = prepare(db, "SELECT usage_bucket(?1, ?2) <= "
                                      "usage_ts(?1), usage_bucket(?1, ?2)");
  sqlite3_stmt *pOther = prepare(db, azSql[fuzz_byte(p) % 4]);
  fuzz_bind(p, pTs, 1);
  if (sqlite3_step(pTs) == SQLITE_ROW &&
      sqlite3_column_type(pTs, 0) == SQLITE_TEXT) {
    const char *z1 = (const char *)sqlite3_column_text(pTs, 0);
    const char *z2 = (const char *)sqlite3_column_text(pTs, 1);
    if (strlen(z1) != 20 || z2 == 0 || strcmp(z1, z2) != 0) {
      fuzz_fail("usage_ts is not canonical or not idempotent", z1);
    }
  }
  fuzz_bind(p, pBucket, 1);
  fuzz_bind(p, pBucket, 2);
  if (sqlite3_step(pBucket) == SQLITE_ROW &&
      sqlite3_column_type(pBucket, 1) == SQLITE_TEXT) {
    if (sqlite3_column_type(pBucket, 0) != SQLITE_INTEGER ||
        sqlite3_column_int(pBucket, 0) != 1) {
      fuzz_fail("usage_bucket is after its instant",
                (const char *)sqlite3_column_text(pBucket, 1));
    }
  }
  bind_all(p, pOther);
  fuzz_step_all(pOther, 1);
  sqlite3_finalize(pTs);
  sqlite3_finalize(pBucket);
  sqlite3_finalize(pOther);
}

/* usage_init() of a fuzzed schema name, undone afterwards. */
static void run_init(FuzzIn *p, sqlite3 *db) {
  sqlite3_stmt *pStmt = prepare(db, "SELECT usage_init(?)");
  fuzz_exec(db, "SAVEPOINT init");
  fuzz_bind(p, pStmt, 1);
  fuzz_step_all(pStmt, 1);
  sqlite3_finalize(pStmt);
  fuzz_exec(db, "ROLLBACK TO init");
  fuzz_exec(db, "RELEASE init");
}

int LLVMFuzzerTestOneInput(const uint8_t *aData, size_t nData) {
  FuzzIn in = {aData, nData, 0};
  sqlite3 *db;
  int flags;
  if (gaImage == 0) {
    db = fuzz_open();
    seed(db);
    gaImage = fuzz_image(db, &gnImage);
    sqlite3_close(db);
  }
  db = fuzz_clone(gaImage, gnImage);
  flags = fuzz_byte(&in);
  if (flags & 1) {
    fuzz_exec(db, "BEGIN");
    add_rows(&in, db);
  }
  run_query(&in, db, flags);
  if (flags & 64) run_scalars(&in, db);
  if (flags & 128) run_init(&in, db);
  if (flags & 1) sqlite3_exec(db, "ROLLBACK", 0, 0, 0);
  if (!sqlite3_get_autocommit(db)) fuzz_fail("a transaction was left open", 0);
  sqlite3_close(db);
  return 0;
}
