/*
** derive/rederive.c: re-deriving stored facts after their inputs changed.
**
**   DELETE FROM usage_intensity WHERE period_start = '2024-03-01T22:30:00Z';
**   -- the facts of 21:30 .. 22:59 are re-derived in the same statement
**
** usage_rederive() visits the derived facts of a range of ts. A change of
** intensity or of a setting changes carbon alone, and every fact at one ts
** shares its interval, so one UPDATE per scope and ts stores it, with the
** same arithmetic as derivation at ingest. A change of power model changes
** energy too: each fact is derived again in C and stored when it differs.
** Given values are never touched.
*/
#include <string.h>

#include "derive/derive_state.h"
SQLITE_EXTENSION_INIT3

/* A stored fact row of DS_FACTS as a UsageFact. */
static void fact_from_row(sqlite3_stmt *pFacts, int eScope, UsageFact *f) {
  memset(f, 0, sizeof(*f));
  usage_time_parse_canonical((const char *)sqlite3_column_text(pFacts, 1),
                             sqlite3_column_bytes(pFacts, 1), &f->t);
  f->bMachine = eScope == SCOPE_MACHINE;
  f->iMachine = sqlite3_column_int64(pFacts, 2);
  f->busyCpu = sqlite3_column_double(pFacts, 3);
  f->idleCpu = sqlite3_column_double(pFacts, 4);
  f->busyKwh = sqlite3_column_double(pFacts, 5);
  f->idleKwh = sqlite3_column_double(pFacts, 6);
  f->busyG = sqlite3_column_double(pFacts, 7);
  f->idleG = sqlite3_column_double(pFacts, 8);
  f->bIntensityNull = sqlite3_column_type(pFacts, 9) == SQLITE_NULL;
  f->intensity = sqlite3_column_double(pFacts, 9);
  f->bEnergyModel = sqlite3_column_int(pFacts, 10);
  f->bCarbonDerived = sqlite3_column_int(pFacts, 11);
  f->bIntensityGiven = sqlite3_column_int(pFacts, 12);
}

/* Do two doubles hold the same bits? */
static int same(double a, double b) {
  return memcmp(&a, &b, sizeof(a)) == 0;
}

/* Has derivation changed the stored row? */
static int fact_changed(sqlite3_stmt *pFacts, const UsageFact *f) {
  const char *zSource = (const char *)sqlite3_column_text(pFacts, 13);
  int bNull = sqlite3_column_type(pFacts, 9) == SQLITE_NULL;
  return !same(f->busyKwh, sqlite3_column_double(pFacts, 5)) ||
         !same(f->idleKwh, sqlite3_column_double(pFacts, 6)) ||
         !same(f->busyG, sqlite3_column_double(pFacts, 7)) ||
         !same(f->idleG, sqlite3_column_double(pFacts, 8)) ||
         bNull != f->bIntensityNull ||
         (!bNull && !same(f->intensity, sqlite3_column_double(pFacts, 9))) ||
         zSource == 0 ||
         strcmp(zSource, usage_carbon_source_name(f->eCarbonSource)) ||
         !same(f->coverage, sqlite3_column_double(pFacts, 14)) ||
         !same(f->coveredKwh, sqlite3_column_double(pFacts, 15));
}

/* Store a re-derived fact. */
static int fact_store(UsageDeriver *d, const char *zTable, sqlite3_int64 iId,
                      const UsageFact *f, char **pzErr) {
  sqlite3_stmt *pUpdate;
  int rc = usage_derive_stmt(d, DS_UPDATE, &pUpdate, zTable, pzErr);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_int64(pUpdate, 1, iId);
  sqlite3_bind_double(pUpdate, 2, f->busyKwh);
  sqlite3_bind_double(pUpdate, 3, f->idleKwh);
  sqlite3_bind_double(pUpdate, 4, f->busyG);
  sqlite3_bind_double(pUpdate, 5, f->idleG);
  if (f->bIntensityNull) {
    sqlite3_bind_null(pUpdate, 6);
  } else {
    sqlite3_bind_double(pUpdate, 6, f->intensity);
  }
  sqlite3_bind_text(pUpdate, 7, usage_carbon_source_name(f->eCarbonSource), -1,
                    SQLITE_STATIC);
  sqlite3_bind_double(pUpdate, 8, f->coverage);
  sqlite3_bind_double(pUpdate, 9, f->coveredKwh);
  return usage_derive_done(d, pUpdate, sqlite3_step(pUpdate), zTable, pzErr);
}

/* Re-derive the facts of one scope in the range. The scan reads the natural
** key, whose entries the UPDATEs leave alone, so it sees each row once. */
static int rederive_scope(UsageDeriver *d, const char *zTable, int eScope,
                          const char *zLo, const char *zHi, int eWhich,
                          sqlite3_int64 iMachine, char **pzErr) {
  sqlite3_stmt *pFacts;
  int rc = usage_derive_stmt(d, DS_FACTS, &pFacts, zTable, pzErr);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_text(pFacts, 1, usage_derive_scope[eScope], -1, SQLITE_STATIC);
  sqlite3_bind_text(pFacts, 2, zLo, USAGE_TS_LEN, SQLITE_STATIC);
  sqlite3_bind_text(pFacts, 3, zHi, USAGE_TS_LEN, SQLITE_STATIC);
  if (eWhich == USAGE_REDERIVE_MACHINE) sqlite3_bind_int64(pFacts, 4, iMachine);
  while ((rc = sqlite3_step(pFacts)) == SQLITE_ROW) {
    UsageFact f;
    fact_from_row(pFacts, eScope, &f);
    rc = usage_derive_loaded(d, zTable, &f, pzErr);
    if (rc == SQLITE_OK && fact_changed(pFacts, &f)) {
      rc = fact_store(d, zTable, sqlite3_column_int64(pFacts, 0), &f, pzErr);
    }
    if (rc != SQLITE_OK) {
      sqlite3_reset(pFacts);
      sqlite3_clear_bindings(pFacts);
      return rc;
    }
  }
  return usage_derive_done(d, pFacts, rc, zTable, pzErr);
}

/* Store the carbon of the interval at ts for the derived facts of one scope
** there, in one statement. */
static int carbon_store(UsageDeriver *d, const char *zTable, int eScope,
                        const char *zTs, int64_t t, char **pzErr) {
  sqlite3_stmt *pUpdate;
  const Carbon *c;
  int rc = usage_derive_carbon_at(d, zTable, t, &c, pzErr);
  if (rc == SQLITE_OK)
    rc = usage_derive_stmt(d, DS_CARBON, &pUpdate, zTable, pzErr);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_text(pUpdate, 1, usage_derive_scope[eScope], -1, SQLITE_STATIC);
  sqlite3_bind_text(pUpdate, 2, zTs, USAGE_TS_LEN, SQLITE_STATIC);
  if (c->eSource != USAGE_CARBON_NONE)
    sqlite3_bind_double(pUpdate, 3, c->intensity);
  sqlite3_bind_double(pUpdate, 4, c->coverage);
  sqlite3_bind_text(pUpdate, 5, usage_carbon_source_name(c->eSource), -1,
                    SQLITE_STATIC);
  return usage_derive_done(d, pUpdate, sqlite3_step(pUpdate), zTable, pzErr);
}

/* Re-derive the carbon alone of one scope's facts in the range: one UPDATE
** per distinct ts, since every fact at a ts shares its interval. */
static int rederive_carbon_scope(UsageDeriver *d, const char *zTable,
                                 int eScope, const char *zLo, const char *zHi,
                                 char **pzErr) {
  sqlite3_stmt *pTimes;
  int rc = usage_derive_stmt(d, DS_TIMES, &pTimes, zTable, pzErr);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_text(pTimes, 1, usage_derive_scope[eScope], -1, SQLITE_STATIC);
  sqlite3_bind_text(pTimes, 2, zLo, USAGE_TS_LEN, SQLITE_STATIC);
  sqlite3_bind_text(pTimes, 3, zHi, USAGE_TS_LEN, SQLITE_STATIC);
  while ((rc = sqlite3_step(pTimes)) == SQLITE_ROW) {
    char zTs[USAGE_TS_LEN + 1];
    const char *z = (const char *)sqlite3_column_text(pTimes, 0);
    int64_t t;
    if (z == 0 || sqlite3_column_bytes(pTimes, 0) != USAGE_TS_LEN ||
        usage_time_parse_canonical(z, USAGE_TS_LEN, &t)) {
      continue; /* the ts CHECK keeps such rows out */
    }
    memcpy(zTs, z, USAGE_TS_LEN + 1);
    rc = carbon_store(d, zTable, eScope, zTs, t, pzErr);
    if (rc != SQLITE_OK) {
      sqlite3_reset(pTimes);
      sqlite3_clear_bindings(pTimes);
      return rc;
    }
  }
  return usage_derive_done(d, pTimes, rc, zTable, pzErr);
}

int usage_rederive(UsageDeriver *d, const char *zTable, int64_t tLo,
                   int64_t tHi, int eWhich, sqlite3_int64 iMachine,
                   char **pzErr) {
  char zLo[USAGE_TS_LEN + 1], zHi[USAGE_TS_LEN + 1];
  int eScope, rc;
  if (tHi < tLo || tHi < USAGE_TS_MIN || tLo > USAGE_TS_MAX) return SQLITE_OK;
  rc = usage_derive_refresh(d, zTable, pzErr); /* the caller's change moved the
                                          ** change count: it reads afresh */
  usage_derive_time_text(tLo, zLo);
  usage_derive_time_text(tHi, zHi);
  for (eScope = 0; rc == SQLITE_OK && eScope < N_SCOPE; eScope++) {
    if (eWhich == USAGE_REDERIVE_MACHINE && eScope != SCOPE_MACHINE) continue;
    if (eWhich == USAGE_REDERIVE_CARBON) {
      rc = rederive_carbon_scope(d, zTable, eScope, zLo, zHi, pzErr);
    } else {
      rc = rederive_scope(d, zTable, eScope, zLo, zHi, eWhich, iMachine, pzErr);
    }
  }
  d->last.bValid = 0;
  usage_deriver_mark(d);
  return rc;
}
