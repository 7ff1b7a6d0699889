/*
** hash/hash.c: inserting into and growing the one hash table.
**
**   UsageHash m = {0};
**   int rc = usage_hash_pair_put(&m, iBucket, iKey, iCell);
**   -- the cell map of usage_buckets: SELECT ... FROM usage_buckets(...)
**
** See hash/hash.h for the table, its lookups and its pair inserts.
*/
#include "hash/hash.h"
SQLITE_EXTENSION_INIT3

/* Move the keys into nNew empty slots (a power of two above the old). */
static int hash_resize(UsageHash *m, unsigned nNew, int bBytes) {
  unsigned nOld = m->aSlot ? m->mask + 1 : 0;
  UsageHashSlot *aOld = m->aSlot;
  unsigned i;
  if (nNew < nOld) return SQLITE_NOMEM;
  m->aSlot = sqlite3_malloc64((sqlite3_uint64)nNew * sizeof(UsageHashSlot));
  if (m->aSlot == 0) {
    m->aSlot = aOld;
    return SQLITE_NOMEM;
  }
  m->mask = nNew - 1;
  for (i = 0; i < nNew; i++) m->aSlot[i].b = -1;
  for (i = 0; i < nOld; i++) {
    const UsageHashSlot *pOld = &aOld[i];
    if (pOld->b < 0) continue;
    if (bBytes) {
      *usage_hash_bytes_slot(
          m, m->zArena + pOld->a, pOld->b,
          usage_hash_of_bytes(m->zArena + pOld->a, pOld->b)) = *pOld;
    } else {
      *usage_hash_pair_slot(m, pOld->a, pOld->b) = *pOld;
    }
  }
  sqlite3_free(aOld);
  assert((sqlite3_uint64)m->nUsed * 4 <= (sqlite3_uint64)(m->mask + 1) * 3);
  return SQLITE_OK;
}

int usage_hash_grow(UsageHash *m, int bBytes) {
  return hash_resize(m, m->aSlot ? (m->mask + 1) * 2 : 64, bBytes);
}

int usage_hash_reserve(UsageHash *m, int n) {
  unsigned nSlot = 64;
  if (m->aSlot != 0) return SQLITE_OK;
  while (nSlot < (1u << 31) &&
         (sqlite3_uint64)nSlot * 3 < (sqlite3_uint64)n * 4) {
    nSlot *= 2; /* short of 2^31 slots; a bigger table grows as keys come */
  }
  return hash_resize(m, nSlot, 0);
}

int usage_hash_bytes_put(UsageHash *m, const char *z, int n, int v) {
  sqlite3_uint64 h = usage_hash_of_bytes(z, n);
  UsageHashSlot *s;
  if (!usage_hash_has_room(m)) {
    int rc = usage_hash_grow(m, 1);
    if (rc != SQLITE_OK) return rc;
  }
  if (m->nArena + n + 1 > m->nArenaAlloc) {
    sqlite3_int64 nNew = m->nArenaAlloc ? m->nArenaAlloc * 2 : 1024;
    char *zNew;
    while (nNew < m->nArena + n + 1) nNew *= 2;
    zNew = sqlite3_realloc64(m->zArena, (sqlite3_uint64)nNew);
    if (zNew == 0) return SQLITE_NOMEM;
    m->zArena = zNew;
    m->nArenaAlloc = nNew;
  }
  if (n > 0) memcpy(m->zArena + m->nArena, z, n);
  m->zArena[m->nArena + n] = 0;
  s = usage_hash_bytes_slot(m, z, n, h);
  assert(s->b < 0); /* the bytes were absent */
  s->a = m->nArena;
  s->b = n;
  s->v = v;
  m->nArena += n + 1;
  m->nUsed++;
  return SQLITE_OK;
}

void usage_hash_clear(UsageHash *m) {
  sqlite3_free(m->aSlot);
  sqlite3_free(m->zArena);
  memset(m, 0, sizeof(*m));
}
