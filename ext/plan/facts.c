/*
** plan/facts.c: the facts of one budget's span that usage_budget_status
** reads beside the rollups: its basis, and whether its embodied carbon is
** known.
**
**   -- the facts of project physics in April that have no embodied model
**   SELECT EXISTS (SELECT 1 FROM fact_usage f WHERE f.scope = 'project'
**     AND f.ts >= '2024-04-01T00:00:00Z' AND f.ts < '2024-04-11T00:00:00Z'
**     AND f.embodied_source = 'none' AND f.project_id = 1);
**
** A budget's facts are those of its key in its scope; a group's are the
** user-scope facts of its members.
*/
#include <string.h>

#include "plan/facts.h"
#include "time/time.h"
SQLITE_EXTENSION_INIT3

/* The facts f of the budget's key ?5 in scope ?4. */
#define FACTS_KEY_MATCH                                                  \
  "CASE ?4 WHEN 'project' THEN f.project_id = (SELECT project_id "       \
  "FROM \"%w\".dim_project WHERE cloud_project_name = ?5) "              \
  "WHEN 'machine' THEN f.machine_id = (SELECT machine_id "               \
  "FROM \"%w\".dim_machine WHERE machine_name = ?5) "                    \
  "WHEN 'user' THEN f.user_id = ?5 "                                     \
  "WHEN 'group' THEN f.user_id IN (SELECT user_id FROM \"%w\".dim_user " \
  "WHERE group_id = (SELECT group_id FROM \"%w\".dim_group "             \
  "WHERE group_name = ?5)) ELSE 1 END"

/* The statements; each "%w" is the schema. */
static const char *const azFactsSql[2] = {
    /* The facts of the span whose carbon came wholly (forecast) or partly
    ** (mixed) from forecasts, from the partial index of migration 6. */
    "SELECT count(*), total(f.carbon_source = 'forecast') "
    "FROM \"%w\".fact_usage f INDEXED BY fact_usage_forecast "
    "WHERE f.scope = ?1 AND f.ts >= ?2 AND f.ts < ?3 "
    "AND (f.carbon_source = 'forecast' OR f.carbon_source = 'mixed') "
    "AND " FACTS_KEY_MATCH,
    /* Whether a fact of the span had no embodied model (migration 7): its
    ** embodied carbon is unknown, not 0. */
    "SELECT EXISTS (SELECT 1 FROM \"%w\".fact_usage f "
    "WHERE f.scope = ?1 AND f.ts >= ?2 AND f.ts < ?3 "
    "AND f.embodied_source = 'none' AND " FACTS_KEY_MATCH ")",
};

/* Bind the canonical text of t. */
static void bind_time(sqlite3_stmt *pStmt, int i, int64_t t) {
  char z[USAGE_TS_LEN + 1];
  usage_time_format(t, z);
  sqlite3_bind_text(pStmt, i, z, USAGE_TS_LEN, SQLITE_TRANSIENT);
}

/* The kept statement i, bound to the facts' scope ?1, the span [tStart,
** tTo) ?2 ?3, and the budget's scope ?4 and key ?5. */
static int facts_stmt(PlanFacts *p, int i, const PlanBudget *r, int64_t tTo,
                      sqlite3_stmt **ppStmt) {
  sqlite3_stmt *pStmt;
  if (p->aStmt[i] == 0) {
    const char *s = p->zSchema;
    char *zSql = sqlite3_mprintf(azFactsSql[i], s, s, s, s, s);
    int rc =
        zSql ? sqlite3_prepare_v3(p->db, zSql, -1, SQLITE_PREPARE_PERSISTENT,
                                  &p->aStmt[i], 0)
             : SQLITE_NOMEM;
    sqlite3_free(zSql);
    if (rc != SQLITE_OK) return rc;
  }
  pStmt = *ppStmt = p->aStmt[i];
  sqlite3_bind_text(pStmt, 1,
                    strcmp(r->zScope, "group") == 0 ? "user" : r->zScope, -1,
                    SQLITE_STATIC);
  bind_time(pStmt, 2, r->tStart);
  bind_time(pStmt, 3, tTo);
  sqlite3_bind_text(pStmt, 4, r->zScope, -1, SQLITE_STATIC);
  if (r->zKey) sqlite3_bind_text(pStmt, 5, r->zKey, -1, SQLITE_STATIC);
  return SQLITE_OK;
}

/* Finish a statement's run: reset it; a failed step is the error. */
static int facts_done(sqlite3_stmt *pStmt, int rcStep) {
  int rc = sqlite3_reset(pStmt);
  sqlite3_clear_bindings(pStmt);
  if (rcStep == SQLITE_ROW || rcStep == SQLITE_DONE) return SQLITE_OK;
  return rc != SQLITE_OK ? rc : SQLITE_ERROR;
}

int plan_facts_basis(PlanFacts *p, PlanBudget *r, int64_t tTo,
                     sqlite3_int64 nFact) {
  sqlite3_stmt *pStmt;
  sqlite3_int64 nProvisional = 0;
  double nForecast = 0;
  int rc = facts_stmt(p, 0, r, tTo, &pStmt);
  if (rc != SQLITE_OK) return rc;
  rc = sqlite3_step(pStmt);
  if (rc == SQLITE_ROW) {
    nProvisional = sqlite3_column_int64(pStmt, 0);
    nForecast = sqlite3_column_double(pStmt, 1);
  }
  rc = facts_done(pStmt, rc);
  if (nFact == 0) {
    r->zBasis = 0;
  } else if (nProvisional == 0) {
    r->zBasis = "actual";
  } else {
    r->zBasis = nForecast == (double)nFact ? "forecast" : "mixed";
  }
  return rc;
}

int plan_facts_embodied_known(PlanFacts *p, const PlanBudget *r, int64_t tTo,
                              int *pKnown) {
  sqlite3_stmt *pStmt;
  int rc = facts_stmt(p, 1, r, tTo, &pStmt);
  if (rc != SQLITE_OK) return rc;
  rc = sqlite3_step(pStmt);
  *pKnown = rc == SQLITE_ROW && sqlite3_column_int(pStmt, 0) == 0;
  return facts_done(pStmt, rc);
}

void plan_facts_free(PlanFacts *p) {
  sqlite3_finalize(p->aStmt[0]);
  sqlite3_finalize(p->aStmt[1]);
  p->aStmt[0] = p->aStmt[1] = 0;
}
