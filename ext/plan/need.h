/*
** plan/need.h: the check that the planning tables run first, so a
** database without the usage schema (or one not yet upgraded) gets an
** error that says what to do (plan/need.c).
**
**   SELECT * FROM usage_budgets;   -- on a database before migration 6
**   -- usage_budgets: main has no table budget; run SELECT usage_init()
*/
#ifndef USAGE_PLAN_NEED_H
#define USAGE_PLAN_NEED_H

#include "sqlite3ext.h"

/* SQLITE_OK when schema zSchema of db has the table zNeed; else set the
** error of pVtab to "zWhat: <schema> has no table <zNeed>; run SELECT
** usage_init()" and return SQLITE_ERROR (or an SQLite error). */
int plan_need_table(sqlite3_vtab *pVtab, sqlite3 *db, const char *zSchema,
                    const char *zNeed, const char *zWhat);

#endif /* USAGE_PLAN_NEED_H */
