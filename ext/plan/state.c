/*
** plan/state.c: the state of a budget from what it used, as
** usage_budget_status reports it.
**
**   SELECT used_gco2eq, projected_gco2eq, state
**     FROM usage_budget_status('2024-04-11');
**   -- 40000.0|120000.0|projected_over   (limit 100,000 g for April)
**
** projected = used x period length / elapsed time, the linear burn rate.
** state is 'over' (used > limit), else 'warn' (used >= warn_fraction x
** limit), else 'projected_over' (projected > limit), else 'ok'. Unknown
** carbon is never counted as zero: while some kWh has no carbon, or a
** budget that includes embodied carbon has a fact without it, used and
** projected are unknown, and the state is 'over' when the known carbon
** alone is over the limit, else unknown (NULL).
*/
#include "plan/state.h"
SQLITE_EXTENSION_INIT3

/* carbon_coverage at least this counts as whole: kWh and covered kWh are
** summed apart, so the two sums of a wholly covered span may differ in
** their last bits. */
#define PLAN_WHOLE (1.0 - 1e-9)

void plan_budget_judge(PlanBudget *r, int64_t tTo, double kwh, double covered,
                       int bEmbodiedKnown) {
  int bWhole = 1;
  r->bCoverage = kwh > 0;
  if (r->bCoverage) {
    r->rCoverage = covered / kwh > 1.0 ? 1.0 : covered / kwh;
    bWhole = r->rCoverage >= PLAN_WHOLE;
  }
  /* used x period / elapsed, in seconds: exact for whole numbers */
  r->rProjected = tTo > r->tStart ? r->rUsed * (double)(r->tEnd - r->tStart) /
                                        (double)(tTo - r->tStart)
                                  : 0.0;
  if (!bEmbodiedKnown) bWhole = 0;
  r->bUsed = bWhole;
  if (!bWhole) {
    r->zState = r->rUsed > r->rLimit ? "over" : 0;
  } else if (r->rUsed > r->rLimit) {
    r->zState = "over";
  } else if (r->rUsed >= r->rWarn * r->rLimit) {
    r->zState = "warn";
  } else if (r->rProjected > r->rLimit) {
    r->zState = "projected_over";
  } else {
    r->zState = "ok";
  }
}
