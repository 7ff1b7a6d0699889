/*
** ingest/ingest.c: SQL-only ingest, as writable eponymous virtual tables.
**
**   INSERT INTO usage_ingest(ts, scope, cloud_project_name, busy_kwh)
**     VALUES ('2024-03-01 10:00+01:00', 'project', 'physics', 1.5);
**   INSERT INTO usage_users VALUES ('alice', 'Alice A.', 'astro');
**   INSERT INTO usage_user_projects VALUES ('alice', 'physics');
**   INSERT INTO usage_project_machines VALUES ('physics', 'node-7');
**   INSERT INTO usage_workspaces VALUES ('ws.example', 8888, 'lab', 'node-7',
**                                        'alice', 'physics', '2024-03-01');
**   SELECT * FROM usage_ingest;       -- every fact, with names
**
**   sqlite> .import --csv --skip 1 facts.csv usage_ingest
**
** Each table stands for one get-or-create helper of the UsageDB design. An
** INSERT checks every field, creates the dimension rows it names, and writes
** the fact or mapping; a SELECT returns the stored rows by name, in the same
** columns, so a CSV exported with SELECT * imports back unchanged.
**
** Rules that hold for every table here:
**   - '' means NULL, because that is how a CSV writes NULL.
**   - Bad input is an error that names the table, the field and the value.
**   - Names go into SQL only as bound parameters.
**   - Inside a transaction, once a row fails, the transaction is doomed:
**     later rows are not written and COMMIT fails, rolling all of it back,
**     with the first error. So a CSV with one bad line loads nothing.
**   - The facts of a multi-row INSERT INTO usage_ingest are written in
**     batches, and all of them by the statement's end
**     (ingest/batch.c); a function run by that same statement may
**     see only the batches written so far.
**
** The tables exist in main as soon as the extension is loaded. For another
** schema: CREATE VIRTUAL TABLE aux.usage_ingest USING usage_ingest.
**
** This file is the module all five tables share: their statements, the
** checks of name and timestamp fields, scans, and the doomed-transaction
** rule. The fact upsert is in ingest/fact.c, the dimension rows and
** the other four tables in ingest/dims.c.
*/
#include <string.h>

#include "ingest/ingest.h"
#include "usage_register.h"
SQLITE_EXTENSION_INIT3

/* The amounts read from the fact table f: "f.busy_kwh, ..., ". */
#define IN_FACT_ITEM(NAME, zCol) "f." zCol ", "
#define IN_FACT_AMOUNTS USAGE_AMOUNTS(IN_FACT_ITEM)

/* Their SQL; each "%w" is the schema. */
static const char *const azStmtSql[ST_COUNT] = {
    "SELECT project_id FROM \"%w\".dim_project WHERE cloud_project_name = ?1",
    "INSERT INTO \"%w\".dim_project(cloud_project_name) VALUES (?1) "
    "RETURNING project_id",
    "SELECT machine_id FROM \"%w\".dim_machine WHERE machine_name = ?1",
    "INSERT INTO \"%w\".dim_machine(machine_name) VALUES (?1) "
    "RETURNING machine_id",
    "SELECT group_id FROM \"%w\".dim_group WHERE group_name = ?1",
    "INSERT INTO \"%w\".dim_group(group_name) VALUES (?1) RETURNING group_id",
    "SELECT 1 FROM \"%w\".dim_user WHERE user_id = ?1",
    "INSERT INTO \"%w\".dim_user(user_id) VALUES (?1) RETURNING 1",
    "INSERT INTO \"%w\".dim_user(user_id, display_name, group_id) "
    "VALUES (?1, ?2, ?3) ON CONFLICT(user_id) DO UPDATE SET "
    "display_name = COALESCE(excluded.display_name, display_name), "
    "group_id = COALESCE(excluded.group_id, group_id)",
    FACT_UPSERT_HEAD
    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, "
    "?17)" FACT_UPSERT_TAIL,
    "INSERT INTO \"%w\".map_user_project(user_id, project_id) VALUES (?1, ?2) "
    "ON CONFLICT DO NOTHING",
    "INSERT INTO \"%w\".map_project_machine(project_id, machine_id) "
    "VALUES (?1, ?2) ON CONFLICT DO NOTHING",
    "INSERT INTO \"%w\".dim_instance(host, port, raw_label) "
    "VALUES (?1, ?2, ?3) RETURNING instance_id",
    "INSERT INTO \"%w\".active_workspace(instance_id, machine_id, user_id, "
    "project_id, started_at) VALUES (?1, ?2, ?3, ?4, ?5)",
};

/* Report that field zField got a bad value, with why. */
int ingest_field_error(IngestVtab *p, const char *zField, sqlite3_value *pVal,
                       const char *zWhy) {
  char *zRepr = usage_value_repr(pVal);
  int rc;
  if (zRepr == 0) return SQLITE_NOMEM;
  rc = usage_vtab_error(&p->base, SQLITE_ERROR, "%s: %s %s, got %s",
                        p->pDef->zName, zField, zWhy, zRepr);
  sqlite3_free(zRepr);
  return rc;
}

/* Report the connection's last error under this table's name. */
int ingest_db_error(IngestVtab *p, int rc) {
  return usage_vtab_db_error(&p->base, p->db, p->pDef->zName, rc);
}

/* The statement iStmt, prepared on first use and reset for reuse. */
int ingest_stmt_get(IngestVtab *p, int iStmt, sqlite3_stmt **ppStmt) {
  if (p->aStmt[iStmt] == 0 && iStmt == ST_FACT_UPSERT) {
    memset(&p->binds, 0, sizeof(p->binds)); /* a new statement binds all */
  }
  return usage_vtab_stmt(&p->base, p->db, p->pDef->zName, azStmtSql[iStmt],
                         p->zSchema, &p->aStmt[iStmt], ppStmt);
}

/* Step a bound statement to its end; *pId gets column 0 of its row, if any.
** Returns SQLITE_ROW when there was a row, SQLITE_DONE when not. Bindings
** stay: every caller binds every parameter before each run. */
int ingest_stmt_run(IngestVtab *p, sqlite3_stmt *pStmt, sqlite3_int64 *pId) {
  int rc, rcRow;
  p->batch.nOwn++; /* the savepoints it opens and closes are not the user's */
  rc = rcRow = sqlite3_step(pStmt);
  if (rc == SQLITE_ROW) {
    if (pId) *pId = sqlite3_column_int64(pStmt, 0);
    while ((rc = sqlite3_step(pStmt)) == SQLITE_ROW) {}
  }
  p->batch.nOwn--;
  if (rc != SQLITE_DONE) {
    rc = sqlite3_reset(pStmt);
    ingest_db_error(p, rc);
    return rc;
  }
  sqlite3_reset(pStmt);
  return rcRow == SQLITE_ROW ? SQLITE_ROW : SQLITE_DONE;
}

/* A name field: NULL or '' give *pz = NULL, text or an integer gives the
** text. Anything else, or a name over USAGE_NAME_MAX bytes, is an error. */
int ingest_arg_name(IngestVtab *p, sqlite3_value *pVal, const char *zField,
                    int bRequired, const char **pz, int *pn) {
  int eType = sqlite3_value_type(pVal);
  *pz = 0;
  *pn = 0;
  if (eType == SQLITE_FLOAT || eType == SQLITE_BLOB) {
    return ingest_field_error(p, zField, pVal, "must be text");
  }
  if (eType != SQLITE_NULL) {
    *pz = (const char *)sqlite3_value_text(pVal);
    *pn = sqlite3_value_bytes(pVal);
    if (*pz == 0) return SQLITE_NOMEM;
    if (*pn == 0) *pz = 0;
  }
  if (*pz && *pn > USAGE_NAME_MAX) {
    return usage_vtab_error(&p->base, SQLITE_ERROR,
                            "%s: %s is longer than %d bytes (%d bytes)",
                            p->pDef->zName, zField, USAGE_NAME_MAX, *pn);
  }
  if (*pz == 0 && bRequired) {
    return usage_vtab_error(&p->base, SQLITE_ERROR, "%s: %s is required",
                            p->pDef->zName, zField);
  }
  return SQLITE_OK;
}

/* A timestamp field, as canonical text in zOut. */
int ingest_arg_time(IngestVtab *p, sqlite3_value *pVal, const char *zField,
                    char *zOut) {
  int64_t t;
  char *zErr = 0;
  char zWhat[64];
  int rc;
  if (sqlite3_value_type(pVal) == SQLITE_NULL ||
      (sqlite3_value_type(pVal) == SQLITE_TEXT &&
       sqlite3_value_bytes(pVal) == 0)) {
    return usage_vtab_error(&p->base, SQLITE_ERROR, "%s: %s is required",
                            p->pDef->zName, zField);
  }
  if (sqlite3_value_type(pVal) == SQLITE_TEXT &&
      usage_time_parse_canonical((const char *)sqlite3_value_text(pVal),
                                 sqlite3_value_bytes(pVal), &t) == 0) {
    memcpy(zOut, sqlite3_value_text(pVal),
           USAGE_TS_LEN + 1); /* already canonical */
    return SQLITE_OK;
  }
  sqlite3_snprintf(sizeof(zWhat), zWhat, "%s: %s", p->pDef->zName, zField);
  rc = usage_value_time(pVal, zWhat, &t, &zErr);
  if (rc != SQLITE_OK) {
    if (zErr == 0) return SQLITE_NOMEM;
    sqlite3_free(p->base.zErrMsg);
    p->base.zErrMsg = zErr;
    return rc;
  }
  if (usage_time_format(t, zOut)) {
    return ingest_field_error(p, zField, pVal,
                              "is outside the years 0000-9999");
  }
  return SQLITE_OK;
}

/* The tables. Columns carry no declared type, so SQLite hands each value to
** xUpdate as written, and the checks here see exactly what the user sent. */
static const IngestDef aIngestDef[] = {
    {"usage_ingest",
     "CREATE TABLE x(ts, scope, cloud_project_name, machine_name, "
     "user_id, " USAGE_AMOUNT_LIST "intensity_gCo2eq_kwh)",
     0, /* built per scan by ingest_select_sql() */
     insert_fact},
    {"usage_users", "CREATE TABLE x(user_id, display_name, group_name)",
     "SELECT u.rowid, u.user_id, u.display_name, g.group_name "
     "FROM \"%w\".dim_user u "
     "LEFT JOIN \"%w\".dim_group g ON g.group_id = u.group_id "
     "ORDER BY u.user_id",
     insert_user},
    {"usage_user_projects", "CREATE TABLE x(user_id, cloud_project_name)",
     "SELECT m.rowid, m.user_id, p.cloud_project_name "
     "FROM \"%w\".map_user_project m "
     "JOIN \"%w\".dim_project p USING (project_id) "
     "ORDER BY m.user_id, p.cloud_project_name",
     insert_user_project},
    {"usage_project_machines",
     "CREATE TABLE x(cloud_project_name, machine_name)",
     "SELECT m.rowid, p.cloud_project_name, d.machine_name "
     "FROM \"%w\".map_project_machine m "
     "JOIN \"%w\".dim_project p USING (project_id) "
     "JOIN \"%w\".dim_machine d USING (machine_id) "
     "ORDER BY p.cloud_project_name, d.machine_name",
     insert_project_machine},
    {"usage_workspaces",
     "CREATE TABLE x(host, port, raw_label, machine_name, user_id, "
     "cloud_project_name, started_at)",
     "SELECT w.workspace_id, i.host, i.port, i.raw_label, d.machine_name, "
     "w.user_id, p.cloud_project_name, w.started_at "
     "FROM \"%w\".active_workspace w "
     "JOIN \"%w\".dim_instance i USING (instance_id) "
     "JOIN \"%w\".dim_machine d USING (machine_id) "
     "LEFT JOIN \"%w\".dim_project p USING (project_id) "
     "ORDER BY w.workspace_id",
     insert_workspace},
};

/* Bits of idxNum for a usage_ingest scan: which constraints were passed. */
#define SCAN_SCOPE 1 /* scope = ? */
#define SCAN_FROM 2  /* ts >= ? (also used for ts > ?; SQLite re-checks) */
#define SCAN_UPTO 4  /* ts <= ? (also used for ts < ?) */

/* The SELECT behind a usage_ingest scan, narrowed by the constraints that
** idxNum says were passed; the rows come in the natural key's order. */
static char *ingest_select_sql(const char *zSchema, int idxNum) {
  return sqlite3_mprintf(
      "SELECT f.usage_id, f.ts, f.scope, p.cloud_project_name, m.machine_name, "
      "f.user_id, " IN_FACT_AMOUNTS
      "f.intensity_gCo2eq_kwh FROM \"%w\".fact_usage f "
      "LEFT JOIN \"%w\".dim_project p ON p.project_id = f.project_id "
      "LEFT JOIN \"%w\".dim_machine m ON m.machine_id = f.machine_id "
      "WHERE 1%s%s%s ORDER BY f.scope, f.ts, f.usage_id",
      zSchema, zSchema, zSchema,
      (idxNum & SCAN_SCOPE) ? " AND f.scope = ?" : "",
      (idxNum & SCAN_FROM) ? " AND f.ts >= ?" : "",
      (idxNum & SCAN_UPTO) ? " AND f.ts <= ?" : "");
}

/* xConnect and xCreate: declare the table's columns. */
static int ingest_connect(sqlite3 *db, void *pAux, int argc,
                          const char *const *argv, sqlite3_vtab **ppVtab,
                          char **pzErr) {
  const IngestDef *pDef = (const IngestDef *)pAux;
  IngestVtab *p = sqlite3_malloc(sizeof(*p));
  int rc;
  (void)argc;
  if (p == 0) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->db = db;
  p->pDef = pDef;
  rc = usage_deriver_connect(db, pDef->zDecl, pDef->zName, argv, &p->zSchema,
                             &p->pDeriver, pzErr);
  if (rc != SQLITE_OK) {
    sqlite3_free(p);
    return rc;
  }
  *ppVtab = &p->base;
  return SQLITE_OK;
}

/* Forget the doomed-transaction state. */
static void ingest_reset_txn(IngestVtab *p) {
  batch_reset(&p->batch);
  ingest_cache_clear(&p->cache);
  usage_deriver_forget(p->pDeriver);
  p->nRow = 0;
  p->iFailedRow = 0;
  sqlite3_free(p->zFailure);
  p->zFailure = 0;
}

/* xDisconnect and xDestroy. */
static int ingest_disconnect(sqlite3_vtab *pVtab) {
  IngestVtab *p = (IngestVtab *)pVtab;
  int i;
  for (i = 0; i < ST_COUNT; i++) sqlite3_finalize(p->aStmt[i]);
  ingest_reset_txn(p);
  batch_free(&p->batch);
  sqlite3_free(p->base.zErrMsg); /* one SQLite never read, if any */
  usage_deriver_free(p->pDeriver);
  sqlite3_free(p->zSchema);
  sqlite3_free(p);
  return SQLITE_OK;
}

/* xBestIndex: usage_ingest narrows its scan by scope = and ranges of ts;
** the other tables are small and always read whole. */
static int ingest_best_index(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo) {
  IngestVtab *p = (IngestVtab *)pVtab;
  int i, idxNum = 0, aUse[3] = {-1, -1, -1}, nArg = 0;
  double cost = 1e6;
  if (p->pDef->xInsert == insert_fact) {
    for (i = 0; i < pInfo->nConstraint; i++) {
      const struct sqlite3_index_constraint *c = &pInfo->aConstraint[i];
      unsigned char op = c->op;
      if (!c->usable) continue;
      if (c->iColumn == IN_SCOPE && op == SQLITE_INDEX_CONSTRAINT_EQ &&
          aUse[0] < 0) {
        aUse[0] = i;
      } else if (c->iColumn == IN_TS && aUse[1] < 0 &&
                 (op == SQLITE_INDEX_CONSTRAINT_GE ||
                  op == SQLITE_INDEX_CONSTRAINT_GT ||
                  op == SQLITE_INDEX_CONSTRAINT_EQ)) {
        aUse[1] = i;
      } else if (c->iColumn == IN_TS && aUse[2] < 0 &&
                 (op == SQLITE_INDEX_CONSTRAINT_LE ||
                  op == SQLITE_INDEX_CONSTRAINT_LT)) {
        aUse[2] = i;
      }
    }
    /* ts = ? narrows from both sides. */
    if (aUse[1] >= 0 && aUse[2] < 0 &&
        pInfo->aConstraint[aUse[1]].op == SQLITE_INDEX_CONSTRAINT_EQ) {
      aUse[2] = aUse[1];
    }
    for (i = 0; i < 3; i++) {
      if (aUse[i] < 0) continue;
      idxNum |= 1 << i;
      if (i == 2 && aUse[2] == aUse[1]) {
        continue; /* one argument serves both bounds; see ingest_filter */
      }
      pInfo->aConstraintUsage[aUse[i]].argvIndex = ++nArg;
      cost /= 8;
    }
  }
  pInfo->idxNum = idxNum;
  pInfo->estimatedCost = cost;
  pInfo->estimatedRows = (sqlite3_int64)cost;
  return SQLITE_OK;
}

/* xFilter: prepare and start the scan. */
static int ingest_filter(sqlite3_vtab_cursor *pCursor, int idxNum,
                         const char *idxStr, int argc, sqlite3_value **argv) {
  UsageRowCursor *pCur = (UsageRowCursor *)pCursor;
  IngestVtab *p = (IngestVtab *)pCursor->pVtab;
  char *zSql;
  int rc, i, iParam = 0;
  (void)idxStr;
  if (p->pDef->zSelect) {
    zSql = sqlite3_mprintf(p->pDef->zSelect, p->zSchema, p->zSchema, p->zSchema,
                           p->zSchema);
  } else {
    zSql = ingest_select_sql(p->zSchema, idxNum);
  }
  rc = usage_rows_prepare(pCursor, p->db, p->pDef->zName, zSql);
  if (rc != SQLITE_OK) return rc;
  for (i = 0; i < argc && rc == SQLITE_OK; i++) {
    rc = sqlite3_bind_value(pCur->pSelect, ++iParam, argv[i]);
  }
  /* One "ts = ?" argument bounds the scan from both sides. */
  if (rc == SQLITE_OK && (idxNum & SCAN_UPTO) &&
      iParam < sqlite3_bind_parameter_count(pCur->pSelect)) {
    rc = sqlite3_bind_value(pCur->pSelect, ++iParam, argv[argc - 1]);
  }
  if (rc != SQLITE_OK) return ingest_db_error(p, rc);
  return usage_rows_next(pCursor);
}

/* xUpdate: INSERT only; a failure inside a transaction dooms it. */
static int ingest_update(sqlite3_vtab *pVtab, int argc, sqlite3_value **argv,
                         sqlite3_int64 *pRowid) {
  IngestVtab *p = (IngestVtab *)pVtab;
  int rc;
  (void)pRowid;
  if (argc == 1 || sqlite3_value_type(argv[0]) != SQLITE_NULL) {
    return usage_vtab_error(&p->base, SQLITE_ERROR,
                            "%s: only INSERT is supported; change "
                            "stored rows in the tables themselves",
                            p->pDef->zName);
  }
  if (p->zFailure) return SQLITE_OK; /* the transaction will not commit */
  p->nRow++;
  rc = p->pDef->xInsert(p, &argv[2]);
  if (rc == SQLITE_OK) {
    p->cache.nChangeMark = sqlite3_total_changes(p->db);
    usage_deriver_mark(p->pDeriver);
  } else {
    ingest_cache_clear(&p->cache);
  }
  if (rc != SQLITE_OK && !sqlite3_get_autocommit(p->db)) {
    p->iFailedRow = p->nRow;
    p->zFailure = sqlite3_mprintf("%s", p->base.zErrMsg ? p->base.zErrMsg
                                                        : sqlite3_errstr(rc));
  }
  return rc;
}

/* xBegin: a new transaction starts clean. */
static int ingest_begin(sqlite3_vtab *pVtab) {
  ingest_reset_txn((IngestVtab *)pVtab);
  return SQLITE_OK;
}

/* xSync: refuse to commit a transaction in which a row failed; else write
** the facts an autocommit statement held back. */
static int ingest_sync(sqlite3_vtab *pVtab) {
  IngestVtab *p = (IngestVtab *)pVtab;
  if (p->zFailure == 0) return batch_flush(p);
  return usage_vtab_error(&p->base, SQLITE_ERROR,
                          "%s: nothing was committed, because row "
                          "%lld of this transaction failed: %s",
                          p->pDef->zName, p->iFailedRow, p->zFailure);
}

/* xCommit and xRollback: the transaction is over. */
static int ingest_end(sqlite3_vtab *pVtab) {
  ingest_reset_txn((IngestVtab *)pVtab);
  return SQLITE_OK;
}

/* xSavepoint: whose it is matters to the held facts. */
static int ingest_savepoint(sqlite3_vtab *pVtab, int iSavepoint) {
  return batch_savepoint((IngestVtab *)pVtab, iSavepoint);
}

/* xRelease: a statement's end writes the facts it held. SQLite reads no
** message from xRelease (it rolls the whole transaction back and reports
** the code alone), so none is kept. */
static int ingest_release(sqlite3_vtab *pVtab, int iSavepoint) {
  int rc = batch_release((IngestVtab *)pVtab, iSavepoint);
  if (rc != SQLITE_OK) {
    sqlite3_free(pVtab->zErrMsg);
    pVtab->zErrMsg = 0;
  }
  return rc;
}

/* xRollbackTo: rows this statement created may be gone, so forget them,
** and drop the facts held since. The doomed-transaction state stays: a
** failed row still fails the COMMIT. */
static int ingest_rollback_to(sqlite3_vtab *pVtab, int iSavepoint) {
  IngestVtab *p = (IngestVtab *)pVtab;
  batch_rollback_to(p, iSavepoint);
  ingest_cache_clear(&p->cache);
  usage_deriver_forget(p->pDeriver);
  return SQLITE_OK;
}

/* The module shared by all five tables; pAux tells them apart. */
static const sqlite3_module ingestModule = {
    2,                  /* iVersion: savepoints reach xRollbackTo */
    ingest_connect,     /* xCreate: CREATE VIRTUAL TABLE aux.x USING x */
    ingest_connect,     /* xConnect */
    ingest_best_index,  /* xBestIndex */
    ingest_disconnect,  /* xDisconnect */
    ingest_disconnect,  /* xDestroy */
    usage_rows_open,    /* xOpen */
    usage_rows_close,   /* xClose */
    ingest_filter,      /* xFilter */
    usage_rows_next,    /* xNext */
    usage_rows_eof,     /* xEof */
    usage_rows_column,  /* xColumn */
    usage_rows_rowid,   /* xRowid */
    ingest_update,      /* xUpdate */
    ingest_begin,       /* xBegin */
    ingest_sync,        /* xSync */
    ingest_end,         /* xCommit */
    ingest_end,         /* xRollback */
    0,                  /* xFindFunction */
    0,                  /* xRename */
    ingest_savepoint,   /* xSavepoint */
    ingest_release,     /* xRelease */
    ingest_rollback_to, /* xRollbackTo */
    0                   /* xShadowName */
};

int usage_register_ingest(sqlite3 *db) {
  size_t i;
  for (i = 0; i < sizeof(aIngestDef) / sizeof(aIngestDef[0]); i++) {
    int rc = sqlite3_create_module(db, aIngestDef[i].zName, &ingestModule,
                                   (void *)&aIngestDef[i]);
    if (rc != SQLITE_OK) return rc;
  }
  return ingest_check_register(db);
}
