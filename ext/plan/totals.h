/*
** plan/totals.h: the totals of every key of one scope over one span
** (plan/totals.c), which usage_budget_status reads once for all the budgets
** of a scope and period instead of once per budget.
**
**   SELECT key, sum(busy_gCo2eq + idle_gCo2eq), ... FROM usage_buckets(
**     'project', 'month', '2024-04-01', '2024-04-11') GROUP BY key;
*/
#ifndef USAGE_PLAN_TOTALS_H
#define USAGE_PLAN_TOTALS_H

#include "sqlite3ext.h"

/* The sums of one key over one span. */
typedef struct PlanSums {
  double g, kwh, covered; /* gCO2eq, kWh, kWh with known carbon */
  double emb;             /* embodied gCO2eq (usage_buckets' NULL is 0) */
  sqlite3_int64 nFact;    /* fact rows counted */
} PlanSums;

/* The SQL of one PlanSums over the rows where zWhere holds, from the
** columns g, kwh, cov, e and n. */
#define PLAN_SUMS(zWhere)                                                   \
  "total(g) FILTER (WHERE " zWhere "), total(kwh) FILTER (WHERE " zWhere    \
  "), total(cov) FILTER (WHERE " zWhere "), total(e) FILTER (WHERE " zWhere \
  "), total(n) FILTER (WHERE " zWhere ")"

/* The columns of one PlanSums. */
#define PLAN_SUMS_NCOL 5

/* One key's sums over three nested spans: since the month's start, since
** the quarter's, and the whole span read (from the year's start when a
** budget of the scope is yearly). */
typedef struct PlanTotal {
  char *zKey; /* from sqlite3_malloc */
  PlanSums a[3];
} PlanTotal;

/* The totals of one scope and span, by key in memcmp order. */
typedef struct PlanTotals {
  PlanTotal *a;
  int n, nAlloc;
} PlanTotals;

/* Step pStmt, bound and returning the key then three PlanSums, by key, to
** its end into *p (emptied first). Returns SQLITE_DONE, an error
** from sqlite3_step() (pStmt is then left to the caller to reset), or
** SQLITE_NOMEM. */
int plan_totals_read(sqlite3_stmt *pStmt, PlanTotals *p);

/* The totals of key zKey, or NULL when it had no rows. */
const PlanTotal *plan_totals_find(const PlanTotals *p, const char *zKey);

/* Free every key; the array stays for reuse. */
void plan_totals_clear(PlanTotals *p);

/* Free the whole. */
void plan_totals_free(PlanTotals *p);

#endif /* USAGE_PLAN_TOTALS_H */
