/*
** derive/derive.c: energy and carbon of a fact, from its CPU seconds, the
** power model in force at ts and the grid-intensity series of the region.
**
**   SELECT usage_config('fact_interval');          -- '1 hour'
**   INSERT INTO usage_intensity VALUES
**     ('GB', '2024-03-01T22:00Z', '2024-03-01T22:30Z', 144, 'forecast', ''),
**     ('GB', '2024-03-01T22:30Z', '2024-03-01T23:00Z', 140, 'forecast', '');
**   INSERT INTO usage_ingest(ts, scope, busy_cpu_seconds_total,
**                            idle_cpu_seconds_total)
**     VALUES ('2024-03-01T22:00:00Z', 'ada', 3600, 7200);
**   SELECT busy_kwh + idle_kwh, intensity_gCo2eq_kwh, carbon_source
**     FROM fact_usage;                             -- 0.014|142.0|forecast
**
** The rules:
**   - kWh = CPU seconds x watts x pue / 3.6e6, busy and idle apart, with the
**     model of the fact's machine in force at ts (machine scope), else the
**     platform default in force at ts.
**   - A fact at ts covers [ts, ts + fact_interval). At each instant of it
**     the intensity is that of the period covering the instant with the
**     best kind (actual, then forecast, then default; among periods of that
**     kind, the one that starts last). I is the time-weighted mean over the
**     covered instants, and the coverage is their share of the interval.
**   - g = kWh x I. With no coverage, g is 0, the intensity NULL and the
**     source 'none'. The source is the one kind used, or 'mixed'.
**
** This file reads the settings, the models and the periods, and derives
** one fact (usage_derive()); derive/rederive.c recomputes stored facts after
** those inputs changed, leaving each fact's given values as they are.
*/
#include <stdlib.h>
#include <string.h>

#include "derive/derive_state.h"
SQLITE_EXTENSION_INIT3

const char *const usage_derive_scope[4] = {"ada", "project", "machine", "user"};

static const char *const azDeriveSql[DS_COUNT] = {
    "SELECT key, value FROM \"%w\".usage_meta WHERE key = 'region' "
    "OR key = 'fact_interval' OR key = 'intensity_max_seconds'",
    "SELECT COALESCE(machine_id, -1), valid_from, busy_watts, idle_watts, pue "
    "FROM \"%w\".power_model ORDER BY COALESCE(machine_id, -1), valid_from",
    "SELECT period_start, period_end, gco2_per_kwh, kind "
    "FROM \"%w\".grid_intensity WHERE region = ?1 AND period_start >= ?2 "
    "AND period_start < ?3",
    "SELECT usage_id, ts, machine_id, busy_cpu_seconds_total, "
    "idle_cpu_seconds_total, busy_kwh, idle_kwh, busy_gCo2eq, idle_gCo2eq, "
    "intensity_gCo2eq_kwh, energy_source = 'model', carbon_source <> 'given', "
    "intensity_given, carbon_source, carbon_coverage, covered_kwh "
    "FROM \"%w\".fact_usage INDEXED BY fact_usage_natural_key "
    "WHERE scope = ?1 AND ts >= ?2 AND ts <= ?3 AND (?4 IS NULL OR machine_id = ?4) "
    "AND (energy_source = 'model' OR carbon_source <> 'given')",
    "UPDATE \"%w\".fact_usage SET busy_kwh = ?2, idle_kwh = ?3, "
    "busy_gCo2eq = ?4, idle_gCo2eq = ?5, intensity_gCo2eq_kwh = ?6, "
    "carbon_source = ?7, carbon_coverage = ?8, covered_kwh = ?9 "
    "WHERE usage_id = ?1",
    "SELECT DISTINCT ts FROM \"%w\".fact_usage INDEXED BY fact_usage_natural_key "
    "WHERE scope = ?1 AND ts >= ?2 AND ts <= ?3",
    /* The carbon of every derived fact of one scope and ts, from the
  ** interval's intensity ?3 (NULL: none), coverage ?4 and source ?5: the
  ** same arithmetic as derive_loaded(), so both give the same bits. */
    "UPDATE \"%w\".fact_usage INDEXED BY fact_usage_natural_key SET "
    "busy_gCo2eq = COALESCE(busy_kwh * ?3, 0.0), "
    "idle_gCo2eq = COALESCE(idle_kwh * ?3, 0.0), "
    "intensity_gCo2eq_kwh = CASE WHEN intensity_given THEN intensity_gCo2eq_kwh "
    "ELSE ?3 END, carbon_source = ?5, carbon_coverage = ?4, "
    "covered_kwh = (busy_kwh + idle_kwh) * ?4 "
    "WHERE scope = ?1 AND ts = ?2 AND carbon_source <> 'given'",
};

static const char *const azCarbonSource[] = {"given",   "actual", "forecast",
                                             "default", "mixed",  "none"};

const char *usage_carbon_source_name(int eSource) {
  if (eSource < 0 || eSource > USAGE_CARBON_NONE) return "?";
  return azCarbonSource[eSource];
}

UsageDeriver *usage_deriver_new(sqlite3 *db, const char *zSchema) {
  UsageDeriver *d = sqlite3_malloc(sizeof(*d));
  if (d == 0) return 0;
  memset(d, 0, sizeof(*d));
  d->db = db;
  d->zSchema = sqlite3_mprintf("%s", zSchema);
  if (d->zSchema == 0) {
    sqlite3_free(d);
    return 0;
  }
  return d;
}

int usage_deriver_connect(sqlite3 *db, const char *zDecl, const char *zTable,
                          const char *const *argv, char **pzSchema,
                          UsageDeriver **ppDeriver, char **pzErr) {
  char *zSchema;
  UsageDeriver *d;
  int rc = sqlite3_declare_vtab(db, zDecl);
  if (rc != SQLITE_OK) return rc;
  rc = sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
  if (rc != SQLITE_OK) {
    *pzErr = sqlite3_mprintf("%s: %s", zTable, sqlite3_errstr(rc));
    return rc;
  }
  zSchema = sqlite3_mprintf("%s", argv[1]);
  d = zSchema ? usage_deriver_new(db, argv[1]) : 0;
  if (d == 0) {
    sqlite3_free(zSchema);
    return SQLITE_NOMEM;
  }
  *pzSchema = zSchema;
  *ppDeriver = d;
  return SQLITE_OK;
}

void usage_deriver_free(UsageDeriver *d) {
  int i;
  if (d == 0) return;
  for (i = 0; i < DS_COUNT; i++) sqlite3_finalize(d->aStmt[i]);
  sqlite3_free(d->aModel);
  sqlite3_free(d->aPeriod);
  sqlite3_free(d->zSchema);
  sqlite3_free(d);
}

void usage_deriver_forget(UsageDeriver *d) {
  d->bLoaded = 0;
  d->last.bValid = 0;
}

void usage_deriver_mark(UsageDeriver *d) {
  d->nChangeMark = sqlite3_total_changes(d->db);
}

/* The statement iStmt, prepared on first use and kept; each "%w" of its
** SQL is the schema. */
int usage_derive_stmt(UsageDeriver *d, int iStmt, sqlite3_stmt **ppStmt,
                      const char *zTable, char **pzErr) {
  *ppStmt = 0;
  if (d->aStmt[iStmt] == 0) {
    char *zSql = sqlite3_mprintf(azDeriveSql[iStmt], d->zSchema);
    int rc =
        zSql ? sqlite3_prepare_v3(d->db, zSql, -1, SQLITE_PREPARE_PERSISTENT,
                                  &d->aStmt[iStmt], 0)
             : SQLITE_NOMEM;
    sqlite3_free(zSql);
    if (rc == SQLITE_NOMEM) return rc;
    if (rc != SQLITE_OK) {
      *pzErr = sqlite3_mprintf("%s: %s", zTable, sqlite3_errmsg(d->db));
      return rc;
    }
  }
  *ppStmt = d->aStmt[iStmt];
  return SQLITE_OK;
}

/* Finish a statement's run: reset it, and turn a failure into *pzErr. */
int usage_derive_done(UsageDeriver *d, sqlite3_stmt *pStmt, int rc,
                      const char *zTable, char **pzErr) {
  if (rc == SQLITE_DONE || rc == SQLITE_ROW) rc = SQLITE_OK;
  if (rc != SQLITE_OK) {
    rc = sqlite3_reset(pStmt);
    if (rc == SQLITE_OK) rc = SQLITE_ERROR;
    *pzErr = sqlite3_mprintf("%s: %s", zTable, sqlite3_errmsg(d->db));
  } else {
    sqlite3_reset(pStmt);
  }
  sqlite3_clear_bindings(pStmt);
  return rc;
}

/* Apply one usage_meta row to the settings; a bad stored value is an error
** naming it, so a hand-edited usage_meta never derives silently wrong. */
static int apply_setting(UsageDeriver *d, sqlite3_stmt *pMeta,
                         const char *zTable, char **pzErr) {
  const char *zKey = (const char *)sqlite3_column_text(pMeta, 0);
  const char *zVal = (const char *)sqlite3_column_text(pMeta, 1);
  int nVal = sqlite3_column_bytes(pMeta, 1);
  if (zKey == 0) return SQLITE_NOMEM;
  if (strcmp(zKey, "intensity_max_seconds") == 0) {
    d->nMaxPeriod = sqlite3_column_int64(pMeta, 1);
    return SQLITE_OK;
  }
  if (strcmp(zKey, "region") == 0) {
    if (zVal == 0 || nVal == 0 || nVal > REGION_MAX) {
      *pzErr = sqlite3_mprintf("%s: usage_meta holds a bad region", zTable);
      return SQLITE_ERROR;
    }
    memcpy(d->zRegion, zVal, (size_t)nVal + 1);
    return SQLITE_OK;
  } else {
    UsageWidth w;
    const char *zWhy = 0;
    if (zVal == 0 || usage_width_parse(zVal, nVal, &w, &zWhy) ||
        w.eKind != USAGE_WIDTH_SECONDS) {
      *pzErr = sqlite3_mprintf("%s: usage_meta holds a bad fact_interval "
                               "'%q'",
                               zTable, zVal ? zVal : "");
      return SQLITE_ERROR;
    }
    d->nInterval = w.n;
    return SQLITE_OK;
  }
}

/* Read the settings from usage_meta, with their defaults. */
static int load_settings(UsageDeriver *d, const char *zTable, char **pzErr) {
  sqlite3_stmt *pMeta;
  int rc = usage_derive_stmt(d, DS_META, &pMeta, zTable, pzErr);
  if (rc != SQLITE_OK) return rc;
  memcpy(d->zRegion, "GB", 3);
  d->nInterval = 3600;
  d->nMaxPeriod = 0;
  while ((rc = sqlite3_step(pMeta)) == SQLITE_ROW) {
    rc = apply_setting(d, pMeta, zTable, pzErr);
    if (rc != SQLITE_OK) {
      sqlite3_reset(pMeta);
      return rc;
    }
  }
  return usage_derive_done(d, pMeta, rc, zTable, pzErr);
}

/* Read every power model, in (machine, valid_from) order. */
static int load_models(UsageDeriver *d, const char *zTable, char **pzErr) {
  sqlite3_stmt *pModels;
  int nAlloc = 0, rc = usage_derive_stmt(d, DS_MODELS, &pModels, zTable, pzErr);
  if (rc != SQLITE_OK) return rc;
  sqlite3_free(d->aModel);
  d->aModel = 0;
  d->nModel = 0;
  while ((rc = sqlite3_step(pModels)) == SQLITE_ROW) {
    Model *m;
    const char *zFrom = (const char *)sqlite3_column_text(pModels, 1);
    if (d->nModel == nAlloc) {
      Model *aNew;
      nAlloc = nAlloc ? nAlloc * 2 : 16;
      aNew =
          sqlite3_realloc64(d->aModel, sizeof(Model) * (sqlite3_uint64)nAlloc);
      if (aNew == 0) {
        sqlite3_reset(pModels);
        return SQLITE_NOMEM;
      }
      d->aModel = aNew;
    }
    m = &d->aModel[d->nModel++];
    m->iMachine = sqlite3_column_int64(pModels, 0);
    if (zFrom == 0 || usage_time_parse_canonical(
                          zFrom, sqlite3_column_bytes(pModels, 1), &m->tFrom)) {
      sqlite3_reset(pModels);
      *pzErr =
          sqlite3_mprintf("%s: power_model holds a bad valid_from", zTable);
      return SQLITE_ERROR;
    }
    m->busyW = sqlite3_column_double(pModels, 2);
    m->idleW = sqlite3_column_double(pModels, 3);
    m->pue = sqlite3_column_double(pModels, 4);
  }
  return usage_derive_done(d, pModels, rc, zTable, pzErr);
}

/* Make sure the settings and models are current: re-read them when
** another statement has written since the owner's last row. */
int usage_derive_refresh(UsageDeriver *d, const char *zTable, char **pzErr) {
  int rc;
  if (d->bLoaded && d->nChangeMark == sqlite3_total_changes(d->db)) {
    return SQLITE_OK;
  }
  d->bLoaded = 0;
  d->last.bValid = 0;
  rc = load_settings(d, zTable, pzErr);
  if (rc == SQLITE_OK) rc = load_models(d, zTable, pzErr);
  if (rc != SQLITE_OK) return rc;
  d->bLoaded = 1;
  d->nChangeMark = sqlite3_total_changes(d->db);
  return SQLITE_OK;
}

int usage_deriver_settings(UsageDeriver *d, const char **pzRegion,
                           int64_t *pInterval, char **pzErr) {
  int rc = usage_derive_refresh(d, "usage_config", pzErr);
  if (rc != SQLITE_OK) return rc;
  *pzRegion = d->zRegion;
  *pInterval = d->nInterval;
  return SQLITE_OK;
}

/* The last model of iMachine with valid_from <= t, or NULL. */
static const Model *model_find(const UsageDeriver *d, sqlite3_int64 iMachine,
                               int64_t t) {
  int lo = 0, hi = d->nModel; /* first entry after (iMachine, t) */
  while (lo < hi) {
    int mid = lo + (hi - lo) / 2;
    const Model *m = &d->aModel[mid];
    if (m->iMachine < iMachine || (m->iMachine == iMachine && m->tFrom <= t)) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo == 0) return 0;
  if (d->aModel[lo - 1].iMachine != iMachine) return 0;
  return &d->aModel[lo - 1];
}

/* The energy of a fact from the model in force at its ts. */
static int derive_energy(UsageDeriver *d, const char *zTable, UsageFact *f,
                         char **pzErr) {
  const Model *m = 0;
  if (f->bMachine) m = model_find(d, f->iMachine, f->t);
  if (m == 0) m = model_find(d, -1, f->t);
  if (m == 0) {
    char zTs[USAGE_TS_LEN + 1];
    usage_time_format(f->t, zTs);
    *pzErr = sqlite3_mprintf("%s: no power model is in force at ts '%s'; "
                             "add one to usage_power_models",
                             zTable, zTs);
    return SQLITE_ERROR;
  }
  f->busyKwh = f->busyCpu * m->busyW * m->pue / 3.6e6;
  f->idleKwh = f->idleCpu * m->idleW * m->pue / 3.6e6;
  return SQLITE_OK;
}

/* The canonical text of t, clamped into the years 0000-9999. */
void usage_derive_time_text(int64_t t, char *zOut) {
  if (t < USAGE_TS_MIN) t = USAGE_TS_MIN;
  if (t > USAGE_TS_MAX) t = USAGE_TS_MAX;
  usage_time_format(t, zOut);
}

/* Rank of a kind text: 0 actual, 1 forecast, 2 default. */
static int kind_rank(const char *z) {
  if (z && z[0] == 'a') return 0;
  if (z && z[0] == 'f') return 1;
  return 2;
}

/* Read the periods of region zRegion that overlap [a, b) into d->aPeriod. */
int usage_derive_read_periods(UsageDeriver *d, const char *zTable,
                              const char *zRegion, int64_t a, int64_t b,
                              int *pnPeriod, char **pzErr) {
  char zLo[USAGE_TS_LEN + 1], zHi[USAGE_TS_LEN + 1];
  sqlite3_stmt *pStmt;
  int n = 0, rc = usage_derive_stmt(d, DS_PERIODS, &pStmt, zTable, pzErr);
  if (rc != SQLITE_OK) return rc;
  usage_derive_time_text(a - d->nMaxPeriod, zLo);
  usage_derive_time_text(b, zHi);
  sqlite3_bind_text(pStmt, 1, zRegion, -1, SQLITE_STATIC);
  sqlite3_bind_text(pStmt, 2, zLo, USAGE_TS_LEN, SQLITE_STATIC);
  sqlite3_bind_text(pStmt, 3, zHi, USAGE_TS_LEN, SQLITE_STATIC);
  while ((rc = sqlite3_step(pStmt)) == SQLITE_ROW) {
    Period p;
    const char *zS = (const char *)sqlite3_column_text(pStmt, 0);
    const char *zE = (const char *)sqlite3_column_text(pStmt, 1);
    if (zS == 0 || zE == 0 ||
        usage_time_parse_canonical(zS, sqlite3_column_bytes(pStmt, 0),
                                   &p.tStart) ||
        usage_time_parse_canonical(zE, sqlite3_column_bytes(pStmt, 1),
                                   &p.tEnd)) {
      continue; /* the CHECKs keep such rows out */
    }
    if (p.tEnd <= a || p.tStart >= b) continue;
    p.g = sqlite3_column_double(pStmt, 2);
    p.iKind = kind_rank((const char *)sqlite3_column_text(pStmt, 3));
    if (n == d->nPeriodAlloc) {
      int nNew = n ? n * 2 : 16;
      Period *aNew =
          sqlite3_realloc64(d->aPeriod, sizeof(Period) * (sqlite3_uint64)nNew);
      if (aNew == 0) {
        sqlite3_reset(pStmt);
        return SQLITE_NOMEM;
      }
      d->aPeriod = aNew;
      d->nPeriodAlloc = nNew;
    }
    d->aPeriod[n++] = p;
  }
  *pnPeriod = n;
  return usage_derive_done(d, pStmt, rc, zTable, pzErr);
}

/* qsort order of instants. */
static int cmp_time(const void *pA, const void *pB) {
  int64_t a = *(const int64_t *)pA, b = *(const int64_t *)pB;
  return a < b ? -1 : a > b;
}

/* The period that rules the segment [x, y): best kind, then latest start. */
static const Period *segment_winner(const Period *a, int n, int64_t x,
                                    int64_t y) {
  const Period *pBest = 0;
  int i;
  for (i = 0; i < n; i++) {
    const Period *p = &a[i];
    if (p->tStart > x || p->tEnd < y) continue;
    if (pBest == 0 || p->iKind < pBest->iKind ||
        (p->iKind == pBest->iKind && p->tStart > pBest->tStart)) {
      pBest = p;
    }
  }
  return pBest;
}

/* The carbon of the interval [a, b) from the n periods aP that overlap it:
** a sweep over the segments between their boundaries. */
int usage_derive_sweep(const Period *aP, int n, int64_t a, int64_t b,
                       Carbon *c) {
  int64_t aStack[66], *aT = aStack, covered = 0;
  double sum = 0.0;
  int i, nT = 0, kinds = 0;
  if (2 * n + 2 > (int)(sizeof(aStack) / sizeof(aStack[0]))) {
    aT = sqlite3_malloc64(sizeof(int64_t) * (sqlite3_uint64)(2 * n + 2));
    if (aT == 0) return SQLITE_NOMEM;
  }
  aT[nT++] = a;
  aT[nT++] = b;
  for (i = 0; i < n; i++) {
    if (aP[i].tStart > a) aT[nT++] = aP[i].tStart;
    if (aP[i].tEnd < b) aT[nT++] = aP[i].tEnd;
  }
  qsort(aT, (size_t)nT, sizeof(int64_t), cmp_time);
  for (i = 0; i + 1 < nT; i++) {
    const Period *p;
    if (aT[i] == aT[i + 1]) continue;
    p = segment_winner(aP, n, aT[i], aT[i + 1]);
    if (p == 0) continue;
    covered += aT[i + 1] - aT[i];
    sum += p->g * (double)(aT[i + 1] - aT[i]);
    kinds |= 1 << p->iKind;
  }
  if (aT != aStack) sqlite3_free(aT);
  c->coverage = (double)covered / (double)(b - a);
  c->intensity = covered ? sum / (double)covered : 0.0;
  c->eSource = kinds == 0   ? USAGE_CARBON_NONE
               : kinds == 1 ? USAGE_CARBON_ACTUAL
               : kinds == 2 ? USAGE_CARBON_FORECAST
               : kinds == 4 ? USAGE_CARBON_DEFAULT
                            : USAGE_CARBON_MIXED;
  return SQLITE_OK;
}

/* The carbon of the interval starting at t, reusing the last result. */
int usage_derive_carbon_at(UsageDeriver *d, const char *zTable, int64_t t,
                           const Carbon **ppC, char **pzErr) {
  int n = 0, rc;
  int64_t b = t + d->nInterval;
  if (d->last.bValid && d->last.t == t) {
    *ppC = &d->last;
    return SQLITE_OK;
  }
  d->last.bValid = 0;
  rc = usage_derive_read_periods(d, zTable, d->zRegion, t, b, &n, pzErr);
  if (rc == SQLITE_OK) rc = usage_derive_sweep(d->aPeriod, n, t, b, &d->last);
  if (rc != SQLITE_OK) return rc;
  d->last.t = t;
  d->last.bValid = 1;
  *ppC = &d->last;
  return SQLITE_OK;
}

/* Derive what the flags ask for, with the settings and models loaded. */
int usage_derive_loaded(UsageDeriver *d, const char *zTable, UsageFact *f,
                        char **pzErr) {
  const Carbon *c;
  int rc;
  if (f->bEnergyModel) {
    rc = derive_energy(d, zTable, f, pzErr);
    if (rc != SQLITE_OK) return rc;
  }
  if (!f->bCarbonDerived) {
    f->eCarbonSource = USAGE_CARBON_GIVEN;
    f->coverage = 1.0;
    f->coveredKwh = f->busyKwh + f->idleKwh;
    return SQLITE_OK;
  }
  rc = usage_derive_carbon_at(d, zTable, f->t, &c, pzErr);
  if (rc != SQLITE_OK) return rc;
  f->eCarbonSource = c->eSource;
  f->coverage = c->coverage;
  if (c->eSource == USAGE_CARBON_NONE) {
    f->busyG = f->idleG = 0.0;
    f->coveredKwh = 0.0;
    if (!f->bIntensityGiven) f->bIntensityNull = 1;
    return SQLITE_OK;
  }
  f->busyG = f->busyKwh * c->intensity;
  f->idleG = f->idleKwh * c->intensity;
  f->coveredKwh = (f->busyKwh + f->idleKwh) * c->coverage;
  if (!f->bIntensityGiven) {
    f->bIntensityNull = 0;
    f->intensity = c->intensity;
  }
  return SQLITE_OK;
}

int usage_derive(UsageDeriver *d, const char *zTable, UsageFact *f,
                 char **pzErr) {
  int rc = usage_derive_refresh(d, zTable, pzErr);
  if (rc != SQLITE_OK) return rc;
  return usage_derive_loaded(d, zTable, f, pzErr);
}
