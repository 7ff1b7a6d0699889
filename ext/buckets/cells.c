/*
** buckets/cells.c: the cells of a usage_buckets result, in order.
**
**   SELECT * FROM usage_buckets('group', 'month', '2024-01-01', '2025-01-01',
**                               'zero') ORDER BY bucket_start DESC, key DESC;
**
** Owns BkCells and BkPos. A cell holds the totals of one (bucket, key);
** cells are created as rows arrive, at most BK_MAX_CELLS of them. After
** the scan the result's keys are chosen, named and ranked by name, and the
** cells sorted once, by bucket_start then key: the order the table
** promises the planner. The walk emits the cells in that order or its
** reverse; under fill = 'zero' it merges them into the full grid of buckets
** x keys, a zero row wherever there is no cell.
*/
#include <stdlib.h>
#include <string.h>

#include "buckets/buckets.h"
SQLITE_EXTENSION_INIT3

/* Make the cell array room for n cells. */
static int cells_resize(BkCells *pCells, int n) {
  BkCell *aNew =
      sqlite3_realloc64(pCells->aCell, (sqlite3_uint64)n * sizeof(BkCell));
  if (aNew == 0) return SQLITE_NOMEM;
  pCells->aCell = aNew;
  pCells->nCellAlloc = n;
  return SQLITE_OK;
}

/* Room for one more cell: grow the array, refusing more than BK_MAX_CELLS. */
int bk_cells_reserve(BkVtab *p, BkCells *pCells) {
  int nNew;
  if (pCells->nCell < pCells->nCellAlloc) return SQLITE_OK;
  if (pCells->nCell >= BK_MAX_CELLS) {
    return usage_vtab_error(&p->base, SQLITE_ERROR,
                            "usage_buckets: the result would have "
                            "at least %d cells, more than the limit of %d; "
                            "narrow the range or widen the buckets",
                            BK_MAX_CELLS + 1, BK_MAX_CELLS);
  }
  nNew = pCells->nCellAlloc ? pCells->nCellAlloc * 2 : 256;
  if (nNew > BK_MAX_CELLS) nNew = BK_MAX_CELLS;
  return cells_resize(pCells, nNew);
}

/* The most cells made room for before a scan: 5 MB. */
#define BK_PRESIZE_MAX 65536

int bk_cells_presize(BkVtab *p, BkCells *pCells) {
  int n = p->nCellHint < BK_PRESIZE_MAX ? p->nCellHint : BK_PRESIZE_MAX;
  int rc;
  if (n <= pCells->nCellAlloc) return SQLITE_OK;
  rc = cells_resize(pCells, n);
  return rc == SQLITE_OK ? usage_hash_reserve(&pCells->cellMap, n) : rc;
}

/* qsort order of keys (an array of pointers to them) by their names. */
static int key_ptr_compare(const void *pA, const void *pB) {
  const BkKey *a = *(const BkKey *const *)pA;
  const BkKey *b = *(const BkKey *const *)pB;
  return bk_val_compare(&a->name, &b->name);
}

/* qsort order of cells: by bucket start, then by the rank of the key. */
static int cell_compare(const void *pA, const void *pB) {
  const BkCell *a = (const BkCell *)pA;
  const BkCell *b = (const BkCell *)pB;
  if (a->iBucket != b->iBucket) return a->iBucket < b->iBucket ? -1 : 1;
  return a->iRank < b->iRank ? -1 : a->iRank > b->iRank;
}

/* Sort n cells of one bucket by rank: insertion sort for the few keys of
** most results, qsort for many. */
static void sort_run(BkCell *a, int n) {
  int i, j;
  if (n > 32) {
    qsort(a, n, sizeof(BkCell), cell_compare);
    return;
  }
  for (i = 1; i < n; i++) {
    BkCell x = a[i];
    for (j = i; j > 0 && a[j - 1].iRank > x.iRank; j--) a[j] = a[j - 1];
    a[j] = x;
  }
}

/* Cells mostly arrive in bucket order, each bucket's keys in id order: if
** the buckets never go back, sort only each bucket's run by rank and
** return 1; else return 0 and leave the cells for a full sort. */
static int sort_bucket_runs(BkCells *pCells) {
  BkCell *a = pCells->aCell;
  int i, iRun = 0, bRunSorted = 1;
  for (i = 1; i <= pCells->nCell; i++) {
    if (i < pCells->nCell && a[i].iBucket == a[iRun].iBucket) {
      if (a[i].iRank < a[i - 1].iRank) bRunSorted = 0;
      continue;
    }
    if (i < pCells->nCell && a[i].iBucket < a[iRun].iBucket) return 0;
    if (!bRunSorted) sort_run(a + iRun, i - iRun);
    iRun = i;
    bRunSorted = 1;
  }
  return 1;
}

/* Choose the result's keys (those with rows, and under fill the requested
** ones), name them, rank them by name, and sort the cells. */
int bk_order_result(BkVtab *p, BkCursor *c) {
  BkKey **apKey;
  int i, n = 0, rc;
  c->cells.aOrder = sqlite3_malloc64(
      (sqlite3_uint64)(c->keys.nKey ? c->keys.nKey : 1) * sizeof(int));
  if (c->cells.aOrder == 0) return SQLITE_NOMEM;
  for (i = 0; i < c->keys.nKey; i++) {
    if (c->keys.aKey[i].nCell > 0 ||
        (c->arg.bFill && c->keys.aKey[i].bRequested)) {
      c->cells.aOrder[n++] = i;
    }
  }
  c->cells.nOrder = n;
  rc = bk_name_keys(p, c);
  if (rc != SQLITE_OK) return rc;
  apKey = sqlite3_malloc64((sqlite3_uint64)(n ? n : 1) * sizeof(BkKey *));
  if (apKey == 0) return SQLITE_NOMEM;
  for (i = 0; i < n; i++) apKey[i] = &c->keys.aKey[c->cells.aOrder[i]];
  if (n > 1) qsort(apKey, n, sizeof(BkKey *), key_ptr_compare);
  /* Drop repeats among phantoms: key IN ('x', 'x') shows 'x' once. */
  c->cells.nOrder = 0;
  for (i = 0; i < n; i++) {
    if (c->cells.nOrder > 0 && apKey[i]->bPhantom &&
        bk_val_compare(
            &apKey[i]->name,
            &c->keys.aKey[c->cells.aOrder[c->cells.nOrder - 1]].name) == 0) {
      continue;
    }
    apKey[i]->iRank = c->cells.nOrder;
    c->cells.aOrder[c->cells.nOrder++] = (int)(apKey[i] - c->keys.aKey);
  }
  sqlite3_free(apKey);
  for (i = 0; i < c->cells.nCell; i++) {
    c->cells.aCell[i].iRank = c->keys.aKey[c->cells.aCell[i].iKey].iRank;
  }
  if (c->cells.nCell > 1 && !sort_bucket_runs(&c->cells)) {
    qsort(c->cells.aCell, c->cells.nCell, sizeof(BkCell), cell_compare);
  }
  return SQLITE_OK;
}

/* Month number year*12 + month-1 of an instant. */
static int64_t month_number(int64_t t) {
  int64_t days = usage_floor_div(t, USAGE_DAY_SECS), y;
  int m, d;
  usage_civil_from_days(days, &y, &m, &d);
  return y * 12 + (m - 1);
}

/* Number of buckets from the one starting at iFirst to the one starting at
** iLast, both on the width's grid. */
int64_t bk_bucket_count(const UsageWidth *pW, int64_t iFirst, int64_t iLast) {
  if (pW->eKind == USAGE_WIDTH_MONTHS) {
    return (month_number(iLast) - month_number(iFirst)) / pW->n + 1;
  }
  return (iLast - iFirst) / pW->n + 1;
}

/* Set iBucket, iKey and pCell from the position; fill = 'zero' merges the
** sorted cells into the full grid of buckets x keys. */
static void cursor_settle(BkCursor *c) {
  if (!c->arg.bFill) {
    assert(c->pos.iCellPos >= 0 && c->pos.iCellPos < c->cells.nCell);
    c->pos.pCell = &c->cells.aCell[c->pos.iCellPos];
    c->pos.iBucket = c->pos.pCell->iBucket;
    c->pos.iKey = c->pos.pCell->iKey;
    return;
  }
  assert(c->pos.iOrderPos >= 0 && c->pos.iOrderPos < c->cells.nOrder);
  c->pos.iKey = c->cells.aOrder[c->pos.iOrderPos];
  c->pos.pCell = 0;
  if (c->pos.iCellPos >= 0 && c->pos.iCellPos < c->cells.nCell) {
    BkCell *pCell = &c->cells.aCell[c->pos.iCellPos];
    if (pCell->iBucket == c->pos.iBucket && pCell->iKey == c->pos.iKey) {
      c->pos.pCell = pCell;
    }
  }
}

/* Step the position to the next row, in either direction. */
void bk_cursor_advance(BkCursor *c) {
  int dir = c->arg.bDesc ? -1 : 1;
  c->pos.iRowid++;
  if (!c->arg.bFill) {
    c->pos.iCellPos += dir;
    if (c->pos.iCellPos < 0 || c->pos.iCellPos >= c->cells.nCell) {
      c->pos.bEof = 1;
      return;
    }
    cursor_settle(c);
    return;
  }
  if (c->pos.pCell) c->pos.iCellPos += dir;
  c->pos.iOrderPos += dir;
  if (c->pos.iOrderPos < 0 || c->pos.iOrderPos >= c->cells.nOrder) {
    c->pos.iOrderPos = c->arg.bDesc ? c->cells.nOrder - 1 : 0;
    /* The bucket before or after, in the width's zone (time/local.h). */
    int64_t iStart, iNext;
    if (c->arg.bDesc) {
      if (c->pos.iBucket <= c->arg.iFirstBucket ||
          usage_local_bucket(&c->arg.lw, c->pos.iBucket - 1, &iStart, &iNext)) {
        c->pos.bEof = 1;
        return;
      }
      c->pos.iBucket = iStart;
    } else {
      if (c->pos.iBucket >= c->arg.iLastBucket ||
          usage_local_bucket(&c->arg.lw, c->pos.iBucket, &iStart, &iNext) ||
          iNext > USAGE_TS_MAX) {
        c->pos.bEof = 1;
        return;
      }
      c->pos.iBucket = iNext;
    }
  }
  cursor_settle(c);
}

/* Position on the first row of a fresh result. */
void bk_cursor_start(BkCursor *c) {
  c->pos.iRowid = 1;
  c->pos.iTsBucket = INT64_MIN; /* no bucket start formatted yet */
  if (c->arg.bFill) {
    c->pos.bEof = (c->cells.nOrder == 0);
    c->pos.iBucket = c->arg.bDesc ? c->arg.iLastBucket : c->arg.iFirstBucket;
    c->pos.iOrderPos = c->arg.bDesc ? c->cells.nOrder - 1 : 0;
  } else {
    c->pos.bEof = (c->cells.nCell == 0);
  }
  c->pos.iCellPos = c->arg.bDesc ? c->cells.nCell - 1 : 0;
  if (!c->pos.bEof) cursor_settle(c);
}
