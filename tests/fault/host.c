/*
** host.c: the fault-injection host of tests/fault/t_fault_oom and t_fault_ioerr.
**
**   fault_host oom      EXT.so REPO WORKDIR [FLOOR [SCENARIO-WORD]]
**   fault_host ioerr    EXT.so REPO WORKDIR [FLOOR [SCENARIO-WORD]]
**   fault_host selftest EXT.so REPO WORKDIR
**
** Linked with the system libsqlite3; loads the extension with
** sqlite3_load_extension. tests/fault/build makes it twice: build/fault/
** fault_host, plain, which the suites run at every fault point with the
** plain usage.so, and build/asan/fault_host, with ASan and UBSan, which they
** run with build/asan/usage.so at a stride. Prints one "ok - ..." or "not ok
** - ..." line per scenario and mode, "# N fault points", a check that the
** host's SQLite heap is empty at exit, and, given FLOOR > 0, a check that N
** is at least FLOOR. Environment: FAULT_ONLY=transient or persistent (oom),
** FAULT_SYNC=NORMAL or FULL (ioerr) run one mode; FAULT_STRIDE=s tries one
** fault point in s, from point FAULT_OFFSET + 1 (default 0); to study one
** failure, FAULT_N=n tries allocation n only, FAULT_BT=1 prints the stack of
** the failing allocation, FAULT_DEBUG='SQL' prints what SQL returns on the
** fresh connection of a failing check.
**
** oom: SQLITE_CONFIG_MALLOC installs the allocator of alloc.c before
** sqlite3_initialize(): it counts live blocks and guards each one (see
** there). Each scenario runs with allocation N failing, for N =
** 1, 2, ... until a run completes without reaching N: "transient" fails that
** allocation alone, "persistent" it and every later one. The run without
** faults is made once, armed: at its allocation N the process forks, and
** the child fails that allocation, finishes the run and checks everything
** (oom_child_checks), while the parent carries on to N + 1. So each fault
** point costs one fork and the rest of one run, not a run from the start.
** The database is an in-memory one (memdb, shared by name so that a second
** connection can open it), copied from the pristine file; the child's
** copy is its own. That second connection, which checks the run, is opened
** before the sweep and stays idle until the run is over: it has never seen
** the failed connection's state, and SQLite rereads its schema when the
** run changed it, but the fork does not pay for parsing it at every point.
** When the database is then byte for byte one of the states already checked
** (before or after a step), it is known intact with that state's digest
** (image_match); any other state is read through SQL (digest_db). The
** count of live allocations must be back where it was once the child has
** closed every connection (a leak of that run), and at zero in the parent
** after sqlite3_shutdown(). A fork of a plain process costs a fraction of
** one with ASan's shadow memory mapped, which is why the plain build runs
** every point. SQLite runs single-threaded: a child could never release a
** recursive mutex its parent's thread held.
**
** selftest: the scenarios of scenarios_selftest(), whose SQL functions
** (selftest.c) leak and write past a block on their out-of-memory path;
** t_fault_oom expects this run to report both.
**
** ioerr: the VFS shim (vfs_shim.c) fails call N of one kind; each run is a
** forked child that opens the WAL database through the shim, runs the
** scenario to its first failure and exits without closing, as a crash would
** leave the files; the parent then checks them through the real VFS.
**
** What a run must show is in oom_child_checks() and check_io_run().
*/
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fault.h"

/* ---- small helpers ------------------------------------------------------ */

/* A growing text buffer on the C heap (not SQLite's, so it never fails
** with the allocator). */
typedef struct Buf {
  char *z;
  size_t n, nAlloc;
} Buf;

static void buf_add(Buf *b, const char *z, size_t n) {
  if (b->n + n + 1 > b->nAlloc) {
    b->nAlloc = (b->n + n + 1) * 2;
    b->z = realloc(b->z, b->nAlloc);
    if (b->z == 0) abort();
  }
  memcpy(b->z + b->n, z, n);
  b->n += n;
  b->z[b->n] = 0;
}
static void buf_str(Buf *b, const char *z) {
  buf_add(b, z, strlen(z));
}
static const char *buf_text(Buf *b) {
  return b->z ? b->z : "";
}

static const char *zExt;     /* path of usage.so */
static const char *zRepo;    /* repository root, for the SQL files */
static char zPristine[4096]; /* the scenario's database before any run */
static char zWork[4096];     /* the copy a run works on */
static char zScratch[4096];  /* where the expected states are made */
static int nFailedChecks;    /* "not ok" lines printed */
static int nDetail;          /* detail lines printed for the current check */

/* A detail line of a failing check ("# ..."), at most a few per check. */
static void detail(const char *zFormat, ...) {
  va_list ap;
  if (nDetail++ >= 6) return;
  va_start(ap, zFormat);
  printf("#   ");
  vprintf(zFormat, ap);
  printf("\n");
  va_end(ap);
}

static void check_line(int bOk, const char *zFormat, ...) {
  va_list ap;
  va_start(ap, zFormat);
  printf("%s - ", bOk ? "ok" : "not ok");
  vprintf(zFormat, ap);
  printf("\n");
  va_end(ap);
  if (!bOk) nFailedChecks++;
  fflush(stdout);
}

static char *read_file(const char *zPath, size_t *pn) {
  FILE *f = fopen(zPath, "rb");
  char *z;
  long n;
  if (f == 0) return 0;
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fseek(f, 0, SEEK_SET);
  z = malloc((size_t)n + 1);
  if (z && fread(z, 1, (size_t)n, f) != (size_t)n) {
    free(z);
    z = 0;
  }
  if (z) z[n] = 0;
  fclose(f);
  if (pn) *pn = (size_t)n;
  return z;
}

/* Remove a database file and its WAL, -shm and journal. */
static void remove_db(const char *zPath) {
  static const char *const azSuffix[] = {"", "-wal", "-shm", "-journal"};
  char z[4200];
  size_t i;
  for (i = 0; i < sizeof(azSuffix) / sizeof(azSuffix[0]); i++) {
    snprintf(z, sizeof(z), "%s%s", zPath, azSuffix[i]);
    unlink(z);
  }
}

/* zTo becomes a copy of zPristine (the main file: pristine databases are
** closed cleanly, so they have no WAL). */
static char *zImage = 0; /* the pristine file's bytes, once read */
static size_t nImage = 0;
static void copy_pristine_to(const char *zTo) {
  FILE *f;
  if (zImage == 0) zImage = read_file(zPristine, &nImage);
  remove_db(zTo);
  f = fopen(zTo, "wb");
  if (f == 0 || fwrite(zImage, 1, nImage, f) != nImage) abort();
  fclose(f);
}
static void copy_pristine(void) {
  copy_pristine_to(zWork);
}

/* Open zPath (through zVfs, or the default VFS) and, unless bNoLoad, load
** the extension. Faults must be off. */
static sqlite3 *open_db(const char *zPath, const char *zVfs, int bLoad) {
  sqlite3 *db = 0;
  char *zErr = 0;
  if (sqlite3_open_v2(
          zPath, &db,
          SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI, zVfs)) {
    fprintf(stderr, "cannot open %s: %s\n", zPath, sqlite3_errmsg(db));
    exit(2);
  }
  sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 1, (int *)0);
  sqlite3_db_config(db, SQLITE_DBCONFIG_LOOKASIDE, 0, 0, 0);
  if (bLoad && sqlite3_load_extension(db, zExt, 0, &zErr) != SQLITE_OK) {
    fprintf(stderr, "cannot load %s: %s\n", zExt, zErr);
    exit(2);
  }
  return db;
}

/* Run SQL that must work (faults off). */
static void must_exec(sqlite3 *db, const char *zSql) {
  char *zErr = 0;
  if (sqlite3_exec(db, zSql, 0, 0, &zErr) != SQLITE_OK) {
    fprintf(stderr, "setup failed: %s\nin: %.200s\n", zErr, zSql);
    exit(2);
  }
}

/* ---- digest ------------------------------------------------------------- */

/* FNV-1a, 64 bits. */
static void fnv(unsigned long long *h, const void *p, size_t n) {
  const unsigned char *z = p;
  size_t i;
  for (i = 0; i < n; i++) {
    *h ^= z[i];
    *h *= 1099511628211ULL;
  }
}

/* Hash the rows of one query into *h: each value's type and bytes. */
static int hash_query(sqlite3 *db, const char *zSql, unsigned long long *h) {
  sqlite3_stmt *pStmt = 0;
  int rc = sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0);
  while (rc == SQLITE_OK && sqlite3_step(pStmt) == SQLITE_ROW) {
    int i, n = sqlite3_column_count(pStmt);
    for (i = 0; i < n; i++) {
      int t = sqlite3_column_type(pStmt, i);
      fnv(h, &t, sizeof(t));
      if (t == SQLITE_INTEGER) {
        sqlite3_int64 v = sqlite3_column_int64(pStmt, i);
        fnv(h, &v, sizeof(v));
      } else if (t == SQLITE_FLOAT) {
        double v = sqlite3_column_double(pStmt, i);
        fnv(h, &v, sizeof(v));
      } else if (t != SQLITE_NULL) {
        const void *p = sqlite3_column_blob(pStmt, i);
        fnv(h, p, (size_t)sqlite3_column_bytes(pStmt, i));
      }
    }
    fnv(h, "\n", 1);
  }
  if (rc == SQLITE_OK) rc = sqlite3_finalize(pStmt);
  return rc;
}

/* With a fresh connection through the real VFS (faults off): is
** integrity_check "ok" (else its first line goes to zWhy), and the digest of
** the schema and of every row of every table. */
static int digest_db(sqlite3 *db, unsigned long long *pH, char *zWhy,
                     size_t nWhy) {
  sqlite3_stmt *pStmt = 0;
  int bOk = 0, rc;
  *pH = 14695981039346656037ULL;
  zWhy[0] = 0;
  rc = sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &pStmt, 0);
  if (rc == SQLITE_OK && sqlite3_step(pStmt) == SQLITE_ROW) {
    const char *z = (const char *)sqlite3_column_text(pStmt, 0);
    bOk = z && strcmp(z, "ok") == 0;
    snprintf(zWhy, nWhy, "%s", z ? z : "NULL");
  } else {
    snprintf(zWhy, nWhy, "integrity_check: %s", sqlite3_errmsg(db));
  }
  sqlite3_finalize(pStmt);
  if (bOk) {
    hash_query(
        db, "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name",
        pH);
    rc = sqlite3_prepare_v2(
        db,
        "SELECT 'SELECT * FROM \"' || m.name || '\" ORDER BY ' || "
        "(SELECT group_concat(cid + 1) FROM pragma_table_info(m.name)) "
        "FROM sqlite_master AS m WHERE m.type = 'table' AND m.name NOT "
        "LIKE 'sqlite_%' ORDER BY m.name",
        -1, &pStmt, 0);
    while (rc == SQLITE_OK && sqlite3_step(pStmt) == SQLITE_ROW) {
      if (hash_query(db, (const char *)sqlite3_column_text(pStmt, 0), pH) !=
          SQLITE_OK) {
        bOk = 0;
        snprintf(zWhy, nWhy, "cannot read: %s", sqlite3_errmsg(db));
      }
    }
    sqlite3_finalize(pStmt);
  }
  return bOk;
}
static int digest(const char *zPath, unsigned long long *pH, char *zWhy,
                  size_t nWhy) {
  sqlite3 *db = open_db(zPath, 0, 0);
  int bOk = digest_db(db, pH, zWhy, nWhy);
  sqlite3_close(db);
  return bOk;
}

/* ---- running steps ------------------------------------------------------ */

/* Run one step; its rows are appended to pOut as text. Returns the first
** error code (with its message in zErr), or SQLITE_OK. */
static int run_step(sqlite3 *db, const Step *pStep, Buf *pOut, char *zErr,
                    size_t nErr) {
  sqlite3_stmt *pStmt = 0;
  int rc, i;
  zErr[0] = 0;
  if (pStep->zSql == 0) {
    char *zMsg = 0;
    rc = sqlite3_load_extension(db, zExt, 0, &zMsg);
    if (rc != SQLITE_OK)
      snprintf(zErr, nErr, "%s", zMsg ? zMsg : "(no message)");
    sqlite3_free(zMsg);
    return rc;
  }
  rc = sqlite3_prepare_v2(db, pStep->zSql, -1, &pStmt, 0);
  for (i = 0; rc == SQLITE_OK && i < pStep->nBind; i++) {
    rc = sqlite3_bind_text(pStmt, i + 1, pStep->azBind[i], -1, SQLITE_STATIC);
  }
  while (rc == SQLITE_OK && (rc = sqlite3_step(pStmt)) == SQLITE_ROW) {
    int n = sqlite3_column_count(pStmt);
    rc = SQLITE_OK;
    for (i = 0; i < n; i++) {
      const char *z = (const char *)sqlite3_column_text(pStmt, i);
      if (z == 0 && sqlite3_column_type(pStmt, i) != SQLITE_NULL) {
        rc = SQLITE_NOMEM;
        break;
      }
      buf_str(pOut, i ? "|" : "");
      buf_str(pOut, z ? z : "");
    }
    buf_str(pOut, "\n");
  }
  if (rc == SQLITE_DONE) rc = SQLITE_OK;
  if (rc != SQLITE_OK) snprintf(zErr, nErr, "%s", sqlite3_errmsg(db));
  sqlite3_finalize(pStmt);
  return rc;
}

/* Run steps [0, nStep) until one fails; *piFail gets its index, or -1. */
static int run_steps(sqlite3 *db, const Scenario *p, int nStep, Buf *pOut,
                     int *piFail, char *zErr, size_t nErr) {
  int i, rc = SQLITE_OK;
  *piFail = -1;
  for (i = 0; i < nStep; i++) {
    rc = run_step(db, &p->aStep[i], pOut, zErr, nErr);
    if (rc != SQLITE_OK) {
      *piFail = i;
      break;
    }
  }
  return rc;
}

/* Make the scenario's pristine database at zPristine. */
static void make_pristine(const Scenario *p) {
  sqlite3 *db;
  free(zImage);
  zImage = 0;
  remove_db(zPristine);
  db = open_db(zPristine, 0, 1);
  if (p->bWal) must_exec(db, "PRAGMA journal_mode=WAL");
  if (p->zSetupFile) {
    char zPath[4200];
    char *zSql;
    snprintf(zPath, sizeof(zPath), "%s/%s", zRepo, p->zSetupFile);
    zSql = read_file(zPath, 0);
    if (zSql == 0) {
      fprintf(stderr, "cannot read %s\n", zPath);
      exit(2);
    }
    must_exec(db, zSql);
    free(zSql);
  }
  if (p->zSetup) must_exec(db, p->zSetup);
  sqlite3_close(db);
}

/* The digest after steps [0, k) on a copy of the pristine database, faults
** off, with a transaction left open committed: the state a failure at step
** k may leave. Cached per k. */
static unsigned long long prefix_digest(const Scenario *p, int k,
                                        unsigned long long *aCache,
                                        char *aHave) {
  sqlite3 *db;
  Buf out = {0, 0, 0};
  char zErr[512], zWhy[512];
  int iFail;
  if (aHave[k]) return aCache[k];
  copy_pristine_to(zScratch);
  db = open_db(zScratch, 0, p->nStep > 0 && p->aStep[0].zSql != 0);
  if (run_steps(db, p, k, &out, &iFail, zErr, sizeof(zErr)) != SQLITE_OK) {
    fprintf(stderr, "%s: step %d fails without faults: %s\n", p->zName, iFail,
            zErr);
    exit(2);
  }
  if (!sqlite3_get_autocommit(db)) must_exec(db, "COMMIT");
  sqlite3_close(db);
  if (!digest(zScratch, &aCache[k], zWhy, sizeof(zWhy))) {
    fprintf(stderr, "%s: prefix %d: %s\n", p->zName, k, zWhy);
    exit(2);
  }
  aHave[k] = 1;
  free(out.z);
  return aCache[k];
}

/* Does this error say out of memory? */
static int is_nomem(int rc, const char *zErr) {
  return (rc & 0xff) == SQLITE_NOMEM || strstr(zErr, "out of memory") != 0;
}

/* ---- the out-of-memory suite -------------------------------------------- */

/* The index of the BEGIN that opened the transaction step iFail ran in,
** or iFail when it ran outside one. */
static int txn_start(const Scenario *p, int iFail) {
  int i;
  for (i = iFail; i >= 0; i--) {
    const char *z = p->aStep[i].zSql;
    if (z && strcmp(z, "COMMIT") == 0 && i < iFail) break;
    if (z && strcmp(z, "BEGIN") == 0) return i;
  }
  return iFail;
}

/* The in-memory database of a run, shared by name between the connections
** of one process (memdb), loaded from the pristine file's image. */
static sqlite3 *open_mem(const char *zName, int bLoad) {
  char zUri[128];
  sqlite3 *db, *pSrc;
  sqlite3_backup *pBackup;
  snprintf(zUri, sizeof(zUri), "file:/%s?vfs=memdb", zName);
  db = open_db(zUri, 0, bLoad);
  /* The backup API, not sqlite3_deserialize(): that re-attaches main as a
  ** private database, which a second connection could not open by name. */
  pSrc = open_db(zPristine, 0, 0);
  pBackup = sqlite3_backup_init(db, "main", pSrc, "main");
  if (pBackup == 0 || sqlite3_backup_step(pBackup, -1) != SQLITE_DONE ||
      sqlite3_backup_finish(pBackup) != SQLITE_OK) {
    fprintf(stderr, "cannot copy %s: %s\n", zPristine, sqlite3_errmsg(db));
    exit(2);
  }
  sqlite3_close(pSrc);
  return db;
}

/* integrity_check and digest of an open connection (faults off). */
static int digest_db(sqlite3 *db, unsigned long long *pH, char *zWhy,
                     size_t nWhy);

/* What one sweep needs to judge a child. */
typedef struct OomSweep {
  const Scenario *p;
  int bPersist;
  Buf ref;                     /* the output without faults */
  unsigned long long hRef;     /* the digest without faults */
  unsigned long long *aPrefix; /* digest after steps [0, k) */
  unsigned char **aImg;        /* the database's bytes after steps [0, k) */
  sqlite3_int64 *anImg;        /* and their number */
  sqlite3 *pCheck;             /* the second connection that checks a run */
  long long nLiveBase;         /* live blocks before the run's connection */
  long long nPoints;           /* children forked */
  long long nBad;              /* children that found a problem */
  long long nLeftOpen;         /* failed, its own transaction left open */
  long long nApplied;          /* failed after its work was committed */
  long long *pnSame;           /* children that found a known image (shared) */
} OomSweep;

static OomSweep *pSweep; /* the sweep whose run is armed, or 0 */
static int bChild;       /* this process is a child of the sweep */

/* The fault points tried: allocation (or call) n is tried when
** (n - 1) % nStride == nOffset (FAULT_STRIDE, FAULT_OFFSET; every one by
** default). The ASan pass of the suites tries one in nStride. */
static long long nStride = 1, nOffset = 0;
static char zStrideNote[64]; /* " (one in 20 from 1)", or "" */
static int tried(long long n) {
  return (n - 1) % nStride == nOffset;
}

/* Called by the allocator at each allocation n of the armed run: fork; the
** child fails this allocation (and, persistent, every later one) and
** finishes the run; the parent waits for it and carries on unharmed. */
static int mem_fork_point(long long n) {
  pid_t pid;
  int status = 0;
  static long long nOnly = -1; /* FAULT_N: try only that allocation */
  if (nOnly < 0) nOnly = getenv("FAULT_N") ? atoll(getenv("FAULT_N")) : 0;
  if (nOnly > 0 && n != nOnly) return 0;
  if (!tried(n)) return 0;
  fflush(stdout);
  pid = fork();
  if (pid < 0) abort();
  if (pid == 0) {
    bChild = 1;
    alloc_fail_here(pSweep->bPersist);
    pSweep = 0;
    if (getenv("FAULT_BT")) {
      void *a[40];
      backtrace_symbols_fd(a, backtrace(a, 40), 2);
    }
    return 1;
  }
  pSweep->nPoints++;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 2) {
    pSweep->nLeftOpen++;
  } else if (WIFEXITED(status) && WEXITSTATUS(status) == 3) {
    pSweep->nApplied++;
  } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    pSweep->nBad++;
    if (!WIFEXITED(status)) {
      printf("#   N=%lld: the run crashed (signal %d)\n", n,
             WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    }
  }
  return 0;
}

/* The k whose prefix image the run's database now is byte for byte, or -1.
** Such a database passes integrity_check and has digest aPrefix[k], as that
** image did when oom_prefixes() checked it, so the child need not read it
** again through SQL; any other goes through digest_db(). (A memdb database
** shared by name cannot be read in place, so its pages are copied out.) */
static int image_match(const OomSweep *w, sqlite3 *db) {
  sqlite3_int64 n = -1;
  unsigned char *a = sqlite3_serialize(db, "main", &n, 0);
  int k, iFound = -1;
  for (k = 0; a && iFound < 0 && k <= w->p->nStep; k++) {
    if (w->aImg[k] && w->anImg[k] == n &&
        memcmp(w->aImg[k], a, (size_t)n) == 0) {
      iFound = k;
    }
  }
  sqlite3_free(a);
  return iFound;
}

/* In the child, after the run: every check, then exit (1 when one failed). */
static void oom_child_checks(OomSweep *w, sqlite3 *db, int rc, int iFail,
                             const char *zErr, Buf *pOut) {
  const Scenario *p = w->p;
  long long n = alloc_target();
  char zWhy[512];
  sqlite3 *db2;
  sqlite3_stmt *pStmt = 0;
  unsigned long long h;
  int bBad = 0, bQuiet = w->nBad >= 4; /* details for the first few only */
  int bLeftOpen = 0, bApplied = 0, k;
  alloc_disarm();
#define BAD(...)                 \
  do {                           \
    bBad = 1;                    \
    if (!bQuiet) {               \
      printf("#   N=%lld: ", n); \
      printf(__VA_ARGS__);       \
      printf("\n");              \
    }                            \
  } while (0)
  if (rc == SQLITE_OK) {
    if (strcmp(buf_text(pOut), buf_text(&w->ref)) != 0) {
      BAD("succeeded with a different result: %.200s", buf_text(pOut));
    }
  } else if (!is_nomem(rc, zErr) && !(p->aStep[iFail].zSql == 0 &&
                                      rc == SQLITE_ERROR && zErr[0] == '(')) {
    /* sqlite3_load_extension() turns every failure of an entry point into
    ** SQLITE_ERROR, and its message is lost when it cannot be allocated
    ** ("(no message)"); otherwise it must say out of memory. */
    BAD("step %d failed with code %d, not out of memory: %s", iFail, rc, zErr);
  }
  if (rc != SQLITE_OK && !sqlite3_get_autocommit(db)) {
    if (txn_start(p, iFail) == iFail) {
      /* The failed statement ran outside any BEGIN of the scenario, yet a
      ** transaction is open: its own savepoint, left behind, uncommitted.
      ** Counted, not failed. Inside a function, out of memory stays set on
      ** the connection until the calling statement ends (SQLite clears it
      ** only when no statement runs), so from then on usage_init() cannot
      ** prepare even ROLLBACK TO; and SQLite rolls back by itself only
      ** after statements that read the database, which SELECT usage_init()
      ** does not (so upgrade() steps a reader it prepared first, which works
      ** until DDL has expired it). What holds: the database is unchanged
      ** for every other connection, and after ROLLBACK it is as before
      ** (checked below). */
      bLeftOpen = 1;
      sqlite3_exec(db, "ROLLBACK", 0, 0, 0);
    } else {
      sqlite3_exec(db, "COMMIT", 0, 0, 0); /* a doomed transaction refuses */
      if (!sqlite3_get_autocommit(db)) sqlite3_exec(db, "ROLLBACK", 0, 0, 0);
    }
  }
  if (sqlite3_prepare_v2(db, "SELECT 41 + 1", -1, &pStmt, 0) != SQLITE_OK ||
      sqlite3_step(pStmt) != SQLITE_ROW || sqlite3_column_int(pStmt, 0) != 42) {
    BAD("the connection is not usable after the failure: %s",
        sqlite3_errmsg(db));
  }
  sqlite3_finalize(pStmt);
  db2 = w->pCheck;
  if (sqlite3_close(db) != SQLITE_OK)
    BAD("sqlite3_close: %s", sqlite3_errmsg(db));
  if ((k = image_match(w, db2)) >= 0) {
    h = w->aPrefix[k]; /* intact, and that prefix's digest: see image_match */
    (*w->pnSame)++;
  } else if (!digest_db(db2, &h, zWhy, sizeof(zWhy))) {
    BAD("integrity_check after step %d failed (%s): %s", iFail, zErr, zWhy);
  } else if (rc == SQLITE_OK) {
    if (h != w->hRef)
      BAD("succeeded, but the database differs from the run without faults");
  } else if (h == w->aPrefix[iFail + 1] && h != w->aPrefix[iFail]) {
    bApplied = 1; /* out of memory after the work was committed */
  } else if (h != w->aPrefix[iFail] && h != w->aPrefix[txn_start(p, iFail)]) {
    BAD("step %d failed (%s), but the database is neither as before it nor as "
        "before its transaction (digest %016llx, want %016llx or %016llx)",
        iFail, zErr, h, w->aPrefix[iFail], w->aPrefix[txn_start(p, iFail)]);
  }
  if (bBad && !bQuiet && getenv("FAULT_DEBUG")) {
    Buf dump = {0, 0, 0};
    Step st = {getenv("FAULT_DEBUG"), 0, 0, 0};
    char zE[256];
    run_step(db2, &st, &dump, zE, sizeof(zE));
    printf("#   debug: %s %s\n", buf_text(&dump), zE);
    free(dump.z);
  }
  sqlite3_close(db2);
  if (alloc_live() != w->nLiveBase) {
    BAD("%lld allocations leaked (step %d failed, rc %d: %s)",
        alloc_live() - w->nLiveBase, iFail, rc, zErr);
  }
#undef BAD
  fflush(stdout);
  _exit(bBad ? 1 : bLeftOpen ? 2 : bApplied ? 3 : 0);
}

/* The digests after each prefix of the steps, on "/scratch". */
static void oom_prefixes(OomSweep *w) {
  const Scenario *p = w->p;
  int k;
  for (k = 0; k <= p->nStep; k++) {
    Buf out = {0, 0, 0};
    char zErr[512], zWhy[512];
    int iFail;
    sqlite3 *db = open_mem("scratch", p->aStep[0].zSql != 0);
    if (run_steps(db, p, k, &out, &iFail, zErr, sizeof(zErr)) != SQLITE_OK) {
      fprintf(stderr, "%s: step %d fails without faults: %s\n", p->zName, iFail,
              zErr);
      exit(2);
    }
    if (!sqlite3_get_autocommit(db)) must_exec(db, "COMMIT");
    if (!digest_db(db, &w->aPrefix[k], zWhy, sizeof(zWhy))) {
      fprintf(stderr, "%s: prefix %d: %s\n", p->zName, k, zWhy);
      exit(2);
    }
    w->aImg[k] = sqlite3_serialize(db, "main", &w->anImg[k], 0);
    if (k == p->nStep)
      w->hRef = w->aPrefix[k], w->ref = out;
    else
      free(out.z);
    sqlite3_close(db);
  }
}

/* Every fault point of one scenario in one mode; returns their number. The
** run is made once, armed: allocation k forks a child in which it fails
** (see mem_fork_point), so each fault point costs one fork and the rest of
** its run, not a run from the start. */
static long long sweep_oom(const Scenario *p, int bPersist) {
  OomSweep w;
  Buf out = {0, 0, 0};
  char zErr[512];
  int rc, iFail, k;
  sqlite3 *db;
  time_t t0 = time(0);
  memset(&w, 0, sizeof(w));
  w.p = p;
  w.bPersist = bPersist;
  w.aPrefix = calloc((size_t)p->nStep + 1, sizeof(*w.aPrefix));
  w.aImg = calloc((size_t)p->nStep + 1, sizeof(*w.aImg));
  w.anImg = calloc((size_t)p->nStep + 1, sizeof(*w.anImg));
  /* Children count here what they found, in memory the fork shares. */
  w.pnSame = mmap(0, sizeof(*w.pnSame), PROT_READ | PROT_WRITE,
                  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (w.pnSame == MAP_FAILED) abort();
  *w.pnSame = 0;
  make_pristine(p);
  oom_prefixes(&w);
  w.nLiveBase = alloc_live();
  db = open_mem("work", p->aStep[0].zSql != 0);
  w.pCheck = open_db("file:/work?vfs=memdb", 0, 0);
  must_exec(w.pCheck, "SELECT count(*) FROM sqlite_master"); /* its schema */
  pSweep = &w;
  alloc_arm(-1, 0);
  rc = run_steps(db, p, p->nStep, &out, &iFail, zErr, sizeof(zErr));
  if (bChild) oom_child_checks(&w, db, rc, iFail, zErr, &out);
  alloc_disarm();
  pSweep = 0;
  if (rc != SQLITE_OK || strcmp(buf_text(&out), buf_text(&w.ref)) != 0) {
    w.nBad++;
    printf("#   the armed run itself went wrong: %s\n", zErr);
  }
  sqlite3_close(db);
  sqlite3_close(w.pCheck);
  if (w.nLeftOpen) {
    printf(
        "# %s, %s: %lld failures left the statement's own transaction open "
        "(out of memory is sticky inside a function: see oom_child_checks()); "
        "rolled back, the database was as before\n",
        p->zName, bPersist ? "persistent" : "transient", w.nLeftOpen);
  }
  if (w.nApplied) {
    printf("# %s, %s: %lld failures came after the work was committed, and the "
           "database holds all of it\n",
           p->zName, bPersist ? "persistent" : "transient", w.nApplied);
  }
  check_line(
      w.nBad == 0 && w.nPoints > 0,
      "out of memory, %s, %s: each of %lld failing allocations%s gives the "
      "right result or an out-of-memory error, leaves the database intact and as "
      "before the failed statement, leaks nothing, and the connection works (%lds)",
      bPersist ? "persistent" : "transient", p->zName, w.nPoints, zStrideNote,
      (long)(time(0) - t0));
  free(out.z);
  free(w.ref.z);
  printf("# %s, %s: %lld of %lld runs left the database byte for byte a state "
         "already checked\n",
         p->zName, bPersist ? "persistent" : "transient", *w.pnSame, w.nPoints);
  for (k = 0; k <= p->nStep; k++) sqlite3_free(w.aImg[k]);
  free(w.aImg);
  free(w.anImg);
  munmap(w.pnSame, sizeof(*w.pnSame));
  free(w.aPrefix);
  return w.nPoints;
}

/* ---- the I/O-error suite ------------------------------------------------ */

static const struct IoKind {
  const char *zName;
  int eOp;
  int rc;
} aIoKind[] = {
    {"xWrite IOERR_WRITE", IO_WRITE, SQLITE_IOERR_WRITE},
    {"xWrite FULL", IO_WRITE, SQLITE_FULL},
    {"xSync IOERR_FSYNC", IO_SYNC, SQLITE_IOERR_FSYNC},
    {"xTruncate IOERR_TRUNCATE", IO_TRUNCATE, SQLITE_IOERR_TRUNCATE},
    {"xRead IOERR_READ", IO_READ, SQLITE_IOERR_READ},
    {"xShmMap IOERR_SHMMAP", IO_SHMMAP, SQLITE_IOERR_SHMMAP},
};

/* What a child reports. */
typedef struct IoReport {
  long long nHit; /* calls failed */
  int iFail;      /* step that failed, or -1 */
  int rc;         /* its error */
  int bUsable;    /* a query worked after the failure, faults off */
  char zErr[400];
} IoReport;

/* The child: run the scenario through the shim with the fault armed, report,
** and exit without closing anything. */
static void io_child(const Scenario *p, const char *zSync,
                     const struct IoKind *k, long long n, int bPersist,
                     int fd) {
  IoReport r;
  Buf out = {0, 0, 0};
  sqlite3 *db;
  sqlite3_stmt *pStmt = 0;
  char zPragma[64];
  memset(&r, 0, sizeof(r));
  db = open_db(zWork, "faultvfs", 1);
  snprintf(zPragma, sizeof(zPragma), "PRAGMA synchronous=%s", zSync);
  /* Armed from the first read, so opening the WAL (xShmMap) is covered; a
  ** failure in the pragma counts as one in step 0, which has not run. */
  shim_arm(k->eOp, n, bPersist, k->rc);
  r.rc = sqlite3_exec(db, zPragma, 0, 0, 0);
  if (r.rc != SQLITE_OK) {
    r.iFail = 0;
    snprintf(r.zErr, sizeof(r.zErr), "%s: %s", zPragma, sqlite3_errmsg(db));
  } else {
    r.rc = run_steps(db, p, p->nStep, &out, &r.iFail, r.zErr, sizeof(r.zErr));
  }
  r.nHit = shim_hits();
  shim_arm(IO_NOP, 0, 0, 0);
  if (!sqlite3_get_autocommit(db)) sqlite3_exec(db, "ROLLBACK", 0, 0, 0);
  r.bUsable = sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master", -1,
                                 &pStmt, 0) == SQLITE_OK &&
              sqlite3_step(pStmt) == SQLITE_ROW;
  sqlite3_finalize(pStmt);
  if (write(fd, &r, sizeof(r)) != (ssize_t)sizeof(r)) _exit(3);
  _exit(0);
}

/* The total kWh that usage_buckets reports on zWork, or -1 on error. */
static double io_total(const Scenario *p) {
  sqlite3 *db = open_db(zWork, 0, 1);
  sqlite3_stmt *pStmt = 0;
  double v = -1;
  if (sqlite3_prepare_v2(db, p->zTotal, -1, &pStmt, 0) == SQLITE_OK &&
      sqlite3_step(pStmt) == SQLITE_ROW) {
    v = sqlite3_column_double(pStmt, 0);
  }
  sqlite3_finalize(pStmt);
  sqlite3_close(db);
  return v;
}

/* One I/O run: fault n of kind k. Returns 1 when the fault was reached. */
static int check_io_run(const Scenario *p, const char *zSync,
                        const struct IoKind *k, long long n, int bPersist,
                        unsigned long long *aPrefix, char *aHave, int *pbBad,
                        int *pnCorrupt) {
  IoReport r;
  int fds[2], status = 0, i, iPresent = -1;
  char zWhy[512];
  unsigned long long h;
  double kwh, want;
  pid_t pid;

  copy_pristine();
  if (pipe(fds) != 0) abort();
  fflush(stdout);
  pid = fork();
  if (pid == 0) {
    close(fds[0]);
    io_child(p, zSync, k, n, bPersist, fds[1]);
  }
  close(fds[1]);
  memset(&r, 0, sizeof(r));
  if (read(fds[0], &r, sizeof(r)) != (ssize_t)sizeof(r)) r.iFail = -2;
  close(fds[0]);
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || r.iFail == -2) {
    *pbBad = 1;
    detail("%s N=%lld: the run crashed (status %d)", k->zName, n, status);
    return 0;
  }
  if (r.rc != SQLITE_OK) {
    int prim = r.rc & 0xff;
    if (prim == SQLITE_CORRUPT && k->eOp == IO_READ) {
      (*pnCorrupt)++;
    } else if (prim != SQLITE_IOERR && prim != SQLITE_FULL &&
               prim != SQLITE_CANTOPEN &&
               strstr(r.zErr, "disk I/O error") == 0 &&
               strstr(r.zErr, "full") == 0) {
      *pbBad = 1;
      detail("%s N=%lld: step %d failed with code %d, not an I/O error: %s",
             k->zName, n, r.iFail, r.rc, r.zErr);
    }
    if (!r.bUsable) {
      *pbBad = 1;
      detail("%s N=%lld: the connection is not usable after the failure",
             k->zName, n);
    }
  }
  /* Reopened through the real VFS: intact, and each step wholly there or not. */
  if (!digest(zWork, &h, zWhy, sizeof(zWhy))) {
    *pbBad = 1;
    detail("%s N=%lld: integrity_check after step %d failed (%s): %s", k->zName,
           n, r.iFail, r.zErr, zWhy);
    return r.nHit > 0;
  }
  if (r.rc == SQLITE_OK) {
    if (h == prefix_digest(p, p->nStep, aPrefix, aHave)) iPresent = p->nStep;
  } else if (h == prefix_digest(p, r.iFail, aPrefix, aHave)) {
    iPresent = r.iFail;
  } else if (h == prefix_digest(p, r.iFail + 1, aPrefix, aHave)) {
    iPresent = r.iFail + 1;
  }
  if (iPresent < 0) {
    *pbBad = 1;
    detail(
        "%s N=%lld: step %d %s (%s), and the database is not the state before or "
        "after a step",
        k->zName, n, r.iFail, r.rc ? "failed" : "succeeded", r.zErr);
    return r.nHit > 0;
  }
  want = p->baseKwh;
  for (i = 0; i < iPresent; i++) want += p->aStep[i].kwh;
  kwh = io_total(p);
  if (kwh != want) {
    *pbBad = 1;
    detail(
        "%s N=%lld: usage_buckets totals %.17g kWh, the committed steps %.17g",
        k->zName, n, kwh, want);
  }
  return r.nHit > 0;
}

/* Every fault point of one kind, scenario, synchronous setting and mode. */
static long long sweep_io(const Scenario *p, const char *zSync,
                          const struct IoKind *k, int bPersist,
                          unsigned long long *aPrefix, char *aHave) {
  long long n, nPoints = 0;
  int bBad = 0, nCorrupt = 0;
  nDetail = 0;
  for (n = 1 + nOffset; n < 100000; n += nStride) {
    if (!check_io_run(p, zSync, k, n, bPersist, aPrefix, aHave, &bBad,
                      &nCorrupt))
      break;
    nPoints++;
  }
  check_line(
      !bBad,
      "I/O error, synchronous=%s, %s, %s, %s: each of %lld failing calls%s "
      "leaves integrity_check ok, every committed step there, the failed one "
      "wholly there or not, and usage_buckets totals exact%s",
      zSync, k->zName, bPersist ? "persistent" : "transient", p->zName, nPoints,
      zStrideNote,
      nCorrupt ? " (some runs report SQLITE_CORRUPT: see the suite)" : "");
  if (nCorrupt)
    printf("# %d runs of %s reported SQLITE_CORRUPT\n", nCorrupt, k->zName);
  return nPoints;
}

/* ---- main --------------------------------------------------------------- */

int main(int argc, char **argv) {
  static const char *const azSync[] = {"NORMAL", "FULL"};
  long long nTotal = 0, nFloor;
  int i, n, bOom, bSelftest;
  Scenario *a;
  void *pPin;
  if (argc < 5) {
    fprintf(stderr,
            "usage: %s oom|ioerr EXT.so REPO WORKDIR [FLOOR [SCENARIO]]\n",
            argv[0]);
    return 2;
  }
  bSelftest = strcmp(argv[1], "selftest") == 0;
  bOom = bSelftest || strcmp(argv[1], "oom") == 0;
  zExt = argv[2];
  zRepo = argv[3];
  nFloor = argc > 5 ? atoll(argv[5]) : 0;
  snprintf(zPristine, sizeof(zPristine), "%s/pristine.db", argv[4]);
  snprintf(zWork, sizeof(zWork), "%s/work.db", argv[4]);
  snprintf(zScratch, sizeof(zScratch), "%s/scratch.db", argv[4]);
  /* Keep the extension mapped for the whole run, so each connection's load
  ** and close do not map and unmap it again. */
  pPin = dlopen(zExt, RTLD_NOW);
  if (pPin == 0) {
    fprintf(stderr, "cannot open %s: %s\n", zExt, dlerror());
    return 2;
  }
  if (getenv("FAULT_STRIDE")) nStride = atoll(getenv("FAULT_STRIDE"));
  if (getenv("FAULT_OFFSET")) nOffset = atoll(getenv("FAULT_OFFSET"));
  if (nStride < 1 || nOffset < 0 || nOffset >= nStride) {
    fprintf(stderr, "FAULT_STRIDE must be 1 or more, FAULT_OFFSET under it\n");
    return 2;
  }
  if (nStride > 1) {
    snprintf(zStrideNote, sizeof(zStrideNote), " (one in %lld from %lld)",
             nStride, nOffset + 1);
  }
  /* Single-thread mode: no mutexes. The host has one thread, and a child
  ** forked inside an allocation could never release a recursive mutex that
  ** its parent's thread took. */
  if (sqlite3_config(SQLITE_CONFIG_SINGLETHREAD) != SQLITE_OK ||
      alloc_install(mem_fork_point) != SQLITE_OK ||
      sqlite3_config(SQLITE_CONFIG_LOOKASIDE, 0, 0) != SQLITE_OK) {
    fprintf(stderr, "sqlite3_config failed\n");
    return 2;
  }
  if (sqlite3_initialize() != SQLITE_OK || shim_register() != SQLITE_OK) {
    fprintf(stderr, "sqlite3_initialize failed\n");
    return 2;
  }
  if (bSelftest) selftest_register();
  a = bSelftest ? scenarios_selftest(&n)
      : bOom    ? scenarios_oom(&n)
                : scenarios_ioerr(&n);
  for (i = 0; i < n; i++) {
    if (argc > 6 && strstr(a[i].zName, argv[6]) == 0) continue;
    if (bOom) {
      const char *zOnly =
          getenv("FAULT_ONLY"); /* "transient" or "persistent" */
      if (!zOnly || strcmp(zOnly, "persistent") != 0)
        nTotal += sweep_oom(&a[i], 0);
      if (!zOnly || strcmp(zOnly, "transient") != 0)
        nTotal += sweep_oom(&a[i], 1);
    } else {
      unsigned long long *aPrefix =
          calloc((size_t)a[i].nStep + 1, sizeof(*aPrefix));
      char *aHave = calloc((size_t)a[i].nStep + 1, 1);
      size_t s, k;
      make_pristine(&a[i]);
      for (s = 0; s < 2; s++) {
        const char *zOnly = getenv("FAULT_SYNC"); /* "NORMAL" or "FULL" */
        if (zOnly && strcmp(zOnly, azSync[s]) != 0) continue;
        for (k = 0; k < sizeof(aIoKind) / sizeof(aIoKind[0]); k++) {
          nTotal += sweep_io(&a[i], azSync[s], &aIoKind[k], 0, aPrefix, aHave);
          nTotal += sweep_io(&a[i], azSync[s], &aIoKind[k], 1, aPrefix, aHave);
        }
      }
      free(aPrefix);
      free(aHave);
    }
  }
  printf("# %lld fault points\n", nTotal);
  if (nFloor > 0) {
    check_line(nTotal >= nFloor,
               "%s: %lld fault points exercised, at least the %lld "
               "measured when the suite was written",
               bOom ? "out of memory" : "I/O errors", nTotal, nFloor);
  }
  remove_db(zPristine);
  remove_db(zWork);
  remove_db(zScratch);
  sqlite3_shutdown();
  check_line(alloc_live() == 0,
             "%s: the host's SQLite heap is empty at exit (%lld blocks live)",
             bOom ? "out of memory" : "I/O errors", alloc_live());
  dlclose(pPin);
  return nFailedChecks ? 1 : 0;
}
