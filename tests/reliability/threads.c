/*
** threads.c: the usage extension used from 4 threads at once, each with
** connections of its own, for ThreadSanitizer to watch.
**
**   clang -std=c11 -g -O1 -fsanitize=thread -o threads \
**     tests/reliability/threads.c -lsqlite3 -lpthread
**   ./threads build/tsan/usage DIR      (a usage.so built with TSan too)
**
** Each thread opens a database of its own in DIR and a connection to one
** shared WAL database, loads the extension twice into each connection,
** runs usage_init(), ingests rows through usage_ingest, reads them back
** through usage_buckets, the views and the scalar functions, and checks
** every total. The shared database gets each thread's rows in
** transactions, under busy_timeout. Prints "ok - ..." or "not ok - ..."
** lines; exits 1 on any failure. TSan reports races on its own (and the
** caller makes it fail the run with TSAN_OPTIONS=halt_on_error=1).
*/
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NTHREAD 4
#define NROW 300

/* What one thread is given and what it reports. */
typedef struct Job {
  int id;           /* 0..NTHREAD-1 */
  const char *zExt; /* the extension to load */
  const char *zDir; /* folder for the databases */
  char zFail[512];  /* the first failure, or "" */
} Job;

/* Record the first failure of a job, with the connection's error. */
static void fail(Job *p, sqlite3 *db, const char *zWhat) {
  if (p->zFail[0]) return;
  snprintf(p->zFail, sizeof(p->zFail), "thread %d: %s: %s", p->id, zWhat,
           db ? sqlite3_errmsg(db) : "");
}

/* Run SQL that returns nothing; 0 on success. */
static int run(Job *p, sqlite3 *db, const char *zSql) {
  if (sqlite3_exec(db, zSql, 0, 0, 0) != SQLITE_OK) {
    fail(p, db, zSql);
    return 1;
  }
  return 0;
}

/* The double value of a one-value query, or -1 on error. */
static double query_double(Job *p, sqlite3 *db, const char *zSql) {
  sqlite3_stmt *pStmt = 0;
  double r = -1;
  if (sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0) != SQLITE_OK) {
    fail(p, db, zSql);
    return -1;
  }
  if (sqlite3_step(pStmt) == SQLITE_ROW) {
    r = sqlite3_column_double(pStmt, 0);
  } else {
    fail(p, db, zSql);
  }
  sqlite3_finalize(pStmt);
  return r;
}

/* The text of a one-value query into zOut, or "" on error. */
static void query_text(Job *p, sqlite3 *db, const char *zSql, char *zOut,
                       size_t n) {
  sqlite3_stmt *pStmt = 0;
  zOut[0] = 0;
  if (sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0) != SQLITE_OK) {
    fail(p, db, zSql);
    return;
  }
  if (sqlite3_step(pStmt) == SQLITE_ROW && sqlite3_column_text(pStmt, 0)) {
    snprintf(zOut, n, "%s", (const char *)sqlite3_column_text(pStmt, 0));
  } else {
    fail(p, db, zSql);
  }
  sqlite3_finalize(pStmt);
}

/* Open a database and load the extension into it twice. */
static sqlite3 *open_loaded(Job *p, const char *zPath) {
  sqlite3 *db = 0;
  char *zErr = 0;
  int i;
  if (sqlite3_open(zPath, &db) != SQLITE_OK) {
    fail(p, db, "open");
    sqlite3_close(db);
    return 0;
  }
  sqlite3_busy_timeout(db, 30000);
  sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 1, (int *)0);
  for (i = 0; i < 2; i++) {
    if (sqlite3_load_extension(db, p->zExt, 0, &zErr) != SQLITE_OK) {
      snprintf(p->zFail, sizeof(p->zFail), "thread %d: load %d: %s", p->id,
               i + 1, zErr ? zErr : "?");
      sqlite3_free(zErr);
      sqlite3_close(db);
      return 0;
    }
  }
  return db;
}

/* Ingest NROW rows of thread p's project, busy_kwh 1..NROW, in one
** transaction. */
static int ingest(Job *p, sqlite3 *db) {
  sqlite3_stmt *pStmt = 0;
  char zProject[32];
  int i, rc = 0;
  snprintf(zProject, sizeof(zProject), "thread-%d", p->id);
  if (run(p, db, "BEGIN IMMEDIATE")) return 1;
  if (sqlite3_prepare_v2(db,
                         "INSERT INTO usage_ingest(ts, scope, "
                         "cloud_project_name, busy_kwh) VALUES (?1, "
                         "'project', ?2, ?3)",
                         -1, &pStmt, 0) != SQLITE_OK) {
    fail(p, db, "prepare insert");
    run(p, db, "ROLLBACK");
    return 1;
  }
  for (i = 0; i < NROW && rc == 0; i++) {
    sqlite3_bind_int64(pStmt, 1, 1709251200 + (sqlite3_int64)i * 3600);
    sqlite3_bind_text(pStmt, 2, zProject, -1, SQLITE_STATIC);
    sqlite3_bind_double(pStmt, 3, (double)(i + 1));
    if (sqlite3_step(pStmt) != SQLITE_DONE) {
      fail(p, db, "insert");
      rc = 1;
    }
    sqlite3_reset(pStmt);
  }
  sqlite3_finalize(pStmt);
  return run(p, db, rc ? "ROLLBACK" : "COMMIT") || rc;
}

/* Read thread p's rows back through every path and compare. */
static void check_own(Job *p, sqlite3 *db) {
  const double want = (double)NROW * (NROW + 1) / 2;
  char zSql[256], zTs[64];
  double r;
  snprintf(zSql, sizeof(zSql),
           "SELECT total(busy_kwh) FROM usage_buckets("
           "'project', 'day', '2024-01-01', '2025-01-01') WHERE key = "
           "'thread-%d'",
           p->id);
  if ((r = query_double(p, db, zSql)) != want) {
    fail(p, 0, "usage_buckets total");
  }
  snprintf(zSql, sizeof(zSql),
           "SELECT busy_kwh FROM v_project_totals "
           "WHERE cloud_project_name = 'thread-%d'",
           p->id);
  if ((r = query_double(p, db, zSql)) != want) fail(p, 0, "v_project_totals");
  query_text(p, db,
             "SELECT usage_ts('2024-03-01 01:30+02:00') || ' ' || "
             "usage_bucket('2024-03-06T10:00:00Z', 'week') || ' ' || "
             "usage_intensity(300, 2)",
             zTs, sizeof(zTs));
  if (strcmp(zTs, "2024-02-29T23:30:00Z 2024-03-04T00:00:00Z 150.0") != 0) {
    fail(p, 0, "scalar functions");
  }
}

/* One thread: its own database, then its share of the shared one. */
static void *thread_main(void *pArg) {
  Job *p = (Job *)pArg;
  char zPath[1024];
  sqlite3 *db;
  int round;
  for (round = 0; round < 3 && !p->zFail[0]; round++) {
    snprintf(zPath, sizeof(zPath), "%s/own-%d-%d.db", p->zDir, p->id, round);
    db = open_loaded(p, zPath);
    if (db == 0) return 0;
    if (!run(p, db, "SELECT usage_init()") && !ingest(p, db)) check_own(p, db);
    sqlite3_close(db);
  }
  snprintf(zPath, sizeof(zPath), "%s/shared.db", p->zDir);
  db = open_loaded(p, zPath);
  if (db == 0) return 0;
  if (!ingest(p, db)) check_own(p, db);
  sqlite3_close(db);
  return 0;
}

/* Prepare the shared WAL database before the threads start. */
static int make_shared(const char *zExt, const char *zDir) {
  Job setup;
  sqlite3 *db;
  char zPath[1024];
  int rc;
  memset(&setup, 0, sizeof(setup));
  setup.id = -1;
  setup.zExt = zExt;
  snprintf(zPath, sizeof(zPath), "%s/shared.db", zDir);
  db = open_loaded(&setup, zPath);
  if (db == 0) {
    printf("not ok - the shared database opens: %s\n", setup.zFail);
    return 1;
  }
  rc = run(&setup, db, "PRAGMA journal_mode=WAL; SELECT usage_init();");
  if (rc) printf("not ok - the shared database is set up: %s\n", setup.zFail);
  sqlite3_close(db);
  return rc;
}

int main(int argc, char **argv) {
  pthread_t aThread[NTHREAD];
  Job aJob[NTHREAD];
  Job check;
  sqlite3 *db;
  char zPath[1024];
  int i, nFail = 0;
  double r;
  if (argc != 3) {
    fprintf(stderr, "usage: %s EXTENSION DIR\n", argv[0]);
    return 2;
  }
  if (make_shared(argv[1], argv[2])) return 1;
  for (i = 0; i < NTHREAD; i++) {
    memset(&aJob[i], 0, sizeof(aJob[i]));
    aJob[i].id = i;
    aJob[i].zExt = argv[1];
    aJob[i].zDir = argv[2];
    pthread_create(&aThread[i], 0, thread_main, &aJob[i]);
  }
  for (i = 0; i < NTHREAD; i++) pthread_join(aThread[i], 0);
  for (i = 0; i < NTHREAD; i++) {
    if (aJob[i].zFail[0]) {
      printf("not ok - thread %d: %s\n", i, aJob[i].zFail);
      nFail++;
    }
  }
  if (nFail == 0) {
    printf("ok - %d threads, each loading usage twice into its own "
           "connections, ingested and read back the same totals\n",
           NTHREAD);
  }
  memset(&check, 0, sizeof(check));
  check.zExt = argv[1];
  snprintf(zPath, sizeof(zPath), "%s/shared.db", argv[2]);
  db = open_loaded(&check, zPath);
  r = db ? query_double(&check, db, "SELECT count(*) FROM fact_usage") : -1;
  if (r == (double)NTHREAD * NROW && !check.zFail[0]) {
    printf("ok - the shared WAL database holds every thread's %d rows\n", NROW);
  } else {
    printf("not ok - the shared WAL database holds %.0f rows, not %d: %s\n", r,
           NTHREAD * NROW, check.zFail);
    nFail++;
  }
  sqlite3_close(db);
  return nFail ? 1 : 0;
}
