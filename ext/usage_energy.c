/*
** usage_energy.c: the writable tables of derivation's inputs.
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
** derived facts that the changed model or period covers (usage_derive.c).
** Bad input is an error that names the table, the field and the value,
** and is found before anything is written. '' means NULL, as in a CSV.
*/
#include <string.h>

#include "usage_energy.h"
SQLITE_EXTENSION_INIT3

typedef struct EnergyDef EnergyDef;
typedef struct EnergyVtab EnergyVtab;
typedef struct EnergyCursor EnergyCursor;

/* The statements the write paths run; each "%w" is the schema. */
enum {
  EST_MACHINE_FIND, EST_MACHINE_ADD, EST_MODEL_UPSERT, EST_MODEL_NEXT,
  EST_MODEL_GET, EST_MODEL_DELETE, EST_PERIOD_GET, EST_PERIOD_UPSERT,
  EST_PERIOD_BY_ID, EST_PERIOD_DELETE, EST_MAX_PERIOD, EST_COUNT
};

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

/* One table: its columns, rows, and how a row is written and removed. */
struct EnergyDef {
  const char *zName;   /* table and module name */
  const char *zDecl;   /* for sqlite3_declare_vtab() */
  const char *zSelect; /* rowid then the columns; each "%w" is the schema */
  int (*xInsert)(EnergyVtab *, sqlite3_value **);
  int (*xDelete)(EnergyVtab *, sqlite3_int64);
};

/* A table on one connection and schema. */
struct EnergyVtab {
  sqlite3_vtab base;               /* base class: must be first */
  sqlite3 *db;
  const EnergyDef *pDef;
  char *zSchema;
  sqlite3_stmt *aStmt[EST_COUNT];  /* prepared on first use */
  UsageDeriver *pDeriver;          /* re-derives the facts a change covers */
  int bPending;                    /* facts with ts in [tPendLo, tPendHi] */
  int64_t tPendLo, tPendHi;        /* wait for re-derivation at xSync */
};

/* A scan over the rows through one prepared SELECT. */
struct EnergyCursor {
  sqlite3_vtab_cursor base;  /* base class: must be first */
  sqlite3_stmt *pSelect;
  int bEof;
};

/* Report that field zField got a bad value, with why. */
static int field_error(EnergyVtab *p, const char *zField, sqlite3_value *pVal,
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
static int db_error(EnergyVtab *p, int rc) {
  return usage_vtab_error(&p->base, rc, "%s: %s", p->pDef->zName,
                          sqlite3_errmsg(p->db));
}

/* Take over a message of the deriver as this table's error. */
static int derive_error(EnergyVtab *p, int rc, char *zErr) {
  if (zErr == 0) return rc == SQLITE_OK ? SQLITE_OK : SQLITE_NOMEM;
  sqlite3_free(p->base.zErrMsg);
  p->base.zErrMsg = zErr;
  return rc;
}

/* The statement iStmt, prepared on first use; bindings cleared. */
static int stmt_get(EnergyVtab *p, int iStmt, sqlite3_stmt **ppStmt) {
  *ppStmt = 0;
  if (p->aStmt[iStmt] == 0) {
    int rc = usage_prepare_persistent(p->db, azEnergySql[iStmt], p->zSchema,
                                      &p->aStmt[iStmt]);
    if (rc != SQLITE_OK) return db_error(p, rc);
  }
  *ppStmt = p->aStmt[iStmt];
  return SQLITE_OK;
}

/* Step a bound statement to its end. Returns SQLITE_ROW when it gave a row
** (when bKeep, the statement stays on it: the caller reads and resets),
** SQLITE_DONE when not, or an error with the message set. */
static int stmt_run(EnergyVtab *p, sqlite3_stmt *pStmt, int bKeep) {
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
  return db_error(p, rc == SQLITE_OK ? SQLITE_ERROR : rc);
}

/* A text field: NULL or '' give *pz = NULL. */
static int arg_text(EnergyVtab *p, sqlite3_value *pVal, const char *zField,
                    int bRequired, const char **pz, int *pn) {
  int eType = sqlite3_value_type(pVal);
  *pz = 0;
  *pn = 0;
  if (eType == SQLITE_FLOAT || eType == SQLITE_BLOB) {
    return field_error(p, zField, pVal, "must be text");
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
    return field_error(p, zField, pVal, "is required");
  }
  return SQLITE_OK;
}

/* A timestamp field, required: unix seconds and the canonical text. */
static int arg_time(EnergyVtab *p, sqlite3_value *pVal, const char *zField,
                    int64_t *pT, char *zOut) {
  char *zErr = 0;
  char zWhat[64];
  int rc;
  if (sqlite3_value_type(pVal) == SQLITE_NULL ||
      (sqlite3_value_type(pVal) == SQLITE_TEXT && sqlite3_value_bytes(pVal) == 0)) {
    return field_error(p, zField, pVal, "is required");
  }
  sqlite3_snprintf(sizeof(zWhat), zWhat, "%s: %s", p->pDef->zName, zField);
  rc = usage_value_time(pVal, zWhat, pT, &zErr);
  if (rc != SQLITE_OK) return derive_error(p, rc, zErr);
  if (usage_time_format(*pT, zOut)) {
    return field_error(p, zField, pVal, "is outside the years 0000-9999");
  }
  return SQLITE_OK;
}

/* A number field: finite and >= rMin; NULL or '' give rDefault, or an
** error when rDefault is negative (the field is required). */
static int arg_number(EnergyVtab *p, sqlite3_value *pVal, const char *zField,
                      double rMin, double rDefault, double *pR) {
  int isNull;
  if (usage_value_number(pVal, pR, &isNull) || (!isNull && !(*pR >= rMin))) {
    return field_error(p, zField, pVal,
                       rMin > 0 ? "must be a finite number >= 1"
                                : "must be a finite number >= 0");
  }
  if (isNull) {
    if (rDefault < 0) return field_error(p, zField, pVal, "is required");
    *pR = rDefault;
  }
  return SQLITE_OK;
}

/* The id of a machine by name, creating its dim_machine row if missing. */
static int machine_id(EnergyVtab *p, const char *z, int n, sqlite3_int64 *pId) {
  sqlite3_stmt *pStmt;
  int i, rc = SQLITE_OK;
  for (i = EST_MACHINE_FIND; i <= EST_MACHINE_ADD; i++) {
    rc = stmt_get(p, i, &pStmt);
    if (rc != SQLITE_OK) return rc;
    sqlite3_bind_text(pStmt, 1, z, n, SQLITE_STATIC);
    rc = stmt_run(p, pStmt, 1);
    if (rc == SQLITE_ROW) {
      *pId = sqlite3_column_int64(pStmt, 0);
      return stmt_run(p, pStmt, 0) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    }
    if (rc != SQLITE_DONE) return rc;
  }
  return db_error(p, SQLITE_ERROR);
}

/* Re-derive the facts under the model of iMachine (-1: the default) that
** starts at tFrom: up to the next valid_from of the same machine. */
static int rederive_model(EnergyVtab *p, sqlite3_int64 iMachine,
                          const char *zFrom, int64_t tFrom) {
  sqlite3_stmt *pNext;
  int64_t tHi = USAGE_TS_MAX;
  char *zErr = 0;
  int rc = stmt_get(p, EST_MODEL_NEXT, &pNext);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_int64(pNext, 1, iMachine);
  sqlite3_bind_text(pNext, 2, zFrom, -1, SQLITE_TRANSIENT);
  rc = stmt_run(p, pNext, 1);
  if (rc == SQLITE_ROW) {
    const char *zNext = (const char *)sqlite3_column_text(pNext, 0);
    int64_t tNext;
    if (zNext && usage_time_parse_canonical(zNext, sqlite3_column_bytes(pNext, 0),
                                            &tNext) == 0) {
      tHi = tNext - 1;
    }
    rc = stmt_run(p, pNext, 0);
  }
  if (rc != SQLITE_DONE) return rc;
  rc = usage_rederive(p->pDeriver, p->pDef->zName, tFrom, tHi,
                      iMachine < 0 ? USAGE_REDERIVE_ALL : USAGE_REDERIVE_MACHINE,
                      iMachine, &zErr);
  return derive_error(p, rc, zErr);
}

/* INSERT INTO usage_power_models(machine_name, valid_from, busy_watts,
** idle_watts, pue, source). */
static int insert_model(EnergyVtab *p, sqlite3_value **a) {
  const char *zMachine, *zSource;
  int nMachine, nSource, rc;
  int64_t tFrom = 0;
  char zFrom[USAGE_TS_LEN + 1];
  double busyW = 0, idleW = 0, pue = 1.0;
  sqlite3_int64 iMachine = -1;
  sqlite3_stmt *pUpsert;
  rc = arg_text(p, a[0], "machine_name", 0, &zMachine, &nMachine);
  if (rc == SQLITE_OK) rc = arg_time(p, a[1], "valid_from", &tFrom, zFrom);
  if (rc == SQLITE_OK) rc = arg_number(p, a[2], "busy_watts", 0, -1, &busyW);
  if (rc == SQLITE_OK) rc = arg_number(p, a[3], "idle_watts", 0, -1, &idleW);
  if (rc == SQLITE_OK) rc = arg_number(p, a[4], "pue", 1, 1.0, &pue);
  if (rc == SQLITE_OK) rc = arg_text(p, a[5], "source", 0, &zSource, &nSource);
  if (rc == SQLITE_OK && zMachine) rc = machine_id(p, zMachine, nMachine, &iMachine);
  if (rc == SQLITE_OK) rc = stmt_get(p, EST_MODEL_UPSERT, &pUpsert);
  if (rc != SQLITE_OK) return rc;
  if (iMachine >= 0) {
    sqlite3_bind_int64(pUpsert, 1, iMachine);
  } else {
    sqlite3_bind_null(pUpsert, 1);
  }
  sqlite3_bind_text(pUpsert, 2, zFrom, USAGE_TS_LEN, SQLITE_STATIC);
  sqlite3_bind_double(pUpsert, 3, busyW);
  sqlite3_bind_double(pUpsert, 4, idleW);
  sqlite3_bind_double(pUpsert, 5, pue);
  sqlite3_bind_text(pUpsert, 6, zSource, nSource, SQLITE_STATIC); /* NULL if 0 */
  rc = stmt_run(p, pUpsert, 0);
  sqlite3_clear_bindings(pUpsert);
  if (rc != SQLITE_DONE) return rc;
  return rederive_model(p, iMachine, zFrom, tFrom);
}

/* DELETE FROM usage_power_models: remove one model, then re-derive what it
** covered under the model now in force there. */
static int delete_model(EnergyVtab *p, sqlite3_int64 iRow) {
  sqlite3_stmt *pGet, *pDelete;
  sqlite3_int64 iMachine;
  char zFrom[USAGE_TS_LEN + 1];
  int64_t tFrom;
  const char *z;
  int rc = stmt_get(p, EST_MODEL_GET, &pGet);
  if (rc == SQLITE_OK) rc = stmt_get(p, EST_MODEL_DELETE, &pDelete);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_int64(pGet, 1, iRow);
  rc = stmt_run(p, pGet, 1);
  if (rc != SQLITE_ROW) return rc == SQLITE_DONE ? SQLITE_OK : rc;
  iMachine = sqlite3_column_int64(pGet, 0);
  z = (const char *)sqlite3_column_text(pGet, 1);
  if (z == 0 || sqlite3_column_bytes(pGet, 1) != USAGE_TS_LEN ||
      usage_time_parse_canonical(z, USAGE_TS_LEN, &tFrom)) {
    sqlite3_reset(pGet);
    return usage_vtab_error(&p->base, SQLITE_ERROR,
                            "%s: model %lld has a bad valid_from",
                            p->pDef->zName, iRow);
  }
  memcpy(zFrom, z, USAGE_TS_LEN + 1);
  rc = stmt_run(p, pGet, 0);
  if (rc != SQLITE_DONE) return rc;
  sqlite3_bind_int64(pDelete, 1, iRow);
  rc = stmt_run(p, pDelete, 0);
  if (rc != SQLITE_DONE) return rc;
  return rederive_model(p, iMachine, zFrom, tFrom);
}

/* Re-derive the carbon of the facts waiting for it. */
static int pending_flush(EnergyVtab *p) {
  char *zErr = 0;
  int rc;
  if (!p->bPending) return SQLITE_OK;
  p->bPending = 0;
  rc = usage_rederive(p->pDeriver, p->pDef->zName, p->tPendLo, p->tPendHi,
                      USAGE_REDERIVE_CARBON, 0, &zErr);
  return derive_error(p, rc, zErr);
}

/* Re-derive the facts overlapping [tStart, tEnd) of a period of region
** zRegion, when facts use that region. In autocommit mode the statement's
** end is its commit, whose xSync re-derives, once, every fact its rows
** touched (a day of half-hours re-derives each hourly fact once, not
** twice); a range apart from the waiting one is done first. Inside a
** transaction the facts are re-derived now. */
static int rederive_period(EnergyVtab *p, const char *zRegion, int64_t tStart,
                           int64_t tEnd) {
  const char *zUsed;
  int64_t nInterval, tLo, tHi;
  char *zErr = 0;
  int rc = usage_deriver_settings(p->pDeriver, &zUsed, &nInterval, &zErr);
  if (rc != SQLITE_OK || strcmp(zUsed, zRegion) != 0) {
    return derive_error(p, rc, zErr);
  }
  tLo = tStart - nInterval + 1;
  tHi = tEnd - 1;
  if (p->bPending && (tLo > p->tPendHi + 1 || tHi < p->tPendLo - 1)) {
    rc = pending_flush(p);
    if (rc != SQLITE_OK) return rc;
  }
  if (p->bPending) {
    if (tLo < p->tPendLo) p->tPendLo = tLo;
    if (tHi > p->tPendHi) p->tPendHi = tHi;
  } else {
    p->bPending = 1;
    p->tPendLo = tLo;
    p->tPendHi = tHi;
  }
  return sqlite3_get_autocommit(p->db) ? SQLITE_OK : pending_flush(p);
}

/* The kinds of intensity period, best first. */
static const char *const azKind[] = {"actual", "forecast", "default"};

/* The kind field: one of azKind. */
static int arg_kind(EnergyVtab *p, sqlite3_value *pVal, const char **pzKind) {
  const char *z = (const char *)sqlite3_value_text(pVal);
  int i;
  if (sqlite3_value_type(pVal) == SQLITE_TEXT && z) {
    for (i = 0; i < 3; i++) {
      if (strcmp(z, azKind[i]) == 0) {
        *pzKind = azKind[i];
        return SQLITE_OK;
      }
    }
  }
  return field_error(p, "kind", pVal,
                     "must be one of 'actual', 'forecast' or 'default'");
}

/* Read the stored period (region, start, kind), if any: its end and value.
** *pbFound says whether there is one. */
static int period_get(EnergyVtab *p, const char *zRegion, int nRegion,
                      const char *zStart, const char *zKind, int *pbFound,
                      int64_t *pEnd, double *pG) {
  sqlite3_stmt *pGet;
  int rc = stmt_get(p, EST_PERIOD_GET, &pGet);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_text(pGet, 1, zRegion, nRegion, SQLITE_STATIC);
  sqlite3_bind_text(pGet, 2, zStart, USAGE_TS_LEN, SQLITE_STATIC);
  sqlite3_bind_text(pGet, 3, zKind, -1, SQLITE_STATIC);
  *pbFound = 0;
  rc = stmt_run(p, pGet, 1);
  if (rc == SQLITE_ROW) {
    const char *zEnd = (const char *)sqlite3_column_text(pGet, 0);
    *pbFound = zEnd && usage_time_parse_canonical(
                           zEnd, sqlite3_column_bytes(pGet, 0), pEnd) == 0;
    *pG = sqlite3_column_double(pGet, 1);
    rc = stmt_run(p, pGet, 0);
  }
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Record the length of a new period, so lookups reach back far enough. */
static int note_length(EnergyVtab *p, int64_t nSeconds) {
  sqlite3_stmt *pMax;
  int rc = stmt_get(p, EST_MAX_PERIOD, &pMax);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_int64(pMax, 1, nSeconds);
  rc = stmt_run(p, pMax, 0);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* INSERT INTO usage_intensity(region, period_start, period_end,
** gco2_per_kwh, kind, source). */
static int insert_period(EnergyVtab *p, sqlite3_value **a) {
  const char *zRegion, *zSource, *zKind = 0;
  int nRegion, nSource, bFound = 0, rc;
  int64_t tStart = 0, tEnd = 0, tOldEnd = 0;
  char zStart[USAGE_TS_LEN + 1], zEnd[USAGE_TS_LEN + 1];
  double g = 0, gOld = 0;
  sqlite3_stmt *pUpsert;
  rc = arg_text(p, a[0], "region", 1, &zRegion, &nRegion);
  if (rc == SQLITE_OK) rc = arg_time(p, a[1], "period_start", &tStart, zStart);
  if (rc == SQLITE_OK) rc = arg_time(p, a[2], "period_end", &tEnd, zEnd);
  if (rc == SQLITE_OK && tEnd <= tStart) {
    char *zRepr = usage_value_repr(a[2]);
    if (zRepr == 0) return SQLITE_NOMEM;
    rc = usage_vtab_error(&p->base, SQLITE_ERROR,
                          "%s: period_end must be after period_start '%s', "
                          "got %s", p->pDef->zName, zStart, zRepr);
    sqlite3_free(zRepr);
  }
  if (rc == SQLITE_OK) rc = arg_number(p, a[3], "gco2_per_kwh", 0, -1, &g);
  if (rc == SQLITE_OK) rc = arg_kind(p, a[4], &zKind);
  if (rc == SQLITE_OK) rc = arg_text(p, a[5], "source", 0, &zSource, &nSource);
  if (rc == SQLITE_OK) {
    rc = period_get(p, zRegion, nRegion, zStart, zKind, &bFound, &tOldEnd, &gOld);
  }
  if (rc != SQLITE_OK) return rc;
  if (bFound && tOldEnd == tEnd && memcmp(&gOld, &g, sizeof(g)) == 0) {
    bFound = 2; /* the same period again: no fact changes */
  }
  rc = stmt_get(p, EST_PERIOD_UPSERT, &pUpsert);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_text(pUpsert, 1, zRegion, nRegion, SQLITE_STATIC);
  sqlite3_bind_text(pUpsert, 2, zStart, USAGE_TS_LEN, SQLITE_STATIC);
  sqlite3_bind_text(pUpsert, 3, zEnd, USAGE_TS_LEN, SQLITE_STATIC);
  sqlite3_bind_double(pUpsert, 4, g);
  sqlite3_bind_text(pUpsert, 5, zKind, -1, SQLITE_STATIC);
  sqlite3_bind_text(pUpsert, 6, zSource, nSource, SQLITE_STATIC); /* NULL if 0 */
  rc = stmt_run(p, pUpsert, 0);
  sqlite3_clear_bindings(pUpsert);
  if (rc != SQLITE_DONE) return rc;
  if (bFound == 2) return SQLITE_OK;
  rc = note_length(p, tEnd - tStart);
  if (rc != SQLITE_OK) return rc;
  if (bFound && tOldEnd > tEnd) tEnd = tOldEnd;
  return rederive_period(p, zRegion, tStart, tEnd);
}

/* DELETE FROM usage_intensity: remove one period, then re-derive the facts
** it overlapped. */
static int delete_period(EnergyVtab *p, sqlite3_int64 iRow) {
  sqlite3_stmt *pGet, *pDelete;
  char zRegion[USAGE_NAME_MAX + 1];
  int64_t tStart, tEnd;
  const char *zR, *zS, *zE;
  int nRegion, rc = stmt_get(p, EST_PERIOD_BY_ID, &pGet);
  if (rc == SQLITE_OK) rc = stmt_get(p, EST_PERIOD_DELETE, &pDelete);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_int64(pGet, 1, iRow);
  rc = stmt_run(p, pGet, 1);
  if (rc != SQLITE_ROW) return rc == SQLITE_DONE ? SQLITE_OK : rc;
  zR = (const char *)sqlite3_column_text(pGet, 0);
  zS = (const char *)sqlite3_column_text(pGet, 1);
  zE = (const char *)sqlite3_column_text(pGet, 2);
  nRegion = sqlite3_column_bytes(pGet, 0);
  if (zR == 0 || zS == 0 || zE == 0 || nRegion > USAGE_NAME_MAX ||
      usage_time_parse_canonical(zS, sqlite3_column_bytes(pGet, 1), &tStart) ||
      usage_time_parse_canonical(zE, sqlite3_column_bytes(pGet, 2), &tEnd)) {
    sqlite3_reset(pGet);
    return usage_vtab_error(&p->base, SQLITE_ERROR,
                            "%s: period %lld is not readable", p->pDef->zName,
                            iRow);
  }
  memcpy(zRegion, zR, (size_t)nRegion + 1);
  rc = stmt_run(p, pGet, 0);
  if (rc != SQLITE_DONE) return rc;
  sqlite3_bind_int64(pDelete, 1, iRow);
  rc = stmt_run(p, pDelete, 0);
  if (rc != SQLITE_DONE) return rc;
  return rederive_period(p, zRegion, tStart, tEnd);
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
  EnergyVtab *p;
  int rc;
  (void)argc;
  rc = sqlite3_declare_vtab(db, pDef->zDecl);
  if (rc != SQLITE_OK) return rc;
  p = sqlite3_malloc(sizeof(*p));
  if (p == 0) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->db = db;
  p->pDef = pDef;
  p->zSchema = sqlite3_mprintf("%s", argv[1]);
  p->pDeriver = p->zSchema ? usage_deriver_new(db, argv[1]) : 0;
  if (p->pDeriver == 0) {
    sqlite3_free(p->zSchema);
    sqlite3_free(p);
    return SQLITE_NOMEM;
  }
  rc = sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
  if (rc != SQLITE_OK) {
    *pzErr = sqlite3_mprintf("%s: %s", pDef->zName, sqlite3_errstr(rc));
    usage_deriver_free(p->pDeriver);
    sqlite3_free(p->zSchema);
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

/* xOpen. */
static int energy_open(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCursor) {
  EnergyCursor *pCur = sqlite3_malloc(sizeof(*pCur));
  (void)pVtab;
  if (pCur == 0) return SQLITE_NOMEM;
  memset(pCur, 0, sizeof(*pCur));
  *ppCursor = &pCur->base;
  return SQLITE_OK;
}

/* xClose. */
static int energy_close(sqlite3_vtab_cursor *pCursor) {
  EnergyCursor *pCur = (EnergyCursor *)pCursor;
  sqlite3_finalize(pCur->pSelect);
  sqlite3_free(pCur);
  return SQLITE_OK;
}

/* xNext. */
static int energy_next(sqlite3_vtab_cursor *pCursor) {
  EnergyCursor *pCur = (EnergyCursor *)pCursor;
  int rc = sqlite3_step(pCur->pSelect);
  if (rc == SQLITE_ROW) return SQLITE_OK;
  pCur->bEof = 1;
  if (rc == SQLITE_DONE) return SQLITE_OK;
  return db_error((EnergyVtab *)pCursor->pVtab, sqlite3_reset(pCur->pSelect));
}

/* xFilter: start the scan. */
static int energy_filter(sqlite3_vtab_cursor *pCursor, int idxNum,
                         const char *idxStr, int argc, sqlite3_value **argv) {
  EnergyCursor *pCur = (EnergyCursor *)pCursor;
  EnergyVtab *p = (EnergyVtab *)pCursor->pVtab;
  char *zSql;
  int rc;
  (void)idxNum;
  (void)idxStr;
  (void)argc;
  (void)argv;
  sqlite3_finalize(pCur->pSelect);
  pCur->pSelect = 0;
  pCur->bEof = 0;
  zSql = sqlite3_mprintf(p->pDef->zSelect, p->zSchema, p->zSchema);
  if (zSql == 0) return SQLITE_NOMEM;
  rc = sqlite3_prepare_v2(p->db, zSql, -1, &pCur->pSelect, 0);
  sqlite3_free(zSql);
  if (rc != SQLITE_OK) return db_error(p, rc);
  return energy_next(pCursor);
}

/* xEof. */
static int energy_eof(sqlite3_vtab_cursor *pCursor) {
  return ((EnergyCursor *)pCursor)->bEof;
}

/* xColumn: column i is column i+1 of the SELECT. */
static int energy_column(sqlite3_vtab_cursor *pCursor, sqlite3_context *ctx,
                         int i) {
  EnergyCursor *pCur = (EnergyCursor *)pCursor;
  sqlite3_result_value(ctx, sqlite3_column_value(pCur->pSelect, i + 1));
  return SQLITE_OK;
}

/* xRowid: the stored row's id. */
static int energy_rowid(sqlite3_vtab_cursor *pCursor, sqlite3_int64 *pRowid) {
  *pRowid = sqlite3_column_int64(((EnergyCursor *)pCursor)->pSelect, 0);
  return SQLITE_OK;
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
  energy_open,        /* xOpen */
  energy_close,       /* xClose */
  energy_filter,      /* xFilter */
  energy_next,        /* xNext */
  energy_eof,         /* xEof */
  energy_column,      /* xColumn */
  energy_rowid,       /* xRowid */
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
  int rc = usage_config_register(db);
  for (i = 0; rc == SQLITE_OK && i < sizeof(aEnergyDef) / sizeof(aEnergyDef[0]); i++) {
    rc = sqlite3_create_module(db, aEnergyDef[i].zName, &energyModule,
                               (void *)&aEnergyDef[i]);
  }
  return rc;
}
