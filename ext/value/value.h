/*
** value/value.h: reading SQL values, and the errors that name them.
**
**   SELECT usage_ts('2023-02-29');
**   -- usage_ts: invalid timestamp '2023-02-29': day out of range for month
**
** The helper layer every SQL-facing part uses (value/value.c): scopes,
** timestamps and numbers from sqlite3_value, quoting values for messages,
** and setting a function's error.
*/
#ifndef USAGE_VALUE_H
#define USAGE_VALUE_H

#include "sqlite3ext.h"
#include "time/time.h"

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
#define USAGE_NSCOPE 5

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

/* The shortest of r printed with 15, 16 or 17 significant digits that reads
** back as r, e.g. "0.9". Returns memory from sqlite3_mprintf, or NULL when
** out of memory. */
char *usage_double_repr(double r);

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

#endif /* USAGE_VALUE_H */
