/*
** usage.c: the entry point of the usage extension.
**
**   sqlite3 usage.db
**   sqlite> .load build/usage
**   sqlite> SELECT usage_init();
**   sqlite> INSERT INTO usage_ingest(ts, scope, cloud_project_name, busy_kwh)
**      ...>   VALUES ('2024-03-01 10:00', 'project', 'physics', 1.5);
**   sqlite> SELECT * FROM usage_buckets('project', 'day');
**
** Loading registers, on this connection only: the scalar functions
** (functions/func.c), usage_init() (schema/schema.c), the writable tables
** usage_ingest, usage_users, usage_user_projects, usage_project_machines and
** usage_workspaces (ingest/ingest.c), the usage_buckets table
** (buckets/buckets.c), and usage_config(), usage_power_models and
** usage_intensity (energy/energy.c), and usage_best_window, usage_budgets
** and usage_budget_status (plan/). It also turns PRAGMA foreign_keys on, as the UsageDB
** design does. No state outlives the connection, and none is shared.
**
** The entry point is sqlite3_usage_init, the name SQLite derives from a file
** called usage.so, so ".load build/usage" needs no second argument.
*/
#include "usage_register.h"
SQLITE_EXTENSION_INIT1

/* Oldest SQLite with every API used here: RETURNING (3.35.0). */
#define USAGE_MIN_SQLITE 3035000

#ifdef _WIN32
__declspec(dllexport)
#else
__attribute__((visibility("default")))
#endif
    int sqlite3_usage_init(sqlite3 *db, char **pzErrMsg,
                           const sqlite3_api_routines *pApi) {
  int rc;
#ifndef SQLITE_CORE
  /* sqlite3_api is the one variable shared by every connection that loads
  ** usage, and each passes the same pApi. Write it only when it differs,
  ** under SQLite's static main mutex: the write then happens once, before
  ** any other load returns, and later loads only read it. A bare
  ** SQLITE_EXTENSION_INIT2 rewrites it on every load while other threads'
  ** connections read it: a data race that ThreadSanitizer reports. */
  {
    sqlite3_mutex *pMain = pApi->mutex_alloc(SQLITE_MUTEX_STATIC_MAIN);
    pApi->mutex_enter(pMain);
    if (sqlite3_api != pApi) SQLITE_EXTENSION_INIT2(pApi);
    pApi->mutex_leave(pMain);
  }
#else
  (void)pApi;
#endif
  if (sqlite3_libversion_number() < USAGE_MIN_SQLITE) {
    *pzErrMsg = sqlite3_mprintf("usage needs SQLite 3.35.0 or later, not %s",
                                sqlite3_libversion());
    return SQLITE_ERROR;
  }
  rc = usage_register_functions(db);
  if (rc == SQLITE_OK) rc = usage_register_schema(db);
  if (rc == SQLITE_OK) rc = usage_register_ingest(db);
  if (rc == SQLITE_OK) rc = usage_register_buckets(db);
  if (rc == SQLITE_OK) rc = usage_register_zone_functions(db);
  if (rc == SQLITE_OK) rc = usage_register_rollups(db);
  if (rc == SQLITE_OK) rc = usage_register_energy(db);
  if (rc == SQLITE_OK) rc = usage_register_check(db);
  if (rc == SQLITE_OK) rc = usage_register_best_window(db);
  if (rc == SQLITE_OK) rc = usage_register_budgets(db);
  if (rc == SQLITE_OK) rc = usage_register_budget_status(db);
  if (rc == SQLITE_OK) rc = sqlite3_exec(db, "PRAGMA foreign_keys=ON", 0, 0, 0);
  if (rc != SQLITE_OK) {
    /* A failed sqlite3_malloc() of our own sets no error on db: then the
    ** code itself says what went wrong ("out of memory"). */
    *pzErrMsg =
        sqlite3_mprintf("usage: cannot register: %s",
                        sqlite3_errcode(db) != SQLITE_OK ? sqlite3_errmsg(db)
                                                         : sqlite3_errstr(rc));
  }
  return rc;
}
