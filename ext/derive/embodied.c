/*
** derive/embodied.c: the embodied carbon of a fact, from its CPU seconds
** and the embodied model in force at ts; re-deriving it after a model
** changed.
**
**   INSERT INTO usage_embodied_models VALUES
**     ('node-7', '2024-01-01', 1000, 4, 64, 'SCI example');
**   INSERT INTO usage_ingest(ts, scope, machine_name, busy_cpu_seconds_total,
**                            idle_cpu_seconds_total)
**     VALUES ('2024-03-01T10:00:00Z', 'machine', 'node-7', 57600, 172800);
**   SELECT printf('%.4f', embodied_gCo2eq), embodied_source
**     FROM fact_usage;                                  -- 28.5388|model
**
** The rules:
**   - A model's rate is embodied_kgco2e x 1000 / (lifespan_years x 8760 x
**     cores) gCO2eq per core-hour (a year is 8,760 hours, as SCI, Cloud
**     Carbon Footprint and Boavizta count it).
**   - A fact's embodied carbon is (busy + idle CPU seconds) / 3600 x the
**     rate of the model in force at ts: the machine's own for a
**     machine-scope fact when one is in force, else the platform default.
**   - With no model in force it is 0 and the source 'none'; reports show
**     NULL then.
** Embodied carbon is derived for every fact, whatever the row gave: the
** CSV of usage_ingest has no column for it.
*/
#include <string.h>

#include "derive/derive_state.h"
SQLITE_EXTENSION_INIT3

const char *const usage_embodied_sql[DS_COUNT - DS_EMB_FIRST] = {
    /* DS_EMB_MODELS */
    "SELECT COALESCE(machine_id, -1), valid_from, embodied_kgco2e, "
    "lifespan_years, cores FROM \"%w\".embodied_model "
    "ORDER BY COALESCE(machine_id, -1), valid_from",
    /* DS_EMB_FACTS: ?4 NULL reads every fact of the scope */
    "SELECT usage_id, ts, machine_id, busy_cpu_seconds_total, "
    "idle_cpu_seconds_total, embodied_gCo2eq, embodied_source = 'model' "
    "FROM \"%w\".fact_usage INDEXED BY fact_usage_natural_key "
    "WHERE scope = ?1 AND ts >= ?2 AND ts <= ?3 "
    "AND (?4 IS NULL OR machine_id = ?4)",
    /* DS_EMB_UPDATE */
    "UPDATE \"%w\".fact_usage SET embodied_gCo2eq = ?2, embodied_source = ?3 "
    "WHERE usage_id = ?1",
};

/* The rate of a model in gCO2eq per core-hour; the one expression that
** usage_check() and the docs repeat. */
static double embodied_rate(double kg, double years, double cores) {
  return kg * 1000.0 / (years * 8760.0 * cores);
}

/* Grow d->aEmb to hold one more model. */
static int emb_grow(UsageDeriver *d, int *pnAlloc) {
  EmbodiedModel *aNew;
  if (d->nEmb < *pnAlloc) return SQLITE_OK;
  *pnAlloc = *pnAlloc ? *pnAlloc * 2 : 16;
  aNew = sqlite3_realloc64(d->aEmb,
                           sizeof(EmbodiedModel) * (sqlite3_uint64)*pnAlloc);
  if (aNew == 0) return SQLITE_NOMEM;
  d->aEmb = aNew;
  return SQLITE_OK;
}

int usage_embodied_load(UsageDeriver *d, const char *zTable, char **pzErr) {
  sqlite3_stmt *pModels;
  int nAlloc = 0;
  int rc = usage_derive_stmt(d, DS_EMB_MODELS, &pModels, zTable, pzErr);
  if (rc != SQLITE_OK) return rc;
  sqlite3_free(d->aEmb);
  d->aEmb = 0;
  d->nEmb = 0;
  while ((rc = sqlite3_step(pModels)) == SQLITE_ROW) {
    EmbodiedModel *m;
    const char *zFrom = (const char *)sqlite3_column_text(pModels, 1);
    if (emb_grow(d, &nAlloc) != SQLITE_OK) {
      sqlite3_reset(pModels);
      return SQLITE_NOMEM;
    }
    m = &d->aEmb[d->nEmb++];
    m->iMachine = sqlite3_column_int64(pModels, 0);
    if (zFrom == 0 || usage_time_parse_canonical(
                          zFrom, sqlite3_column_bytes(pModels, 1), &m->tFrom)) {
      sqlite3_reset(pModels);
      *pzErr =
          sqlite3_mprintf("%s: embodied_model holds a bad valid_from", zTable);
      return SQLITE_ERROR;
    }
    m->rate = embodied_rate(sqlite3_column_double(pModels, 2),
                            sqlite3_column_double(pModels, 3),
                            sqlite3_column_double(pModels, 4));
  }
  return usage_derive_done(d, pModels, rc, zTable, pzErr);
}

/* The last embodied model of iMachine with valid_from <= t, or NULL. */
static const EmbodiedModel *emb_find(const UsageDeriver *d,
                                     sqlite3_int64 iMachine, int64_t t) {
  int lo = 0, hi = d->nEmb; /* first entry after (iMachine, t) */
  while (lo < hi) {
    int mid = lo + (hi - lo) / 2;
    const EmbodiedModel *m = &d->aEmb[mid];
    if (m->iMachine < iMachine || (m->iMachine == iMachine && m->tFrom <= t)) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo == 0 || d->aEmb[lo - 1].iMachine != iMachine) return 0;
  return &d->aEmb[lo - 1];
}

void usage_embodied_fact(const UsageDeriver *d, UsageFact *f) {
  const EmbodiedModel *m = 0;
  if (f->bMachine) m = emb_find(d, f->iMachine, f->t);
  if (m == 0) m = emb_find(d, -1, f->t);
  f->bEmbodied = m != 0;
  f->embodiedG = m ? (f->busyCpu + f->idleCpu) / 3600.0 * m->rate : 0.0;
}

/* Store a fact's embodied carbon when it differs from what is stored. */
static int emb_store(UsageDeriver *d, const char *zTable, sqlite3_stmt *pFacts,
                     const UsageFact *f, char **pzErr) {
  sqlite3_stmt *pUpdate;
  double old = sqlite3_column_double(pFacts, 5);
  int rc;
  if (memcmp(&old, &f->embodiedG, sizeof(old)) == 0 &&
      sqlite3_column_int(pFacts, 6) == f->bEmbodied) {
    return SQLITE_OK;
  }
  if (!(f->embodiedG <= 1.7976931348623157e308)) {
    *pzErr =
        sqlite3_mprintf("%s: embodied_gCo2eq of fact %lld must be "
                        "finite, got %!.17g",
                        zTable, sqlite3_column_int64(pFacts, 0), f->embodiedG);
    return SQLITE_ERROR;
  }
  rc = usage_derive_stmt(d, DS_EMB_UPDATE, &pUpdate, zTable, pzErr);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_int64(pUpdate, 1, sqlite3_column_int64(pFacts, 0));
  sqlite3_bind_double(pUpdate, 2, f->embodiedG);
  sqlite3_bind_text(pUpdate, 3, f->bEmbodied ? "model" : "none", -1,
                    SQLITE_STATIC);
  return usage_derive_done(d, pUpdate, sqlite3_step(pUpdate), zTable, pzErr);
}

/* Re-derive the embodied carbon of one scope's facts in [zLo, zHi]. The
** scan reads the natural key, which the UPDATEs leave alone. */
static int emb_scope(UsageDeriver *d, const char *zTable, int eScope,
                     const char *zLo, const char *zHi, sqlite3_int64 iMachine,
                     char **pzErr) {
  sqlite3_stmt *pFacts;
  int rc = usage_derive_stmt(d, DS_EMB_FACTS, &pFacts, zTable, pzErr);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_text(pFacts, 1, usage_derive_scope[eScope], -1, SQLITE_STATIC);
  sqlite3_bind_text(pFacts, 2, zLo, USAGE_TS_LEN, SQLITE_STATIC);
  sqlite3_bind_text(pFacts, 3, zHi, USAGE_TS_LEN, SQLITE_STATIC);
  if (iMachine >= 0) sqlite3_bind_int64(pFacts, 4, iMachine);
  while ((rc = sqlite3_step(pFacts)) == SQLITE_ROW) {
    UsageFact f;
    memset(&f, 0, sizeof(f));
    usage_time_parse_canonical((const char *)sqlite3_column_text(pFacts, 1),
                               sqlite3_column_bytes(pFacts, 1), &f.t);
    f.bMachine = eScope == SCOPE_MACHINE;
    f.iMachine = sqlite3_column_int64(pFacts, 2);
    f.busyCpu = sqlite3_column_double(pFacts, 3);
    f.idleCpu = sqlite3_column_double(pFacts, 4);
    usage_embodied_fact(d, &f);
    rc = emb_store(d, zTable, pFacts, &f, pzErr);
    if (rc != SQLITE_OK) {
      sqlite3_reset(pFacts);
      sqlite3_clear_bindings(pFacts);
      return rc;
    }
  }
  return usage_derive_done(d, pFacts, rc, zTable, pzErr);
}

int usage_rederive_embodied(UsageDeriver *d, const char *zTable, int64_t tLo,
                            int64_t tHi, sqlite3_int64 iMachine, char **pzErr) {
  char zLo[USAGE_TS_LEN + 1], zHi[USAGE_TS_LEN + 1];
  int eScope, rc;
  if (tHi < tLo || tHi < USAGE_TS_MIN || tLo > USAGE_TS_MAX) return SQLITE_OK;
  rc = usage_derive_refresh(d, zTable, pzErr); /* reads the change afresh */
  usage_derive_time_text(tLo, zLo);
  usage_derive_time_text(tHi, zHi);
  for (eScope = 0; rc == SQLITE_OK && eScope < N_SCOPE; eScope++) {
    if (iMachine >= 0 && eScope != SCOPE_MACHINE) continue;
    rc = emb_scope(d, zTable, eScope, zLo, zHi, iMachine, pzErr);
  }
  usage_deriver_mark(d);
  return rc;
}
