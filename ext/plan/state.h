/*
** plan/state.h: one budget as usage_budget_status reports it, and the rule
** that judges its state from what it used (plan/state.c).
**
**   SELECT state FROM usage_budget_status('2024-04-11');
**   -- 40,000 of 100,000 g by the end of 10 April: 'projected_over'
*/
#ifndef USAGE_PLAN_STATE_H
#define USAGE_PLAN_STATE_H

#include "sqlite3ext.h"
#include "time/time.h"

/* One budget's row. Texts are from sqlite3_mprintf. */
typedef struct PlanBudget {
  char *zScope, *zKey;
  const char *zPeriod, *zState, *zBasis; /* static; NULL: unknown */
  int iPeriod;                           /* 0 month, 1 quarter, 2 year */
  int64_t tStart, tEnd;                  /* the period */
  double rLimit, rWarn, rUsed, rElapsed, rProjected, rCoverage;
  int bUsed, bCoverage; /* rUsed and rProjected, rCoverage are known */
  int bEmbodied;        /* includes 'operational+embodied' */
} PlanBudget;

/* Judge a budget whose rUsed gCO2eq over [tStart, tTo) came from kwh kWh,
** covered of them with known carbon, and bEmbodiedKnown false when it
** counts embodied carbon and some fact of the span had none known:
** carbon_coverage, used_gco2eq, projected_gco2eq and state. */
void plan_budget_judge(PlanBudget *r, int64_t tTo, double kwh, double covered,
                       int bEmbodiedKnown);

#endif /* USAGE_PLAN_STATE_H */
