/*
** plan/facts.h: what usage_budget_status reads from the facts of one
** budget's span because the rollups do not hold it: whether forecasts
** entered its carbon, and whether every fact had an embodied model
** (plan/facts.c).
**
**   SELECT basis FROM usage_budget_status('2024-04-11');
**   -- actual, forecast or mixed
*/
#ifndef USAGE_PLAN_FACTS_H
#define USAGE_PLAN_FACTS_H

#include "plan/state.h"
#include "sqlite3ext.h"

/* The statements kept for one schema, prepared on first use. */
typedef struct PlanFacts {
  sqlite3 *db;
  const char *zSchema; /* not owned */
  sqlite3_stmt *aStmt[2];
} PlanFacts;

/* Set r->zBasis from the facts of [r->tStart, tTo), nFact of them
** counted: NULL with none, else 'actual', 'forecast' or 'mixed'. Returns
** an SQLite error code, the connection's message set. */
int plan_facts_basis(PlanFacts *p, PlanBudget *r, int64_t tTo,
                     sqlite3_int64 nFact);

/* Set *pKnown to whether every fact of [r->tStart, tTo) had an embodied
** model (migration 7). Returns an SQLite error code. */
int plan_facts_embodied_known(PlanFacts *p, const PlanBudget *r, int64_t tTo,
                              int *pKnown);

/* Finalize the statements. */
void plan_facts_free(PlanFacts *p);

#endif /* USAGE_PLAN_FACTS_H */
