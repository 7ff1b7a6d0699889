/*
** ingest/fact.c: INSERT INTO usage_ingest, the fact upsert.
**
**   INSERT INTO usage_ingest(ts, scope, cloud_project_name, busy_kwh)
**     VALUES ('2024-03-01 10:00+01:00', 'project', 'physics', 1.5);
**
** Checks a row (the scope rule, ts, the six amounts and the intensity),
** resolves its key to an id (ingest/dims.c), derives the energy and
** carbon it leaves out, with their provenance (derive/derive.c), and upserts
** the fact on its natural key. Each parameter of the upsert is rebound only when its
** value changed since the last row (FactBinds), which a bulk import of
** rows that share ts, scope and key makes cheap.
*/
#include <float.h>
#include <string.h>

#include "ingest/ingest.h"
SQLITE_EXTENSION_INIT3

/* Names of usage_ingest's columns, for messages. */
const char *const azIngestCol[IN_NCOL] = {
    "ts",
    "scope",
    "cloud_project_name",
    "machine_name",
    "user_id",
    USAGE_AMOUNTS(USAGE_AMOUNT_NAME) "intensity_gCo2eq_kwh"};

/* An amount field: a finite number >= 0, NULL or '' meaning zero (or NULL
** where bNullable). *pIsNull and *pR get the value to store. */
int ingest_arg_amount(IngestVtab *p, sqlite3_value *pVal, const char *zField,
                      int bNullable, int *pIsNull, double *pR) {
  double r = 0.0;
  int isNull;
  if (usage_value_number(pVal, &r, &isNull) || (!isNull && !(r >= 0.0))) {
    return ingest_field_error(p, zField, pVal, "must be a finite number >= 0");
  }
  *pIsNull = isNull && bNullable;
  *pR = isNull ? 0.0 : r;
  return SQLITE_OK;
}

/* Parameter i+1 of the upsert to NULL, unless it is NULL already. */
static int fact_bind_null(IngestVtab *p, sqlite3_stmt *pStmt, int i) {
  if (p->binds.aKind[i] == FB_NULL) return SQLITE_OK;
  p->binds.aKind[i] = FB_NULL;
  return sqlite3_bind_null(pStmt, i + 1);
}

/* Parameter i+1 of the upsert to the real r, unless it holds r already. */
static int fact_bind_real(IngestVtab *p, sqlite3_stmt *pStmt, int i, double r) {
  if (p->binds.aKind[i] == FB_VALUE &&
      memcmp(&p->binds.aAmount[i], &r, sizeof(r)) == 0) {
    return SQLITE_OK; /* same bits, so -0.0 and 0.0 stay apart */
  }
  p->binds.aKind[i] = FB_VALUE;
  p->binds.aAmount[i] = r;
  return sqlite3_bind_double(pStmt, i + 1, r);
}

/* Parameter i+1 of the upsert to the id iId, unless it holds iId already. */
static int fact_bind_id(IngestVtab *p, sqlite3_stmt *pStmt, int i,
                        sqlite3_int64 iId) {
  if (p->binds.aKind[i] == FB_VALUE && p->binds.aId[i] == iId) return SQLITE_OK;
  p->binds.aKind[i] = FB_VALUE;
  p->binds.aId[i] = iId;
  return sqlite3_bind_int64(pStmt, i + 1, iId);
}

/* ?1 to the canonical ts, kept in FactBinds so the bound text outlives the
** row; bound with its NUL, so the CHECKs' glob() and strftime() need no
** copy. */
static int fact_bind_ts(IngestVtab *p, sqlite3_stmt *pStmt, const char *zTs) {
  if (p->binds.aKind[IN_TS] == FB_VALUE &&
      memcmp(p->binds.zTs, zTs, USAGE_TS_LEN) == 0) {
    return SQLITE_OK;
  }
  p->binds.aKind[IN_TS] = FB_VALUE;
  memcpy(p->binds.zTs, zTs, USAGE_TS_LEN + 1);
  return sqlite3_bind_text(pStmt, IN_TS + 1, p->binds.zTs, -1, SQLITE_STATIC);
}

/* ?2 to the static name of scope eScope, the same text the row gave. */
static int fact_bind_scope(IngestVtab *p, sqlite3_stmt *pStmt, int eScope) {
  if (p->binds.aKind[IN_SCOPE] == FB_VALUE && p->binds.eScope == eScope) {
    return SQLITE_OK;
  }
  p->binds.aKind[IN_SCOPE] = FB_VALUE;
  p->binds.eScope = eScope;
  return sqlite3_bind_text(pStmt, IN_SCOPE + 1, usage_scope_name(eScope), -1,
                           SQLITE_STATIC);
}

/* Bind a fact's ts, scope, key ids and amounts to the one-row upsert. */
static int fact_bind_row(IngestVtab *p, sqlite3_stmt *pUpsert,
                         const FactRow *f) {
  int i, rc = fact_bind_ts(p, pUpsert, f->zTs);
  if (rc == SQLITE_OK) rc = fact_bind_scope(p, pUpsert, f->eScope);
  for (i = IN_PROJECT; rc == SQLITE_OK && i <= IN_MACHINE; i++) {
    rc = (f->eScope == i - IN_PROJECT + USAGE_SCOPE_PROJECT)
             ? fact_bind_id(p, pUpsert, i, f->aId[i - IN_PROJECT])
             : fact_bind_null(p, pUpsert, i);
  }
  if (rc == SQLITE_OK && f->zUser) {
    p->binds.aKind[IN_USER] = FB_VALUE; /* the row's own text: always bound */
    rc = sqlite3_bind_text(pUpsert, IN_USER + 1, f->zUser, f->nUser,
                           SQLITE_STATIC);
  } else if (rc == SQLITE_OK) {
    rc = fact_bind_null(p, pUpsert, IN_USER);
  }
  for (i = IN_BUSY_CPU; rc == SQLITE_OK && i <= IN_INTENSITY; i++) {
    rc = f->aIsNull[i] ? fact_bind_null(p, pUpsert, i)
                       : fact_bind_real(p, pUpsert, i, f->aAmount[i]);
  }
  return rc;
}

/* Is a value NULL, or '' (how a CSV writes NULL)? */
static int is_blank(sqlite3_value *pVal) {
  int eType = sqlite3_value_type(pVal);
  return eType == SQLITE_NULL ||
         (eType == SQLITE_TEXT && sqlite3_value_bytes(pVal) == 0);
}

/* Bind the provenance of a fact (?13 .. ?17); in a bulk load most rows
** share it with the row before, so only what differs is bound again. */
static int fact_bind_provenance(IngestVtab *p, sqlite3_stmt *pUpsert,
                                const FactRow *f) {
  FactBinds *b = &p->binds;
  const char *zEnergy = f->zEnergySource;
  const char *zCarbon = f->zCarbonSource;
  int rc = sqlite3_bind_double(pUpsert, 16, f->coveredKwh);
  if (rc == SQLITE_OK && b->bProvenance && b->zEnergySource == zEnergy &&
      b->zCarbonSource == zCarbon && b->bIntensityGiven == f->bIntensityGiven &&
      memcmp(&b->coverage, &f->coverage, sizeof(double)) == 0) {
    return SQLITE_OK;
  }
  b->bProvenance = 0;
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_text(pUpsert, 13, zEnergy, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_text(pUpsert, 14, zCarbon, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK) rc = sqlite3_bind_double(pUpsert, 15, f->coverage);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int(pUpsert, 17, f->bIntensityGiven);
  if (rc == SQLITE_OK) {
    b->bProvenance = 1;
    b->zEnergySource = zEnergy;
    b->zCarbonSource = zCarbon;
    b->coverage = f->coverage;
    b->bIntensityGiven = f->bIntensityGiven;
  }
  return rc;
}

/* Derive the energy and carbon the row leaves out (both kWh, or both g,
** NULL or ''), and fill in the fact's provenance. */
static int fact_derive(IngestVtab *p, sqlite3_value **a, FactRow *r) {
  UsageFact f;
  memset(&f, 0, sizeof(f));
  usage_time_parse_canonical(r->zTs, USAGE_TS_LEN, &f.t);
  f.bMachine = r->eScope == USAGE_SCOPE_MACHINE;
  f.iMachine = r->aId[1];
  f.busyCpu = r->aAmount[IN_BUSY_CPU];
  f.idleCpu = r->aAmount[IN_IDLE_CPU];
  f.bEnergyModel = is_blank(a[IN_BUSY_KWH]) && is_blank(a[IN_IDLE_KWH]);
  f.bCarbonDerived = is_blank(a[IN_BUSY_G]) && is_blank(a[IN_IDLE_G]);
  f.bIntensityGiven = !r->aIsNull[IN_INTENSITY];
  f.busyKwh = r->aAmount[IN_BUSY_KWH];
  f.idleKwh = r->aAmount[IN_IDLE_KWH];
  f.busyG = r->aAmount[IN_BUSY_G];
  f.idleG = r->aAmount[IN_IDLE_G];
  f.bIntensityNull = r->aIsNull[IN_INTENSITY];
  f.intensity = r->aAmount[IN_INTENSITY];
  if (f.bEnergyModel || f.bCarbonDerived) {
    char *zErr = 0;
    int rc = usage_derive(p->pDeriver, p->pDef->zName, &f, &zErr);
    if (rc != SQLITE_OK) {
      if (zErr == 0) return SQLITE_NOMEM;
      sqlite3_free(p->base.zErrMsg);
      p->base.zErrMsg = usage_error_schema(p->db, p->pDef->zName, zErr);
      return p->base.zErrMsg ? rc : SQLITE_NOMEM;
    }
  } else {
    f.eCarbonSource = USAGE_CARBON_GIVEN;
    f.coverage = 1.0;
    f.coveredKwh = f.busyKwh + f.idleKwh;
  }
  r->aAmount[IN_BUSY_KWH] = f.busyKwh;
  r->aAmount[IN_IDLE_KWH] = f.idleKwh;
  r->aAmount[IN_BUSY_G] = f.busyG;
  r->aAmount[IN_IDLE_G] = f.idleG;
  r->aAmount[IN_INTENSITY] = f.intensity;
  r->aIsNull[IN_INTENSITY] = f.bIntensityNull;
  r->zEnergySource = f.bEnergyModel ? "model" : "given";
  r->zCarbonSource = usage_carbon_source_name(f.eCarbonSource);
  r->coverage = f.coverage;
  r->coveredKwh = f.coveredKwh;
  r->bIntensityGiven = f.bIntensityGiven;
  return SQLITE_OK;
}

/* "usage_ingest: FIELD must beWHAT, got R", R in its shortest form. */
static int fact_number_error(IngestVtab *p, const char *zField,
                             const char *zWhat, double r) {
  char *zR = usage_double_repr(r);
  int rc;
  if (zR == 0) return SQLITE_NOMEM;
  rc = usage_vtab_error(&p->base, SQLITE_ERROR, "%s: %s must be%s, got %s",
                        p->pDef->zName, zField, zWhat, zR);
  sqlite3_free(zR);
  return rc;
}

/* What derivation made must still be a finite number >= 0 (a huge CPU
** time times the watts can overflow), as fact_usage's CHECKs require: an
** error that names the field now, rather than a CHECK failing when a
** batch of held facts is written. */
static int fact_check_derived(IngestVtab *p, const FactRow *f) {
  int i;
  for (i = IN_BUSY_KWH; i <= IN_IDLE_G; i++) {
    if (!(f->aAmount[i] >= 0.0 && f->aAmount[i] <= DBL_MAX)) {
      return fact_number_error(p, azIngestCol[i], " a finite number >= 0",
                               f->aAmount[i]);
    }
  }
  if (!(f->coveredKwh <= DBL_MAX)) {
    return fact_number_error(p, "busy_kwh + idle_kwh", " finite",
                             f->coveredKwh);
  }
  return SQLITE_OK;
}

/* Bind a fact to the one-row upsert and run it. */
int fact_write(IngestVtab *p, const FactRow *f) {
  sqlite3_stmt *pUpsert;
  int rc = ingest_stmt_get(p, ST_FACT_UPSERT, &pUpsert);
  if (rc != SQLITE_OK) return rc;
  rc = fact_bind_provenance(p, pUpsert, f);
  if (rc == SQLITE_OK) rc = fact_bind_row(p, pUpsert, f);
  if (rc != SQLITE_OK) {
    sqlite3_clear_bindings(pUpsert);
    memset(&p->binds, 0, sizeof(p->binds)); /* every parameter is NULL now */
    return rc;
  }
  rc = ingest_stmt_run(p, pUpsert, 0);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* INSERT INTO usage_ingest: check the row, resolve its key, derive what
** it leaves out, and write the fact (or hold it for its batch). */
int insert_fact(IngestVtab *p, sqlite3_value **a) {
  static const char *const azKey[3] = {"cloud_project_name", "machine_name",
                                       "user_id"};
  static const int aFind[3] = {ST_PROJECT_FIND, ST_MACHINE_FIND, ST_USER_FIND};
  const char *azName[3];
  int anName[3];
  sqlite3_int64 aId[3] = {0, 0, 0};
  FactRow r;
  int i, rc, bNoMem = 0;
  char *zErr;

  for (i = 0; i < 3; i++) {
    rc = ingest_arg_name(p, a[IN_PROJECT + i], azKey[i], 0, &azName[i],
                         &anName[i]);
    if (rc != SQLITE_OK) return rc;
  }
  zErr = usage_scope_problem(a[IN_SCOPE], azName[0] != 0, azName[1] != 0,
                             azName[2] != 0, azKey, &bNoMem);
  if (zErr) {
    rc = usage_vtab_error(&p->base, SQLITE_ERROR, "%s: %s", p->pDef->zName,
                          zErr);
    sqlite3_free(zErr);
    return rc;
  }
  if (bNoMem) return SQLITE_NOMEM;
  memset(&r, 0, sizeof(r));
  r.eScope = USAGE_SCOPE_ADA;
  rc = ingest_arg_time(p, a[IN_TS], "ts", r.zTs);
  for (i = IN_BUSY_CPU; rc == SQLITE_OK && i <= IN_INTENSITY; i++) {
    rc = ingest_arg_amount(p, a[i], azIngestCol[i], i == IN_INTENSITY,
                           &r.aIsNull[i], &r.aAmount[i]);
  }
  /* The scope rule held: at most one key is set, and it names the scope. */
  for (i = 0; rc == SQLITE_OK && i < 3; i++) {
    if (azName[i] == 0) continue;
    r.eScope = USAGE_SCOPE_PROJECT + i;
    rc = ingest_dim_id(p, aFind[i], azName[i], anName[i], &aId[i]);
  }
  if (rc != SQLITE_OK) return rc;
  r.aId[0] = aId[0];
  r.aId[1] = aId[1];
  r.zUser = azName[2];
  r.nUser = anName[2];
  rc = fact_derive(p, a, &r);
  if (rc == SQLITE_OK) rc = fact_check_derived(p, &r);
  return rc == SQLITE_OK ? batch_fact(p, &r) : rc;
}
