/*
** usage.h: what the parts of the usage extension share.
**
** The parts, bottom up, each depending only on those above it in this list:
**   usage_time.c     timestamps and buckets in plain C (usage_time.h)
**   usage_func.c     scalar SQL functions and the value helpers below
**   usage_schema.c   usage_init(): schema creation and migrations
**   usage_ingest.c   the writable tables usage_ingest, usage_users, ...
**   usage_buckets.c  the usage_buckets table of time-bucketed totals
**   usage.c          the entry point, which wires them up
*/
#ifndef USAGE_H
#define USAGE_H

#include "sqlite3ext.h"
#include "usage_time.h"

#define USAGE_VERSION "0.1.0"

/* Names longer than this many bytes are refused, so a runaway value is an
** error rather than a dimension row. */
#define USAGE_NAME_MAX 256

/* The scopes a fact row can have, and the extra reporting scope "group". */
typedef enum {
  USAGE_SCOPE_ADA = 0,
  USAGE_SCOPE_PROJECT = 1,
  USAGE_SCOPE_MACHINE = 2,
  USAGE_SCOPE_USER = 3,
  USAGE_SCOPE_GROUP = 4
} UsageScope;

/* The fact scope named by z[0..n), or -1. "group" is not a fact scope. */
int usage_scope_parse(const char *z, int n);

/* The text of a scope, e.g. "project". */
const char *usage_scope_name(int eScope);

/* The scope rule of fact_usage: the error message (from sqlite3_mprintf)
** when scope and the presence of its three keys disagree, or NULL when they
** agree. azField names the keys in the caller's terms, e.g.
** {"project_id","machine_id","user_id"}. Sets *pbNoMem on allocation
** failure. The messages are the UsageDB design's. */
char *usage_scope_problem(sqlite3_value *pScope, int hasProject, int hasMachine,
                          int hasUser, const char *const azField[3],
                          int *pbNoMem);

/* A short, quoted rendering of a value for error messages: text is cut to
** 64 bytes. Returns memory from sqlite3_mprintf, or NULL when out of memory. */
char *usage_value_repr(sqlite3_value *pVal);

/* Unix seconds of a timestamp value (text, integer or real). Returns
** SQLITE_OK, or SQLITE_ERROR with *pzErr set to a message from
** sqlite3_mprintf that starts with zWhat, e.g. "usage_ts: invalid timestamp
** '2023-02-29': day out of range for month", or SQLITE_NOMEM. NULL is an
** error here; callers handle it first. */
int usage_value_time(sqlite3_value *pVal, const char *zWhat, int64_t *pT,
                     char **pzErr);

/* A number from a value: an integer, a finite real, or text that is
** entirely a decimal number. NULL and '' (how a CSV writes NULL) set
** *pIsNull. Returns 0, or 1 for anything else (text, blob, NaN, Inf). */
int usage_value_number(sqlite3_value *pVal, double *pOut, int *pIsNull);

/* Set a function's error from a sqlite3_mprintf() result and free it, or
** report out-of-memory when zErr is NULL. */
void usage_result_error(sqlite3_context *ctx, char *zErr);

/* Replace a virtual table's error message with a formatted one. Returns
** rc, or SQLITE_NOMEM when the message cannot be made. */
int usage_vtab_error(sqlite3_vtab *pVtab, int rc, const char *zFormat, ...);

/* Prepare a statement that a table keeps and reuses: each "%w" in zFormat
** becomes the schema zSchema, quoted as an identifier. */
int usage_prepare_persistent(sqlite3 *db, const char *zFormat,
                             const char *zSchema, sqlite3_stmt **ppStmt);

/* Registration of each part on one connection. */
int usage_register_functions(sqlite3 *db);
int usage_register_schema(sqlite3 *db);
int usage_register_ingest(sqlite3 *db);
int usage_register_buckets(sqlite3 *db);
int usage_register_energy(sqlite3 *db);

#endif /* USAGE_H */
