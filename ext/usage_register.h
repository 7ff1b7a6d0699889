/*
** usage_register.h: how the entry point wires each part to a connection.
**
**   sqlite> .load build/usage       -- sqlite3_usage_init() calls these
**
** Included only by usage.c and by the files that define these functions.
*/
#ifndef USAGE_REGISTER_H
#define USAGE_REGISTER_H

#include "sqlite3ext.h"

/* The extension's version, as usage_version() and usage_init() report it. */
#define USAGE_VERSION "0.1.0"

/* Registration of each part on one connection. */
int usage_register_functions(sqlite3 *db); /* functions/func.c */
int usage_register_schema(sqlite3 *db);    /* schema/schema.c */
int usage_register_ingest(sqlite3 *db);    /* ingest/ingest.c */
int usage_register_buckets(sqlite3 *db);   /* buckets/buckets.c */
int usage_register_energy(sqlite3 *db);    /* energy/energy.c, which calls */
int usage_register_config(sqlite3 *db);    /* energy/config.c */
int usage_register_rollups(sqlite3 *db);   /* rollups/refresh.c */
int usage_register_check(sqlite3 *db);     /* schema/check.c */

/* functions/zone_func.c: usage_local and usage_tz_version. */
int usage_register_zone_functions(sqlite3 *db);

/* plan/: usage_best_window (window.c), usage_budgets (budgets.c) and
** usage_budget_status (status.c). */
int usage_register_best_window(sqlite3 *db);
int usage_register_budgets(sqlite3 *db);
int usage_register_budget_status(sqlite3 *db);

#endif /* USAGE_REGISTER_H */
