/*
** selftest.c: two SQL functions with a memory bug on their out-of-memory
** path, so that t_fault_oom can prove the host reports such bugs.
**
**   fault_host selftest EXT.so REPO WORKDIR
**   SELECT fault_leak();     -- leaks a block when its second allocation fails
**   SELECT fault_overrun();  -- writes past a block's end when it fails
**
** Both work and free everything when no allocation fails, so a sweep over
** them sees one broken run per mode, at the allocation of sqlite3_mprintf().
** They are registered only by "fault_host selftest" (sqlite3_auto_extension),
** never on the scenarios of the real sweeps.
*/
#include <string.h>

#include "fault.h"

/* The bug under test: on failure, returns without freeing the first block. */
static void fault_leak(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  void *p = sqlite3_malloc(64);
  char *z;
  (void)argc, (void)argv;
  if (p == 0) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  z = sqlite3_mprintf("%s", "leak");
  if (z == 0) {
    sqlite3_result_error_nomem(ctx); /* p leaks */
    return;
  }
  sqlite3_result_int(ctx, (int)strlen(z));
  sqlite3_free(z);
  sqlite3_free(p);
}

/* The bug under test: on failure, writes one byte past a 16-byte block. */
static void fault_overrun(sqlite3_context *ctx, int argc,
                          sqlite3_value **argv) {
  char *p = sqlite3_malloc(16);
  char *z;
  (void)argc, (void)argv;
  if (p == 0) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  z = sqlite3_mprintf("%s", "overrun");
  if (z == 0) {
    volatile char *pEnd = p + 16;
    *pEnd = 1; /* one past the end */
    sqlite3_free(p);
    sqlite3_result_error_nomem(ctx);
    return;
  }
  sqlite3_result_int(ctx, (int)strlen(z));
  sqlite3_free(z);
  sqlite3_free(p);
}

/* The auto-extension entry point: both functions on a new connection. */
static int selftest_init(sqlite3 *db, char **pzErr,
                         const sqlite3_api_routines *pApi) {
  (void)pzErr, (void)pApi;
  if (sqlite3_create_function(db, "fault_leak", 0, SQLITE_UTF8, 0, fault_leak,
                              0, 0) != SQLITE_OK) {
    return SQLITE_ERROR;
  }
  return sqlite3_create_function(db, "fault_overrun", 0, SQLITE_UTF8, 0,
                                 fault_overrun, 0, 0);
}

void selftest_register(void) {
  sqlite3_auto_extension((void (*)(void))selftest_init);
}
