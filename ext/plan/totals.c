/*
** plan/totals.c: the totals of every key of one scope over one span, kept
** in key order and found by binary search.
**
**   SELECT key, sum(busy_gCo2eq + idle_gCo2eq) FROM usage_buckets(
**     'project', 'month', '2024-04-01', '2024-04-11') GROUP BY key;
**   -- one read serves every budget of the scope and period
*/
#include <string.h>

#include "plan/totals.h"
SQLITE_EXTENSION_INIT3

/* Room for one more total. */
static int totals_grow(PlanTotals *p) {
  int nNew;
  PlanTotal *aNew;
  if (p->n < p->nAlloc) return SQLITE_OK;
  nNew = p->nAlloc ? p->nAlloc * 2 : 64;
  aNew = sqlite3_realloc64(p->a, sizeof(PlanTotal) * (sqlite3_uint64)nNew);
  if (aNew == 0) return SQLITE_NOMEM;
  p->a = aNew;
  p->nAlloc = nNew;
  return SQLITE_OK;
}

int plan_totals_read(sqlite3_stmt *pStmt, PlanTotals *p) {
  int i, rc;
  plan_totals_clear(p);
  while ((rc = sqlite3_step(pStmt)) == SQLITE_ROW) {
    const char *zKey = (const char *)sqlite3_column_text(pStmt, 0);
    PlanTotal *t;
    if (zKey == 0) continue; /* users without a group: no budget has it */
    if (totals_grow(p) != SQLITE_OK) return SQLITE_NOMEM;
    t = &p->a[p->n];
    t->zKey = sqlite3_mprintf("%s", zKey);
    if (t->zKey == 0) return SQLITE_NOMEM;
    for (i = 0; i < 3; i++) {
      int iCol = 1 + PLAN_SUMS_NCOL * i;
      t->a[i].g = sqlite3_column_double(pStmt, iCol);
      t->a[i].kwh = sqlite3_column_double(pStmt, iCol + 1);
      t->a[i].covered = sqlite3_column_double(pStmt, iCol + 2);
      t->a[i].emb = sqlite3_column_double(pStmt, iCol + 3);
      t->a[i].nFact = sqlite3_column_int64(pStmt, iCol + 4);
    }
    p->n++;
  }
  return rc;
}

const PlanTotal *plan_totals_find(const PlanTotals *p, const char *zKey) {
  int lo = 0, hi = p->n;
  while (lo < hi) {
    int mid = lo + (hi - lo) / 2;
    int c = strcmp(p->a[mid].zKey, zKey);
    if (c == 0) return &p->a[mid];
    if (c < 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return 0;
}

void plan_totals_clear(PlanTotals *p) {
  int i;
  for (i = 0; i < p->n; i++) sqlite3_free(p->a[i].zKey);
  p->n = 0;
}

void plan_totals_free(PlanTotals *p) {
  plan_totals_clear(p);
  sqlite3_free(p->a);
  p->a = 0;
  p->nAlloc = 0;
}
