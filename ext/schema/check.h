/*
** schema/check.h: what the two files of usage_check() share: schema/check.c
** (the table and every check but one) and schema/check_derived.c (derived
** facts against their power model and intensity).
**
**   SELECT * FROM usage_check();          -- no rows: the database is healthy
*/
#ifndef USAGE_CHECK_H
#define USAGE_CHECK_H

#include "sqlite3ext.h"

/* One problem found. */
typedef struct CheckRow {
  const char *zSeverity; /* "error" or "warning" (static) */
  char *zWhat;           /* what is wrong, owned */
  char *zDetail;         /* the detail, owned */
} CheckRow;

/* The rows of one scan, gathered by xFilter. */
typedef struct CheckList {
  CheckRow *a;
  int n, nAlloc;
} CheckList;

/* Append a row; zWhat and zDetail come from sqlite3_mprintf and are owned
** by the list from here on (freed on failure too). */
int usage_check_add(CheckList *p, const char *zSeverity, char *zWhat,
                    char *zDetail);

/* The derived facts of main that disagree with what derivation gives now
** (schema/check_derived.c). */
int usage_check_derived(sqlite3 *db, CheckList *pList);

#endif /* USAGE_CHECK_H */
