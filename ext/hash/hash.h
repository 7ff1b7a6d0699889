/*
** hash/hash.h: the one hash table of the extension, open addressing.
**
**   UsageHash m = {0};
**   usage_hash_pair_put(&m, iBucket, iKey, iCell);   -- (int64, int) -> int
**   int iCell = usage_hash_pair_get(&m, iBucket, iKey);        -- or -1
**   usage_hash_bytes_put(&m, "alice", 5, k);         -- bytes -> int
**   usage_hash_clear(&m);
**
** A table holds either (int64, int) pairs or byte strings as keys, never
** both, and an int as value. Byte keys are copied into one arena owned by
** the table. Slots are probed linearly from the key's hash; the table
** doubles (from 64 slots) before more than 3/4 of them are used. Lookups
** and pair inserts are static inline, as they run once per scanned row or
** cell; growing and byte inserts live in hash/hash.c.
*/
#ifndef USAGE_HASH_H
#define USAGE_HASH_H

#include <assert.h>
#include <string.h>

#include "sqlite3ext.h"

/* One slot: b < 0 marks it empty. */
typedef struct UsageHashSlot {
  sqlite3_int64 a; /* pair key: first part; byte key: offset in zArena */
  int b;           /* pair key: second part (>= 0); byte key: its length */
  int v;           /* the value */
} UsageHashSlot;

/* A table; all zero is a valid empty table. */
typedef struct UsageHash {
  UsageHashSlot *aSlot; /* mask+1 slots, or NULL when empty */
  unsigned mask;
  int nUsed;
  char *zArena; /* byte keys, each NUL-terminated */
  sqlite3_int64 nArena, nArenaAlloc;
} UsageHash;

/* A well-mixed hash of an (int64, int) pair (splitmix64 finaliser). */
static inline sqlite3_uint64 usage_hash_of_pair(sqlite3_int64 a, int b) {
  sqlite3_uint64 x = (sqlite3_uint64)a * 0x9E3779B97F4A7C15ULL;
  x ^= (sqlite3_uint64)(unsigned)b * 0xC2B2AE3D27D4EB4FULL;
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ULL;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBULL;
  x ^= x >> 31;
  return x;
}

/* FNV-1a of z[0..n), then mixed, so short ids spread over the table. */
static inline sqlite3_uint64 usage_hash_of_bytes(const char *z, int n) {
  sqlite3_uint64 h = 0xCBF29CE484222325ULL;
  int i;
  for (i = 0; i < n; i++) {
    h ^= (unsigned char)z[i];
    h *= 0x100000001B3ULL;
  }
  return h ^ (h >> 29);
}

/* The slot holding the pair (a, b), or the empty slot where it would go. */
static inline UsageHashSlot *usage_hash_pair_slot(const UsageHash *m,
                                                  sqlite3_int64 a, int b) {
  unsigned i = (unsigned)usage_hash_of_pair(a, b) & m->mask;
  assert(b >= 0);
  while (m->aSlot[i].b >= 0 && (m->aSlot[i].a != a || m->aSlot[i].b != b)) {
    i = (i + 1) & m->mask;
  }
  return &m->aSlot[i];
}

/* The value stored for the pair (a, b), or -1. */
static inline int usage_hash_pair_get(const UsageHash *m, sqlite3_int64 a,
                                      int b) {
  const UsageHashSlot *s;
  if (m->aSlot == 0) return -1;
  s = usage_hash_pair_slot(m, a, b);
  return s->b >= 0 ? s->v : -1;
}

/* The slot holding the bytes z[0..n) of hash h, or the empty slot. */
static inline UsageHashSlot *usage_hash_bytes_slot(const UsageHash *m,
                                                   const char *z, int n,
                                                   sqlite3_uint64 h) {
  unsigned i = (unsigned)h & m->mask;
  for (;;) {
    UsageHashSlot *s = &m->aSlot[i];
    if (s->b < 0) return s;
    if (s->b == n && memcmp(m->zArena + s->a, z, n) == 0) {
      return s;
    }
    i = (i + 1) & m->mask;
  }
}

/* The value stored for z[0..n); *pFound says whether there is one. */
static inline int usage_hash_bytes_get(const UsageHash *m, const char *z, int n,
                                       int *pFound) {
  UsageHashSlot *s;
  *pFound = 0;
  if (m->aSlot == 0) return -1;
  s = usage_hash_bytes_slot(m, z, n, usage_hash_of_bytes(z, n));
  if (s->b < 0) return -1;
  *pFound = 1;
  return s->v;
}

/* Double the slots (or create 64); keys keep their order of probing. */
int usage_hash_grow(UsageHash *m, int bBytes);
/* Give an empty table room for n pair keys at once, so it need not grow. */
int usage_hash_reserve(UsageHash *m, int n);

/* Is there room for one more key without passing 3/4 of the slots? */
static inline int usage_hash_has_room(const UsageHash *m) {
  return m->aSlot != 0 && (sqlite3_uint64)(m->nUsed + 1) * 4 <=
                              (sqlite3_uint64)(m->mask + 1) * 3;
}

/* Store v (>= 0) for a pair known to be absent. */
static inline int usage_hash_pair_put(UsageHash *m, sqlite3_int64 a, int b,
                                      int v) {
  UsageHashSlot *s;
  if (!usage_hash_has_room(m)) {
    int rc = usage_hash_grow(m, 0);
    if (rc != SQLITE_OK) return rc;
  }
  s = usage_hash_pair_slot(m, a, b);
  assert(s->b < 0); /* the pair was absent */
  s->a = a;
  s->b = b;
  s->v = v;
  m->nUsed++;
  return SQLITE_OK;
}

/* Store v for bytes known to be absent, copying them into the arena. */
int usage_hash_bytes_put(UsageHash *m, const char *z, int n, int v);

/* Free a table's memory; it is then empty and reusable. */
void usage_hash_clear(UsageHash *m);

#endif /* USAGE_HASH_H */
