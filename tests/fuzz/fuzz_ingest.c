/*
** fuzz_ingest.c: libFuzzer harness for whole SQL statements on the
** writable tables usage_ingest, usage_users, usage_user_projects,
** usage_project_machines and usage_workspaces, with arguments of every
** type (see fuzz_common.h for how bytes become values).
**
**   tests/fuzz/run ingest
**   build/fuzz/fuzz_ingest -runs=0 tests/fuzz/corpus/ingest
**
** Input: a mode byte, then up to 12 operations of one op byte and its
** values. Mode bit 0 wraps the operations in BEGIN, bit 1 then ends with
** COMMIT rather than ROLLBACK, bit 2 adds a SAVEPOINT and ROLLBACK TO.
** Operations: INSERT into one of the five tables (all columns or a subset),
** a SELECT that narrows usage_ingest by scope and ts, INSERT ... SELECT
** from usage_ingest into itself, UPDATE and DELETE (refused).
**
** Besides memory errors and leaks it checks, and aborts on:
**   - in autocommit, a failed INSERT changes nothing;
**   - inside BEGIN, once an INSERT failed, COMMIT fails, and afterwards
**     nothing of the transaction is left;
**   - the database passes integrity_check every 64 inputs.
** Each input starts from the same seeded rows: after it, every table is
** emptied and refilled from a copy (the attached schema seed).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amounts/amounts.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *aData, size_t nData);

/* The writable tables and their column counts. */
static const struct {
  const char *zName;
  int nCol;
} aTable[] = {
    {"usage_ingest", 12},       {"usage_users", 3},
    {"usage_user_projects", 2}, {"usage_project_machines", 2},
    {"usage_workspaces", 7},
};

/* Columns of usage_ingest, for INSERTs that name a subset. */
static const char *const azIngestCol[12] = {
    "ts",
    "scope",
    "cloud_project_name",
    "machine_name",
    "user_id",
    USAGE_AMOUNTS(USAGE_AMOUNT_NAME) "intensity_gCo2eq_kwh"};

/* The database the inputs share, and the statements that put its rows
** back to the seed after each input. */
static sqlite3 *gDb = 0;
static sqlite3_stmt *gaRestore[32];
static int gnRestore = 0;
static sqlite3_int64 gnChangeMark = -1; /* total changes after a restore */
static unsigned gnInput = 0;

/* Tables in the order they are filled (parents first). */
static const char *const azData[] = {
    "dim_group",    "dim_user",         "dim_project",
    "dim_machine",  "map_user_project", "map_project_machine",
    "dim_instance", "fact_usage",       "active_workspace"};
#define N_DATA ((int)(sizeof(azData) / sizeof(azData[0])))

/* Rows the seed data starts with, so inputs meet existing names. */
static void seed(sqlite3 *db) {
  fuzz_exec(db,
            "INSERT INTO usage_ingest(ts, scope, busy_kwh) VALUES "
            "('2024-03-01T10:00:00Z', 'ada', 1);"
            "INSERT INTO usage_ingest(ts, scope, cloud_project_name, busy_kwh) "
            "VALUES ('2024-03-01T10:00:00Z', 'project', 'physics', 2);"
            "INSERT INTO usage_ingest(ts, scope, machine_name, idle_kwh) "
            "VALUES ('2024-03-01T11:00:00Z', 'machine', 'node-1', 0.5);"
            "INSERT INTO usage_ingest(ts, scope, user_id, busy_gCo2eq) "
            "VALUES ('2024-03-01T12:00:00Z', 'user', 'alice', 30);"
            "INSERT INTO usage_users VALUES ('alice', 'Alice', 'astro');"
            "INSERT INTO usage_user_projects VALUES ('alice', 'physics');"
            "INSERT INTO usage_project_machines VALUES ('physics', 'node-1');"
            "INSERT INTO usage_workspaces VALUES ('ws', 8888, 'lab', "
            "'node-1', 'alice', 'physics', '2024-03-01');");
}

/* Prepare the statements that restore the seed rows from seed.*. */
static void prepare_restore(sqlite3 *db) {
  int i;
  char *zSql;
  gnRestore = 0;
  for (i = N_DATA - 1; i >= 0; i--) {
    zSql = sqlite3_mprintf("DELETE FROM main.%s", azData[i]);
    if (sqlite3_prepare_v2(db, zSql, -1, &gaRestore[gnRestore++], 0)) {
      fuzz_fail(zSql, sqlite3_errmsg(db));
    }
    sqlite3_free(zSql);
  }
  for (i = 0; i < N_DATA; i++) {
    zSql = sqlite3_mprintf("INSERT INTO main.%s SELECT * FROM seed.%s",
                           azData[i], azData[i]);
    if (sqlite3_prepare_v2(db, zSql, -1, &gaRestore[gnRestore++], 0)) {
      fuzz_fail(zSql, sqlite3_errmsg(db));
    }
    sqlite3_free(zSql);
  }
}

/* The shared database: seeded through the usage tables once, with a copy
** of its rows in the attached schema seed. */
static sqlite3 *database(void) {
  int i;
  if (gDb) return gDb;
  gDb = fuzz_open();
  seed(gDb);
  fuzz_exec(gDb, "ATTACH ':memory:' AS seed");
  for (i = 0; i < N_DATA; i++) {
    char *zSql = sqlite3_mprintf("CREATE TABLE seed.%s AS SELECT * FROM "
                                 "main.%s",
                                 azData[i], azData[i]);
    fuzz_exec(gDb, zSql);
    sqlite3_free(zSql);
  }
  prepare_restore(gDb);
  return gDb;
}

/* Put every row back as seeded, so each input starts from the same data
** and the same rowids. */
static void restore(sqlite3 *db) {
  int i;
  if (sqlite3_total_changes64(db) == gnChangeMark) return; /* nothing moved */
  fuzz_exec(db, "BEGIN"); /* children emptied first, parents filled first */
  for (i = 0; i < gnRestore; i++) {
    if (fuzz_step_all(gaRestore[i], 1) != SQLITE_DONE) {
      fuzz_fail("restore", sqlite3_errmsg(db));
    }
  }
  fuzz_exec(db, "COMMIT");
  gnChangeMark = sqlite3_total_changes64(db);
}

/* Prepare SQL that must compile. */
static sqlite3_stmt *prepare(sqlite3 *db, const char *zSql) {
  sqlite3_stmt *pStmt = 0;
  if (sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0) != SQLITE_OK) {
    fuzz_fail(zSql, sqlite3_errmsg(db));
  }
  return pStmt;
}

/* An INSERT of all columns of table iTab, or of a subset of usage_ingest
** chosen by two mask bytes. Returns the SQL from sqlite3_mprintf. */
static char *insert_sql(FuzzIn *p, int iTab, int bSubset) {
  sqlite3_str *pSql = sqlite3_str_new(0);
  int i, nCol = aTable[iTab].nCol;
  if (!bSubset) {
    sqlite3_str_appendf(pSql, "INSERT INTO %s VALUES (", aTable[iTab].zName);
    for (i = 0; i < nCol; i++) sqlite3_str_appendall(pSql, i ? ",?" : "?");
  } else {
    unsigned mask = (unsigned)fuzz_byte(p) | ((unsigned)fuzz_byte(p) << 8);
    int n = 0;
    if ((mask & 0xfff) == 0) mask = 1;
    sqlite3_str_appendall(pSql, "INSERT INTO usage_ingest(");
    for (i = 0; i < 12; i++) {
      if (mask & (1u << i)) {
        sqlite3_str_appendf(pSql, "%s%s", n++ ? "," : "", azIngestCol[i]);
      }
    }
    sqlite3_str_appendall(pSql, ") VALUES (");
    for (i = 0; i < n; i++) sqlite3_str_appendall(pSql, i ? ",?" : "?");
  }
  sqlite3_str_appendall(pSql, ")");
  return sqlite3_str_finish(pSql);
}

/* Bind every parameter of pStmt from the input. */
static void bind_all(FuzzIn *p, sqlite3_stmt *pStmt) {
  int i, n = sqlite3_bind_parameter_count(pStmt);
  for (i = 1; i <= n; i++) fuzz_bind(p, pStmt, i);
}

/* One INSERT; in autocommit a failure must change nothing. Returns the
** result code. */
static int op_insert(FuzzIn *p, sqlite3 *db, int iTab, int bSubset) {
  char *zSql = insert_sql(p, iTab, bSubset);
  sqlite3_stmt *pStmt = prepare(db, zSql);
  int bAuto = sqlite3_get_autocommit(db);
  char *zBefore = bAuto ? fuzz_digest(db) : 0;
  int rc;
  bind_all(p, pStmt);
  rc = fuzz_step_all(pStmt, 1);
  if (rc != SQLITE_DONE && bAuto) {
    char *zAfter = fuzz_digest(db);
    if (strcmp(zBefore, zAfter) != 0) {
      fprintf(stderr, "%s\nbefore %s\nafter  %s\nerror %s\n", zSql, zBefore,
              zAfter, sqlite3_errmsg(db));
      fuzz_fail("a failed INSERT in autocommit changed rows", zSql);
    }
    sqlite3_free(zAfter);
  }
  sqlite3_free(zBefore);
  sqlite3_finalize(pStmt);
  sqlite3_free(zSql);
  return rc;
}

/* A narrowed SELECT of usage_ingest, or a whole read of another table. */
static void op_select(FuzzIn *p, sqlite3 *db) {
  static const char *const azSql[] = {
      "SELECT * FROM usage_ingest WHERE scope = ?",
      "SELECT * FROM usage_ingest WHERE ts >= ? AND ts <= ?",
      "SELECT * FROM usage_ingest WHERE scope = ? AND ts = ?",
      "SELECT * FROM usage_ingest WHERE ts > ? AND ts < ? AND scope = ?",
      "SELECT count(*) FROM usage_users WHERE user_id = ?",
      "SELECT * FROM usage_user_projects WHERE cloud_project_name = ?",
      "SELECT * FROM usage_project_machines WHERE machine_name >= ?",
      "SELECT rowid, * FROM usage_workspaces WHERE port = ?",
  };
  sqlite3_stmt *pStmt = prepare(db, azSql[fuzz_byte(p) % 8]);
  bind_all(p, pStmt);
  fuzz_step_all(pStmt, 1000);
  sqlite3_finalize(pStmt);
}

/* Statements that are refused or that read and write the same table. */
static int op_other(FuzzIn *p, sqlite3 *db, int *pbInsert) {
  static const char *const azSql[] = {
      "UPDATE usage_ingest SET busy_kwh = ? WHERE scope = ?",
      "DELETE FROM usage_users WHERE user_id = ?",
      "INSERT INTO usage_ingest SELECT * FROM usage_ingest WHERE scope = ?",
      ("INSERT INTO usage_users SELECT user_id, ?, group_name FROM "
       "usage_users"),
  };
  int k = fuzz_byte(p) % 4, rc;
  sqlite3_stmt *pStmt = prepare(db, azSql[k]);
  bind_all(p, pStmt);
  rc = fuzz_step_all(pStmt, 1);
  sqlite3_finalize(pStmt);
  *pbInsert = (k >= 2);
  return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *aData, size_t nData) {
  FuzzIn in = {aData, nData, 0};
  sqlite3 *db = database();
  int mode = fuzz_byte(&in), nOp, rc;
  int bTxn = mode & 1, bCommit = mode & 2, bSavepoint = mode & 4;
  int bFailed = 0, bUnsure = 0;
  char *zBefore = 0;
  if (bTxn) {
    zBefore = fuzz_digest(db);
    fuzz_exec(db, "BEGIN");
    if (bSavepoint) fuzz_exec(db, "SAVEPOINT sp");
  }
  for (nOp = 0; nOp < 12 && !fuzz_done(&in); nOp++) {
    int op = fuzz_byte(&in) % 9, bInsert = 0;
    if (op < 5) {
      rc = op_insert(&in, db, op, 0);
      bInsert = 1;
    } else if (op == 5) {
      rc = op_insert(&in, db, 0, 1);
      bInsert = 1;
    } else if (op == 6 || op == 7) {
      op_select(&in, db);
      rc = SQLITE_DONE;
    } else {
      rc = op_other(&in, db, &bInsert);
      if (bInsert && rc != SQLITE_DONE) bUnsure = 1;
      bInsert = 0;
    }
    if (bInsert && rc != SQLITE_DONE) bFailed = 1;
  }
  if (bTxn) {
    if (bSavepoint) {
      sqlite3_exec(db, "ROLLBACK TO sp", 0, 0, 0);
      sqlite3_exec(db, "RELEASE sp", 0, 0, 0);
    }
    rc = sqlite3_exec(db, bCommit ? "COMMIT" : "ROLLBACK", 0, 0, 0);
    if (!sqlite3_get_autocommit(db)) {
      if (bCommit && bFailed && !bSavepoint) {
        fuzz_fail("COMMIT of a doomed transaction left it open", 0);
      }
      sqlite3_exec(db, "ROLLBACK", 0, 0, 0);
    }
    if (bCommit && bFailed && !bSavepoint && !bUnsure) {
      char *zAfter = fuzz_digest(db);
      if (rc == SQLITE_OK) {
        fuzz_fail("COMMIT succeeded after a failed INSERT", zAfter);
      }
      if (strcmp(zBefore, zAfter) != 0) {
        fprintf(stderr, "before %s\nafter  %s\n", zBefore, zAfter);
        fuzz_fail("a failed COMMIT left rows behind", zAfter);
      }
      sqlite3_free(zAfter);
    }
    if (!bCommit || rc != SQLITE_OK) {
      char *zAfter = fuzz_digest(db);
      if (strcmp(zBefore, zAfter) != 0 && !bCommit) {
        fprintf(stderr, "before %s\nafter  %s\n", zBefore, zAfter);
        fuzz_fail("ROLLBACK left rows behind", zAfter);
      }
      sqlite3_free(zAfter);
    }
    sqlite3_free(zBefore);
  }
  if (++gnInput % 64 == 0) {
    sqlite3_stmt *pCheck = prepare(db, "PRAGMA integrity_check");
    if (sqlite3_step(pCheck) != SQLITE_ROW ||
        strcmp((const char *)sqlite3_column_text(pCheck, 0), "ok") != 0) {
      fuzz_fail("integrity_check",
                (const char *)sqlite3_column_text(pCheck, 0));
    }
    sqlite3_finalize(pCheck);
  }
  restore(db);
  return 0;
}
