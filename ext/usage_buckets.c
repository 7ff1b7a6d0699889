/*
** usage_buckets.c: the usage_buckets table: totals per time bucket and key.
**
**   SELECT * FROM usage_buckets('project', 'day', '2024-03-01', '2024-04-01');
**   SELECT * FROM usage_buckets WHERE scope = 'group' AND width = '1 month'
**     AND fill = 'zero' AND start = '2024-01-01' AND "end" = '2025-01-01'
**     AND key = 'physics';
**   SELECT bucket_start, key, busy_kwh + idle_kwh AS kwh, samples
**     FROM usage_buckets('machine', '1 week', '2024-01-01', '2024-04-01')
**    WHERE key IN ('node-1', 'node-7')
**    ORDER BY bucket_start, key;               -- no sort: rows come so
**   SELECT * FROM usage_buckets('ada', '1 year', NULL, NULL, 'none',
**                               '2000-04-01');  -- fiscal years from April
**   CREATE VIRTUAL TABLE aux.buckets USING usage_buckets;  -- reads aux
**
** An eponymous, read-only table. Its hidden columns, in positional order,
** are the arguments:
**   scope   'ada', 'project', 'machine', 'user' or 'group' (required); a
**           group's totals are the sums of its members' user rows, and users
**           without a group fall under the key NULL
**   width   as for usage_bucket(); default 'day'
**   start   inclusive lower bound of ts, any form usage_ts() takes
**   end     exclusive upper bound of ts, likewise
**   fill    'none' (default): only buckets with rows; 'zero': every bucket
**           from the one holding start to the one holding end - 1 second,
**           for every key in the result, zeros where there are no rows
**   origin  bucket alignment, as for usage_bucket()
** A NULL argument gives no rows. Constraints "key = ?" and "key IN (...)"
** are applied inside the scan; under fill = 'zero' a requested key with no
** rows still gets its zero rows.
**
** How: one pass, in ts order, over the range (scope, ts) of the covering
** index fact_usage_report, run as one SQL statement whose rows go to the
** internal aggregate usage__buckets_add() with the cursor bound as a
** pointer, so they reach C from inside the VDBE with no per-row step or
** column calls. Each row's canonical ts is parsed in C and floored to its
** bucket (cached while ts repeats or stays in the bucket); its key is
** interned to a small dense number (an array for small ids, else a hash);
** its amounts are added to the cell (bucket, key), found through a hash
** keyed by both and cached per key for the current bucket. A key filter
** naming one or two keys runs one pass per key, testing it in the index. Names are
** looked up only for the keys in the result, and the cells are sorted
** once, by bucket_start then key: the order the table promises the
** planner. Memory is bounded by keys x buckets, and results over
** BK_MAX_CELLS are refused with an error.
*/
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "usage.h"
SQLITE_EXTENSION_INIT3

/* Results with more cells (rows) than this are refused, not built. */
#define BK_MAX_CELLS 10000000

/* First SQLite with sqlite3_vtab_in() and sqlite3_vtab_rhs_value(). */
#define BK_VERSION_VTAB_IN 3038000

/* Number of amount columns summed. */
#define BK_NSUM 6

/* Columns of the table; the hidden ones follow COL_SAMPLES, in the
** positional order of the table-valued function. */
enum {
  COL_BUCKET_START, COL_BUCKET_END, COL_KEY, COL_BUSY_CPU, COL_IDLE_CPU,
  COL_BUSY_KWH, COL_IDLE_KWH, COL_BUSY_G, COL_IDLE_G, COL_INTENSITY,
  COL_SAMPLES, COL_SCOPE, COL_WIDTH, COL_START, COL_END, COL_FILL, COL_ORIGIN
};
#define BK_NHIDDEN 6

/* Names of the hidden columns, for messages. */
static const char *const azHidden[BK_NHIDDEN] = {"scope", "width", "start",
                                                 "end", "fill", "origin"};

/* Bits of idxNum beyond the six "hidden column i was given" bits. */
#define IDX_KEY 0x40    /* key = ? is passed after the hidden columns */
#define IDX_KEY_IN 0x80 /* ... as an all-at-once IN list */
#define IDX_DESC 0x100  /* emit in descending order for ORDER BY ... DESC */
#define IDX_SUM_SHIFT 9 /* bits 9-14: which of the six sums the query reads */

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
** the scans themselves (see scan_sql). */
enum {
  ST_NAME_PROJECT, ST_NAME_MACHINE, ST_NAME_GROUP,
  ST_FIND_PROJECT, ST_FIND_MACHINE, ST_FIND_GROUP,
  ST_USER_GROUPS, ST_HAS_SCHEMA, ST_NUM_PROJECT, ST_NUM_MACHINE,
  ST_NUM_USER, ST_COUNT
};

/* Their SQL; each "%w" is the schema. */
static const char *const azStmtSql[ST_COUNT] = {
  "SELECT cloud_project_name FROM \"%w\".dim_project WHERE project_id = ?1",
  "SELECT machine_name FROM \"%w\".dim_machine WHERE machine_id = ?1",
  "SELECT group_name FROM \"%w\".dim_group WHERE group_id = ?1",
  "SELECT project_id FROM \"%w\".dim_project WHERE cloud_project_name = ?1",
  "SELECT machine_id FROM \"%w\".dim_machine WHERE machine_name = ?1",
  "SELECT group_id FROM \"%w\".dim_group WHERE group_name = ?1",
  "SELECT user_id, group_id FROM \"%w\".dim_user",
  "SELECT 1 FROM \"%w\".sqlite_master WHERE name = 'fact_usage'",
  "SELECT count(*) FROM \"%w\".dim_project",
  "SELECT count(*) FROM \"%w\".dim_machine",
  "SELECT count(*) FROM \"%w\".dim_user",
};

typedef struct BkVtab BkVtab;
typedef struct BkCursor BkCursor;
typedef struct BkVal BkVal;
typedef struct BkKey BkKey;
typedef struct BkCell BkCell;
typedef struct PairSlot PairSlot;
typedef struct PairMap PairMap;
typedef struct StrSlot StrSlot;
typedef struct StrMap StrMap;

/* The table on one connection and schema. */
struct BkVtab {
  sqlite3_vtab base;             /* base class: must be first */
  sqlite3 *db;                   /* the connection */
  char *zSchema;                 /* the schema whose fact_usage is read */
  sqlite3_stmt *aStmt[ST_COUNT]; /* prepared on first use, reset after use */
  sqlite3_stmt *aScan[BK_NSCAN]; /* scans prepared so far, by ... */
  int aScanKey[BK_NSCAN];        /* ... their scan_key() */
  int iScanVictim;               /* which one a new scan replaces */
};

/* A value of the key column, owned (text and blobs are copies). */
struct BkVal {
  int eType;        /* SQLITE_NULL, _INTEGER, _FLOAT, _TEXT or _BLOB */
  sqlite3_int64 i;  /* SQLITE_INTEGER */
  double r;         /* SQLITE_FLOAT */
  char *z;          /* SQLITE_TEXT or SQLITE_BLOB: n bytes, NUL-terminated */
  int n;
};

/* A distinct key of the scan, known by its dense number (its index). */
struct BkKey {
  sqlite3_int64 iId;         /* project_id, machine_id or group_id */
  BkVal name;                /* what the key column shows, once bNamed */
  unsigned char bHasId;      /* iId is a stored id, named from a dim table */
  unsigned char bNamed;      /* name is set */
  unsigned char bRequested;  /* named by a key = or key IN constraint */
  unsigned char bPhantom;    /* requested, but no stored key has that name */
  int nCell;                 /* cells with rows for this key */
  int iRank;                 /* position in the key order of the result */
  int iCurCell;              /* this key's cell in the current bucket ... */
  sqlite3_int64 iCurSerial;  /* ... valid while the bucket serial matches */
};

/* The totals of one (bucket, key). */
struct BkCell {
  int64_t iBucket;        /* bucket start, unix seconds */
  int iKey;               /* dense key */
  int iRank;              /* the key's rank, copied for sorting */
  sqlite3_int64 nSample;  /* rows aggregated */
  double aSum[BK_NSUM];   /* busy/idle cpu seconds, kWh, gCO2eq */
};

/* Open addressing from an (int64, int) pair to an int; v < 0 is empty. */
struct PairSlot {
  sqlite3_int64 a;
  int b;
  int v;
};
struct PairMap {
  PairSlot *aSlot;  /* mask+1 slots, or NULL when empty */
  unsigned mask;
  int nUsed;
};

/* Open addressing from a byte string to an int; iOff < 0 is empty. The
** strings are copies kept in one arena, found by offset. */
struct StrSlot {
  sqlite3_uint64 h;
  sqlite3_int64 iOff;
  int n;
  int v;
};
struct StrMap {
  StrSlot *aSlot;
  unsigned mask;
  int nUsed;
  char *zArena;
  sqlite3_int64 nArena, nArenaAlloc;
};

/* A scan: the arguments of the last xFilter, its result, and a position. */
struct BkCursor {
  sqlite3_vtab_cursor base;        /* base class: must be first */
  sqlite3_value *apArg[BK_NHIDDEN]; /* hidden column values given, or NULL */
  int eScope;                      /* a UsageScope */
  UsageWidth w;                    /* bucket width */
  int64_t iOrigin;                 /* bucket origin */
  int bFill;                       /* fill = 'zero' */
  int bDesc;                       /* emit in descending order */
  int bFilter;                     /* only requested keys are scanned */
  int nFound;                      /* requested keys that name stored keys */
  int64_t iFirstBucket;            /* fill = 'zero': first and last bucket */
  int64_t iLastBucket;
  BkKey *aKey;                     /* keys by dense number */
  int nKey, nKeyAlloc;
  int iAdaKey;                     /* dense key of 'ada', or -1 */
  int iNullKey;                    /* dense key of a NULL key, or -1 */
  PairMap idMap;                   /* (stored id, 0) -> dense key, for ids
                                   ** not in aDirect */
  int *aDirect;                    /* stored id -> dense key or -1, for ids
                                   ** 0 <= id < nDirect */
  int nDirect;
  StrMap textMap;                  /* user id -> dense key (user: the user;
                                   ** group: the user's group, -1 to skip) */
  PairMap cellMap;                 /* (bucket, dense key) -> cell */
  BkCell *aCell;                   /* cells, sorted after the scan */
  int nCell, nCellAlloc;
  int *aOrder;                     /* keys of the result, by rank */
  int nOrder;
  /* The scan in progress: the last ts text seen, its bucket [iScanBucket,
  ** iScanNext), and a serial number that changes with the bucket. */
  char zScanTs[USAGE_TS_LEN];
  int64_t iScanBucket, iScanNext;
  sqlite3_int64 iScanSerial;
  int rcScan;                      /* the first error of the scan */
  int mSum;                        /* bit j: the query reads sum j */
  /* Position: the current row is (iBucket, aOrder[iOrderPos]) under fill,
  ** else aCell[iCellPos]; pCell is its cell, NULL for a zero row. */
  int bEof;
  sqlite3_int64 iRowid;
  int iCellPos;
  int iOrderPos;
  int64_t iBucket;
  int iKey;
  BkCell *pCell;
};


/* Report "usage_buckets: <what> <value>" with the value quoted. */
static int value_error(BkVtab *p, const char *zWhat, sqlite3_value *pVal,
                       const char *zWhy) {
  char *zRepr = usage_value_repr(pVal);
  int rc;
  if (zRepr == 0) return SQLITE_NOMEM;
  rc = usage_vtab_error(&p->base, SQLITE_ERROR, "usage_buckets: %s %s%s%s",
                        zWhat, zRepr, zWhy ? ": " : "", zWhy ? zWhy : "");
  sqlite3_free(zRepr);
  return rc;
}

/* Report the connection's last error under this table's name. */
static int db_error(BkVtab *p, int rc) {
  return usage_vtab_error(&p->base, rc, "usage_buckets: %s",
                          sqlite3_errmsg(p->db));
}

/* ---- hashing ----------------------------------------------------------- */

/* A well-mixed 32-bit hash of an (int64, int) pair (splitmix64 finaliser). */
static unsigned pair_hash(sqlite3_int64 a, int b) {
  sqlite3_uint64 x = (sqlite3_uint64)a * 0x9E3779B97F4A7C15ULL;
  x ^= (sqlite3_uint64)(unsigned)b * 0xC2B2AE3D27D4EB4FULL;
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ULL;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBULL;
  x ^= x >> 31;
  return (unsigned)x;
}

/* The slot holding (a, b), or the empty slot where it would go. */
static PairSlot *pair_slot(const PairMap *m, sqlite3_int64 a, int b) {
  unsigned i = pair_hash(a, b) & m->mask;
  while (m->aSlot[i].v >= 0 && (m->aSlot[i].a != a || m->aSlot[i].b != b)) {
    i = (i + 1) & m->mask;
  }
  return &m->aSlot[i];
}

/* The value stored for (a, b), or -1. */
static int pair_get(const PairMap *m, sqlite3_int64 a, int b) {
  if (m->aSlot == 0) return -1;
  return pair_slot(m, a, b)->v;
}

/* Double the table (or create it), so at most 3/4 of the slots are used. */
static int pair_grow(PairMap *m) {
  unsigned nOld = m->aSlot ? m->mask + 1 : 0;
  unsigned nNew = nOld ? nOld * 2 : 64;
  PairSlot *aOld = m->aSlot;
  unsigned i;
  if (nNew < nOld) return SQLITE_NOMEM;
  m->aSlot = sqlite3_malloc64((sqlite3_uint64)nNew * sizeof(PairSlot));
  if (m->aSlot == 0) {
    m->aSlot = aOld;
    return SQLITE_NOMEM;
  }
  m->mask = nNew - 1;
  for (i = 0; i < nNew; i++) m->aSlot[i].v = -1;
  for (i = 0; i < nOld; i++) {
    if (aOld[i].v >= 0) *pair_slot(m, aOld[i].a, aOld[i].b) = aOld[i];
  }
  sqlite3_free(aOld);
  return SQLITE_OK;
}

/* Store v (>= 0) for a pair known to be absent. */
static int pair_put(PairMap *m, sqlite3_int64 a, int b, int v) {
  PairSlot *pSlot;
  if (m->aSlot == 0 || (sqlite3_uint64)(m->nUsed + 1) * 4 > (sqlite3_uint64)(m->mask + 1) * 3) {
    int rc = pair_grow(m);
    if (rc != SQLITE_OK) return rc;
  }
  pSlot = pair_slot(m, a, b);
  pSlot->a = a;
  pSlot->b = b;
  pSlot->v = v;
  m->nUsed++;
  return SQLITE_OK;
}

/* Free a pair map's memory. */
static void pair_clear(PairMap *m) {
  sqlite3_free(m->aSlot);
  memset(m, 0, sizeof(*m));
}

/* FNV-1a of z[0..n), then mixed, so short ids spread over the table. */
static sqlite3_uint64 str_hash(const char *z, int n) {
  sqlite3_uint64 h = 0xCBF29CE484222325ULL;
  int i;
  for (i = 0; i < n; i++) {
    h ^= (unsigned char)z[i];
    h *= 0x100000001B3ULL;
  }
  return h ^ (h >> 29);
}

/* The slot holding z[0..n), or the empty slot where it would go. */
static StrSlot *str_slot(const StrMap *m, const char *z, int n,
                         sqlite3_uint64 h) {
  unsigned i = (unsigned)h & m->mask;
  for (;;) {
    StrSlot *s = &m->aSlot[i];
    if (s->iOff < 0) return s;
    if (s->h == h && s->n == n && memcmp(m->zArena + s->iOff, z, n) == 0) {
      return s;
    }
    i = (i + 1) & m->mask;
  }
}

/* The value stored for z[0..n); *pFound says whether there is one. */
static int str_get(const StrMap *m, const char *z, int n, int *pFound) {
  StrSlot *s;
  *pFound = 0;
  if (m->aSlot == 0) return -1;
  s = str_slot(m, z, n, str_hash(z, n));
  if (s->iOff < 0) return -1;
  *pFound = 1;
  return s->v;
}

/* Double the slot table (or create it). */
static int str_grow(StrMap *m) {
  unsigned nOld = m->aSlot ? m->mask + 1 : 0;
  unsigned nNew = nOld ? nOld * 2 : 64;
  StrSlot *aOld = m->aSlot;
  unsigned i;
  if (nNew < nOld) return SQLITE_NOMEM;
  m->aSlot = sqlite3_malloc64((sqlite3_uint64)nNew * sizeof(StrSlot));
  if (m->aSlot == 0) {
    m->aSlot = aOld;
    return SQLITE_NOMEM;
  }
  m->mask = nNew - 1;
  for (i = 0; i < nNew; i++) m->aSlot[i].iOff = -1;
  for (i = 0; i < nOld; i++) {
    if (aOld[i].iOff >= 0) {
      StrSlot *s = &m->aSlot[(unsigned)aOld[i].h & m->mask];
      while (s->iOff >= 0) {
        s = (s == &m->aSlot[m->mask]) ? m->aSlot : s + 1;
      }
      *s = aOld[i];
    }
  }
  sqlite3_free(aOld);
  return SQLITE_OK;
}

/* Store v for a string known to be absent, copying the string. */
static int str_put(StrMap *m, const char *z, int n, int v) {
  sqlite3_uint64 h = str_hash(z, n);
  StrSlot *s;
  if (m->aSlot == 0 || (sqlite3_uint64)(m->nUsed + 1) * 4 > (sqlite3_uint64)(m->mask + 1) * 3) {
    int rc = str_grow(m);
    if (rc != SQLITE_OK) return rc;
  }
  if (m->nArena + n + 1 > m->nArenaAlloc) {
    sqlite3_int64 nNew = m->nArenaAlloc ? m->nArenaAlloc * 2 : 1024;
    char *zNew;
    while (nNew < m->nArena + n + 1) nNew *= 2;
    zNew = sqlite3_realloc64(m->zArena, (sqlite3_uint64)nNew);
    if (zNew == 0) return SQLITE_NOMEM;
    m->zArena = zNew;
    m->nArenaAlloc = nNew;
  }
  if (n > 0) memcpy(m->zArena + m->nArena, z, n);
  m->zArena[m->nArena + n] = 0;
  s = str_slot(m, z, n, h);
  s->h = h;
  s->iOff = m->nArena;
  s->n = n;
  s->v = v;
  m->nArena += n + 1;
  m->nUsed++;
  return SQLITE_OK;
}

/* Free a string map's memory. */
static void str_clear(StrMap *m) {
  sqlite3_free(m->aSlot);
  sqlite3_free(m->zArena);
  memset(m, 0, sizeof(*m));
}

/* ---- key values -------------------------------------------------------- */

/* Set *pV to a copy of a text or blob, or of any sqlite3_value. */
static int val_set_bytes(BkVal *pV, int eType, const void *z, int n) {
  pV->eType = eType;
  pV->z = sqlite3_malloc64((sqlite3_uint64)n + 1);
  if (pV->z == 0) {
    pV->eType = SQLITE_NULL;
    return SQLITE_NOMEM;
  }
  if (n > 0) memcpy(pV->z, z, n);
  pV->z[n] = 0;
  pV->n = n;
  return SQLITE_OK;
}

/* Set *pV to a copy of pVal, whatever its type. */
static int val_set_value(BkVal *pV, sqlite3_value *pVal) {
  int eType = sqlite3_value_type(pVal);
  memset(pV, 0, sizeof(*pV));
  switch (eType) {
    case SQLITE_INTEGER:
      pV->eType = eType;
      pV->i = sqlite3_value_int64(pVal);
      return SQLITE_OK;
    case SQLITE_FLOAT:
      pV->eType = eType;
      pV->r = sqlite3_value_double(pVal);
      return SQLITE_OK;
    case SQLITE_TEXT: {
      const unsigned char *z = sqlite3_value_text(pVal);
      if (z == 0) return SQLITE_NOMEM;
      return val_set_bytes(pV, eType, z, sqlite3_value_bytes(pVal));
    }
    case SQLITE_BLOB: {
      const void *z = sqlite3_value_blob(pVal);
      int n = sqlite3_value_bytes(pVal);
      if (z == 0 && n > 0) return SQLITE_NOMEM;
      return val_set_bytes(pV, eType, z, n);
    }
    default:
      pV->eType = SQLITE_NULL;
      return SQLITE_OK;
  }
}

/* Free what a key value owns. */
static void val_clear(BkVal *pV) {
  sqlite3_free(pV->z);
  memset(pV, 0, sizeof(*pV));
}

/* The sort class of a type under SQLite's rules: NULL, number, text, blob. */
static int val_class(int eType) {
  switch (eType) {
    case SQLITE_NULL: return 0;
    case SQLITE_INTEGER:
    case SQLITE_FLOAT: return 1;
    case SQLITE_TEXT: return 2;
    default: return 3;
  }
}

/* Compare two key values as ORDER BY key (BINARY collation) does. */
static int val_compare(const BkVal *pA, const BkVal *pB) {
  int cA = val_class(pA->eType), cB = val_class(pB->eType);
  if (cA != cB) return cA < cB ? -1 : 1;
  if (cA == 0) return 0;
  if (cA == 1) {
    if (pA->eType == SQLITE_INTEGER && pB->eType == SQLITE_INTEGER) {
      return pA->i < pB->i ? -1 : pA->i > pB->i;
    } else {
      double a = pA->eType == SQLITE_INTEGER ? (double)pA->i : pA->r;
      double b = pB->eType == SQLITE_INTEGER ? (double)pB->i : pB->r;
      return a < b ? -1 : a > b;
    }
  } else {
    int n = pA->n < pB->n ? pA->n : pB->n;
    int c = n > 0 ? memcmp(pA->z, pB->z, n) : 0;
    if (c) return c;
    return pA->n < pB->n ? -1 : pA->n > pB->n;
  }
}

/* Make a key value the result of a column. */
static void val_result(sqlite3_context *ctx, const BkVal *pV) {
  switch (pV->eType) {
    case SQLITE_INTEGER: sqlite3_result_int64(ctx, pV->i); break;
    case SQLITE_FLOAT: sqlite3_result_double(ctx, pV->r); break;
    case SQLITE_TEXT: sqlite3_result_text(ctx, pV->z, pV->n, SQLITE_TRANSIENT); break;
    case SQLITE_BLOB: sqlite3_result_blob(ctx, pV->z, pV->n, SQLITE_TRANSIENT); break;
    default: sqlite3_result_null(ctx); break;
  }
}

/* ---- statements -------------------------------------------------------- */

/* The statement iStmt, prepared on first use. Callers reset it after use. */
static int stmt_get(BkVtab *p, int iStmt, sqlite3_stmt **ppStmt) {
  if (p->aStmt[iStmt] == 0) {
    int rc = usage_prepare_persistent(p->db, azStmtSql[iStmt], p->zSchema,
                                      &p->aStmt[iStmt]);
    if (rc != SQLITE_OK) return db_error(p, rc);
  }
  *ppStmt = p->aStmt[iStmt];
  return SQLITE_OK;
}

/* After a statement failed: say "no usage schema" when fact_usage is
** missing, which is by far the likeliest cause, else pass rc on. */
static int schema_error(BkVtab *p, int rc) {
  sqlite3_stmt *pStmt = 0;
  char *zSql = sqlite3_mprintf(azStmtSql[ST_HAS_SCHEMA], p->zSchema);
  int rc2, bHas = 1;
  if (zSql == 0) return SQLITE_NOMEM;
  rc2 = sqlite3_prepare_v2(p->db, zSql, -1, &pStmt, 0);
  sqlite3_free(zSql);
  if (rc2 == SQLITE_OK) bHas = (sqlite3_step(pStmt) == SQLITE_ROW);
  sqlite3_finalize(pStmt);
  if (rc2 == SQLITE_OK && !bHas) {
    return usage_vtab_error(&p->base, SQLITE_ERROR,
                            "usage_buckets: no usage schema in %s; "
                            "run SELECT usage_init(%s%s%s)",
                            p->zSchema, strcmp(p->zSchema, "main") ? "'" : "",
                            strcmp(p->zSchema, "main") ? p->zSchema : "",
                            strcmp(p->zSchema, "main") ? "'" : "");
  }
  return rc;
}

/* Prepare statement iStmt, turning a missing schema into a clear error. */
static int stmt_need(BkVtab *p, int iStmt, sqlite3_stmt **ppStmt) {
  int rc = stmt_get(p, iStmt, ppStmt);
  return rc == SQLITE_OK ? rc : schema_error(p, rc);
}

/* Finish a statement run: reset it, and turn a step error into an error. */
static int stmt_done(BkVtab *p, sqlite3_stmt *pStmt, int rcStep) {
  int rc = sqlite3_reset(pStmt);
  sqlite3_clear_bindings(pStmt);
  if (rcStep == SQLITE_DONE || rcStep == SQLITE_ROW) return SQLITE_OK;
  return db_error(p, rc != SQLITE_OK ? rc : rcStep);
}

/* ---- keys -------------------------------------------------------------- */

/* Append a new, empty key; *piKey gets its dense number. */
static int key_new(BkCursor *c, int *piKey) {
  BkKey *pKey;
  if (c->nKey >= c->nKeyAlloc) {
    int nNew = c->nKeyAlloc ? c->nKeyAlloc * 2 : 16;
    BkKey *aNew;
    if (nNew > INT_MAX / 2) return SQLITE_NOMEM;
    aNew = sqlite3_realloc64(c->aKey, (sqlite3_uint64)nNew * sizeof(BkKey));
    if (aNew == 0) return SQLITE_NOMEM;
    c->aKey = aNew;
    c->nKeyAlloc = nNew;
  }
  pKey = &c->aKey[c->nKey];
  memset(pKey, 0, sizeof(*pKey));
  pKey->name.eType = SQLITE_NULL;
  pKey->iCurCell = -1;
  *piKey = c->nKey++;
  return SQLITE_OK;
}

/* The dense key of a stored id, or -1 when the id has none yet. */
static int id_lookup(const BkCursor *c, sqlite3_int64 iId) {
  if (iId >= 0 && iId < c->nDirect) return c->aDirect[iId];
  if (c->idMap.nUsed == 0) return -1;
  return pair_get(&c->idMap, iId, 0);
}

/* Record the dense key of a new stored id: small ids in the array, grown
** to the next power of two; others in the hash. */
static int id_store(BkCursor *c, sqlite3_int64 iId, int k) {
  if (iId >= 0 && iId < BK_DIRECT_MAX) {
    if (iId >= c->nDirect) {
      int nNew = c->nDirect ? c->nDirect : 64, i;
      int *aNew;
      while (nNew <= iId) nNew *= 2;
      aNew = sqlite3_realloc64(c->aDirect, (sqlite3_uint64)nNew * sizeof(int));
      if (aNew == 0) return SQLITE_NOMEM;
      for (i = c->nDirect; i < nNew; i++) aNew[i] = -1;
      c->aDirect = aNew;
      c->nDirect = nNew;
    }
    c->aDirect[iId] = k;
    return SQLITE_OK;
  }
  return pair_put(&c->idMap, iId, 0, k);
}

/* The dense key of a stored id (project, machine, group), added if new. */
static int key_of_id(BkCursor *c, sqlite3_int64 iId, int *piKey) {
  int k = id_lookup(c, iId);
  int rc;
  if (k >= 0) {
    *piKey = k;
    return SQLITE_OK;
  }
  rc = key_new(c, &k);
  if (rc == SQLITE_OK) rc = id_store(c, iId, k);
  if (rc != SQLITE_OK) return rc;
  c->aKey[k].iId = iId;
  c->aKey[k].bHasId = 1;
  *piKey = k;
  return SQLITE_OK;
}

/* The dense key of a user id (user scope), added if new; named by itself. */
static int key_of_user(BkCursor *c, const char *z, int n, int *piKey) {
  int bFound, k = str_get(&c->textMap, z, n, &bFound);
  int rc;
  if (bFound) {
    *piKey = k;
    return SQLITE_OK;
  }
  rc = key_new(c, &k);
  if (rc == SQLITE_OK) rc = str_put(&c->textMap, z, n, k);
  if (rc == SQLITE_OK) rc = val_set_bytes(&c->aKey[k].name, SQLITE_TEXT, z, n);
  if (rc != SQLITE_OK) return rc;
  c->aKey[k].bNamed = 1;
  *piKey = k;
  return SQLITE_OK;
}

/* The dense key whose name is NULL (a group scope user without a group). */
static int key_null(BkCursor *c, int *piKey) {
  if (c->iNullKey < 0) {
    int rc = key_new(c, &c->iNullKey);
    if (rc != SQLITE_OK) return rc;
    c->aKey[c->iNullKey].bNamed = 1; /* name is NULL */
  }
  *piKey = c->iNullKey;
  return SQLITE_OK;
}

/* The one key of scope 'ada', named 'ada'. */
static int key_ada(BkCursor *c, int *piKey) {
  if (c->iAdaKey < 0) {
    int rc = key_new(c, &c->iAdaKey);
    if (rc == SQLITE_OK) {
      rc = val_set_bytes(&c->aKey[c->iAdaKey].name, SQLITE_TEXT, "ada", 3);
    }
    if (rc != SQLITE_OK) return rc;
    c->aKey[c->iAdaKey].bNamed = 1;
  }
  *piKey = c->iAdaKey;
  return SQLITE_OK;
}

/* A key the query asked for that no stored key matches: shown as asked. */
static int key_phantom(BkCursor *c, sqlite3_value *pVal) {
  int k, rc = key_new(c, &k);
  if (rc == SQLITE_OK) rc = val_set_value(&c->aKey[k].name, pVal);
  if (rc != SQLITE_OK) return rc;
  c->aKey[k].bNamed = 1;
  c->aKey[k].bRequested = 1;
  c->aKey[k].bPhantom = 1;
  return SQLITE_OK;
}

/* Record one value of key = ? or key IN (...): find the stored key it
** names, or keep it as a phantom. NULL matches nothing. */
static int key_request(BkVtab *p, BkCursor *c, sqlite3_value *pVal) {
  static const int aFind[] = {-1, ST_FIND_PROJECT, ST_FIND_MACHINE, -1,
                              ST_FIND_GROUP};
  int eType = sqlite3_value_type(pVal);
  const char *z;
  int n, k = -1, rc;
  if (eType == SQLITE_NULL) return SQLITE_OK;
  if (eType != SQLITE_TEXT) return key_phantom(c, pVal);
  z = (const char *)sqlite3_value_text(pVal);
  n = sqlite3_value_bytes(pVal);
  if (z == 0) return SQLITE_NOMEM;
  if (c->eScope == USAGE_SCOPE_ADA) {
    if (n != 3 || memcmp(z, "ada", 3) != 0) return key_phantom(c, pVal);
    rc = key_ada(c, &k);
    if (rc != SQLITE_OK) return rc;
  } else if (c->eScope == USAGE_SCOPE_USER) {
    rc = key_of_user(c, z, n, &k);
    if (rc != SQLITE_OK) return rc;
  } else {
    sqlite3_stmt *pFind;
    int rcStep;
    sqlite3_int64 iId = 0;
    rc = stmt_need(p, aFind[c->eScope], &pFind);
    if (rc != SQLITE_OK) return rc;
    rc = sqlite3_bind_text(pFind, 1, z, n, SQLITE_STATIC);
    if (rc != SQLITE_OK) return stmt_done(p, pFind, rc);
    rcStep = sqlite3_step(pFind);
    if (rcStep == SQLITE_ROW) iId = sqlite3_column_int64(pFind, 0);
    rc = stmt_done(p, pFind, rcStep);
    if (rc != SQLITE_OK) return rc;
    if (rcStep != SQLITE_ROW) return key_phantom(c, pVal);
    rc = key_of_id(c, iId, &k);
    if (rc != SQLITE_OK) return rc;
  }
  if (!c->aKey[k].bRequested) c->nFound++;
  c->aKey[k].bRequested = 1;
  return SQLITE_OK;
}

/* Group scope: map every user id to the dense key of its group (or of the
** NULL key), so the scan turns a user row into its group with one probe.
** Under a key filter, users of groups not asked for map to -1. */
static int load_user_groups(BkVtab *p, BkCursor *c) {
  sqlite3_stmt *pStmt;
  int rc = stmt_need(p, ST_USER_GROUPS, &pStmt);
  int rcStep;
  if (rc != SQLITE_OK) return rc;
  while ((rcStep = sqlite3_step(pStmt)) == SQLITE_ROW) {
    const char *zUser = (const char *)sqlite3_column_text(pStmt, 0);
    int nUser = sqlite3_column_bytes(pStmt, 0);
    int k = -1, bFound;
    if (zUser == 0) {
      if (sqlite3_column_type(pStmt, 0) == SQLITE_NULL) continue;
      rc = SQLITE_NOMEM;
      break;
    }
    if (sqlite3_column_type(pStmt, 1) == SQLITE_NULL) {
      if (!c->bFilter) rc = key_null(c, &k);
    } else if (c->bFilter) {
      k = id_lookup(c, sqlite3_column_int64(pStmt, 1));
    } else {
      rc = key_of_id(c, sqlite3_column_int64(pStmt, 1), &k);
    }
    if (rc != SQLITE_OK) break;
    str_get(&c->textMap, zUser, nUser, &bFound);
    if (!bFound) rc = str_put(&c->textMap, zUser, nUser, k);
    if (rc != SQLITE_OK) break;
  }
  if (rc != SQLITE_OK) {
    sqlite3_reset(pStmt);
    return rc;
  }
  return stmt_done(p, pStmt, rcStep);
}

/* Look up the names of the result's keys that are stored ids. A key whose
** dimension row is missing (possible only with foreign keys off) is NULL. */
static int name_keys(BkVtab *p, BkCursor *c) {
  static const int aName[] = {-1, ST_NAME_PROJECT, ST_NAME_MACHINE, -1,
                              ST_NAME_GROUP};
  sqlite3_stmt *pStmt = 0;
  int i, rc = SQLITE_OK;
  for (i = 0; i < c->nOrder && rc == SQLITE_OK; i++) {
    BkKey *pKey = &c->aKey[c->aOrder[i]];
    int rcStep;
    if (pKey->bNamed || !pKey->bHasId) continue;
    if (pStmt == 0) {
      rc = stmt_need(p, aName[c->eScope], &pStmt);
      if (rc != SQLITE_OK) break;
    }
    rc = sqlite3_bind_int64(pStmt, 1, pKey->iId);
    if (rc != SQLITE_OK) return stmt_done(p, pStmt, rc);
    rcStep = sqlite3_step(pStmt);
    if (rcStep == SQLITE_ROW) {
      rc = val_set_value(&pKey->name, sqlite3_column_value(pStmt, 0));
      if (rc != SQLITE_OK) {
        sqlite3_reset(pStmt);
        return rc;
      }
    }
    pKey->bNamed = 1;
    rc = stmt_done(p, pStmt, rcStep);
  }
  return rc;
}

/* ---- the scan ---------------------------------------------------------- */

/* The cell of (bucket, key), created when new. */
static int cell_get(BkVtab *p, BkCursor *c, sqlite3_int64 iBucket, int k,
                    int *piCell) {
  int i = pair_get(&c->cellMap, iBucket, k);
  int rc;
  BkCell *pCell;
  if (i >= 0) {
    *piCell = i;
    return SQLITE_OK;
  }
  if (c->nCell >= BK_MAX_CELLS) {
    return usage_vtab_error(
        &p->base, SQLITE_ERROR,
        "usage_buckets: the result would have "
        "at least %d cells, more than the limit of %d; narrow "
        "the range or widen the buckets",
        BK_MAX_CELLS + 1, BK_MAX_CELLS);
  }
  if (c->nCell >= c->nCellAlloc) {
    int nNew = c->nCellAlloc ? c->nCellAlloc * 2 : 256;
    if (nNew > BK_MAX_CELLS) nNew = BK_MAX_CELLS;
    BkCell *aNew = sqlite3_realloc64(c->aCell, (sqlite3_uint64)nNew * sizeof(BkCell));
    if (aNew == 0) return SQLITE_NOMEM;
    c->aCell = aNew;
    c->nCellAlloc = nNew;
  }
  i = c->nCell;
  rc = pair_put(&c->cellMap, iBucket, k, i);
  if (rc != SQLITE_OK) return rc;
  c->nCell++;
  pCell = &c->aCell[i];
  memset(pCell, 0, sizeof(*pCell));
  pCell->iBucket = iBucket;
  pCell->iKey = k;
  c->aKey[k].nCell++;
  *piCell = i;
  return SQLITE_OK;
}

/* Report a bucket start outside the years 0000-9999. */
static int bucket_range_error(BkVtab *p, int64_t t) {
  char zTs[USAGE_TS_LEN + 1];
  if (usage_time_format(t, zTs)) memcpy(zTs, "?", 2);
  return usage_vtab_error(&p->base, SQLITE_ERROR,
                          "usage_buckets: the bucket of %s starts "
                          "outside the years 0000-9999",
                          zTs);
}

/* The dense key of a scanned row's key value, or -1 to skip the row. */
static int row_key(BkCursor *c, sqlite3_value *pVal, int *piKey) {
  int k = -1, rc = SQLITE_OK;
  switch (c->eScope) {
    case USAGE_SCOPE_ADA:
      k = c->iAdaKey;
      break;
    case USAGE_SCOPE_PROJECT:
    case USAGE_SCOPE_MACHINE:
      if (sqlite3_value_type(pVal) == SQLITE_NULL) {
        if (!c->bFilter) rc = key_null(c, &k);
      } else if (c->bFilter) {
        k = id_lookup(c, sqlite3_value_int64(pVal));
      } else {
        rc = key_of_id(c, sqlite3_value_int64(pVal), &k);
      }
      break;
    default: { /* user and group: the value is the user id */
      /* The bytes as stored (text in a UTF-8 database), with no copy to
      ** add a terminator as sqlite3_value_text() would. */
      const char *z = (const char *)sqlite3_value_blob(pVal);
      int n = sqlite3_value_bytes(pVal), bFound;
      if (z == 0) {
        if (sqlite3_value_type(pVal) == SQLITE_NULL) {
          if (!c->bFilter) rc = key_null(c, &k);
          break;
        }
        z = "";
      }
      k = str_get(&c->textMap, z, n, &bFound);
      if (!bFound && !c->bFilter) {
        rc = c->eScope == USAGE_SCOPE_USER ? key_of_user(c, z, n, &k)
                                           : key_null(c, &k);
      }
      break;
    }
  }
  *piKey = k;
  return rc;
}

/* Add one fact row (ts, key, six amounts) to the cell of its bucket and
** key. Rows come in ts order and many share a ts: a ts is parsed only when
** it differs from the last, and floored only when it leaves the bucket. */
static int scan_row(BkVtab *p, BkCursor *c, sqlite3_value **apCol) {
  const char *zTs = (const char *)sqlite3_value_blob(apCol[0]); /* no copy */
  int nTs = sqlite3_value_bytes(apCol[0]);
  int k, iCell = 0, j, rc;
  BkKey *pKey;
  BkCell *pCell;
  if (c->iScanSerial == 0 || nTs != USAGE_TS_LEN ||
      memcmp(zTs, c->zScanTs, USAGE_TS_LEN) != 0) {
    int64_t t;
    if (zTs == 0 || usage_time_parse_canonical(zTs, nTs, &t)) {
      return usage_vtab_error(&p->base, SQLITE_ERROR,
                              "usage_buckets: fact_usage has a ts "
                              "that is not canonical: '%.*q'",
                              nTs > 64 ? 64 : nTs, zTs ? zTs : "");
    }
    memcpy(c->zScanTs, zTs, USAGE_TS_LEN);
    if (c->iScanSerial == 0 || t < c->iScanBucket || t >= c->iScanNext) {
      if (usage_bucket_start(&c->w, c->iOrigin, t, &c->iScanBucket)) {
        return bucket_range_error(p, t);
      }
      if (usage_bucket_next(&c->w, c->iScanBucket, &c->iScanNext)) {
        c->iScanNext = INT64_MAX;
      }
      c->iScanSerial++;
    }
  }
  rc = row_key(c, apCol[1], &k);
  if (rc != SQLITE_OK || k < 0) return rc;
  pKey = &c->aKey[k];
  if (pKey->iCurSerial == c->iScanSerial) {
    iCell = pKey->iCurCell;
  } else {
    rc = cell_get(p, c, c->iScanBucket, k, &iCell);
    if (rc != SQLITE_OK) return rc;
    pKey = &c->aKey[k];
    pKey->iCurSerial = c->iScanSerial;
    pKey->iCurCell = iCell;
  }
  pCell = &c->aCell[iCell];
  for (j = 0; j < BK_NSUM; j++) {
    if (c->mSum & (1 << j)) pCell->aSum[j] += sqlite3_value_double(apCol[2 + j]);
  }
  pCell->nSample++;
  return SQLITE_OK;
}

/* Type tag of the cursor pointer bound into the scan statements. */
#define BK_POINTER_TYPE "usage_buckets_cursor"

/* usage__buckets_add(cursor, ts, key, 6 amounts): the step of the scan's
** aggregate; adds the row to the cursor's cells. Internal: called with any
** other first argument, it fails. */
static void bk_add_step(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  BkCursor *c = argc == 9 ? sqlite3_value_pointer(argv[0], BK_POINTER_TYPE) : 0;
  int rc;
  if (c == 0) {
    sqlite3_result_error(ctx, "usage__buckets_add() is internal to "
                         "usage_buckets", -1);
    return;
  }
  if (c->rcScan != SQLITE_OK) return;
  rc = scan_row((BkVtab *)c->base.pVtab, c, argv + 1);
  if (rc != SQLITE_OK) {
    c->rcScan = rc;
    if (rc == SQLITE_NOMEM) {
      sqlite3_result_error_nomem(ctx);
    } else {
      sqlite3_result_error(ctx, "usage_buckets: scan failed", -1);
    }
  }
}

/* The aggregate's final step: the totals are in the cursor, not here. */
static void bk_add_final(sqlite3_context *ctx) {
  sqlite3_result_null(ctx);
}

/* The key of a scan statement: what its SQL depends on. */
static int scan_key(int eScope, int bStart, int bEnd, int mSum, int bKeyed) {
  int eKind = eScope == USAGE_SCOPE_GROUP ? USAGE_SCOPE_USER : eScope;
  return eKind | (bStart << 3) | (bEnd << 4) | (mSum << 5) | (bKeyed << 11);
}

/* The SQL of a scan: one range of fact_usage_report, (scope = ?1)
** narrowed by ts >= ?2 and ts < ?3 only when given, whose rows are handed
** to usage__buckets_add() with the cursor bound as ?4 (a pointer). The
** rows reach C from inside the VDBE, with no sqlite3_step() and
** sqlite3_column_*() per row, and amounts the query does not read are not
** fetched at all. A keyed scan adds "key = ?5", tested in the index entry,
** so only that key's rows reach the aggregate. */
static char *scan_sql(const char *zSchema, int eScope, int bStart, int bEnd,
                      int mSum, int bKeyed) {
  static const char *const azKeyCol[] = {"NULL", "project_id", "machine_id",
                                         "user_id", "user_id"};
  static const char *const azSumCol[BK_NSUM] = {
    "busy_cpu_seconds_total", "idle_cpu_seconds_total", "busy_kwh",
    "idle_kwh", "busy_gCo2eq", "idle_gCo2eq"};
  const char *az[BK_NSUM];
  int j;
  for (j = 0; j < BK_NSUM; j++) az[j] = (mSum & (1 << j)) ? azSumCol[j] : "NULL";
  return sqlite3_mprintf(
      "SELECT usage__buckets_add(?4, ts, %s, %s, %s, %s, %s, %s, %s) "
      "FROM \"%w\".fact_usage WHERE %s%s%s%s",
      azKeyCol[eScope], az[0], az[1], az[2], az[3], az[4], az[5], zSchema,
      bKeyed ? azKeyCol[eScope] : "", bKeyed ? " = ?5 AND scope = ?1" : "scope = ?1",
      bStart ? " AND ts >= ?2" : "", bEnd ? " AND ts < ?3" : "");
}

/* The scan statement for these arguments, from the table's small cache or
** newly prepared (evicting the oldest). */
static int scan_stmt(BkVtab *p, int eScope, int bStart, int bEnd, int mSum,
                     int bKeyed, sqlite3_stmt **ppStmt) {
  int iKey = scan_key(eScope, bStart, bEnd, mSum, bKeyed);
  int i, rc;
  char *zSql;
  for (i = 0; i < BK_NSCAN; i++) {
    if (p->aScan[i] && p->aScanKey[i] == iKey) {
      *ppStmt = p->aScan[i];
      return SQLITE_OK;
    }
  }
  i = p->iScanVictim;
  p->iScanVictim = (i + 1) % BK_NSCAN;
  sqlite3_finalize(p->aScan[i]);
  p->aScan[i] = 0;
  zSql = scan_sql(p->zSchema, eScope, bStart, bEnd, mSum, bKeyed);
  if (zSql == 0) return SQLITE_NOMEM;
  rc = sqlite3_prepare_v3(p->db, zSql, -1, SQLITE_PREPARE_PERSISTENT,
                          &p->aScan[i], 0);
  sqlite3_free(zSql);
  if (rc != SQLITE_OK) return schema_error(p, db_error(p, rc));
  p->aScanKey[i] = iKey;
  *ppStmt = p->aScan[i];
  return SQLITE_OK;
}

/* Bind key i of a keyed scan as ?5: the i-th stored key asked for (by
** id, or by user id), or for a group the i-th of its members. Returns
** SQLITE_DONE when there is no key i. */
static int scan_bind_key(BkCursor *c, sqlite3_stmt *pStmt, int i) {
  int k;
  if (c->eScope == USAGE_SCOPE_GROUP) {
    unsigned j;
    if (c->textMap.aSlot == 0) return SQLITE_DONE;
    for (j = 0; j <= c->textMap.mask; j++) {
      const StrSlot *pSlot = &c->textMap.aSlot[j];
      if (pSlot->iOff >= 0 && pSlot->v >= 0 && i-- == 0) {
        return sqlite3_bind_text(pStmt, 5, c->textMap.zArena + pSlot->iOff,
                                 pSlot->n, SQLITE_STATIC);
      }
    }
    return SQLITE_DONE;
  }
  for (k = 0; k < c->nKey; k++) {
    const BkKey *pKey = &c->aKey[k];
    if (!pKey->bRequested || pKey->bPhantom || i-- > 0) continue;
    if (c->eScope == USAGE_SCOPE_USER) {
      return sqlite3_bind_text(pStmt, 5, pKey->name.z, pKey->name.n, SQLITE_STATIC);
    }
    return sqlite3_bind_int64(pStmt, 5, pKey->iId);
  }
  return SQLITE_DONE;
}

/* Should a key filter run one pass per key? Yes when it names few stored
** keys (see BK_KEYED_MAX and BK_KEYED_SHARE). */
static int scan_is_keyed(BkVtab *p, BkCursor *c, int *pbKeyed) {
  static const int aNum[] = {-1, ST_NUM_PROJECT, ST_NUM_MACHINE, ST_NUM_USER,
                             ST_NUM_USER};
  sqlite3_stmt *pNum;
  sqlite3_int64 nAll = 0;
  int nScan = 0, rc, rcStep;
  *pbKeyed = 0;
  if (!c->bFilter || c->eScope == USAGE_SCOPE_ADA) return SQLITE_OK;
  if (c->eScope == USAGE_SCOPE_GROUP) {
    unsigned j;
    for (j = 0; c->textMap.aSlot && j <= c->textMap.mask; j++) {
      if (c->textMap.aSlot[j].iOff >= 0 && c->textMap.aSlot[j].v >= 0) nScan++;
    }
  } else {
    nScan = c->nFound;
  }
  if (nScan == 0) return SQLITE_OK;
  rc = stmt_need(p, aNum[c->eScope], &pNum);
  if (rc != SQLITE_OK) return rc;
  rcStep = sqlite3_step(pNum);
  if (rcStep == SQLITE_ROW) nAll = sqlite3_column_int64(pNum, 0);
  rc = stmt_done(p, pNum, rcStep);
  *pbKeyed = nScan <= BK_KEYED_MAX &&
             (sqlite3_int64)nScan * BK_KEYED_SHARE <= nAll;
  return rc;
}

/* Step a bound scan statement to its end and reset it. */
static int scan_run(BkVtab *p, BkCursor *c, sqlite3_stmt *pStmt) {
  int rcStep;
  while ((rcStep = sqlite3_step(pStmt)) == SQLITE_ROW) {
  }
  if (c->rcScan != SQLITE_OK) {
    /* scan_row() has set the message; the statement only carries it. */
    sqlite3_reset(pStmt);
    return c->rcScan;
  }
  if (rcStep != SQLITE_DONE) return db_error(p, sqlite3_reset(pStmt));
  sqlite3_reset(pStmt);
  return SQLITE_OK;
}

/* Read the fact_usage rows of the scope with ts in [zFrom, zTo) (a bound
** given as NULL is not applied), in one pass over the scope's index range
** or, for a few keys, one per key: every row's amounts go into the cell of
** its bucket and key. */
static int scan_rows(BkVtab *p, BkCursor *c, const char *zFrom,
                     const char *zTo) {
  const char *zScope = c->eScope == USAGE_SCOPE_GROUP
                           ? "user" : usage_scope_name(c->eScope);
  sqlite3_stmt *pStmt = 0;
  int rc, bKeyed = 0, i;

  rc = scan_is_keyed(p, c, &bKeyed);
  if (rc == SQLITE_OK) {
    rc = scan_stmt(p, c->eScope, zFrom != 0, zTo != 0, c->mSum, bKeyed, &pStmt);
  }
  if (rc != SQLITE_OK) return rc;
  c->iScanSerial = 0;
  c->rcScan = SQLITE_OK;
  rc = sqlite3_bind_text(pStmt, 1, zScope, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK && zFrom) rc = sqlite3_bind_text(pStmt, 2, zFrom, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK && zTo) rc = sqlite3_bind_text(pStmt, 3, zTo, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK) rc = sqlite3_bind_pointer(pStmt, 4, c, BK_POINTER_TYPE, 0);
  if (rc == SQLITE_OK && !bKeyed) rc = scan_run(p, c, pStmt);
  for (i = 0; rc == SQLITE_OK && bKeyed; i++) {
    rc = scan_bind_key(c, pStmt, i);
    if (rc == SQLITE_DONE) {
      rc = SQLITE_OK;
      break;
    }
    if (rc == SQLITE_OK) rc = scan_run(p, c, pStmt);
  }
  sqlite3_clear_bindings(pStmt);
  return rc;
}

/* ---- ordering the result ----------------------------------------------- */

/* qsort order of keys (an array of pointers to them) by their names. */
static int key_ptr_compare(const void *pA, const void *pB) {
  const BkKey *a = *(const BkKey *const *)pA;
  const BkKey *b = *(const BkKey *const *)pB;
  return val_compare(&a->name, &b->name);
}

/* qsort order of cells: by bucket start, then by the rank of the key. */
static int cell_compare(const void *pA, const void *pB) {
  const BkCell *a = (const BkCell *)pA;
  const BkCell *b = (const BkCell *)pB;
  if (a->iBucket != b->iBucket) return a->iBucket < b->iBucket ? -1 : 1;
  return a->iRank < b->iRank ? -1 : a->iRank > b->iRank;
}

/* Choose the result's keys (those with rows, and under fill the requested
** ones), name them, rank them by name, and sort the cells. */
static int order_result(BkVtab *p, BkCursor *c) {
  BkKey **apKey;
  int i, n = 0, rc;
  c->aOrder = sqlite3_malloc64((sqlite3_uint64)(c->nKey ? c->nKey : 1) * sizeof(int));
  if (c->aOrder == 0) return SQLITE_NOMEM;
  for (i = 0; i < c->nKey; i++) {
    if (c->aKey[i].nCell > 0 || (c->bFill && c->aKey[i].bRequested)) {
      c->aOrder[n++] = i;
    }
  }
  c->nOrder = n;
  rc = name_keys(p, c);
  if (rc != SQLITE_OK) return rc;
  apKey = sqlite3_malloc64((sqlite3_uint64)(n ? n : 1) * sizeof(BkKey *));
  if (apKey == 0) return SQLITE_NOMEM;
  for (i = 0; i < n; i++) apKey[i] = &c->aKey[c->aOrder[i]];
  if (n > 1) qsort(apKey, n, sizeof(BkKey *), key_ptr_compare);
  /* Drop repeats among phantoms: key IN ('x', 'x') shows 'x' once. */
  c->nOrder = 0;
  for (i = 0; i < n; i++) {
    if (c->nOrder > 0 && apKey[i]->bPhantom &&
        val_compare(&apKey[i]->name, &c->aKey[c->aOrder[c->nOrder - 1]].name) == 0) {
      continue;
    }
    apKey[i]->iRank = c->nOrder;
    c->aOrder[c->nOrder++] = (int)(apKey[i] - c->aKey);
  }
  sqlite3_free(apKey);
  for (i = 0; i < c->nCell; i++) c->aCell[i].iRank = c->aKey[c->aCell[i].iKey].iRank;
  if (c->nCell > 1) qsort(c->aCell, c->nCell, sizeof(BkCell), cell_compare);
  return SQLITE_OK;
}

/* Month number year*12 + month-1 of an instant. */
static int64_t month_number(int64_t t) {
  int64_t days = t / 86400 - (t % 86400 < 0), y;
  int m, d;
  usage_civil_from_days(days, &y, &m, &d);
  return y * 12 + (m - 1);
}

/* Number of buckets from the one starting at iFirst to the one starting at
** iLast, both on the width's grid. */
static int64_t bucket_count(const UsageWidth *pW, int64_t iFirst,
                            int64_t iLast) {
  if (pW->eKind == USAGE_WIDTH_MONTHS) {
    return (month_number(iLast) - month_number(iFirst)) / pW->n + 1;
  }
  return (iLast - iFirst) / pW->n + 1;
}

/* ---- the cursor -------------------------------------------------------- */

/* Free the result of the last scan and forget its arguments. */
static void cursor_reset(BkCursor *c) {
  int i;
  for (i = 0; i < BK_NHIDDEN; i++) {
    sqlite3_value_free(c->apArg[i]);
    c->apArg[i] = 0;
  }
  for (i = 0; i < c->nKey; i++) val_clear(&c->aKey[i].name);
  sqlite3_free(c->aKey);
  sqlite3_free(c->aCell);
  sqlite3_free(c->aOrder);
  pair_clear(&c->idMap);
  pair_clear(&c->cellMap);
  sqlite3_free(c->aDirect);
  c->aDirect = 0;
  c->nDirect = 0;
  str_clear(&c->textMap);
  c->aKey = 0;
  c->nKey = c->nKeyAlloc = 0;
  c->aCell = 0;
  c->nCell = c->nCellAlloc = 0;
  c->aOrder = 0;
  c->nOrder = 0;
  c->iAdaKey = c->iNullKey = -1;
  c->bFill = c->bDesc = c->bFilter = c->nFound = 0;
  c->bEof = 1;
  c->iRowid = 0;
  c->pCell = 0;
}

/* Set iBucket, iKey and pCell from the position; fill = 'zero' merges the
** sorted cells into the full grid of buckets x keys. */
static void cursor_settle(BkCursor *c) {
  if (!c->bFill) {
    c->pCell = &c->aCell[c->iCellPos];
    c->iBucket = c->pCell->iBucket;
    c->iKey = c->pCell->iKey;
    return;
  }
  c->iKey = c->aOrder[c->iOrderPos];
  c->pCell = 0;
  if (c->iCellPos >= 0 && c->iCellPos < c->nCell) {
    BkCell *pCell = &c->aCell[c->iCellPos];
    if (pCell->iBucket == c->iBucket && pCell->iKey == c->iKey) c->pCell = pCell;
  }
}

/* xNext: the next row, in ascending or descending order. */
static int bk_next(sqlite3_vtab_cursor *pCursor) {
  BkCursor *c = (BkCursor *)pCursor;
  int dir = c->bDesc ? -1 : 1;
  c->iRowid++;
  if (!c->bFill) {
    c->iCellPos += dir;
    if (c->iCellPos < 0 || c->iCellPos >= c->nCell) {
      c->bEof = 1;
      return SQLITE_OK;
    }
    cursor_settle(c);
    return SQLITE_OK;
  }
  if (c->pCell) c->iCellPos += dir;
  c->iOrderPos += dir;
  if (c->iOrderPos < 0 || c->iOrderPos >= c->nOrder) {
    c->iOrderPos = c->bDesc ? c->nOrder - 1 : 0;
    if (c->bDesc) {
      if (c->iBucket <= c->iFirstBucket ||
          usage_bucket_start(&c->w, c->iOrigin, c->iBucket - 1, &c->iBucket)) {
        c->bEof = 1;
        return SQLITE_OK;
      }
    } else {
      if (c->iBucket >= c->iLastBucket ||
          usage_bucket_next(&c->w, c->iBucket, &c->iBucket)) {
        c->bEof = 1;
        return SQLITE_OK;
      }
    }
  }
  cursor_settle(c);
  return SQLITE_OK;
}

/* Position on the first row of a fresh result. */
static void cursor_start(BkCursor *c) {
  c->iRowid = 1;
  if (c->bFill) {
    c->bEof = (c->nOrder == 0);
    c->iBucket = c->bDesc ? c->iLastBucket : c->iFirstBucket;
    c->iOrderPos = c->bDesc ? c->nOrder - 1 : 0;
  } else {
    c->bEof = (c->nCell == 0);
  }
  c->iCellPos = c->bDesc ? c->nCell - 1 : 0;
  if (!c->bEof) cursor_settle(c);
}

/* A timestamp argument as unix seconds, or an error naming it. */
static int arg_time(BkVtab *p, sqlite3_value *pVal, const char *zName,
                    int64_t *pT) {
  char zWhat[40];
  char *zErr = 0;
  int rc;
  sqlite3_snprintf(sizeof(zWhat), zWhat, "usage_buckets: %s", zName);
  rc = usage_value_time(pVal, zWhat, pT, &zErr);
  if (rc != SQLITE_OK) {
    if (zErr == 0) return SQLITE_NOMEM;
    sqlite3_free(p->base.zErrMsg);
    p->base.zErrMsg = zErr;
  }
  return rc;
}

/* The scope argument; 'group' is valid here though not a fact scope. */
static int arg_scope(BkVtab *p, sqlite3_value *pVal, int *peScope) {
  if (sqlite3_value_type(pVal) == SQLITE_TEXT) {
    const char *z = (const char *)sqlite3_value_text(pVal);
    int n = sqlite3_value_bytes(pVal);
    int e = usage_scope_parse(z, n);
    if (e < 0 && z && n == 5 && memcmp(z, "group", 5) == 0) e = USAGE_SCOPE_GROUP;
    if (e >= 0) {
      *peScope = e;
      return SQLITE_OK;
    }
  }
  return value_error(p, "scope must be one of 'ada', 'project', 'machine', "
                     "'user', 'group', got", pVal, 0);
}

/* The width argument, or the default '1 day'. */
static int arg_width(BkVtab *p, sqlite3_value *pVal, UsageWidth *pW) {
  const char *zWhy = "expected text such as '1 day'";
  if (pVal == 0) {
    pW->eKind = USAGE_WIDTH_SECONDS;
    pW->n = 86400;
    return SQLITE_OK;
  }
  if (sqlite3_value_type(pVal) == SQLITE_TEXT &&
      usage_width_parse((const char *)sqlite3_value_text(pVal),
                        sqlite3_value_bytes(pVal), pW, &zWhy) == 0) {
    return SQLITE_OK;
  }
  return value_error(p, "invalid width", pVal, zWhy);
}

/* The fill argument: 0 for 'none' (the default), 1 for 'zero'. */
static int arg_fill(BkVtab *p, sqlite3_value *pVal, int *pbFill) {
  if (pVal == 0) {
    *pbFill = 0;
    return SQLITE_OK;
  }
  if (sqlite3_value_type(pVal) == SQLITE_TEXT) {
    const char *z = (const char *)sqlite3_value_text(pVal);
    int n = sqlite3_value_bytes(pVal);
    if (z && n == 4 && memcmp(z, "none", 4) == 0) {
      *pbFill = 0;
      return SQLITE_OK;
    }
    if (z && n == 4 && memcmp(z, "zero", 4) == 0) {
      *pbFill = 1;
      return SQLITE_OK;
    }
  }
  return value_error(p, "fill must be 'none' or 'zero', got", pVal, 0);
}

/* The origin argument, checked against the width, or the default. */
static int arg_origin(BkVtab *p, sqlite3_value *pVal, const UsageWidth *pW,
                      int64_t *pOrigin) {
  const char *zWhy = 0;
  int rc;
  *pOrigin = usage_width_default_origin(pW);
  if (pVal == 0) return SQLITE_OK;
  rc = arg_time(p, pVal, "origin", pOrigin);
  if (rc != SQLITE_OK) return rc;
  if (usage_origin_check(pW, *pOrigin, &zWhy)) {
    return value_error(p, "invalid origin", pVal, zWhy);
  }
  return SQLITE_OK;
}

/* xFilter: read the arguments, scan, and order the result. */
static int bk_filter(sqlite3_vtab_cursor *pCursor, int idxNum,
                     const char *idxStr, int argc, sqlite3_value **argv) {
  BkCursor *c = (BkCursor *)pCursor;
  BkVtab *p = (BkVtab *)pCursor->pVtab;
  sqlite3_value *apIn[BK_NHIDDEN] = {0, 0, 0, 0, 0, 0};
  sqlite3_value *pKeyArg = 0;
  int64_t tStart = 0, tEnd = 0;
  char zFrom[USAGE_TS_LEN + 1], zTo[USAGE_TS_LEN + 1];
  int i, iArg = 0, rc = SQLITE_OK;
  (void)idxStr;

  cursor_reset(c);
  for (i = 0; i < BK_NHIDDEN; i++) {
    if ((idxNum & (1 << i)) && iArg < argc) apIn[i] = argv[iArg++];
  }
  if ((idxNum & IDX_KEY) && iArg < argc) pKeyArg = argv[iArg++];
  for (i = 0; i < BK_NHIDDEN; i++) {
    if (apIn[i] == 0) continue;
    c->apArg[i] = sqlite3_value_dup(apIn[i]);
    if (c->apArg[i] == 0) return SQLITE_NOMEM;
  }
  c->bDesc = (idxNum & IDX_DESC) != 0;
  c->mSum = (idxNum >> IDX_SUM_SHIFT) & ((1 << BK_NSUM) - 1);

  /* A NULL argument means no rows, as for generate_series. */
  for (i = 0; i < BK_NHIDDEN; i++) {
    if (apIn[i] && sqlite3_value_type(apIn[i]) == SQLITE_NULL) return SQLITE_OK;
  }
  if (pKeyArg && !(idxNum & IDX_KEY_IN) &&
      sqlite3_value_type(pKeyArg) == SQLITE_NULL) {
    return SQLITE_OK;
  }
  if (apIn[0] == 0) {
    return usage_vtab_error(
        &p->base, SQLITE_ERROR,
        "usage_buckets: scope is required, as "
        "in usage_buckets('project', 'day') or WHERE scope = "
        "'project'");
  }
  rc = arg_scope(p, apIn[0], &c->eScope);
  if (rc == SQLITE_OK) rc = arg_width(p, apIn[1], &c->w);
  if (rc == SQLITE_OK && apIn[2]) rc = arg_time(p, apIn[2], "start", &tStart);
  if (rc == SQLITE_OK && apIn[3]) rc = arg_time(p, apIn[3], "end", &tEnd);
  if (rc == SQLITE_OK) rc = arg_fill(p, apIn[4], &c->bFill);
  if (rc == SQLITE_OK) rc = arg_origin(p, apIn[5], &c->w, &c->iOrigin);
  if (rc != SQLITE_OK) return rc;
  if (apIn[2]) usage_time_format(tStart, zFrom);
  if (apIn[3]) usage_time_format(tEnd, zTo);
  if (apIn[2] && apIn[3] && tStart > tEnd) {
    return usage_vtab_error(&p->base, SQLITE_ERROR,
                            "usage_buckets: start '%s' is after "
                            "end '%s'",
                            zFrom, zTo);
  }
  if (c->bFill && !(apIn[2] && apIn[3])) {
    return usage_vtab_error(&p->base, SQLITE_ERROR,
                            "usage_buckets: fill = 'zero' needs "
                            "both start and end");
  }
  if (apIn[2] && apIn[3] && tStart == tEnd) return SQLITE_OK; /* empty */
  if (c->bFill) {
    if (usage_bucket_start(&c->w, c->iOrigin, tStart, &c->iFirstBucket)) {
      return bucket_range_error(p, tStart);
    }
    if (usage_bucket_start(&c->w, c->iOrigin, tEnd - 1, &c->iLastBucket)) {
      return bucket_range_error(p, tEnd - 1);
    }
  }

  /* Which keys: all, or those that key = / key IN name. */
  if (pKeyArg) {
    c->bFilter = 1;
    if (idxNum & IDX_KEY_IN) {
      sqlite3_value *pVal = 0;
      for (rc = sqlite3_vtab_in_first(pKeyArg, &pVal);
           rc == SQLITE_OK && pVal; rc = sqlite3_vtab_in_next(pKeyArg, &pVal)) {
        int rc2 = key_request(p, c, pVal);
        if (rc2 != SQLITE_OK) return rc2;
      }
      if (rc != SQLITE_OK && rc != SQLITE_DONE) return db_error(p, rc);
      rc = SQLITE_OK;
    } else {
      rc = key_request(p, c, pKeyArg);
      if (rc != SQLITE_OK) return rc;
    }
  } else if (c->eScope == USAGE_SCOPE_ADA) {
    int k;
    rc = key_ada(c, &k);
    if (rc != SQLITE_OK) return rc;
  }
  if (c->eScope == USAGE_SCOPE_GROUP) rc = load_user_groups(p, c);

  /* Scan, unless a key filter matched no stored key. */
  if (rc == SQLITE_OK && (!c->bFilter || c->nFound > 0)) {
    rc = scan_rows(p, c, apIn[2] ? zFrom : 0, apIn[3] ? zTo : 0);
  }
  pair_clear(&c->cellMap);
  if (rc == SQLITE_OK) rc = order_result(p, c);
  if (rc != SQLITE_OK) return rc;
  if (c->bFill && c->nOrder > 0) {
    int64_t nBucket = bucket_count(&c->w, c->iFirstBucket, c->iLastBucket);
    if (nBucket > BK_MAX_CELLS / c->nOrder) {
      return usage_vtab_error(
          &p->base, SQLITE_ERROR,
          "usage_buckets: the result would have "
          "%lld cells, more than the limit of %d; narrow the "
          "range or widen the buckets",
          (long long)(nBucket * c->nOrder), BK_MAX_CELLS);
    }
  }
  cursor_start(c);
  return SQLITE_OK;
}

/* xEof. */
static int bk_eof(sqlite3_vtab_cursor *pCursor) {
  return ((BkCursor *)pCursor)->bEof;
}

/* Set a result to the canonical text of t. */
static void result_ts(sqlite3_context *ctx, sqlite3_int64 t) {
  char zTs[USAGE_TS_LEN + 1];
  if (usage_time_format(t, zTs)) {
    sqlite3_result_null(ctx);
  } else {
    sqlite3_result_text(ctx, zTs, USAGE_TS_LEN, SQLITE_TRANSIENT);
  }
}

/* xColumn: the current row's bucket, key and totals, or an argument. */
static int bk_column(sqlite3_vtab_cursor *pCursor, sqlite3_context *ctx,
                     int iCol) {
  BkCursor *c = (BkCursor *)pCursor;
  const BkCell *pCell = c->pCell;
  switch (iCol) {
    case COL_BUCKET_START:
      result_ts(ctx, c->iBucket);
      break;
    case COL_BUCKET_END: {
      int64_t iNext;
      if (usage_bucket_next(&c->w, c->iBucket, &iNext) == 0) result_ts(ctx, iNext);
      break;
    }
    case COL_KEY:
      val_result(ctx, &c->aKey[c->iKey].name);
      break;
    case COL_INTENSITY:
      if (pCell) {
        double kwh = pCell->aSum[2] + pCell->aSum[3];
        if (kwh > 0) sqlite3_result_double(ctx, (pCell->aSum[4] + pCell->aSum[5]) / kwh);
      }
      break;
    case COL_SAMPLES:
      sqlite3_result_int64(ctx, pCell ? pCell->nSample : 0);
      break;
    case COL_WIDTH:
    case COL_FILL:
      if (c->apArg[iCol - COL_SCOPE]) {
        sqlite3_result_value(ctx, c->apArg[iCol - COL_SCOPE]);
      } else {
        sqlite3_result_text(ctx, iCol == COL_WIDTH ? "day" : "none", -1, SQLITE_STATIC);
      }
      break;
    default:
      if (iCol >= COL_SCOPE) {
        if (c->apArg[iCol - COL_SCOPE]) sqlite3_result_value(ctx, c->apArg[iCol - COL_SCOPE]);
      } else {
        sqlite3_result_double(ctx, pCell ? pCell->aSum[iCol - COL_BUSY_CPU] : 0.0);
      }
      break;
  }
  return SQLITE_OK;
}

/* xRowid: the row's position in the result, from 1. */
static int bk_rowid(sqlite3_vtab_cursor *pCursor, sqlite3_int64 *pRowid) {
  *pRowid = ((BkCursor *)pCursor)->iRowid;
  return SQLITE_OK;
}

/* xOpen. */
static int bk_open(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCursor) {
  BkCursor *c = sqlite3_malloc(sizeof(*c));
  (void)pVtab;
  if (c == 0) return SQLITE_NOMEM;
  memset(c, 0, sizeof(*c));
  c->iAdaKey = c->iNullKey = -1;
  c->bEof = 1;
  *ppCursor = &c->base;
  return SQLITE_OK;
}

/* xClose. */
static int bk_close(sqlite3_vtab_cursor *pCursor) {
  BkCursor *c = (BkCursor *)pCursor;
  cursor_reset(c);
  sqlite3_free(c);
  return SQLITE_OK;
}

/* ---- planning ---------------------------------------------------------- */

/* Unix seconds of a constant constraint value known at planning time. */
static int plan_time(sqlite3_index_info *pInfo, int iCons, int64_t *pT) {
  sqlite3_value *pVal = 0;
  char *zErr = 0;
  if (iCons < 0 || sqlite3_vtab_rhs_value(pInfo, iCons, &pVal) != SQLITE_OK ||
      pVal == 0 || sqlite3_value_type(pVal) == SQLITE_NULL) {
    return 1;
  }
  if (usage_value_time(pVal, "", pT, &zErr) != SQLITE_OK) {
    sqlite3_free(zErr);
    return 1;
  }
  return 0;
}

/* Estimated rows scanned and rows returned. The row count of fact_usage is
** not known at planning (reading it here would run SQL inside prepare), so
** the model takes 1e6 rows for the scope, an hourly cadence per key, and a
** year of data: bounds narrow the scan by their span when they are
** constants, else by a half per bound. A key constraint keeps a tenth of
** the output, and narrows the scan when it may read per-key index ranges
** (a quarter for key = ?, a half for key IN). */
static void plan_estimate(sqlite3_index_info *pInfo, const int *aIdx,
                          int eKey, double *pScan, double *pOut) {
  const double nYear = 365.25 * 86400.0;
  double nScan = 1e6, nHours = 24.0, nOut;
  int bRhs = sqlite3_libversion_number() >= BK_VERSION_VTAB_IN;
  int64_t t0, t1;
  if (aIdx[2] >= 0 && aIdx[3] >= 0 && bRhs && plan_time(pInfo, aIdx[2], &t0) == 0 &&
      plan_time(pInfo, aIdx[3], &t1) == 0) {
    double f = (double)(t1 - t0) / nYear;
    nScan *= f < 1e-6 ? 1e-6 : (f > 1.0 ? 1.0 : f);
  } else {
    if (aIdx[2] >= 0) nScan *= 0.5;
    if (aIdx[3] >= 0) nScan *= 0.5;
  }
  if (aIdx[1] >= 0 && bRhs) {
    sqlite3_value *pVal = 0;
    UsageWidth w;
    if (sqlite3_vtab_rhs_value(pInfo, aIdx[1], &pVal) == SQLITE_OK && pVal &&
        sqlite3_value_type(pVal) == SQLITE_TEXT &&
        usage_width_parse((const char *)sqlite3_value_text(pVal),
                          sqlite3_value_bytes(pVal), &w, 0) == 0) {
      nHours = w.eKind == USAGE_WIDTH_MONTHS ? (double)w.n * 730.5
                                             : (double)w.n / 3600.0;
    }
  }
  nOut = nScan / (nHours > 1.0 ? nHours : 1.0);
  if (eKey) {
    nOut /= 10.0;
    nScan *= eKey == 1 ? 0.25 : 0.5;
  }
  *pScan = nScan;
  *pOut = nOut > 1.0 ? nOut : 1.0;
}

/* Does the ORDER BY ask for (bucket_start[, key, ...]) in one direction?
** Returns 1 for ascending, 2 for descending, 0 when the order differs. */
static int plan_order(const sqlite3_index_info *pInfo) {
  int bDesc;
  if (pInfo->nOrderBy < 1 || pInfo->aOrderBy[0].iColumn != COL_BUCKET_START) {
    return 0;
  }
  bDesc = pInfo->aOrderBy[0].desc != 0;
  /* bucket_start and key identify a row, so terms after them are moot. */
  if (pInfo->nOrderBy >= 2 && (pInfo->aOrderBy[1].iColumn != COL_KEY ||
                               (pInfo->aOrderBy[1].desc != 0) != bDesc)) {
    return 0;
  }
  return bDesc ? 2 : 1;
}

/* xBestIndex: the hidden columns take = only; key = and key IN narrow the
** scan's output; ORDER BY bucket_start[, key] is free. */
static int bk_best_index(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo) {
  BkVtab *p = (BkVtab *)pVtab;
  int aIdx[BK_NHIDDEN] = {-1, -1, -1, -1, -1, -1};
  int i, iKey = -1, mUnusable = 0, mUsed = 0, nArg = 0, idxNum = 0, eOrder;
  double nScan, nOut;
  for (i = 0; i < pInfo->nConstraint; i++) {
    const struct sqlite3_index_constraint *pCons = &pInfo->aConstraint[i];
    int iCol = pCons->iColumn;
    if (iCol >= COL_SCOPE && iCol < COL_SCOPE + BK_NHIDDEN) {
      int h = iCol - COL_SCOPE;
      if (!pCons->usable) {
        mUnusable |= 1 << h;
      } else if (pCons->op != SQLITE_INDEX_CONSTRAINT_EQ) {
        return usage_vtab_error(&p->base, SQLITE_ERROR,
                                "usage_buckets: only = constraints "
                                "are supported on hidden column %s",
                                azHidden[h]);
      } else if (aIdx[h] < 0) {
        aIdx[h] = i;
        mUsed |= 1 << h;
      }
    } else if (iCol == COL_KEY && pCons->usable && iKey < 0 &&
               pCons->op == SQLITE_INDEX_CONSTRAINT_EQ) {
      const char *zColl = sqlite3_vtab_collation(pInfo, i);
      if (zColl == 0 || sqlite3_stricmp(zColl, "BINARY") == 0) iKey = i;
    }
  }
  /* An argument that depends on a table not yet available: try another
  ** join order (as series.c does). */
  if (mUnusable & ~mUsed) return SQLITE_CONSTRAINT;

  for (i = 0; i < BK_NHIDDEN; i++) {
    if (aIdx[i] < 0) continue;
    pInfo->aConstraintUsage[aIdx[i]].argvIndex = ++nArg;
    pInfo->aConstraintUsage[aIdx[i]].omit = 1;
    idxNum |= 1 << i;
  }
  if (iKey >= 0) {
    /* SQLite still checks key = ? itself (omit = 0): the scan matches names
    ** exactly, and the re-check keeps SQL's typing rules. */
    pInfo->aConstraintUsage[iKey].argvIndex = ++nArg;
    idxNum |= IDX_KEY;
    if (sqlite3_libversion_number() >= BK_VERSION_VTAB_IN &&
        sqlite3_vtab_in(pInfo, iKey, -1)) {
      sqlite3_vtab_in(pInfo, iKey, 1);
      idxNum |= IDX_KEY_IN;
    }
  }
  plan_estimate(pInfo, aIdx, iKey < 0 ? 0 : (idxNum & IDX_KEY_IN) ? 2 : 1,
                &nScan, &nOut);
  eOrder = plan_order(pInfo);
  if (eOrder) {
    pInfo->orderByConsumed = 1;
    if (eOrder == 2) idxNum |= IDX_DESC;
  }
  /* Fetch only the sums the query reads; the intensity reads four. */
  for (i = 0; i < BK_NSUM; i++) {
    if (pInfo->colUsed & ((sqlite3_uint64)1 << (COL_BUSY_CPU + i))) {
      idxNum |= 1 << (IDX_SUM_SHIFT + i);
    }
  }
  if (pInfo->colUsed & ((sqlite3_uint64)1 << COL_INTENSITY)) {
    idxNum |= 0x3C << IDX_SUM_SHIFT; /* kWh and gCO2eq, busy and idle */
  }
  pInfo->idxNum = idxNum;
  if (aIdx[0] < 0) {
    /* No scope: xFilter will say so; any plan that has one is better. */
    pInfo->estimatedCost = 1e12;
    pInfo->estimatedRows = 1000000;
  } else {
    /* Scanning a row (index step, table row, aggregation) is the unit; the
    ** result is sorted once. */
    pInfo->estimatedCost = nScan + nOut * (1.0 + log2(nOut + 1.0) / 4.0);
    pInfo->estimatedRows = (sqlite3_int64)nOut;
  }
  pInfo->idxStr = sqlite3_mprintf(
      "fact_usage_report range scope=?%s%s%s",
      aIdx[2] >= 0 ? " AND ts>=?" : "", aIdx[3] >= 0 ? " AND ts<?" : "",
      iKey < 0 ? "" : (idxNum & IDX_KEY_IN) ? ", key IN (...) in scan"
                                            : ", key=? in scan");
  if (pInfo->idxStr == 0) return SQLITE_NOMEM;
  pInfo->needToFreeIdxStr = 1;
  return SQLITE_OK;
}

/* ---- the table --------------------------------------------------------- */

/* xConnect and xCreate: declare the columns; the table reads its schema. */
static int bk_connect(sqlite3 *db, void *pAux, int argc,
                      const char *const *argv, sqlite3_vtab **ppVtab,
                      char **pzErr) {
  BkVtab *p;
  int rc;
  (void)pAux;
  (void)argc;
  rc = sqlite3_declare_vtab(db,
      "CREATE TABLE x(bucket_start TEXT, bucket_end TEXT, key, "
      "busy_cpu_seconds_total REAL, idle_cpu_seconds_total REAL, "
      "busy_kwh REAL, idle_kwh REAL, busy_gCo2eq REAL, idle_gCo2eq REAL, "
      "intensity_gCo2eq_kwh REAL, samples INTEGER, scope HIDDEN, "
      "width HIDDEN, start HIDDEN, \"end\" HIDDEN, fill HIDDEN, "
      "origin HIDDEN)");
  if (rc != SQLITE_OK) return rc;
  rc = sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
  if (rc != SQLITE_OK) {
    *pzErr = sqlite3_mprintf("usage_buckets: %s", sqlite3_errstr(rc));
    return rc;
  }
  p = sqlite3_malloc(sizeof(*p));
  if (p == 0) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->db = db;
  p->zSchema = sqlite3_mprintf("%s", argv[1]);
  if (p->zSchema == 0) {
    sqlite3_free(p);
    return SQLITE_NOMEM;
  }
  *ppVtab = &p->base;
  return SQLITE_OK;
}

/* xDisconnect and xDestroy. */
static int bk_disconnect(sqlite3_vtab *pVtab) {
  BkVtab *p = (BkVtab *)pVtab;
  int i;
  for (i = 0; i < ST_COUNT; i++) sqlite3_finalize(p->aStmt[i]);
  for (i = 0; i < BK_NSCAN; i++) sqlite3_finalize(p->aScan[i]);
  sqlite3_free(p->zSchema);
  sqlite3_free(p);
  return SQLITE_OK;
}

/* The module: read-only; written for SQLite 3.40 (no xIntegrity). */
static const sqlite3_module bucketsModule = {
  0,                /* iVersion */
  bk_connect,       /* xCreate: CREATE VIRTUAL TABLE aux.b USING usage_buckets */
  bk_connect,       /* xConnect */
  bk_best_index,    /* xBestIndex */
  bk_disconnect,    /* xDisconnect */
  bk_disconnect,    /* xDestroy */
  bk_open,          /* xOpen */
  bk_close,         /* xClose */
  bk_filter,        /* xFilter */
  bk_next,          /* xNext */
  bk_eof,           /* xEof */
  bk_column,        /* xColumn */
  bk_rowid,         /* xRowid */
  0,                /* xUpdate */
  0,                /* xBegin */
  0,                /* xSync */
  0,                /* xCommit */
  0,                /* xRollback */
  0,                /* xFindFunction */
  0,                /* xRename */
  0,                /* xSavepoint */
  0,                /* xRelease */
  0,                /* xRollbackTo */
  0                 /* xShadowName */
};

int usage_register_buckets(sqlite3 *db) {
  int rc = sqlite3_create_function(db, "usage__buckets_add", 9,
                                   SQLITE_UTF8 | SQLITE_DIRECTONLY, 0, 0,
                                   bk_add_step, bk_add_final);
  if (rc != SQLITE_OK) return rc;
  return sqlite3_create_module(db, "usage_buckets", &bucketsModule, 0);
}
