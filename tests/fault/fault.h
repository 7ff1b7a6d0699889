/*
** fault.h: what the parts of the fault-injection host share.
**
** The host (host.c) runs scenarios (scenarios.c) against usage.so
** with SQLite's allocations (alloc.c) or its file calls (vfs_shim.c)
** failing at a chosen point. See tests/fault/t_fault_oom and
** tests/fault/t_fault_ioerr for what is checked.
*/
#ifndef FAULT_H
#define FAULT_H

#include <sqlite3.h>

/* One step of a scenario: an SQL statement (its rows are the step's
** output) with parameters bound as text, as the sqlite3 shell's .import
** binds them; or, with zSql NULL, loading the extension. */
typedef struct Step {
  const char *zSql;
  int nBind;
  char **azBind; /* nBind texts; "" stays "" */
  double kwh;    /* exact total busy_kwh + idle_kwh it adds (I/O checks) */
} Step;

/* A scenario: how its pristine database is made, and the steps whose
** every fault point is tried. Steps run in order and stop at the first
** that fails. At most one statement writes inside a BEGIN ... COMMIT. */
typedef struct Scenario {
  const char *zName;      /* for messages, e.g. "usage_init() on v1" */
  const char *zSetupFile; /* SQL file run first on the pristine db, or 0 */
  const char *zSetup;     /* SQL run next, extension loaded, or 0 */
  int bWal;               /* pristine database in WAL mode */
  const char *zTotal;     /* I/O checks: query giving total kWh, or 0 */
  double baseKwh;         /* the pristine database's total kWh */
  int nStep;
  Step *aStep;
} Scenario;

/* The scenarios of each suite, built once; *pn gets their number. */
Scenario *scenarios_oom(int *pn);
Scenario *scenarios_ioerr(int *pn);

/* The self-test (fault_host selftest): scenarios that call the broken
** functions of selftest.c, which the suite expects the host to report. */
Scenario *scenarios_selftest(int *pn);
void selftest_register(void); /* on every connection opened from now on */

/* The allocator (alloc.c), installed before sqlite3_initialize(). Armed
** with nTarget < 0 it calls xPoint(n) at each allocation n, which fails
** it by returning 1; with nTarget > 0, allocation nTarget fails, and every
** later one if bPersist. alloc_fail_here() makes the current allocation the
** target. alloc_live() counts blocks allocated and not freed. */
int alloc_install(int (*xPoint)(long long n));
void alloc_arm(long long nTarget, int bPersist);
void alloc_disarm(void);
void alloc_fail_here(int bPersist);
long long alloc_target(void);
long long alloc_live(void);

/* The I/O-error shim: a VFS named "faultvfs" over the default one. */
enum { IO_WRITE, IO_SYNC, IO_TRUNCATE, IO_READ, IO_SHMMAP, IO_NOP };
int shim_register(void);
/* Fail call number n (1-based) of kind eOp from now on, with rc; if
** bPersist, every later one of that kind too. eOp IO_NOP disarms. */
void shim_arm(int eOp, long long n, int bPersist, int rc);
long long shim_hits(void);
long long shim_calls(void);

#endif /* FAULT_H */
