/*
** ingest/batch.c: the facts of a multi-row INSERT, written in batches.
**
**   INSERT INTO usage_ingest(ts, scope, cloud_project_name, busy_kwh)
**     SELECT ts, 'project', project, kwh FROM staging;  -- 64 rows a write
**
** Writing a fact is one statement, and fact_usage's triggers and CHECKs
** make SQLite give each such statement a statement journal: a copy of every
** page it changes, in a temporary file once the journal has passed 64 KiB.
** Written one by one, a bulk load copies three or four pages per row; held
** back and written BATCH_ROWS at a time by one multi-row upsert, it copies
** them once per batch.
**
** A held fact must be written before anything can read fact_usage without
** this statement, so facts are held only where SQLite tells the virtual
** table when the statement ends:
**   - in autocommit mode, by the only write statement running: its end is
**     its commit, and xSync (before any page is committed) writes them;
**   - inside a transaction, by a statement with its own savepoint (every
**     multi-row INSERT has one): its xRelease writes them, and its
**     xRollbackTo drops them. A SAVEPOINT of the user cannot be told apart
**     by its number, but SQLite opens none while a write statement runs,
**     so a savepoint that opens with a write statement running is a
**     statement's.
** A one-row INSERT inside a transaction writes its fact at once, as before.
** Savepoints opened by the statements usage_ingest runs itself (through
** ingest_stmt_run) are not the user's, and are ignored (nOwn).
**
** A savepoint that opens while facts are held belongs to a statement run
** inside this one (a function that writes): facts stay held, in order, and
** a rollback to it drops only those held since (aMark). Deeper than
** BATCH_DEPTH savepoints, or where the held facts could not be told apart,
** the transaction is doomed rather than losing a row.
*/
#include <string.h>

#include "ingest/ingest.h"
SQLITE_EXTENSION_INIT3

/* The batch upsert's SQL is shorter than this. */
#define BATCH_SQL_MAX 8192

/* How many write statements are running: a busy statement that is not
** read-only. */
static int write_statements(sqlite3 *db) {
  sqlite3_stmt *pStmt = 0;
  int n = 0;
  while ((pStmt = sqlite3_next_stmt(db, pStmt)) != 0) {
    if (sqlite3_stmt_busy(pStmt) && !sqlite3_stmt_readonly(pStmt)) n++;
  }
  return n;
}

/* The upsert of BATCH_ROWS facts, prepared on first use. */
static int batch_stmt(IngestVtab *p, sqlite3_stmt **ppStmt) {
  FactBatch *b = &p->batch;
  sqlite3_str *pSql;
  char *zFormat;
  int i, j, rc;
  if (b->pInsert) {
    *ppStmt = b->pInsert;
    return SQLITE_OK;
  }
  pSql = sqlite3_str_new(p->db);
  sqlite3_str_appendall(pSql, FACT_UPSERT_HEAD);
  for (i = 0; i < BATCH_ROWS; i++) {
    sqlite3_str_appendall(pSql, i ? ", (?" : "(?");
    for (j = 1; j < FACT_NPARAM; j++) sqlite3_str_appendall(pSql, ", ?");
    sqlite3_str_appendchar(pSql, 1, ')');
  }
  sqlite3_str_appendall(pSql, FACT_UPSERT_TAIL);
  zFormat = sqlite3_str_finish(pSql);
  if (zFormat == 0) return SQLITE_NOMEM;
  rc = usage_vtab_stmt(&p->base, p->db, p->pDef->zName, zFormat, p->zSchema,
                       &b->pInsert, ppStmt);
  sqlite3_free(zFormat);
  return rc;
}

/* Bind held fact f as row iRow of the batch upsert. */
static int batch_bind(FactBatch *b, sqlite3_stmt *pStmt, int iRow,
                      const FactRow *f) {
  int i0 = iRow * FACT_NPARAM, i, rc;
  /* ts with its NUL, so the CHECKs' glob() and strftime() need no copy */
  rc = sqlite3_bind_text(pStmt, i0 + 1, f->zTs, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK) {
    rc = sqlite3_bind_text(pStmt, i0 + 2, usage_scope_name(f->eScope), -1,
                           SQLITE_STATIC);
  }
  for (i = 0; rc == SQLITE_OK && i < 2; i++) {
    rc = f->eScope == USAGE_SCOPE_PROJECT + i
             ? sqlite3_bind_int64(pStmt, i0 + 3 + i, f->aId[i])
             : sqlite3_bind_null(pStmt, i0 + 3 + i);
  }
  if (rc == SQLITE_OK) {
    rc = f->nUser >= 0 ? sqlite3_bind_text(pStmt, i0 + 5, b->zArena + f->iUser,
                                           f->nUser, SQLITE_STATIC)
                       : sqlite3_bind_null(pStmt, i0 + 5);
  }
  for (i = IN_BUSY_CPU; rc == SQLITE_OK && i <= IN_INTENSITY; i++) {
    rc = f->aIsNull[i] ? sqlite3_bind_null(pStmt, i0 + i + 1)
                       : sqlite3_bind_double(pStmt, i0 + i + 1, f->aAmount[i]);
  }
  if (rc == SQLITE_OK) {
    rc = sqlite3_bind_text(pStmt, i0 + 13, f->zEnergySource, -1, SQLITE_STATIC);
  }
  if (rc == SQLITE_OK) {
    rc = sqlite3_bind_text(pStmt, i0 + 14, f->zCarbonSource, -1, SQLITE_STATIC);
  }
  if (rc == SQLITE_OK) rc = sqlite3_bind_double(pStmt, i0 + 15, f->coverage);
  if (rc == SQLITE_OK) rc = sqlite3_bind_double(pStmt, i0 + 16, f->coveredKwh);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_int(pStmt, i0 + 17, f->bIntensityGiven);
  return rc;
}

/* Write held facts [iFirst, iFirst + BATCH_ROWS) with one statement. */
static int batch_write_full(IngestVtab *p, int iFirst) {
  FactBatch *b = &p->batch;
  sqlite3_stmt *pStmt;
  int i, rc = batch_stmt(p, &pStmt);
  if (rc != SQLITE_OK) return rc;
  for (i = 0; rc == SQLITE_OK && i < BATCH_ROWS; i++) {
    rc = batch_bind(b, pStmt, i, &b->aRow[iFirst + i]);
  }
  if (rc != SQLITE_OK) return ingest_db_error(p, rc);
  rc = ingest_stmt_run(p, pStmt, 0);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Held fact i, written alone with the one-row upsert. */
static int batch_write_one(IngestVtab *p, int i) {
  FactRow f = p->batch.aRow[i];
  f.zUser = f.nUser >= 0 ? p->batch.zArena + f.iUser : 0;
  return fact_write(p, &f);
}

/* Drop the held facts, unwritten. */
static void batch_discard(FactBatch *b) {
  b->nRow = 0;
  b->nArena = 0;
}

/* Write the first nWrite held facts, in order, and keep the rest. */
static int batch_write(IngestVtab *p, int nWrite) {
  FactBatch *b = &p->batch;
  int i = 0, rc = SQLITE_OK;
  for (; rc == SQLITE_OK && i + BATCH_ROWS <= nWrite; i += BATCH_ROWS) {
    rc = batch_write_full(p, i);
  }
  for (; rc == SQLITE_OK && i < nWrite; i++) rc = batch_write_one(p, i);
  if (rc != SQLITE_OK) {
    batch_discard(b); /* the statement fails; none of it stays */
    return rc;
  }
  memmove(b->aRow, b->aRow + nWrite,
          (size_t)(b->nRow - nWrite) * sizeof(FactRow));
  b->nRow -= nWrite;
  if (b->nRow == 0) b->nArena = 0;
  return SQLITE_OK;
}

int batch_flush(IngestVtab *p) {
  return p->batch.nRow ? batch_write(p, p->batch.nRow) : SQLITE_OK;
}

/* Room for one more held fact and nUser bytes of its user_id. */
static int batch_reserve(FactBatch *b, int nUser) {
  if (b->nRow == b->nRowAlloc) {
    int nNew = b->nRowAlloc ? 2 * b->nRowAlloc : BATCH_ROWS;
    FactRow *aNew =
        sqlite3_realloc64(b->aRow, (sqlite3_uint64)nNew * sizeof(FactRow));
    if (aNew == 0) return SQLITE_NOMEM;
    b->aRow = aNew;
    b->nRowAlloc = nNew;
  }
  if (b->nArena + nUser > b->nArenaAlloc) {
    sqlite3_int64 nNew = 2 * (sqlite3_int64)b->nArenaAlloc + nUser + 256;
    char *zNew;
    if (nNew > 0x7fffffff) return SQLITE_NOMEM;
    zNew = sqlite3_realloc64(b->zArena, (sqlite3_uint64)nNew);
    if (zNew == 0) return SQLITE_NOMEM;
    b->zArena = zNew;
    b->nArenaAlloc = (int)nNew;
  }
  return SQLITE_OK;
}

/* Can the facts of the statement writing now be held? See the header.
** Not where the connection's limits are too low for the batch upsert. */
static int batch_can_hold(IngestVtab *p) {
  FactBatch *b = &p->batch;
  if (sqlite3_limit(p->db, SQLITE_LIMIT_VARIABLE_NUMBER, -1) <
          BATCH_ROWS * FACT_NPARAM ||
      sqlite3_limit(p->db, SQLITE_LIMIT_SQL_LENGTH, -1) < BATCH_SQL_MAX) {
    return 0;
  }
  if (b->iTop < 0) {
    return sqlite3_get_autocommit(p->db) && write_statements(p->db) == 1;
  }
  return b->iTop < BATCH_DEPTH && b->aStmt[b->iTop] &&
         write_statements(p->db) == 1;
}

int batch_fact(IngestVtab *p, const FactRow *f) {
  FactBatch *b = &p->batch;
  FactRow *pRow;
  int rc;
  if (b->nRow == 0) {
    if (!batch_can_hold(p)) return fact_write(p, f);
    b->iLevel = b->iTop;
  }
  rc = batch_reserve(b, f->zUser ? f->nUser : 0);
  if (rc != SQLITE_OK) return rc;
  pRow = &b->aRow[b->nRow++];
  *pRow = *f;
  pRow->zUser = 0;
  pRow->nUser = f->zUser ? f->nUser : -1;
  pRow->iUser = b->nArena;
  if (f->zUser) {
    memcpy(b->zArena + b->nArena, f->zUser, (size_t)f->nUser);
    b->nArena += f->nUser;
  }
  /* Inside a savepoint opened since, a write would land under it. */
  if (b->nRow >= BATCH_ROWS && b->iTop == b->iLevel) {
    return batch_write(p, b->nRow - b->nRow % BATCH_ROWS);
  }
  return SQLITE_OK;
}

/* Doom the transaction: its held facts can no longer be told apart. */
static int batch_doom(IngestVtab *p, const char *zWhy) {
  if (p->zFailure == 0) {
    p->iFailedRow = p->nRow;
    p->zFailure = sqlite3_mprintf("%s: %s", p->pDef->zName, zWhy);
    if (p->zFailure == 0) return SQLITE_NOMEM;
  }
  return SQLITE_OK;
}

int batch_savepoint(IngestVtab *p, int iSavepoint) {
  FactBatch *b = &p->batch;
  if (b->nOwn) return SQLITE_OK;
  if (iSavepoint >= BATCH_DEPTH) {
    b->iTop = iSavepoint;
    return b->nRow ? batch_doom(p, "savepoints nested too deep") : SQLITE_OK;
  }
  for (b->iTop++; b->iTop < iSavepoint; b->iTop++) b->aStmt[b->iTop] = 0;
  b->iTop = iSavepoint;
  b->aStmt[iSavepoint] = write_statements(p->db) > 0;
  b->aMark[iSavepoint] = b->nRow;
  return SQLITE_OK;
}

int batch_release(IngestVtab *p, int iSavepoint) {
  FactBatch *b = &p->batch;
  int rc = SQLITE_OK;
  if (b->nOwn) return SQLITE_OK;
  if (b->nRow && iSavepoint <= b->iLevel) rc = batch_flush(p);
  b->iTop = iSavepoint - 1;
  return rc;
}

void batch_rollback_to(IngestVtab *p, int iSavepoint) {
  FactBatch *b = &p->batch;
  if (b->nOwn) return;
  if (iSavepoint <= b->iLevel) {
    batch_discard(b);
  } else if (iSavepoint < BATCH_DEPTH && b->aMark[iSavepoint] < b->nRow) {
    b->nRow = b->aMark[iSavepoint];
  }
  b->iTop = iSavepoint;
}

void batch_reset(FactBatch *b) {
  batch_discard(b);
  b->iTop = -1;
  b->iLevel = -1;
}

void batch_free(FactBatch *b) {
  sqlite3_finalize(b->pInsert);
  sqlite3_free(b->aRow);
  sqlite3_free(b->zArena);
  memset(b, 0, sizeof(*b));
}
