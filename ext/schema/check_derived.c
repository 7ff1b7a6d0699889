/*
** schema/check_derived.c: the part of usage_check() that derives every
** derived fact again and compares it with what fact_usage stores.
**
**   UPDATE fact_usage SET busy_kwh = busy_kwh * 2 WHERE energy_source = 'model';
**   SELECT * FROM usage_check();
**   -- error|derived energy disagrees|ada at 2024-03-01T10:00:00Z
**   --   (usage_id 1): busy_kwh 0.024 stored, 0.012 from its power model
**   --   (relative tolerance 1e-9); its carbon is checked once its energy
**   --   agrees
**
** The check calls the derivation itself (derive/derive.c), so it and the
** derivation cannot disagree by using two formulas. It reads fact_usage
** once, in rowid order, and gives rows of these kinds:
**   - "derived facts unchecked" (error, alone): the settings or the models
**     cannot be read, so nothing can be derived;
**   - "derived energy disagrees" (error): a fact of energy_source 'model'
**     whose busy_kwh or idle_kwh differs from what the power model in force
**     at its ts gives (or no model is in force there); its carbon is then
**     not checked, since it follows from the energy;
**   - "derived carbon disagrees" (error): a fact of derived carbon whose
**     carbon_source, carbon_coverage, covered_kwh, gCO2eq or intensity
**     differs from what the intensity periods give for its stored kWh, and
**     whose stored values do not even agree with one another;
**   - "derived carbon stale" (warning): the same difference, but the stored
**     values agree with one another (gCO2eq = kWh x coverage x intensity,
**     covered_kwh = kWh x coverage; or the zeros of 'none'): the periods
**     changed under the facts without a re-derivation, e.g. a raw write to
**     grid_intensity.
** Two numbers differ when they are more than 1e-9 apart, relative to the
** larger. Each kind gives at most CD_MAX_ROWS rows, then one row saying how
** many more there are.
*/
#include <math.h>
#include <string.h>

#include "derive/derive.h"
#include "schema/check.h"
#include "value/value.h"
SQLITE_EXTENSION_INIT3

/* The rows given per kind before a summary row. */
#define CD_MAX_ROWS 100

/* The relative tolerance, as a number and as the detail prints it. */
#define CD_TOLERANCE 1e-9
#define CD_TOLERANCE_TEXT "1e-9"

/* The kinds of row. */
enum { CD_ENERGY, CD_CARBON, CD_STALE, CD_NKIND };

static const char *const azKindWhat[CD_NKIND] = {"derived energy disagrees",
                                                 "derived carbon disagrees",
                                                 "derived carbon stale"};
static const char *const azKindSeverity[CD_NKIND] = {"error", "error",
                                                     "warning"};

/* The derived facts, in rowid order. */
static const char zFactsSql[] =
    "SELECT usage_id, scope, ts, project_id, machine_id, user_id, "
    "busy_cpu_seconds_total, idle_cpu_seconds_total, busy_kwh, idle_kwh, "
    "busy_gCo2eq, idle_gCo2eq, intensity_gCo2eq_kwh, energy_source = 'model', "
    "carbon_source, carbon_coverage, covered_kwh, intensity_given "
    "FROM main.fact_usage "
    "WHERE energy_source = 'model' OR carbon_source <> 'given'";

/* Columns of zFactsSql. */
enum {
  FC_ID,
  FC_SCOPE,
  FC_TS,
  FC_PROJECT,
  FC_MACHINE,
  FC_USER,
  FC_BUSY_CPU,
  FC_IDLE_CPU,
  FC_BUSY_KWH,
  FC_IDLE_KWH,
  FC_BUSY_G,
  FC_IDLE_G,
  FC_INTENSITY,
  FC_MODEL,
  FC_SOURCE,
  FC_COVERAGE,
  FC_COVERED,
  FC_INTENSITY_GIVEN
};

/* The name of a fact's key, for the detail: ?1 scope, ?2..?4 the ids. */
static const char zKeySql[] =
    "SELECT CASE ?1 WHEN 'project' THEN (SELECT cloud_project_name FROM "
    "main.dim_project WHERE project_id = ?2) WHEN 'machine' THEN (SELECT "
    "machine_name FROM main.dim_machine WHERE machine_id = ?3) "
    "WHEN 'user' THEN ?4 END";

/* The state of one check. */
typedef struct CheckDerived {
  sqlite3 *db;
  CheckList *pList;
  UsageDeriver *pDeriver;
  sqlite3_stmt *pFacts; /* zFactsSql, stepping */
  sqlite3_stmt *pKey;   /* zKeySql, prepared on first use */
  sqlite3_int64 anFound[CD_NKIND];
} CheckDerived;

/* Do two stored numbers differ beyond the tolerance? */
static int differ(double a, double b) {
  double m = fmax(fabs(a), fabs(b));
  return fabs(a - b) > CD_TOLERANCE * m;
}

/* Free an unused detail: SQLITE_NOMEM if appending to it failed. */
static int str_drop(sqlite3_str *pOut) {
  int rc = sqlite3_str_errcode(pOut) ? SQLITE_NOMEM : SQLITE_OK;
  sqlite3_free(sqlite3_str_finish(pOut));
  return rc;
}

/* "SCOPE KEY at TS (usage_id N)": the fact a row names. */
static int fact_name(CheckDerived *p, sqlite3_str *pOut) {
  sqlite3_stmt *q = p->pFacts;
  const char *zScope = (const char *)sqlite3_column_text(q, FC_SCOPE);
  const char *zKey = 0;
  int rc = SQLITE_OK;
  if (zScope && strcmp(zScope, "ada") != 0) {
    if (p->pKey == 0) {
      rc = sqlite3_prepare_v2(p->db, zKeySql, -1, &p->pKey, 0);
      if (rc != SQLITE_OK) return rc;
    }
    sqlite3_bind_text(p->pKey, 1, zScope, -1, SQLITE_STATIC);
    sqlite3_bind_value(p->pKey, 2, sqlite3_column_value(q, FC_PROJECT));
    sqlite3_bind_value(p->pKey, 3, sqlite3_column_value(q, FC_MACHINE));
    sqlite3_bind_value(p->pKey, 4, sqlite3_column_value(q, FC_USER));
    rc = sqlite3_step(p->pKey);
    if (rc == SQLITE_ROW) zKey = (const char *)sqlite3_column_text(p->pKey, 0);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE) rc = SQLITE_OK;
  }
  sqlite3_str_appendf(pOut, "%s%s%s at %s (usage_id %lld)",
                      zScope ? zScope : "?", zKey ? " " : "", zKey ? zKey : "",
                      sqlite3_column_text(q, FC_TS),
                      sqlite3_column_int64(q, FC_ID));
  if (p->pKey) {
    int rc2 = sqlite3_reset(p->pKey);
    if (rc == SQLITE_OK) rc = rc2;
  }
  return rc;
}

/* Add a row of kind eKind: the fact's name, zWhy (owned, from
** sqlite3_str_finish), the tolerance, then zHint. Past CD_MAX_ROWS of a
** kind, only count. */
static int report(CheckDerived *p, int eKind, char *zWhy, const char *zHint) {
  sqlite3_str *pOut;
  int rc;
  if (zWhy == 0) return SQLITE_NOMEM;
  if (++p->anFound[eKind] > CD_MAX_ROWS) {
    sqlite3_free(zWhy);
    return SQLITE_OK;
  }
  pOut = sqlite3_str_new(p->db);
  rc = fact_name(p, pOut);
  sqlite3_str_appendf(pOut, ": %s (relative tolerance %s)%s", zWhy,
                      CD_TOLERANCE_TEXT, zHint);
  sqlite3_free(zWhy);
  if (rc != SQLITE_OK || sqlite3_str_errcode(pOut)) {
    int rc2 = str_drop(pOut);
    return rc != SQLITE_OK ? rc : rc2;
  }
  return usage_check_add(p->pList, azKindSeverity[eKind],
                         sqlite3_mprintf("%s", azKindWhat[eKind]),
                         sqlite3_str_finish(pOut));
}

/* The fact of the current row, as derivation reads it: ts, key, CPU
** seconds, and the stored kWh taken as given. */
static void fact_read(sqlite3_stmt *q, UsageFact *f) {
  const char *zScope = (const char *)sqlite3_column_text(q, FC_SCOPE);
  memset(f, 0, sizeof(*f));
  usage_time_parse_canonical((const char *)sqlite3_column_text(q, FC_TS),
                             sqlite3_column_bytes(q, FC_TS), &f->t);
  f->bMachine = zScope && strcmp(zScope, "machine") == 0;
  f->iMachine = sqlite3_column_int64(q, FC_MACHINE);
  f->busyCpu = sqlite3_column_double(q, FC_BUSY_CPU);
  f->idleCpu = sqlite3_column_double(q, FC_IDLE_CPU);
  f->busyKwh = sqlite3_column_double(q, FC_BUSY_KWH);
  f->idleKwh = sqlite3_column_double(q, FC_IDLE_KWH);
}

/* Append a number in its shortest form that reads back the same, or NULL. */
static void append_value(sqlite3_str *pOut, int bNull, double r) {
  char *z;
  if (bNull) {
    sqlite3_str_appendall(pOut, "NULL");
    return;
  }
  z = usage_double_repr(r);
  if (z == 0) {
    sqlite3_str_appendf(pOut, "%.17g", r); /* out of memory: still a number */
  } else {
    sqlite3_str_appendall(pOut, z);
    sqlite3_free(z);
  }
}

/* Append "NAME A stored, B from ZFROM" to pOut when A and B differ. */
static void diff_number(sqlite3_str *pOut, const char *zName, double a,
                        double b, const char *zFrom) {
  if (!differ(a, b)) return;
  sqlite3_str_appendf(pOut, "%s%s ", sqlite3_str_length(pOut) ? "; " : "",
                      zName);
  append_value(pOut, 0, a);
  sqlite3_str_appendall(pOut, " stored, ");
  append_value(pOut, 0, b);
  sqlite3_str_appendf(pOut, " from %s", zFrom);
}

/* What an energy row adds: its carbon waits for the energy. */
static const char zEnergyHint[] =
    "; its carbon is checked once its energy agrees";

/* The energy of a model fact against its power model; *pbWrong is set when
** it disagrees. */
static int check_energy(CheckDerived *p, int *pbWrong) {
  UsageFact f;
  char *zErr = 0;
  sqlite3_str *pOut;
  int rc;
  fact_read(p->pFacts, &f);
  f.bEnergyModel = 1;
  rc = usage_derive(p->pDeriver, "usage_check", &f, &zErr);
  if (rc == SQLITE_ERROR) {
    /* the models were read without error, so none is in force at ts */
    sqlite3_free(zErr);
    *pbWrong = 1;
    return report(p, CD_ENERGY,
                  sqlite3_mprintf("no power model is in force at its ts"),
                  zEnergyHint);
  }
  sqlite3_free(zErr);
  if (rc != SQLITE_OK) return rc;
  pOut = sqlite3_str_new(p->db);
  diff_number(pOut, "busy_kwh", sqlite3_column_double(p->pFacts, FC_BUSY_KWH),
              f.busyKwh, "its power model");
  diff_number(pOut, "idle_kwh", sqlite3_column_double(p->pFacts, FC_IDLE_KWH),
              f.idleKwh, "its power model");
  if (sqlite3_str_length(pOut) == 0) return str_drop(pOut);
  *pbWrong = 1;
  return report(p, CD_ENERGY, sqlite3_str_finish(pOut), zEnergyHint);
}

/* Do the stored carbon values of the current row agree with one another
** (whatever the periods now say)? */
static int carbon_consistent(sqlite3_stmt *q) {
  const char *zSource = (const char *)sqlite3_column_text(q, FC_SOURCE);
  double busyKwh = sqlite3_column_double(q, FC_BUSY_KWH);
  double idleKwh = sqlite3_column_double(q, FC_IDLE_KWH);
  double busyG = sqlite3_column_double(q, FC_BUSY_G);
  double idleG = sqlite3_column_double(q, FC_IDLE_G);
  double cov = sqlite3_column_double(q, FC_COVERAGE);
  double covered = sqlite3_column_double(q, FC_COVERED);
  int bGiven = sqlite3_column_int(q, FC_INTENSITY_GIVEN);
  int bNull = sqlite3_column_type(q, FC_INTENSITY) == SQLITE_NULL;
  double g = sqlite3_column_double(q, FC_INTENSITY);
  if (zSource && strcmp(zSource, "none") == 0) {
    return busyG == 0.0 && idleG == 0.0 && cov == 0.0 && covered == 0.0 &&
           (bGiven || bNull);
  }
  if (!(cov > 0.0) || differ(covered, (busyKwh + idleKwh) * cov)) return 0;
  if (bGiven) return 1;
  return !bNull && !differ(busyG, busyKwh * cov * g) &&
         !differ(idleG, idleKwh * cov * g);
}

/* The carbon of a derived-carbon fact against the intensity periods, for
** its stored kWh. */
static int check_carbon(CheckDerived *p) {
  sqlite3_stmt *q = p->pFacts;
  const char *zSource = (const char *)sqlite3_column_text(q, FC_SOURCE);
  const char *zFrom = "the intensity periods";
  int bNull = sqlite3_column_type(q, FC_INTENSITY) == SQLITE_NULL;
  UsageFact f;
  char *zErr = 0;
  sqlite3_str *pOut;
  int rc;
  fact_read(q, &f);
  f.bCarbonDerived = 1;
  f.bIntensityGiven = sqlite3_column_int(q, FC_INTENSITY_GIVEN);
  f.bIntensityNull = bNull;
  f.intensity = sqlite3_column_double(q, FC_INTENSITY);
  rc = usage_derive(p->pDeriver, "usage_check", &f, &zErr);
  sqlite3_free(zErr);
  if (rc != SQLITE_OK) return rc;
  pOut = sqlite3_str_new(p->db);
  if (zSource == 0 ||
      strcmp(zSource, usage_carbon_source_name(f.eCarbonSource)) != 0) {
    sqlite3_str_appendf(pOut, "carbon_source %s stored, %s from %s",
                        zSource ? zSource : "NULL",
                        usage_carbon_source_name(f.eCarbonSource), zFrom);
  }
  diff_number(pOut, "carbon_coverage", sqlite3_column_double(q, FC_COVERAGE),
              f.coverage, zFrom);
  diff_number(pOut, "covered_kwh", sqlite3_column_double(q, FC_COVERED),
              f.coveredKwh, zFrom);
  diff_number(pOut, "busy_gCo2eq", sqlite3_column_double(q, FC_BUSY_G), f.busyG,
              zFrom);
  diff_number(pOut, "idle_gCo2eq", sqlite3_column_double(q, FC_IDLE_G), f.idleG,
              zFrom);
  if (!f.bIntensityGiven && bNull != f.bIntensityNull) {
    sqlite3_str_appendf(pOut, "%sintensity_gCo2eq_kwh ",
                        sqlite3_str_length(pOut) ? "; " : "");
    append_value(pOut, bNull, sqlite3_column_double(q, FC_INTENSITY));
    sqlite3_str_appendall(pOut, " stored, ");
    append_value(pOut, f.bIntensityNull, f.intensity);
    sqlite3_str_appendf(pOut, " from %s", zFrom);
  } else if (!f.bIntensityGiven && !bNull) {
    diff_number(pOut, "intensity_gCo2eq_kwh",
                sqlite3_column_double(q, FC_INTENSITY), f.intensity, zFrom);
  }
  if (sqlite3_str_length(pOut) == 0) return str_drop(pOut);
  if (carbon_consistent(q)) {
    return report(p, CD_STALE, sqlite3_str_finish(pOut),
                  "; its stored values agree with one another, so the "
                  "intensity periods or settings changed without a "
                  "re-derivation: SELECT usage_config('region', "
                  "usage_config('region')) re-derives the carbon of every "
                  "fact");
  }
  return report(p, CD_CARBON, sqlite3_str_finish(pOut), "");
}

/* The summary row of a kind with more facts than rows given. */
static int report_rest(CheckDerived *p, int eKind) {
  sqlite3_int64 n = p->anFound[eKind];
  if (n <= CD_MAX_ROWS) return SQLITE_OK;
  return usage_check_add(
      p->pList, azKindSeverity[eKind], sqlite3_mprintf("%s", azKindWhat[eKind]),
      sqlite3_mprintf("and %lld more facts like the %d above, %lld in all",
                      n - CD_MAX_ROWS, CD_MAX_ROWS, n));
}

/* Read the settings and models once, by deriving a fact with nothing to
** derive: if they are unreadable no fact can be checked, which is one row. */
static int check_inputs(CheckDerived *p, int *pbOk) {
  UsageFact f;
  char *zErr = 0;
  int rc;
  memset(&f, 0, sizeof(f));
  rc = usage_derive(p->pDeriver, "usage_check", &f, &zErr);
  *pbOk = rc == SQLITE_OK;
  if (rc == SQLITE_ERROR && zErr) {
    return usage_check_add(p->pList, "error",
                           sqlite3_mprintf("derived facts unchecked"), zErr);
  }
  sqlite3_free(zErr);
  return rc;
}

/* Scan the derived facts and check each. */
static int check_facts(CheckDerived *p) {
  int rc, i;
  rc = sqlite3_prepare_v2(p->db, zFactsSql, -1, &p->pFacts, 0);
  while (rc == SQLITE_OK && (rc = sqlite3_step(p->pFacts)) == SQLITE_ROW) {
    const char *zSource =
        (const char *)sqlite3_column_text(p->pFacts, FC_SOURCE);
    int64_t t;
    int bWrong = 0;
    rc = SQLITE_OK;
    if (usage_time_parse_canonical(
            (const char *)sqlite3_column_text(p->pFacts, FC_TS),
            sqlite3_column_bytes(p->pFacts, FC_TS), &t)) {
      continue; /* a bad ts is the row of its CHECK, ts_canonical */
    }
    if (sqlite3_column_int(p->pFacts, FC_MODEL)) rc = check_energy(p, &bWrong);
    if (rc == SQLITE_OK && !bWrong && zSource &&
        strcmp(zSource, "given") != 0) {
      rc = check_carbon(p);
    }
  }
  if (rc == SQLITE_DONE) rc = SQLITE_OK;
  for (i = 0; rc == SQLITE_OK && i < CD_NKIND; i++) rc = report_rest(p, i);
  return rc;
}

int usage_check_derived(sqlite3 *db, CheckList *pList) {
  CheckDerived s;
  int rc, bOk = 0;
  memset(&s, 0, sizeof(s));
  s.db = db;
  s.pList = pList;
  s.pDeriver = usage_deriver_new(db, "main");
  if (s.pDeriver == 0) return SQLITE_NOMEM;
  rc = check_inputs(&s, &bOk);
  if (rc == SQLITE_OK && bOk) rc = check_facts(&s);
  if (s.pFacts) {
    int rc2 = sqlite3_finalize(s.pFacts);
    if (rc == SQLITE_OK) rc = rc2;
  }
  sqlite3_finalize(s.pKey);
  usage_deriver_free(s.pDeriver);
  return rc;
}
