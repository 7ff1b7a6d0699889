/*
** rollups/refresh.h: what the two files of usage_refresh() share.
**
**   SELECT usage_refresh('project', 30);
**
**   rollups/refresh.c       the function: arguments, one savepoint, and per
**                         scope the dirty days, the extension, the months
**   rollups/refresh_scan.c  its statements, and the scan of a range of days
**                         of fact_usage into (day, key) cells, written as
**                         day rows and then month rows
*/
#ifndef USAGE_REFRESH_H
#define USAGE_REFRESH_H

#include "amounts/amounts.h"
#include "hash/hash.h"
#include "rollzone/rollup_zone.h"
#include "sqlite3ext.h"
#include "time/time.h"
#include "value/value.h"

/* Number of summed columns: the amounts and covered_kwh (amounts/amounts.h). */
#define RF_NAMOUNT USAGE_NSUM

/* Most cells one scan holds: a chunk of days is cut to fit. */
#define RF_CELL_BUDGET (1 << 18)

/* Most days one chunk of the build scans. */
#define RF_CHUNK_DAYS 31

/* Length of a day text "YYYY-MM-DD" and of a month text "YYYY-MM". */
#define RF_DAY_LEN 10
#define RF_MONTH_LEN 7

/* Longest text rf_query_day() copies: a canonical ts, or a watermark. */
#define RF_TEXT_LEN USAGE_TS_LEN

/* The statements one call prepares. */
enum {
  RS_SCAN,
  RS_DAY_DELETE,
  RS_DAY_INSERT,
  RS_MONTH_DELETE,
  RS_MONTH_INSERT,
  RS_MONTH_ADD,
  RS_DIRTY_LIST,
  RS_DIRTY_DELETE,
  RS_STATE_GET,
  RS_STATE_SET,
  RS_TS_MIN,
  RS_TS_MAX,
  RS_CLEAR_MONTHS,
  RS_CLEAR_DIRTY,
  RS_COUNT
};

typedef struct RfKey RfKey;
typedef struct RfCell RfCell;
typedef struct RfScan RfScan;
typedef struct RfCall RfCall;

/* A distinct key of a scan: the stored id or user id, owned. */
struct RfKey {
  int eType;       /* SQLITE_INTEGER, _TEXT or _BLOB */
  sqlite3_int64 i; /* SQLITE_INTEGER */
  char *z;         /* _TEXT and _BLOB: n bytes */
  int n;
  int iCurDay;  /* day of iCurCell, or -1 */
  int iCurCell; /* this key's cell on day iCurDay */
};

/* The totals of one (day, key). */
struct RfCell {
  int iDay;                /* index into RfScan.azDay */
  int iKey;                /* index into RfScan.aKey */
  sqlite3_int64 nSample;   /* rows added */
  double aSum[RF_NAMOUNT]; /* the amounts, in the order of azAmount */
};

/* The cells of one scan of a range of days of one scope. */
struct RfScan {
  int eScope;  /* a UsageScope, never group */
  RfKey *aKey; /* keys by first appearance */
  int nKey, nKeyAlloc;
  UsageHash idMap;   /* (id, 0) -> key index */
  UsageHash textMap; /* user id bytes -> key index */
  RfCell *aCell;     /* cells by first appearance */
  int nCell, nCellAlloc;
  char (*azDay)[RF_DAY_LEN + 1]; /* the days seen, in order */
  int nDay, nDayAlloc;
  int rc;                     /* first error of the scan */
  char *zErr;                 /* its message, from sqlite3_mprintf */
  const UsageZone *pZone;     /* the rollups' zone (NULL: UTC) */
  int64_t tDayStart, tDayEnd; /* with pZone: the last day's instants */
};

/* One call of usage_refresh(): its connection and statements. */
struct RfCall {
  sqlite3 *db;
  sqlite3_stmt *aStmt[RS_COUNT];
  char *zErr;                        /* the error to report, or NULL */
  char (*azMonth)[RF_MONTH_LEN + 1]; /* months with a day written */
  int nMonth, nMonthAlloc;
  sqlite3_int64 nWritten; /* day rollups written */
  UsageZone *pZone;       /* rollup_tz, decoded; NULL: UTC */
};

/* ---- rollups/refresh_scan.c ---------------------------------------------- */

/* Set the call's error from the connection's, prefixed with zWhat. */
int rf_call_error(RfCall *pCall, int rc, const char *zWhat);
/* Statement iStmt (RS_*), prepared on first use; zKey: the scan's key. */
int rf_call_stmt(RfCall *pCall, int iStmt, const char *zKey,
                 sqlite3_stmt **ppStmt);
/* Bind n texts (const char *, kept by the caller) as parameters 1..n. */
int rf_bind_texts(sqlite3_stmt *pStmt, int n, ...);
/* Step a statement that returns no rows, reset it, report failure. */
int rf_stmt_exec(RfCall *pCall, sqlite3_stmt *pStmt);
/* A one-value query bound with scope and an optional text: the text of
** its result (at most RF_TEXT_LEN bytes) into zOut, "" for NULL. */
int rf_query_day(RfCall *pCall, sqlite3_stmt *pStmt, const char *zScope,
                 const char *zArg, char *zOut);
/* Day text of day number d (days since 1970-01-01), and back (1: bad). */
void rf_day_text(int64_t d, char *zOut);
int rf_day_number(const char *z, int64_t *pD);
/* Note the month of day text zDay as one to recompute. */
int rf_month_touch(RfCall *pCall, const char *zDay);
/* Scan the rows of zScope with ts in [zFrom, zTo) (canonical ts texts)
** into s, each row counted in the local day of s->pZone holding it. */
int rf_scan_range(RfCall *pCall, RfScan *s, const char *zScope,
                  const char *zFrom, const char *zTo);
/* Replace the day rows of [zFrom, zTo) with the scan's cells. With
** bAppend (days newly built past the watermark, replacing no day row) the
** cells are also added to their month rows; else their months are noted,
** to be recomputed whole from the day rows. */
int rf_write_days(RfCall *pCall, RfScan *s, const char *zScope,
                  const char *zFrom, const char *zTo, int bAppend);
/* Recompute the month rows of every month noted, from the day rows. */
int rf_write_months(RfCall *pCall, const char *zScope);
/* Free what a scan holds. */
void rf_scan_free(RfScan *s);
/* Register the scan's internal aggregate usage__rollup_add(). */
int rf_register_scan(sqlite3 *db);

#endif /* USAGE_REFRESH_H */
