/*
** buckets/buckets.h: what the parts of the usage_buckets table share.
**
**   SELECT * FROM usage_buckets('project', 'day', '2024-03-01', '2024-04-01');
**
** The table is one concept per file, and the cursor one sub-struct per
** file that owns it:
**   buckets/plan.c   BkArgs: the arguments, xBestIndex, estimates
**   buckets/keys.c   BkKeys: key values, dense keys, naming
**   buckets/scan.c   BkScan: fact rows of [from, to) into cells
**   buckets/cells.c  BkCells, BkPos: cells, sort, the fill walk
**   buckets/buckets.c        the module: statements, xFilter, xColumn, ...
** Another source of totals (e.g. rollup tables) feeds the same cells
** through bk_cell_find() and bk_cell_new(), as the scan does.
*/
#ifndef USAGE_BUCKETS_H
#define USAGE_BUCKETS_H

#include <assert.h>
#include <string.h>

#include "amounts/amounts.h"
#include "hash/hash.h"
#include "rollzone/rollup_zone.h"
#include "sqlite3ext.h"
#include "time/local.h"
#include "time/time.h"
#include "value/value.h"
#include "vtab/vtab.h"

/* Results with more cells (rows) than this are refused, not built. */
#define BK_MAX_CELLS 10000000

/* First SQLite with sqlite3_vtab_in() and sqlite3_vtab_rhs_value(). */
#define BK_VERSION_VTAB_IN 3038000

/* Number of quantities summed: the six amounts, covered_kwh, embodied_gCo2eq
** and embodied_facts. */
#define BK_NSUM USAGE_NSUM

/* Columns of the table; the hidden ones follow COL_SAMPLES, in the
** positional order of the table-valued function. */
enum {
  COL_BUCKET_START,
  COL_BUCKET_END,
  COL_KEY,
#define BK_COL_ENUM(NAME, zCol) COL_##NAME,
  USAGE_AMOUNTS(BK_COL_ENUM)
#undef BK_COL_ENUM
      COL_INTENSITY,
  COL_SAMPLES,
  COL_COVERAGE,
  COL_SCOPE,
  COL_WIDTH,
  COL_START,
  COL_END,
  COL_FILL,
  COL_ORIGIN,
  COL_TZ,
  COL_EMBODIED_G /* after the hidden columns: the last of SELECT * */
};
#define BK_NHIDDEN 7

/* Bits of idxNum beyond the seven "hidden column i was given" bits. */
#define IDX_KEY 0x80     /* key = ? is passed after the hidden columns */
#define IDX_KEY_IN 0x100 /* ... as an all-at-once IN list */
#define IDX_DESC 0x200   /* emit in descending order for ORDER BY ... DESC */
#define IDX_SUM_SHIFT 10 /* bits 10-18: which of the nine sums are read */

/* The arithmetic on columns and idxNum bits relies on these. */
_Static_assert(COL_BUSY_CPU + USAGE_AMOUNT_IDLE_G == COL_IDLE_G,
               "amount columns follow the amount list");
_Static_assert(COL_TZ - COL_SCOPE + 1 == BK_NHIDDEN,
               "BK_NHIDDEN counts the hidden columns");
_Static_assert((1 << BK_NHIDDEN) == IDX_KEY, "hidden bits below IDX_KEY");
_Static_assert(IDX_SUM_SHIFT + BK_NSUM <= 31, "sum bits fit in idxNum");
_Static_assert((1 << IDX_SUM_SHIFT) > IDX_DESC, "sum bits above IDX_DESC");
_Static_assert(COL_EMBODIED_G < 63, "colUsed has a bit per column");

/* Scan statements kept per table. */
#define BK_NSCAN 8

/* Ids below this are looked up through an array rather than a hash: dense
** small ids are the norm for INTEGER PRIMARY KEYs. */
#define BK_DIRECT_MAX 65536

/* A key filter runs one pass per key, testing the key in the index entry so
** only that key's rows reach the aggregate, rather than one pass handing
** every row of the scope to it. That pays when the keys are few: at most
** BK_KEYED_MAX of them, and at most 1/BK_KEYED_SHARE of the dimension. */
#define BK_KEYED_SHARE 4
#define BK_KEYED_MAX 2

/* The statements a table prepares once and reuses across scans, besides
** the scans themselves (see buckets/scan.c). */
enum {
  ST_NAME_PROJECT,
  ST_NAME_MACHINE,
  ST_NAME_GROUP,
  ST_FIND_PROJECT,
  ST_FIND_MACHINE,
  ST_FIND_GROUP,
  ST_USER_GROUPS,
  ST_HAS_SCHEMA,
  ST_NUM_PROJECT,
  ST_NUM_MACHINE,
  ST_NUM_USER,
  ST_COUNT
};

/* Arrays indexed by scope hold one entry per UsageScope. */
_Static_assert(USAGE_SCOPE_ADA == 0 && USAGE_SCOPE_GROUP == 4 &&
                   USAGE_NSCOPE == 5,
               "scopes index arrays");

/* The rollup reads a table prepares once (buckets/rollup.c), and
** the sources of a planned piece of a query. */
enum { BK_ROLL_STATE, BK_ROLL_DIRTY, BK_ROLL_TZ, BK_NROLL };
enum { BK_ROLL_RAW, BK_ROLL_DAY, BK_ROLL_MONTH };

/* Reads of day or month rollup rows kept per table, one per (level, sums
** read): a dashboard's panels differ in the columns they read. */
#define BK_NREAD 4

/* How the last query on a connection was served: usage_buckets_stats(). */
typedef struct BkStats {
  int ePlan;            /* BK_ROLL_RAW, BK_ROLL_DAY or BK_ROLL_MONTH */
  sqlite3_int64 nRaw;   /* fact rows read */
  sqlite3_int64 nDay;   /* day rollup rows read */
  sqlite3_int64 nMonth; /* month rollup rows read */
  int nDirty;           /* dirty days in the range, read raw */
} BkStats;

typedef struct BkVtab BkVtab;
typedef struct BkCursor BkCursor;
typedef struct BkVal BkVal;
typedef struct BkKey BkKey;
typedef struct BkCell BkCell;
typedef struct BkArgs BkArgs;
typedef struct BkKeys BkKeys;
typedef struct BkCells BkCells;
typedef struct BkScan BkScan;
typedef struct BkPos BkPos;

/* The table on one connection and schema. */
struct BkVtab {
  sqlite3_vtab base;             /* base class: must be first */
  sqlite3 *db;                   /* the connection */
  char *zSchema;                 /* the schema whose fact_usage is read */
  sqlite3_stmt *aStmt[ST_COUNT]; /* prepared on first use, reset after use */
  sqlite3_stmt *aScan[BK_NSCAN]; /* scans prepared so far, by ... */
  int aScanKey[BK_NSCAN];        /* ... their scan key */
  int iScanVictim;               /* which one a new scan replaces */
  sqlite3_stmt *aRoll[BK_NROLL]; /* rollup state, prepared on first use */
  sqlite3_stmt *aRead[BK_NREAD]; /* rollup row reads prepared, by ... */
  int aReadKey[BK_NREAD];        /* ... level and sums read */
  int iReadVictim;               /* which one a new read replaces */
  char *zRollTz;                 /* rollup_tz last read, or NULL ... */
  UsageZone *pRollZone;          /* ... and its zone (NULL: UTC) */
  BkStats *pStats;               /* the connection's, the module's pAux */
  int nCellHint;                 /* cells of the last result: room made
                                 ** for the next one up front */
};

/* A value of the key column, owned (text and blobs are copies). */
struct BkVal {
  int eType;       /* SQLITE_NULL, _INTEGER, _FLOAT, _TEXT or _BLOB */
  sqlite3_int64 i; /* SQLITE_INTEGER */
  double r;        /* SQLITE_FLOAT */
  char *z;         /* SQLITE_TEXT or SQLITE_BLOB: n bytes, NUL-terminated */
  int n;
};

/* A distinct key of the scan, known by its dense number (its index). */
struct BkKey {
  sqlite3_int64 iId;        /* project_id, machine_id or group_id */
  BkVal name;               /* what the key column shows, once bNamed */
  unsigned char bHasId;     /* iId is a stored id, named from a dim table */
  unsigned char bNamed;     /* name is set */
  unsigned char bRequested; /* named by a key = or key IN constraint */
  unsigned char bPhantom;   /* requested, but no stored key has that name */
  int nCell;                /* cells with rows for this key */
  int iRank;                /* position in the key order of the result */
  int iCurCell;             /* this key's cell in the current bucket ... */
  sqlite3_int64 iCurSerial; /* ... valid while the bucket serial matches */
};

/* The totals of one (bucket, key). */
struct BkCell {
  int64_t iBucket;       /* bucket start, unix seconds */
  int iKey;              /* dense key */
  int iRank;             /* the key's rank, copied for sorting */
  sqlite3_int64 nSample; /* rows aggregated */
  double aSum[BK_NSUM];  /* busy/idle cpu seconds, kWh, gCO2eq */
};

/* The arguments of the last xFilter (buckets/plan.c). */
struct BkArgs {
  sqlite3_value *apArg[BK_NHIDDEN]; /* hidden column values given, or NULL */
  int eScope;                       /* a UsageScope */
  UsageWidth w;                     /* bucket width */
  int64_t iOrigin;                  /* bucket origin (an instant) */
  UsageZone *pZone;                 /* tz; NULL for UTC. Rollups serve
                                    ** only the zone of rollup_tz */
  UsageLocalWidth lw;               /* w, origin and zone: the bucket of a
                                    ** ts is usage_local_bucket(&lw, ...) */
  int bFill;                        /* fill = 'zero' */
  int bDesc;                        /* emit in descending order */
  int mSum;                         /* bit j: the query reads sum j */
  int bStart, bEnd;                 /* start, end given: zFrom, zTo are set */
  char zFrom[USAGE_TS_LEN + 1];     /* canonical start */
  char zTo[USAGE_TS_LEN + 1];       /* canonical end */
  int64_t iFirstBucket;             /* fill = 'zero': first and last bucket */
  int64_t iLastBucket;
};

/* The keys of the result (buckets/keys.c). */
struct BkKeys {
  BkKey *aKey; /* keys by dense number */
  int nKey, nKeyAlloc;
  int iAdaKey;     /* dense key of 'ada', or -1 */
  int iNullKey;    /* dense key of a NULL key, or -1 */
  UsageHash idMap; /* (stored id, 0) -> dense key, for ids not in aDirect */
  int *aDirect;    /* stored id -> dense key or -1, 0 <= id < nDirect */
  int nDirect;
  UsageHash textMap; /* user id -> dense key (user: the user; group: the
                     ** user's group, -1 to skip) */
  int bFilter;       /* only requested keys are scanned */
  int nFound;        /* requested keys that name stored keys */
};

/* The cells of the result (buckets/cells.c). */
struct BkCells {
  UsageHash cellMap; /* (bucket, dense key) -> cell, during the scan */
  BkCell *aCell;     /* cells, sorted after the scan */
  int nCell, nCellAlloc;
  int *aOrder; /* keys of the result, by rank */
  int nOrder;
};

/* The scan in progress (buckets/scan.c): the last ts text seen, its
** bucket [iScanBucket, iScanNext), and a serial number that changes with
** the bucket. */
struct BkScan {
  char zScanTs[USAGE_TS_LEN];
  int64_t iScanBucket, iScanNext;
  sqlite3_int64 iScanSerial;
  int rcScan;          /* the first error of the scan */
  sqlite3_int64 nRow;  /* fact rows read by the query */
  sqlite3_int64 nRoll; /* rollup rows read by the last rollup read */
};

/* Position (buckets/cells.c): the current row is (iBucket,
** aOrder[iOrderPos]) under fill, else aCell[iCellPos]; pCell is its cell,
** NULL for a zero row. */
struct BkPos {
  int bEof;
  sqlite3_int64 iRowid;
  int iCellPos;
  int iOrderPos;
  int64_t iBucket;
  int iKey;
  BkCell *pCell;
  int64_t iTsBucket;          /* the bucket zTs holds, INT64_MIN for none */
  char zTs[USAGE_TS_LEN + 1]; /* its canonical text, "" when NULL */
};

/* A scan: its arguments, keys, cells, scan state and position. */
struct BkCursor {
  sqlite3_vtab_cursor base; /* base class: must be first */
  BkArgs arg;
  BkKeys keys;
  BkCells cells;
  BkScan scan;
  BkPos pos;
};

/* ---- buckets/buckets.c: errors and the table's statements --------------- */

/* Report "usage_buckets: <what> <value>" with the value quoted. */
int bk_value_error(BkVtab *p, const char *zWhat, sqlite3_value *pVal,
                   const char *zWhy);
/* Report the connection's last error under this table's name. */
int bk_db_error(BkVtab *p, int rc);
/* After a failure: "no usage schema" when fact_usage is missing, else rc. */
int bk_schema_error(BkVtab *p, int rc);
/* Statement iStmt, prepared on first use; a missing schema is an error. */
int bk_stmt_need(BkVtab *p, int iStmt, sqlite3_stmt **ppStmt);
/* Reset a statement after a run; a step error becomes the table's error. */
int bk_stmt_done(BkVtab *p, sqlite3_stmt *pStmt, int rcStep);
/* The read of day (eSource BK_ROLL_DAY) or month rollup rows of [?2, ?3)
** of scope ?1 into usage__buckets_roll() with the cursor as ?4, for the
** sums mSum, prepared on first use. */
int bk_roll_read_stmt(BkVtab *p, int eSource, int mSum, sqlite3_stmt **ppStmt);

/* ---- buckets/plan.c ---------------------------------------------- */

/* xBestIndex. */
int bk_best_index(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo);
/* Read xFilter's arguments into c->arg; *ppKeyArg gets the key = or key IN
** value. Returns SQLITE_DONE when the result is empty without a scan. */
int bk_args_read(BkVtab *p, BkCursor *c, int idxNum, int argc,
                 sqlite3_value **argv, sqlite3_value **ppKeyArg);

/* ---- buckets/keys.c ---------------------------------------------- */

int bk_val_compare(const BkVal *pA, const BkVal *pB);
void bk_val_result(sqlite3_context *ctx, const BkVal *pV);
void bk_val_clear(BkVal *pV);
int bk_key_of_id(BkCursor *c, sqlite3_int64 iId, int *piKey);
int bk_key_of_user(BkCursor *c, const char *z, int n, int *piKey);
int bk_key_null(BkCursor *c, int *piKey);
int bk_key_ada(BkCursor *c, int *piKey);
int bk_key_request(BkVtab *p, BkCursor *c, sqlite3_value *pVal);
int bk_load_user_groups(BkVtab *p, BkCursor *c);
int bk_name_keys(BkVtab *p, BkCursor *c);

/* The dense key of a stored id, or -1 when the id has none yet. */
static inline int bk_id_lookup(const BkKeys *pKeys, sqlite3_int64 iId) {
  if (iId >= 0 && iId < pKeys->nDirect) return pKeys->aDirect[iId];
  if (pKeys->idMap.nUsed == 0) return -1;
  return usage_hash_pair_get(&pKeys->idMap, iId, 0);
}

/* ---- buckets/scan.c ---------------------------------------------- */

/* Accumulate the fact rows of the scope with ts in [zFrom, zTo) (a NULL
** bound is not applied) into the cells. */
int bk_scan_rows(BkVtab *p, BkCursor *c, const char *zFrom, const char *zTo);
/* Report a bucket start outside the years 0000-9999. */
int bk_bucket_range_error(BkVtab *p, int64_t t);
/* The dense key of a row's key value, or -1 to skip the row. */
int bk_row_key(BkCursor *c, sqlite3_value *pVal, int *piKey);
/* Forget the bucket of the last row read, so the next row finds its own;
** the serial keeps rising, so no key's cached cell carries over. */
void bk_scan_restart(BkCursor *c);

/* ---- buckets/rollup.c -------------------------------------------- */

/* Accumulate the query's range into the cells, from the rollups where
** they hold it and from fact rows elsewhere. */
int bk_rollup_rows(BkVtab *p, BkCursor *c);
/* Register usage__buckets_roll() and usage_buckets_stats(). */
int bk_register_rollup(sqlite3 *db, BkStats *pStats);
/* Register the scan's internal aggregate usage__buckets_add(). */
int bk_register_scan(sqlite3 *db);

/* ---- buckets/cells.c --------------------------------------------- */

/* The cell of (bucket, key) if it exists, else -1. */
static inline int bk_cell_find(const BkCells *pCells, int64_t iBucket, int k) {
  return usage_hash_pair_get(&pCells->cellMap, iBucket, k);
}
/* Room for one more cell, or the error of a result over BK_MAX_CELLS. */
int bk_cells_reserve(BkVtab *p, BkCells *pCells);
/* Room up front for about as many cells as the last result had. */
int bk_cells_presize(BkVtab *p, BkCells *pCells);

/* Create the cell of (bucket, key), known to be absent; *piCell gets it. */
static inline int bk_cell_new(BkVtab *p, BkCursor *c, int64_t iBucket, int k,
                              int *piCell) {
  BkCells *pCells = &c->cells;
  BkCell *pCell;
  int i, rc;
  assert(k >= 0 && k < c->keys.nKey);
  assert(bk_cell_find(pCells, iBucket, k) < 0);
  rc = bk_cells_reserve(p, pCells);
  if (rc != SQLITE_OK) return rc;
  i = pCells->nCell;
  rc = usage_hash_pair_put(&pCells->cellMap, iBucket, k, i);
  if (rc != SQLITE_OK) return rc;
  pCells->nCell++;
  pCell = &pCells->aCell[i];
  memset(pCell, 0, sizeof(*pCell));
  pCell->iBucket = iBucket;
  pCell->iKey = k;
  c->keys.aKey[k].nCell++;
  *piCell = i;
  return SQLITE_OK;
}
int bk_order_result(BkVtab *p, BkCursor *c);
int64_t bk_bucket_count(const UsageWidth *pW, int64_t iFirst, int64_t iLast);
void bk_cursor_start(BkCursor *c);
/* Advance the position by one row. */
void bk_cursor_advance(BkCursor *c);

#endif /* USAGE_BUCKETS_H */
