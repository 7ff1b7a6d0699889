/*
** vfs_shim.c: a VFS "faultvfs" that wraps the default VFS and fails one
** chosen xWrite, xSync, xTruncate, xRead or xShmMap (or that one and every
** later one of its kind) with a given error, for the I/O-error suite.
**
**   shim_register();
**   sqlite3_open_v2("t.db", &db, SQLITE_OPEN_READWRITE, "faultvfs");
**   shim_arm(IO_SYNC, 3, 0, SQLITE_IOERR_FSYNC);   -- the third xSync fails
**
** Every file SQLite opens through it (database, WAL, -shm, journals) is
** counted together. The counters are process globals: this is a test host,
** single-threaded, and each I/O run is its own forked process.
*/
#include <string.h>

#include "fault.h"

/* A file: ours first, the real one right after it. */
typedef struct ShimFile {
  sqlite3_file base;   /* base class: must be first */
  sqlite3_file *pReal; /* the wrapped file */
} ShimFile;

static sqlite3_vfs shimVfs;
static sqlite3_vfs *pRealVfs;
static struct {
  int eOp;           /* which kind fails, IO_NOP for none */
  long long n;       /* calls of that kind since shim_arm() */
  long long nTarget; /* the call that fails */
  int bPersist;      /* and every later one */
  int rc;            /* with this code */
  long long nHit;    /* calls failed */
} io = {IO_NOP, 0, 0, 0, 0, 0};

void shim_arm(int eOp, long long n, int bPersist, int rc) {
  io.eOp = eOp;
  io.n = 0;
  io.nTarget = n;
  io.bPersist = bPersist;
  io.rc = rc;
  io.nHit = 0;
}
long long shim_hits(void) {
  return io.nHit;
}
long long shim_calls(void) {
  return io.n;
}

/* Should this call of kind eOp fail? */
static int shim_fail(int eOp) {
  if (io.eOp != eOp) return 0;
  io.n++;
  if (io.n == io.nTarget || (io.bPersist && io.n > io.nTarget)) {
    io.nHit++;
    return 1;
  }
  return 0;
}

#define REAL(f) (((ShimFile *)(f))->pReal)

static int shim_close(sqlite3_file *f) {
  return REAL(f)->pMethods->xClose(REAL(f));
}
static int shim_read(sqlite3_file *f, void *p, int n, sqlite3_int64 off) {
  if (shim_fail(IO_READ)) return io.rc;
  return REAL(f)->pMethods->xRead(REAL(f), p, n, off);
}
static int shim_write(sqlite3_file *f, const void *p, int n,
                      sqlite3_int64 off) {
  if (shim_fail(IO_WRITE)) return io.rc;
  return REAL(f)->pMethods->xWrite(REAL(f), p, n, off);
}
static int shim_truncate(sqlite3_file *f, sqlite3_int64 size) {
  if (shim_fail(IO_TRUNCATE)) return io.rc;
  return REAL(f)->pMethods->xTruncate(REAL(f), size);
}
static int shim_sync(sqlite3_file *f, int flags) {
  if (shim_fail(IO_SYNC)) return io.rc;
  return REAL(f)->pMethods->xSync(REAL(f), flags);
}
static int shim_size(sqlite3_file *f, sqlite3_int64 *pSize) {
  return REAL(f)->pMethods->xFileSize(REAL(f), pSize);
}
static int shim_lock(sqlite3_file *f, int e) {
  return REAL(f)->pMethods->xLock(REAL(f), e);
}
static int shim_unlock(sqlite3_file *f, int e) {
  return REAL(f)->pMethods->xUnlock(REAL(f), e);
}
static int shim_check_lock(sqlite3_file *f, int *pOut) {
  return REAL(f)->pMethods->xCheckReservedLock(REAL(f), pOut);
}
static int shim_fcntl(sqlite3_file *f, int op, void *pArg) {
  return REAL(f)->pMethods->xFileControl(REAL(f), op, pArg);
}
static int shim_sector(sqlite3_file *f) {
  return REAL(f)->pMethods->xSectorSize(REAL(f));
}
static int shim_devchar(sqlite3_file *f) {
  return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}
static int shim_shm_map(sqlite3_file *f, int i, int sz, int bExtend,
                        void volatile **pp) {
  if (shim_fail(IO_SHMMAP)) return io.rc;
  return REAL(f)->pMethods->xShmMap(REAL(f), i, sz, bExtend, pp);
}
static int shim_shm_lock(sqlite3_file *f, int off, int n, int flags) {
  return REAL(f)->pMethods->xShmLock(REAL(f), off, n, flags);
}
static void shim_shm_barrier(sqlite3_file *f) {
  REAL(f)->pMethods->xShmBarrier(REAL(f));
}
static int shim_shm_unmap(sqlite3_file *f, int bDelete) {
  return REAL(f)->pMethods->xShmUnmap(REAL(f), bDelete);
}
static int shim_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **pp) {
  return REAL(f)->pMethods->xFetch(REAL(f), off, n, pp);
}
static int shim_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p) {
  return REAL(f)->pMethods->xUnfetch(REAL(f), off, p);
}

static const sqlite3_io_methods shimIo = {3,
                                          shim_close,
                                          shim_read,
                                          shim_write,
                                          shim_truncate,
                                          shim_sync,
                                          shim_size,
                                          shim_lock,
                                          shim_unlock,
                                          shim_check_lock,
                                          shim_fcntl,
                                          shim_sector,
                                          shim_devchar,
                                          shim_shm_map,
                                          shim_shm_lock,
                                          shim_shm_barrier,
                                          shim_shm_unmap,
                                          shim_fetch,
                                          shim_unfetch};

/* xOpen: open the real file behind ours. */
static int shim_open(sqlite3_vfs *pVfs, const char *zName, sqlite3_file *f,
                     int flags, int *pOutFlags) {
  ShimFile *p = (ShimFile *)f;
  int rc;
  (void)pVfs;
  p->pReal = (sqlite3_file *)&p[1];
  rc = pRealVfs->xOpen(pRealVfs, zName, p->pReal, flags, pOutFlags);
  p->base.pMethods = p->pReal->pMethods ? &shimIo : 0;
  return rc;
}

int shim_register(void) {
  pRealVfs = sqlite3_vfs_find(0);
  if (pRealVfs == 0) return SQLITE_ERROR;
  shimVfs = *pRealVfs; /* the real one's other methods, pAppData included */
  shimVfs.iVersion = pRealVfs->iVersion < 2 ? pRealVfs->iVersion : 2;
  shimVfs.szOsFile = (int)sizeof(ShimFile) + pRealVfs->szOsFile;
  shimVfs.zName = "faultvfs";
  shimVfs.pNext = 0;
  shimVfs.xOpen = shim_open;
  return sqlite3_vfs_register(&shimVfs, 0);
}
