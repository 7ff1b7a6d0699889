/*
** buckets/keys.c: the keys of a usage_buckets result.
**
**   SELECT * FROM usage_buckets('project', 'day') WHERE key IN ('a', 'b');
**
** Owns BkKeys: every distinct key a scan meets gets a small dense number
** (from an array for small stored ids, else the hash table); keys that
** key = or key IN ask for are looked up by name, or kept as phantoms that
** show as asked; a group's members map to the group's key; and the keys of
** the result are named from the dimension tables. Also the owned key
** values (BkVal) and their ORDER BY comparison.
*/
#include <limits.h>
#include <string.h>

#include "buckets/buckets.h"
SQLITE_EXTENSION_INIT3

/* Set *pV to a copy of a text or blob, or of any sqlite3_value. */
static int val_set_bytes(BkVal *pV, int eType, const void *z, int n) {
  pV->eType = eType;
  pV->z = sqlite3_malloc64((sqlite3_uint64)n + 1);
  if (pV->z == 0) {
    pV->eType = SQLITE_NULL;
    return SQLITE_NOMEM;
  }
  if (n > 0) memcpy(pV->z, z, n);
  pV->z[n] = 0;
  pV->n = n;
  return SQLITE_OK;
}

/* Set *pV to a copy of pVal, whatever its type. */
static int val_set_value(BkVal *pV, sqlite3_value *pVal) {
  int eType = sqlite3_value_type(pVal);
  memset(pV, 0, sizeof(*pV));
  switch (eType) {
    case SQLITE_INTEGER:
      pV->eType = eType;
      pV->i = sqlite3_value_int64(pVal);
      return SQLITE_OK;
    case SQLITE_FLOAT:
      pV->eType = eType;
      pV->r = sqlite3_value_double(pVal);
      return SQLITE_OK;
    case SQLITE_TEXT: {
      const unsigned char *z = sqlite3_value_text(pVal);
      if (z == 0) return SQLITE_NOMEM;
      return val_set_bytes(pV, eType, z, sqlite3_value_bytes(pVal));
    }
    case SQLITE_BLOB: {
      const void *z = sqlite3_value_blob(pVal);
      int n = sqlite3_value_bytes(pVal);
      if (z == 0 && n > 0) return SQLITE_NOMEM;
      return val_set_bytes(pV, eType, z, n);
    }
    default: pV->eType = SQLITE_NULL; return SQLITE_OK;
  }
}

/* Free what a key value owns. */
void bk_val_clear(BkVal *pV) {
  sqlite3_free(pV->z);
  memset(pV, 0, sizeof(*pV));
}

/* The sort class of a type under SQLite's rules: NULL, number, text, blob. */
static int val_class(int eType) {
  switch (eType) {
    case SQLITE_NULL: return 0;
    case SQLITE_INTEGER:
    case SQLITE_FLOAT: return 1;
    case SQLITE_TEXT: return 2;
    default: return 3;
  }
}

/* Compare two key values as ORDER BY key (BINARY collation) does. */
int bk_val_compare(const BkVal *pA, const BkVal *pB) {
  int cA = val_class(pA->eType), cB = val_class(pB->eType);
  if (cA != cB) return cA < cB ? -1 : 1;
  if (cA == 0) return 0;
  if (cA == 1) {
    if (pA->eType == SQLITE_INTEGER && pB->eType == SQLITE_INTEGER) {
      return pA->i < pB->i ? -1 : pA->i > pB->i;
    } else {
      double a = pA->eType == SQLITE_INTEGER ? (double)pA->i : pA->r;
      double b = pB->eType == SQLITE_INTEGER ? (double)pB->i : pB->r;
      return a < b ? -1 : a > b;
    }
  } else {
    int n = pA->n < pB->n ? pA->n : pB->n;
    int c = n > 0 ? memcmp(pA->z, pB->z, n) : 0;
    if (c) return c;
    return pA->n < pB->n ? -1 : pA->n > pB->n;
  }
}

/* Make a key value the result of a column. */
void bk_val_result(sqlite3_context *ctx, const BkVal *pV) {
  switch (pV->eType) {
    case SQLITE_INTEGER: sqlite3_result_int64(ctx, pV->i); break;
    case SQLITE_FLOAT: sqlite3_result_double(ctx, pV->r); break;
    case SQLITE_TEXT:
      sqlite3_result_text(ctx, pV->z, pV->n, SQLITE_TRANSIENT);
      break;
    case SQLITE_BLOB:
      sqlite3_result_blob(ctx, pV->z, pV->n, SQLITE_TRANSIENT);
      break;
    default: sqlite3_result_null(ctx); break;
  }
}

/* Append a new, empty key; *piKey gets its dense number. */
static int key_new(BkCursor *c, int *piKey) {
  BkKey *pKey;
  if (c->keys.nKey >= c->keys.nKeyAlloc) {
    int nNew = c->keys.nKeyAlloc ? c->keys.nKeyAlloc * 2 : 16;
    BkKey *aNew;
    if (nNew > INT_MAX / 2) return SQLITE_NOMEM;
    aNew =
        sqlite3_realloc64(c->keys.aKey, (sqlite3_uint64)nNew * sizeof(BkKey));
    if (aNew == 0) return SQLITE_NOMEM;
    c->keys.aKey = aNew;
    c->keys.nKeyAlloc = nNew;
  }
  pKey = &c->keys.aKey[c->keys.nKey];
  memset(pKey, 0, sizeof(*pKey));
  pKey->name.eType = SQLITE_NULL;
  pKey->iCurCell = -1;
  *piKey = c->keys.nKey++;
  return SQLITE_OK;
}

/* Record the dense key of a new stored id: small ids in the array, grown
** to the next power of two; others in the hash. */
static int id_store(BkCursor *c, sqlite3_int64 iId, int k) {
  if (iId >= 0 && iId < BK_DIRECT_MAX) {
    if (iId >= c->keys.nDirect) {
      int nNew = c->keys.nDirect ? c->keys.nDirect : 64, i;
      int *aNew;
      while (nNew <= iId) nNew *= 2;
      aNew = sqlite3_realloc64(c->keys.aDirect,
                               (sqlite3_uint64)nNew * sizeof(int));
      if (aNew == 0) return SQLITE_NOMEM;
      for (i = c->keys.nDirect; i < nNew; i++) aNew[i] = -1;
      c->keys.aDirect = aNew;
      c->keys.nDirect = nNew;
    }
    c->keys.aDirect[iId] = k;
    return SQLITE_OK;
  }
  return usage_hash_pair_put(&c->keys.idMap, iId, 0, k);
}

/* The dense key of a stored id (project, machine, group), added if new. */
int bk_key_of_id(BkCursor *c, sqlite3_int64 iId, int *piKey) {
  int k = bk_id_lookup(&c->keys, iId);
  int rc;
  if (k >= 0) {
    *piKey = k;
    return SQLITE_OK;
  }
  rc = key_new(c, &k);
  if (rc == SQLITE_OK) rc = id_store(c, iId, k);
  if (rc != SQLITE_OK) return rc;
  c->keys.aKey[k].iId = iId;
  c->keys.aKey[k].bHasId = 1;
  *piKey = k;
  return SQLITE_OK;
}

/* The dense key of a user id (user scope), added if new; named by itself. */
int bk_key_of_user(BkCursor *c, const char *z, int n, int *piKey) {
  int bFound, k = usage_hash_bytes_get(&c->keys.textMap, z, n, &bFound);
  int rc;
  if (bFound) {
    *piKey = k;
    return SQLITE_OK;
  }
  rc = key_new(c, &k);
  if (rc == SQLITE_OK) rc = usage_hash_bytes_put(&c->keys.textMap, z, n, k);
  if (rc == SQLITE_OK) {
    rc = val_set_bytes(&c->keys.aKey[k].name, SQLITE_TEXT, z, n);
  }
  if (rc != SQLITE_OK) return rc;
  c->keys.aKey[k].bNamed = 1;
  *piKey = k;
  return SQLITE_OK;
}

/* The dense key whose name is NULL (a group scope user without a group). */
int bk_key_null(BkCursor *c, int *piKey) {
  if (c->keys.iNullKey < 0) {
    int rc = key_new(c, &c->keys.iNullKey);
    if (rc != SQLITE_OK) return rc;
    c->keys.aKey[c->keys.iNullKey].bNamed = 1; /* name is NULL */
  }
  *piKey = c->keys.iNullKey;
  return SQLITE_OK;
}

/* The one key of scope 'ada', named 'ada'. */
int bk_key_ada(BkCursor *c, int *piKey) {
  if (c->keys.iAdaKey < 0) {
    int rc = key_new(c, &c->keys.iAdaKey);
    if (rc == SQLITE_OK) {
      rc = val_set_bytes(&c->keys.aKey[c->keys.iAdaKey].name, SQLITE_TEXT,
                         "ada", 3);
    }
    if (rc != SQLITE_OK) return rc;
    c->keys.aKey[c->keys.iAdaKey].bNamed = 1;
  }
  *piKey = c->keys.iAdaKey;
  return SQLITE_OK;
}

/* A key the query asked for that no stored key matches: shown as asked. */
static int key_phantom(BkCursor *c, sqlite3_value *pVal) {
  int k, rc = key_new(c, &k);
  if (rc == SQLITE_OK) rc = val_set_value(&c->keys.aKey[k].name, pVal);
  if (rc != SQLITE_OK) return rc;
  c->keys.aKey[k].bNamed = 1;
  c->keys.aKey[k].bRequested = 1;
  c->keys.aKey[k].bPhantom = 1;
  return SQLITE_OK;
}

/* Record one value of key = ? or key IN (...): find the stored key it
** names, or keep it as a phantom. NULL matches nothing. */
int bk_key_request(BkVtab *p, BkCursor *c, sqlite3_value *pVal) {
  static const int aFind[USAGE_NSCOPE] = {-1, ST_FIND_PROJECT, ST_FIND_MACHINE,
                                          -1, ST_FIND_GROUP};
  int eType = sqlite3_value_type(pVal);
  const char *z;
  int n, k = -1, rc;
  assert(c->arg.eScope >= 0 && c->arg.eScope < USAGE_NSCOPE);
  if (eType == SQLITE_NULL) return SQLITE_OK;
  if (eType != SQLITE_TEXT) return key_phantom(c, pVal);
  z = (const char *)sqlite3_value_text(pVal);
  n = sqlite3_value_bytes(pVal);
  if (z == 0) return SQLITE_NOMEM;
  if (c->arg.eScope == USAGE_SCOPE_ADA) {
    if (n != 3 || memcmp(z, "ada", 3) != 0) return key_phantom(c, pVal);
    rc = bk_key_ada(c, &k);
    if (rc != SQLITE_OK) return rc;
  } else if (c->arg.eScope == USAGE_SCOPE_USER) {
    rc = bk_key_of_user(c, z, n, &k);
    if (rc != SQLITE_OK) return rc;
  } else {
    sqlite3_stmt *pFind;
    int rcStep;
    sqlite3_int64 iId = 0;
    assert(aFind[c->arg.eScope] >= 0);
    rc = bk_stmt_need(p, aFind[c->arg.eScope], &pFind);
    if (rc != SQLITE_OK) return rc;
    rc = sqlite3_bind_text(pFind, 1, z, n, SQLITE_STATIC);
    if (rc != SQLITE_OK) return bk_stmt_done(p, pFind, rc);
    rcStep = sqlite3_step(pFind);
    if (rcStep == SQLITE_ROW) iId = sqlite3_column_int64(pFind, 0);
    rc = bk_stmt_done(p, pFind, rcStep);
    if (rc != SQLITE_OK) return rc;
    if (rcStep != SQLITE_ROW) return key_phantom(c, pVal);
    rc = bk_key_of_id(c, iId, &k);
    if (rc != SQLITE_OK) return rc;
  }
  if (!c->keys.aKey[k].bRequested) c->keys.nFound++;
  c->keys.aKey[k].bRequested = 1;
  return SQLITE_OK;
}

/* Group scope: map every user id to the dense key of its group (or of the
** NULL key), so the scan turns a user row into its group with one probe.
** Under a key filter, users of groups not asked for map to -1. */
int bk_load_user_groups(BkVtab *p, BkCursor *c) {
  sqlite3_stmt *pStmt;
  int rc = bk_stmt_need(p, ST_USER_GROUPS, &pStmt);
  int rcStep;
  if (rc != SQLITE_OK) return rc;
  while ((rcStep = sqlite3_step(pStmt)) == SQLITE_ROW) {
    const char *zUser = (const char *)sqlite3_column_text(pStmt, 0);
    int nUser = sqlite3_column_bytes(pStmt, 0);
    int k = -1, bFound;
    if (zUser == 0) {
      if (sqlite3_column_type(pStmt, 0) == SQLITE_NULL) continue;
      rc = SQLITE_NOMEM;
      break;
    }
    if (sqlite3_column_type(pStmt, 1) == SQLITE_NULL) {
      if (!c->keys.bFilter) rc = bk_key_null(c, &k);
    } else if (c->keys.bFilter) {
      k = bk_id_lookup(&c->keys, sqlite3_column_int64(pStmt, 1));
    } else {
      rc = bk_key_of_id(c, sqlite3_column_int64(pStmt, 1), &k);
    }
    if (rc != SQLITE_OK) break;
    usage_hash_bytes_get(&c->keys.textMap, zUser, nUser, &bFound);
    if (!bFound) rc = usage_hash_bytes_put(&c->keys.textMap, zUser, nUser, k);
    if (rc != SQLITE_OK) break;
  }
  if (rc != SQLITE_OK) {
    sqlite3_reset(pStmt);
    return rc;
  }
  return bk_stmt_done(p, pStmt, rcStep);
}

/* Look up the names of the result's keys that are stored ids. A key whose
** dimension row is missing (possible only with foreign keys off) is NULL. */
int bk_name_keys(BkVtab *p, BkCursor *c) {
  static const int aName[USAGE_NSCOPE] = {-1, ST_NAME_PROJECT, ST_NAME_MACHINE,
                                          -1, ST_NAME_GROUP};
  sqlite3_stmt *pStmt = 0;
  int i, rc = SQLITE_OK;
  for (i = 0; i < c->cells.nOrder && rc == SQLITE_OK; i++) {
    BkKey *pKey = &c->keys.aKey[c->cells.aOrder[i]];
    int rcStep;
    if (pKey->bNamed || !pKey->bHasId) continue;
    if (pStmt == 0) {
      assert(aName[c->arg.eScope] >= 0);
      rc = bk_stmt_need(p, aName[c->arg.eScope], &pStmt);
      if (rc != SQLITE_OK) break;
    }
    rc = sqlite3_bind_int64(pStmt, 1, pKey->iId);
    if (rc != SQLITE_OK) return bk_stmt_done(p, pStmt, rc);
    rcStep = sqlite3_step(pStmt);
    if (rcStep == SQLITE_ROW) {
      rc = val_set_value(&pKey->name, sqlite3_column_value(pStmt, 0));
      if (rc != SQLITE_OK) {
        sqlite3_reset(pStmt);
        return rc;
      }
    }
    pKey->bNamed = 1;
    rc = bk_stmt_done(p, pStmt, rcStep);
  }
  return rc;
}
