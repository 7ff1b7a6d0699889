/*
** energy/energy_rows.c: what an INSERT or DELETE of usage_power_models or
** usage_intensity does: check the row, write power_model or
** grid_intensity, and re-derive the facts the change covers.
**
**   INSERT INTO usage_power_models VALUES
**     ('node-7', '2024-01-01', 10, 2, 1.2, 'vendor sheet');
**   DELETE FROM usage_intensity WHERE kind = 'forecast';
**
** A model covers the facts from its valid_from to the next valid_from of
** the same machine; a period covers the facts whose interval overlaps it.
*/
#include <string.h>

#include "energy/energy.h"
SQLITE_EXTENSION_INIT3

/* The id of a machine by name, creating its dim_machine row if missing. */
int energy_machine_id(EnergyVtab *p, const char *z, int n, sqlite3_int64 *pId) {
  sqlite3_stmt *pStmt;
  int i, rc = SQLITE_OK;
  for (i = EST_MACHINE_FIND; i <= EST_MACHINE_ADD; i++) {
    rc = energy_stmt_get(p, i, &pStmt);
    if (rc != SQLITE_OK) return rc;
    sqlite3_bind_text(pStmt, 1, z, n, SQLITE_STATIC);
    rc = energy_stmt_run(p, pStmt, 1);
    if (rc == SQLITE_ROW) {
      *pId = sqlite3_column_int64(pStmt, 0);
      return energy_stmt_run(p, pStmt, 0) == SQLITE_DONE ? SQLITE_OK
                                                         : SQLITE_ERROR;
    }
    if (rc != SQLITE_DONE) return rc;
  }
  return energy_db_error(p, SQLITE_ERROR);
}

/* Re-derive the facts under the model of iMachine (-1: the default) that
** starts at tFrom: up to the next valid_from of the same machine. */
static int rederive_model(EnergyVtab *p, sqlite3_int64 iMachine,
                          const char *zFrom, int64_t tFrom) {
  sqlite3_stmt *pNext;
  int64_t tHi = USAGE_TS_MAX;
  char *zErr = 0;
  int rc = energy_stmt_get(p, EST_MODEL_NEXT, &pNext);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_int64(pNext, 1, iMachine);
  sqlite3_bind_text(pNext, 2, zFrom, -1, SQLITE_TRANSIENT);
  rc = energy_stmt_run(p, pNext, 1);
  if (rc == SQLITE_ROW) {
    const char *zNext = (const char *)sqlite3_column_text(pNext, 0);
    int64_t tNext;
    if (zNext && usage_time_parse_canonical(
                     zNext, sqlite3_column_bytes(pNext, 0), &tNext) == 0) {
      tHi = tNext - 1;
    }
    rc = energy_stmt_run(p, pNext, 0);
  }
  if (rc != SQLITE_DONE) return rc;
  rc =
      usage_rederive(p->pDeriver, p->pDef->zName, tFrom, tHi,
                     iMachine < 0 ? USAGE_REDERIVE_ALL : USAGE_REDERIVE_MACHINE,
                     iMachine, &zErr);
  return energy_derive_error(p, rc, zErr);
}

int energy_model_upsert(EnergyVtab *p, int eStmt, sqlite3_int64 iMachine,
                        const char *zFrom, const double *aNum,
                        const char *zSource, int nSource) {
  sqlite3_stmt *pUpsert;
  int i, rc = energy_stmt_get(p, eStmt, &pUpsert);
  if (rc != SQLITE_OK) return rc;
  if (iMachine >= 0) {
    sqlite3_bind_int64(pUpsert, 1, iMachine);
  } else {
    sqlite3_bind_null(pUpsert, 1);
  }
  sqlite3_bind_text(pUpsert, 2, zFrom, USAGE_TS_LEN, SQLITE_STATIC);
  for (i = 0; i < 3; i++) sqlite3_bind_double(pUpsert, 3 + i, aNum[i]);
  sqlite3_bind_text(pUpsert, 6, zSource, nSource,
                    SQLITE_STATIC); /* NULL if 0 */
  rc = energy_stmt_run(p, pUpsert, 0);
  sqlite3_clear_bindings(pUpsert);
  return rc;
}

/* INSERT INTO usage_power_models(machine_name, valid_from, busy_watts,
** idle_watts, pue, source). */
int insert_model(EnergyVtab *p, sqlite3_value **a) {
  const char *zMachine, *zSource;
  int nMachine, nSource, rc;
  int64_t tFrom = 0;
  char zFrom[USAGE_TS_LEN + 1];
  double busyW = 0, idleW = 0, pue = 1.0;
  sqlite3_int64 iMachine = -1;
  rc = energy_arg_text(p, a[0], "machine_name", 0, &zMachine, &nMachine);
  if (rc == SQLITE_OK)
    rc = energy_arg_time(p, a[1], "valid_from", &tFrom, zFrom);
  if (rc == SQLITE_OK)
    rc = energy_arg_number(p, a[2], "busy_watts", 0, -1, &busyW);
  if (rc == SQLITE_OK)
    rc = energy_arg_number(p, a[3], "idle_watts", 0, -1, &idleW);
  if (rc == SQLITE_OK) rc = energy_arg_number(p, a[4], "pue", 1, 1.0, &pue);
  if (rc == SQLITE_OK)
    rc = energy_arg_text(p, a[5], "source", 0, &zSource, &nSource);
  if (rc == SQLITE_OK && zMachine)
    rc = energy_machine_id(p, zMachine, nMachine, &iMachine);
  if (rc != SQLITE_OK) return rc;
  rc = energy_model_upsert(p, EST_MODEL_UPSERT, iMachine, zFrom,
                           (const double[]){busyW, idleW, pue}, zSource,
                           nSource);
  if (rc != SQLITE_DONE) return rc;
  return rederive_model(p, iMachine, zFrom, tFrom);
}

/* DELETE FROM usage_power_models: remove one model, then re-derive what it
** covered under the model now in force there. */
int delete_model(EnergyVtab *p, sqlite3_int64 iRow) {
  sqlite3_stmt *pGet, *pDelete;
  sqlite3_int64 iMachine;
  char zFrom[USAGE_TS_LEN + 1];
  int64_t tFrom;
  const char *z;
  int rc = energy_stmt_get(p, EST_MODEL_GET, &pGet);
  if (rc == SQLITE_OK) rc = energy_stmt_get(p, EST_MODEL_DELETE, &pDelete);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_int64(pGet, 1, iRow);
  rc = energy_stmt_run(p, pGet, 1);
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
  rc = energy_stmt_run(p, pGet, 0);
  if (rc != SQLITE_DONE) return rc;
  sqlite3_bind_int64(pDelete, 1, iRow);
  rc = energy_stmt_run(p, pDelete, 0);
  if (rc != SQLITE_DONE) return rc;
  return rederive_model(p, iMachine, zFrom, tFrom);
}

/* Re-derive the carbon of the facts waiting for it. */
int pending_flush(EnergyVtab *p) {
  char *zErr = 0;
  int rc;
  if (!p->bPending) return SQLITE_OK;
  p->bPending = 0;
  rc = usage_rederive(p->pDeriver, p->pDef->zName, p->tPendLo, p->tPendHi,
                      USAGE_REDERIVE_CARBON, 0, &zErr);
  return energy_derive_error(p, rc, zErr);
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
    return energy_derive_error(p, rc, zErr);
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
  return energy_field_error(p, "kind", pVal,
                            "must be one of 'actual', 'forecast' or 'default'");
}

/* Read the stored period (region, start, kind), if any: its end and value.
** *pbFound says whether there is one. */
static int period_get(EnergyVtab *p, const char *zRegion, int nRegion,
                      const char *zStart, const char *zKind, int *pbFound,
                      int64_t *pEnd, double *pG) {
  sqlite3_stmt *pGet;
  int rc = energy_stmt_get(p, EST_PERIOD_GET, &pGet);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_text(pGet, 1, zRegion, nRegion, SQLITE_STATIC);
  sqlite3_bind_text(pGet, 2, zStart, USAGE_TS_LEN, SQLITE_STATIC);
  sqlite3_bind_text(pGet, 3, zKind, -1, SQLITE_STATIC);
  *pbFound = 0;
  rc = energy_stmt_run(p, pGet, 1);
  if (rc == SQLITE_ROW) {
    const char *zEnd = (const char *)sqlite3_column_text(pGet, 0);
    *pbFound = zEnd && usage_time_parse_canonical(
                           zEnd, sqlite3_column_bytes(pGet, 0), pEnd) == 0;
    *pG = sqlite3_column_double(pGet, 1);
    rc = energy_stmt_run(p, pGet, 0);
  }
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Record the length of a new period, so lookups reach back far enough. */
static int note_length(EnergyVtab *p, int64_t nSeconds) {
  sqlite3_stmt *pMax;
  int rc = energy_stmt_get(p, EST_MAX_PERIOD, &pMax);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_int64(pMax, 1, nSeconds);
  rc = energy_stmt_run(p, pMax, 0);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* INSERT INTO usage_intensity(region, period_start, period_end,
** gco2_per_kwh, kind, source). */
int insert_period(EnergyVtab *p, sqlite3_value **a) {
  const char *zRegion, *zSource, *zKind = 0;
  int nRegion, nSource, bFound = 0, rc;
  int64_t tStart = 0, tEnd = 0, tOldEnd = 0;
  char zStart[USAGE_TS_LEN + 1], zEnd[USAGE_TS_LEN + 1];
  double g = 0, gOld = 0;
  sqlite3_stmt *pUpsert;
  rc = energy_arg_text(p, a[0], "region", 1, &zRegion, &nRegion);
  if (rc == SQLITE_OK)
    rc = energy_arg_time(p, a[1], "period_start", &tStart, zStart);
  if (rc == SQLITE_OK) rc = energy_arg_time(p, a[2], "period_end", &tEnd, zEnd);
  if (rc == SQLITE_OK && tEnd <= tStart) {
    char *zRepr = usage_value_repr(a[2]);
    if (zRepr == 0) return SQLITE_NOMEM;
    rc = usage_vtab_error(&p->base, SQLITE_ERROR,
                          "%s: period_end must be after period_start '%s', "
                          "got %s",
                          p->pDef->zName, zStart, zRepr);
    sqlite3_free(zRepr);
  }
  if (rc == SQLITE_OK)
    rc = energy_arg_number(p, a[3], "gco2_per_kwh", 0, -1, &g);
  if (rc == SQLITE_OK) rc = arg_kind(p, a[4], &zKind);
  if (rc == SQLITE_OK)
    rc = energy_arg_text(p, a[5], "source", 0, &zSource, &nSource);
  if (rc == SQLITE_OK) {
    rc = period_get(p, zRegion, nRegion, zStart, zKind, &bFound, &tOldEnd,
                    &gOld);
  }
  if (rc != SQLITE_OK) return rc;
  if (bFound && tOldEnd == tEnd && memcmp(&gOld, &g, sizeof(g)) == 0) {
    bFound = 2; /* the same period again: no fact changes */
  }
  rc = energy_stmt_get(p, EST_PERIOD_UPSERT, &pUpsert);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_text(pUpsert, 1, zRegion, nRegion, SQLITE_STATIC);
  sqlite3_bind_text(pUpsert, 2, zStart, USAGE_TS_LEN, SQLITE_STATIC);
  sqlite3_bind_text(pUpsert, 3, zEnd, USAGE_TS_LEN, SQLITE_STATIC);
  sqlite3_bind_double(pUpsert, 4, g);
  sqlite3_bind_text(pUpsert, 5, zKind, -1, SQLITE_STATIC);
  sqlite3_bind_text(pUpsert, 6, zSource, nSource,
                    SQLITE_STATIC); /* NULL if 0 */
  rc = energy_stmt_run(p, pUpsert, 0);
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
int delete_period(EnergyVtab *p, sqlite3_int64 iRow) {
  sqlite3_stmt *pGet, *pDelete;
  char zRegion[USAGE_NAME_MAX + 1];
  int64_t tStart, tEnd;
  const char *zR, *zS, *zE;
  int nRegion, rc = energy_stmt_get(p, EST_PERIOD_BY_ID, &pGet);
  if (rc == SQLITE_OK) rc = energy_stmt_get(p, EST_PERIOD_DELETE, &pDelete);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_int64(pGet, 1, iRow);
  rc = energy_stmt_run(p, pGet, 1);
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
  rc = energy_stmt_run(p, pGet, 0);
  if (rc != SQLITE_DONE) return rc;
  sqlite3_bind_int64(pDelete, 1, iRow);
  rc = energy_stmt_run(p, pDelete, 0);
  if (rc != SQLITE_DONE) return rc;
  return rederive_period(p, zRegion, tStart, tEnd);
}
