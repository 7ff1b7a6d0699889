/*
** energy/embodied_rows.c: what an INSERT or DELETE of usage_embodied_models
** does: check the row, write embodied_model, and re-derive the embodied
** carbon of the facts the change covers.
**
**   INSERT INTO usage_embodied_models VALUES
**     ('node-7', '2024-01-01', 1000, 4, 64, 'vendor LCA');
**   INSERT INTO usage_embodied_models VALUES
**     ('node-7', '2028-01-01', 0, 4, 64, 'written off');
**   DELETE FROM usage_embodied_models WHERE machine_name IS NULL;
**
** A model covers the facts from its valid_from to the next valid_from of
** the same machine: a machine's model, that machine's machine-scope facts;
** the default (machine_name NULL), the facts of every scope.
*/
#include <string.h>

#include "energy/energy.h"
SQLITE_EXTENSION_INIT3

/* A required number field that must be finite and > 0. */
static int arg_positive(EnergyVtab *p, sqlite3_value *pVal, const char *zField,
                        double *pR) {
  int isNull = 0;
  if (usage_value_number(pVal, pR, &isNull) || (!isNull && !(*pR > 0))) {
    return energy_field_error(p, zField, pVal, "must be a finite number > 0");
  }
  if (isNull) return energy_field_error(p, zField, pVal, "is required");
  return SQLITE_OK;
}

/* Re-derive the embodied carbon of the facts under the model of iMachine
** (-1: the default) that starts at tFrom: up to the next valid_from of the
** same machine. */
static int rederive_embodied(EnergyVtab *p, sqlite3_int64 iMachine,
                             const char *zFrom, int64_t tFrom) {
  sqlite3_stmt *pNext;
  int64_t tHi = USAGE_TS_MAX;
  char *zErr = 0;
  int rc = energy_stmt_get(p, EST_EMB_NEXT, &pNext);
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
  rc = usage_rederive_embodied(p->pDeriver, p->pDef->zName, tFrom, tHi,
                               iMachine, &zErr);
  return energy_derive_error(p, rc, zErr);
}

/* INSERT INTO usage_embodied_models(machine_name, valid_from,
** embodied_kgco2e, lifespan_years, cores, source). */
int insert_embodied(EnergyVtab *p, sqlite3_value **a) {
  const char *zMachine, *zSource;
  int nMachine, nSource, rc;
  int64_t tFrom = 0;
  char zFrom[USAGE_TS_LEN + 1];
  double kg = 0, years = 0, cores = 0;
  sqlite3_int64 iMachine = -1;
  rc = energy_arg_text(p, a[0], "machine_name", 0, &zMachine, &nMachine);
  if (rc == SQLITE_OK)
    rc = energy_arg_time(p, a[1], "valid_from", &tFrom, zFrom);
  if (rc == SQLITE_OK)
    rc = energy_arg_number(p, a[2], "embodied_kgco2e", 0, -1, &kg);
  if (rc == SQLITE_OK) rc = arg_positive(p, a[3], "lifespan_years", &years);
  if (rc == SQLITE_OK) rc = arg_positive(p, a[4], "cores", &cores);
  if (rc == SQLITE_OK)
    rc = energy_arg_text(p, a[5], "source", 0, &zSource, &nSource);
  if (rc == SQLITE_OK && zMachine)
    rc = energy_machine_id(p, zMachine, nMachine, &iMachine);
  if (rc != SQLITE_OK) return rc;
  rc =
      energy_model_upsert(p, EST_EMB_UPSERT, iMachine, zFrom,
                          (const double[]){kg, years, cores}, zSource, nSource);
  if (rc != SQLITE_DONE) return rc;
  return rederive_embodied(p, iMachine, zFrom, tFrom);
}

/* DELETE FROM usage_embodied_models: remove one model, then re-derive what
** it covered under the model now in force there (or none). */
int delete_embodied(EnergyVtab *p, sqlite3_int64 iRow) {
  sqlite3_stmt *pGet, *pDelete;
  sqlite3_int64 iMachine;
  char zFrom[USAGE_TS_LEN + 1];
  int64_t tFrom;
  const char *z;
  int rc = energy_stmt_get(p, EST_EMB_GET, &pGet);
  if (rc == SQLITE_OK) rc = energy_stmt_get(p, EST_EMB_DELETE, &pDelete);
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
  return rederive_embodied(p, iMachine, zFrom, tFrom);
}
