/*
** energy/energy.c: the writable tables of derivation's inputs.
**
**   INSERT INTO usage_power_models VALUES
**     ('node-7', '2024-01-01', 10, 2, 1.2, 'vendor sheet');
**   INSERT INTO usage_intensity VALUES
**     ('GB', '2020-05-24T20:30Z', '2020-05-24T21:00Z', 185, 'actual', 'NESO');
**   DELETE FROM usage_intensity WHERE kind = 'forecast';
**   SELECT * FROM usage_power_models;
**
** usage_power_models(machine_name, valid_from, busy_watts, idle_watts, pue,
** source) stands for power_model: machine_name NULL is the platform
** default, and a model holds from valid_from until the next valid_from of
** the same machine. A second row for the same machine and valid_from
** replaces the first.
**
** usage_intensity(region, period_start, period_end, gco2_per_kwh, kind,
** source) stands for grid_intensity: half-open periods, kind 'actual',
** 'forecast' or 'default'. Times are normalised like ts, so the API's
** '2020-05-24T20:30Z' is stored as '2020-05-24T20:30:00Z'. A second row for
** the same (region, period_start, kind) replaces the first.
**
** Each INSERT, DELETE or UPDATE re-derives, in the same statement, the
** derived facts that the changed model or period covers (derive/derive.c).
** Bad input is an error that names the table, the field and the value,
** and is found before anything is written. '' means NULL, as in a CSV.
*/
#include <string.h>

#include "energy/energy.h"
#include "usage_register.h"
SQLITE_EXTENSION_INIT3

static const char *const azEnergySql[EST_COUNT] = {
    "SELECT machine_id FROM \"%w\".dim_machine WHERE machine_name = ?1",
    "INSERT INTO \"%w\".dim_machine(machine_name) VALUES (?1) "
    "RETURNING machine_id",
    "INSERT INTO \"%w\".power_model(machine_id, valid_from, busy_watts, "
    "idle_watts, pue, source) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
    "ON CONFLICT(COALESCE(machine_id, -1), valid_from) DO UPDATE SET "
    "busy_watts = excluded.busy_watts, idle_watts = excluded.idle_watts, "
    "pue = excluded.pue, source = excluded.source",
    "SELECT min(valid_from) FROM \"%w\".power_model "
    "WHERE COALESCE(machine_id, -1) = ?1 AND valid_from > ?2",
    "SELECT COALESCE(machine_id, -1), valid_from FROM \"%w\".power_model "
    "WHERE model_id = ?1",
    "DELETE FROM \"%w\".power_model WHERE model_id = ?1",
    "SELECT period_end, gco2_per_kwh FROM \"%w\".grid_intensity "
    "WHERE region = ?1 AND period_start = ?2 AND kind = ?3",
    "INSERT INTO \"%w\".grid_intensity(region, period_start, period_end, "
    "gco2_per_kwh, kind, source) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
    "ON CONFLICT(region, period_start, kind) DO UPDATE SET "
    "period_end = excluded.period_end, gco2_per_kwh = excluded.gco2_per_kwh, "
    "source = excluded.source",
    "SELECT region, period_start, period_end FROM \"%w\".grid_intensity "
    "WHERE intensity_id = ?1",
    "DELETE FROM \"%w\".grid_intensity WHERE intensity_id = ?1",
    "INSERT INTO \"%w\".usage_meta(key, value) "
    "VALUES ('intensity_max_seconds', ?1) ON CONFLICT(key) DO UPDATE SET "
    "value = max(value, excluded.value)",
};

/* Report that field zField got a bad value, with why. */
int energy_field_error(EnergyVtab *p, const char *zField, sqlite3_value *pVal,
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
int energy_db_error(EnergyVtab *p, int rc) {
  return usage_vtab_db_error(&p->base, p->db, p->pDef->zName, rc);
}

/* Take over a message of the deriver as this table's error. */
int energy_derive_error(EnergyVtab *p, int rc, char *zErr) {
  if (zErr == 0) return rc == SQLITE_OK ? SQLITE_OK : SQLITE_NOMEM;
  sqlite3_free(p->base.zErrMsg);
  p->base.zErrMsg = zErr;
  return rc;
}

/* The statement iStmt, prepared on first use and kept. */
int energy_stmt_get(EnergyVtab *p, int iStmt, sqlite3_stmt **ppStmt) {
  *ppStmt = 0;
  return usage_vtab_stmt(&p->base, p->db, p->pDef->zName, azEnergySql[iStmt],
                         p->zSchema, &p->aStmt[iStmt], ppStmt);
}

/* Step a bound statement to its end. Returns SQLITE_ROW when it gave a row
** (when bKeep, the statement stays on it: the caller reads and resets),
** SQLITE_DONE when not, or an error with the message set. */
int energy_stmt_run(EnergyVtab *p, sqlite3_stmt *pStmt, int bKeep) {
  int rc = sqlite3_step(pStmt);
  if (rc == SQLITE_ROW && bKeep) return rc;
  if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
    int rcRow = rc;
    while (rc == SQLITE_ROW) rc = sqlite3_step(pStmt);
    if (rc == SQLITE_DONE) {
      sqlite3_reset(pStmt);
      return rcRow;
    }
  }
  rc = sqlite3_reset(pStmt);
  return energy_db_error(p, rc == SQLITE_OK ? SQLITE_ERROR : rc);
}

/* A text field: NULL or '' give *pz = NULL. */
int energy_arg_text(EnergyVtab *p, sqlite3_value *pVal, const char *zField,
                    int bRequired, const char **pz, int *pn) {
  int eType = sqlite3_value_type(pVal);
  *pz = 0;
  *pn = 0;
  if (eType == SQLITE_FLOAT || eType == SQLITE_BLOB) {
    return energy_field_error(p, zField, pVal, "must be text");
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
  if (*pz == 0 && bRequired > 0) {
    return energy_field_error(p, zField, pVal, "is required");
  }
  return SQLITE_OK;
}

/* A timestamp field, required: unix seconds and the canonical text. */
int energy_arg_time(EnergyVtab *p, sqlite3_value *pVal, const char *zField,
                    int64_t *pT, char *zOut) {
  char *zErr = 0;
  char zWhat[64];
  int rc;
  if (sqlite3_value_type(pVal) == SQLITE_NULL ||
      (sqlite3_value_type(pVal) == SQLITE_TEXT &&
       sqlite3_value_bytes(pVal) == 0)) {
    return energy_field_error(p, zField, pVal, "is required");
  }
  sqlite3_snprintf(sizeof(zWhat), zWhat, "%s: %s", p->pDef->zName, zField);
  rc = usage_value_time(pVal, zWhat, pT, &zErr);
  if (rc != SQLITE_OK) return energy_derive_error(p, rc, zErr);
  if (usage_time_format(*pT, zOut)) {
    return energy_field_error(p, zField, pVal,
                              "is outside the years 0000-9999");
  }
  return SQLITE_OK;
}

/* A number field: finite and >= rMin; NULL or '' give rDefault, or an
** error when rDefault is negative (the field is required). */
int energy_arg_number(EnergyVtab *p, sqlite3_value *pVal, const char *zField,
                      double rMin, double rDefault, double *pR) {
  int isNull;
  if (usage_value_number(pVal, pR, &isNull) || (!isNull && !(*pR >= rMin))) {
    return energy_field_error(p, zField, pVal,
                              rMin > 0 ? "must be a finite number >= 1"
                                       : "must be a finite number >= 0");
  }
  if (isNull) {
    if (rDefault < 0) return energy_field_error(p, zField, pVal, "is required");
    *pR = rDefault;
  }
  return SQLITE_OK;
}

/* The tables. Columns have no declared type, so values arrive as written. */
static const EnergyDef aEnergyDef[] = {
    {"usage_power_models",
     "CREATE TABLE x(machine_name, valid_from, busy_watts, idle_watts, pue, "
     "source)",
     "SELECT p.model_id, m.machine_name, p.valid_from, p.busy_watts, "
     "p.idle_watts, p.pue, p.source FROM \"%w\".power_model p "
     "LEFT JOIN \"%w\".dim_machine m ON m.machine_id = p.machine_id "
     "ORDER BY m.machine_name IS NOT NULL, m.machine_name, p.valid_from",
     insert_model, delete_model},
    {"usage_intensity",
     "CREATE TABLE x(region, period_start, period_end, gco2_per_kwh, kind, "
     "source)",
     "SELECT intensity_id, region, period_start, period_end, gco2_per_kwh, "
     "kind, source FROM \"%w\".grid_intensity "
     "ORDER BY region, period_start, kind",
     insert_period, delete_period},
};

/* xConnect and xCreate: declare the columns. */
static int energy_connect(sqlite3 *db, void *pAux, int argc,
                          const char *const *argv, sqlite3_vtab **ppVtab,
                          char **pzErr) {
  const EnergyDef *pDef = (const EnergyDef *)pAux;
  EnergyVtab *p = sqlite3_malloc(sizeof(*p));
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

/* xDisconnect and xDestroy. */
static int energy_disconnect(sqlite3_vtab *pVtab) {
  EnergyVtab *p = (EnergyVtab *)pVtab;
  int i;
  for (i = 0; i < EST_COUNT; i++) sqlite3_finalize(p->aStmt[i]);
  usage_deriver_free(p->pDeriver);
  sqlite3_free(p->zSchema);
  sqlite3_free(p);
  return SQLITE_OK;
}

/* xBestIndex: the tables are small, and always read whole. */
static int energy_best_index(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo) {
  (void)pVtab;
  pInfo->estimatedCost = 1e5;
  pInfo->estimatedRows = 1000;
  return SQLITE_OK;
}

/* xFilter: start the scan. */
static int energy_filter(sqlite3_vtab_cursor *pCursor, int idxNum,
                         const char *idxStr, int argc, sqlite3_value **argv) {
  EnergyVtab *p = (EnergyVtab *)pCursor->pVtab;
  int rc;
  (void)idxNum;
  (void)idxStr;
  (void)argc;
  (void)argv;
  rc = usage_rows_prepare(
      pCursor, p->db, p->pDef->zName,
      sqlite3_mprintf(p->pDef->zSelect, p->zSchema, p->zSchema));
  return rc != SQLITE_OK ? rc : usage_rows_next(pCursor);
}

/* xUpdate: INSERT, DELETE, and UPDATE as a DELETE then an INSERT. */
static int energy_update(sqlite3_vtab *pVtab, int argc, sqlite3_value **argv,
                         sqlite3_int64 *pRowid) {
  EnergyVtab *p = (EnergyVtab *)pVtab;
  int rc = SQLITE_OK;
  (void)pRowid;
  if (sqlite3_value_type(argv[0]) != SQLITE_NULL) {
    rc = p->pDef->xDelete(p, sqlite3_value_int64(argv[0]));
  }
  if (rc == SQLITE_OK && argc > 1) rc = p->pDef->xInsert(p, &argv[2]);
  usage_deriver_mark(p->pDeriver);
  return rc;
}

/* xBegin, xCommit, xRollback: what the deriver read may change now, and
** nothing waits any more (xSync did it, or it is rolled back). */
static int energy_txn(sqlite3_vtab *pVtab) {
  EnergyVtab *p = (EnergyVtab *)pVtab;
  usage_deriver_forget(p->pDeriver);
  p->bPending = 0;
  return SQLITE_OK;
}

/* xSync: the transaction commits; re-derive what waits first. SQLite runs
** every xSync before it commits any page, and a failure here rolls the
** transaction back. */
static int energy_sync(sqlite3_vtab *pVtab) {
  return pending_flush((EnergyVtab *)pVtab);
}

/* xSavepoint and xRelease: nothing to do. */
static int energy_savepoint(sqlite3_vtab *pVtab, int iSavepoint) {
  (void)pVtab;
  (void)iSavepoint;
  return SQLITE_OK;
}

/* xRollbackTo: rows read may be gone. */
static int energy_rollback_to(sqlite3_vtab *pVtab, int iSavepoint) {
  (void)iSavepoint;
  return energy_txn(pVtab);
}

static const sqlite3_module energyModule = {
    2,                  /* iVersion */
    energy_connect,     /* xCreate: CREATE VIRTUAL TABLE aux.x USING x */
    energy_connect,     /* xConnect */
    energy_best_index,  /* xBestIndex */
    energy_disconnect,  /* xDisconnect */
    energy_disconnect,  /* xDestroy */
    usage_rows_open,    /* xOpen */
    usage_rows_close,   /* xClose */
    energy_filter,      /* xFilter */
    usage_rows_next,    /* xNext */
    usage_rows_eof,     /* xEof */
    usage_rows_column,  /* xColumn */
    usage_rows_rowid,   /* xRowid */
    energy_update,      /* xUpdate */
    energy_txn,         /* xBegin */
    energy_sync,        /* xSync */
    energy_txn,         /* xCommit */
    energy_txn,         /* xRollback */
    0,                  /* xFindFunction */
    0,                  /* xRename */
    energy_savepoint,   /* xSavepoint */
    energy_savepoint,   /* xRelease */
    energy_rollback_to, /* xRollbackTo */
    0                   /* xShadowName */
};

int usage_register_energy(sqlite3 *db) {
  size_t i;
  int rc = usage_register_config(db);
  for (i = 0; rc == SQLITE_OK && i < sizeof(aEnergyDef) / sizeof(aEnergyDef[0]);
       i++) {
    rc = sqlite3_create_module(db, aEnergyDef[i].zName, &energyModule,
                               (void *)&aEnergyDef[i]);
  }
  return rc;
}
