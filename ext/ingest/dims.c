/*
** ingest/dims.c: dimension rows by name, and the four mapping tables.
**
**   INSERT INTO usage_users VALUES ('alice', 'Alice A.', 'astro');
**   INSERT INTO usage_user_projects VALUES ('alice', 'physics');
**   INSERT INTO usage_project_machines VALUES ('physics', 'node-7');
**   INSERT INTO usage_workspaces VALUES ('ws.example', 8888, 'lab', 'node-7',
**                                        'alice', 'physics', '2024-03-01');
**
** Each name a row gives (project, machine, group, user) is found or
** created in its dimension table; the ids a statement resolved are kept in
** DimCache, one hash table per dimension, so a bulk INSERT looks each name
** up once.
*/
#include <string.h>

#include "ingest/ingest.h"
SQLITE_EXTENSION_INIT3

/* Names at most; a statement naming more distinct rows starts over. */
#define DIM_CACHE_MAX 32768

void ingest_cache_clear(DimCache *c) {
  int i;
  for (i = 0; i < DIM_NKIND; i++) usage_hash_clear(&c->aName[i]);
  sqlite3_free(c->aId);
  memset(c, 0, sizeof(*c));
}

/* The remembered id of (iFind, name), if this statement resolved it. */
static int cache_find(IngestVtab *p, int iFind, const char *z, int n,
                      sqlite3_int64 *pId) {
  DimCache *c = &p->cache;
  int i, bFound;
  assert(iFind % 2 == 0 && iFind / 2 < DIM_NKIND);
  if (c->nId == 0) return 0;
  if (c->nChangeMark != sqlite3_total_changes(p->db)) {
    ingest_cache_clear(
        c); /* another statement ran: its writes may touch the rows */
    return 0;
  }
  i = usage_hash_bytes_get(&c->aName[iFind / 2], z, n, &bFound);
  if (!bFound) return 0;
  assert(i >= 0 && i < c->nId);
  *pId = c->aId[i];
  return 1;
}

/* Remember (iFind, name) -> id; a failure to remember is not an error. */
static void cache_add(IngestVtab *p, int iFind, const char *z, int n,
                      sqlite3_int64 iId) {
  DimCache *c = &p->cache;
  UsageHash *m = &c->aName[iFind / 2];
  int bFound, nChangeMark = c->nChangeMark;
  if (c->nId >= DIM_CACHE_MAX) {
    ingest_cache_clear(c);
    c->nChangeMark = nChangeMark;
  }
  usage_hash_bytes_get(m, z, n, &bFound);
  if (bFound) return;
  if (c->nId >= c->nIdAlloc) {
    int nNew = c->nIdAlloc ? c->nIdAlloc * 2 : 64;
    sqlite3_int64 *aNew =
        sqlite3_realloc64(c->aId, (sqlite3_uint64)nNew * sizeof(*aNew));
    if (aNew == 0) return;
    c->aId = aNew;
    c->nIdAlloc = nNew;
  }
  if (usage_hash_bytes_put(m, z, n, c->nId) != SQLITE_OK) return;
  c->aId[c->nId++] = iId;
}

/* The id of a named dimension row, creating the row when it is missing. */
int ingest_dim_id(IngestVtab *p, int iFind, const char *zName, int nName,
                  sqlite3_int64 *pId) {
  sqlite3_stmt *pStmt;
  int rc;
  if (cache_find(p, iFind, zName, nName, pId)) return SQLITE_OK;
  rc = ingest_stmt_get(p, iFind, &pStmt);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_text(pStmt, 1, zName, nName, SQLITE_STATIC);
  rc = ingest_stmt_run(p, pStmt, pId);
  if (rc == SQLITE_DONE) {
    rc = ingest_stmt_get(p, iFind + 1,
                         &pStmt); /* the _ADD statement follows _FIND */
    if (rc != SQLITE_OK) return rc;
    sqlite3_bind_text(pStmt, 1, zName, nName, SQLITE_STATIC);
    rc = ingest_stmt_run(p, pStmt, pId);
    if (rc == SQLITE_DONE) rc = SQLITE_ERROR;
  }
  if (rc != SQLITE_ROW) return rc;
  cache_add(p, iFind, zName, nName, *pId);
  return SQLITE_OK;
}

/* Ensure a user row exists by id. */
static int ingest_ensure_user(IngestVtab *p, const char *zUser, int nUser) {
  sqlite3_int64 iIgnored;
  return ingest_dim_id(p, ST_USER_FIND, zUser, nUser, &iIgnored);
}

/* INSERT INTO usage_users(user_id, display_name, group_name): create or
** update a user; NULL display_name or group_name keep what is stored. */
int insert_user(IngestVtab *p, sqlite3_value **a) {
  const char *zUser, *zDisplay, *zGroup;
  int nUser, nDisplay, nGroup, rc;
  sqlite3_int64 iGroup = 0;
  sqlite3_stmt *pStmt;
  rc = ingest_arg_name(p, a[0], "user_id", 1, &zUser, &nUser);
  if (rc == SQLITE_OK) {
    rc = ingest_arg_name(p, a[1], "display_name", 0, &zDisplay, &nDisplay);
  }
  if (rc == SQLITE_OK) {
    rc = ingest_arg_name(p, a[2], "group_name", 0, &zGroup, &nGroup);
  }
  if (rc == SQLITE_OK && zGroup) {
    rc = ingest_dim_id(p, ST_GROUP_FIND, zGroup, nGroup, &iGroup);
  }
  if (rc == SQLITE_OK) rc = ingest_stmt_get(p, ST_USER_UPSERT, &pStmt);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_text(pStmt, 1, zUser, nUser, SQLITE_STATIC);
  sqlite3_bind_text(pStmt, 2, zDisplay, nDisplay,
                    SQLITE_STATIC); /* NULL if 0 */
  if (zGroup) {
    sqlite3_bind_int64(pStmt, 3, iGroup);
  } else {
    sqlite3_bind_null(pStmt, 3);
  }
  rc = ingest_stmt_run(p, pStmt, 0);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Run a two-id mapping insert. */
static int insert_map(IngestVtab *p, int iStmt, sqlite3_int64 iA,
                      const char *zA, int nA, sqlite3_int64 iB) {
  sqlite3_stmt *pStmt;
  int rc = ingest_stmt_get(p, iStmt, &pStmt);
  if (rc != SQLITE_OK) return rc;
  if (zA) {
    sqlite3_bind_text(pStmt, 1, zA, nA, SQLITE_STATIC);
  } else {
    sqlite3_bind_int64(pStmt, 1, iA);
  }
  sqlite3_bind_int64(pStmt, 2, iB);
  rc = ingest_stmt_run(p, pStmt, 0);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* INSERT INTO usage_user_projects(user_id, cloud_project_name). */
int insert_user_project(IngestVtab *p, sqlite3_value **a) {
  const char *zUser, *zProject;
  int nUser, nProject, rc;
  sqlite3_int64 iProject = 0;
  rc = ingest_arg_name(p, a[0], "user_id", 1, &zUser, &nUser);
  if (rc == SQLITE_OK) {
    rc =
        ingest_arg_name(p, a[1], "cloud_project_name", 0, &zProject, &nProject);
  }
  if (rc == SQLITE_OK && zProject == 0) {
    return usage_vtab_error(&p->base, SQLITE_ERROR,
                            "%s: cloud_project_name is required "
                            "(Provide project_id or cloud_project_name)",
                            p->pDef->zName);
  }
  if (rc == SQLITE_OK) {
    rc = ingest_dim_id(p, ST_PROJECT_FIND, zProject, nProject, &iProject);
  }
  if (rc == SQLITE_OK) rc = ingest_ensure_user(p, zUser, nUser);
  if (rc == SQLITE_OK) {
    rc = insert_map(p, ST_MAP_USER_PROJECT, 0, zUser, nUser, iProject);
  }
  return rc;
}

/* INSERT INTO usage_project_machines(cloud_project_name, machine_name). */
int insert_project_machine(IngestVtab *p, sqlite3_value **a) {
  const char *zProject, *zMachine;
  int nProject, nMachine, rc;
  sqlite3_int64 iProject = 0, iMachine = 0;
  rc = ingest_arg_name(p, a[0], "cloud_project_name", 0, &zProject, &nProject);
  if (rc == SQLITE_OK) {
    rc = ingest_arg_name(p, a[1], "machine_name", 0, &zMachine, &nMachine);
  }
  if (rc != SQLITE_OK) return rc;
  if (zProject == 0) {
    return usage_vtab_error(&p->base, SQLITE_ERROR,
                            "%s: cloud_project_name is required "
                            "(Provide project_id or cloud_project_name)",
                            p->pDef->zName);
  }
  if (zMachine == 0) {
    return usage_vtab_error(&p->base, SQLITE_ERROR,
                            "%s: machine_name is required "
                            "(Provide machine_id or machine_name)",
                            p->pDef->zName);
  }
  rc = ingest_dim_id(p, ST_PROJECT_FIND, zProject, nProject, &iProject);
  if (rc == SQLITE_OK) {
    rc = ingest_dim_id(p, ST_MACHINE_FIND, zMachine, nMachine, &iMachine);
  }
  if (rc == SQLITE_OK) {
    rc = insert_map(p, ST_MAP_PROJECT_MACHINE, iProject, 0, 0, iMachine);
  }
  return rc;
}

/* The port field of usage_workspaces: NULL, or a whole number 0-65535. */
static int bind_port(IngestVtab *p, sqlite3_stmt *pStmt, sqlite3_value *pVal) {
  double r;
  int isNull;
  if (usage_value_number(pVal, &r, &isNull) ||
      (!isNull && (r < 0 || r > 65535 || r != (double)(int)r))) {
    return ingest_field_error(p, "port", pVal,
                              "must be a whole number from 0 to 65535");
  }
  if (isNull) return sqlite3_bind_null(pStmt, 2);
  return sqlite3_bind_int(pStmt, 2, (int)r);
}

/* INSERT INTO usage_workspaces(host, port, raw_label, machine_name, user_id,
** cloud_project_name, started_at): a new instance and an active workspace. */
int insert_workspace(IngestVtab *p, sqlite3_value **a) {
  const char *zHost, *zLabel, *zMachine, *zUser, *zProject;
  int nHost, nLabel, nMachine, nUser, nProject, rc;
  sqlite3_int64 iInstance = 0, iMachine = 0, iProject = 0;
  char zStarted[USAGE_TS_LEN + 1];
  sqlite3_stmt *pInstance, *pWorkspace;
  rc = ingest_arg_name(p, a[0], "host", 1, &zHost, &nHost);
  if (rc == SQLITE_OK) {
    rc = ingest_arg_name(p, a[2], "raw_label", 0, &zLabel, &nLabel);
  }
  if (rc == SQLITE_OK) {
    rc = ingest_arg_name(p, a[3], "machine_name", 1, &zMachine, &nMachine);
  }
  if (rc == SQLITE_OK) {
    rc = ingest_arg_name(p, a[4], "user_id", 0, &zUser, &nUser);
  }
  if (rc == SQLITE_OK) {
    rc =
        ingest_arg_name(p, a[5], "cloud_project_name", 0, &zProject, &nProject);
  }
  if (rc == SQLITE_OK) rc = ingest_arg_time(p, a[6], "started_at", zStarted);
  if (rc == SQLITE_OK) rc = ingest_stmt_get(p, ST_INSTANCE_ADD, &pInstance);
  if (rc == SQLITE_OK) rc = ingest_stmt_get(p, ST_WORKSPACE_ADD, &pWorkspace);
  if (rc == SQLITE_OK) rc = bind_port(p, pInstance, a[1]);
  if (rc != SQLITE_OK) return rc;
  rc = ingest_dim_id(p, ST_MACHINE_FIND, zMachine, nMachine, &iMachine);
  if (rc == SQLITE_OK && zUser) rc = ingest_ensure_user(p, zUser, nUser);
  if (rc == SQLITE_OK && zProject) {
    rc = ingest_dim_id(p, ST_PROJECT_FIND, zProject, nProject, &iProject);
  }
  if (rc != SQLITE_OK) {
    sqlite3_clear_bindings(pInstance);
    return rc;
  }
  sqlite3_bind_text(pInstance, 1, zHost, nHost, SQLITE_STATIC);
  sqlite3_bind_text(pInstance, 3, zLabel, nLabel,
                    SQLITE_STATIC); /* NULL if 0 */
  rc = ingest_stmt_run(p, pInstance, &iInstance);
  if (rc != SQLITE_ROW) return rc == SQLITE_DONE ? SQLITE_ERROR : rc;
  sqlite3_bind_int64(pWorkspace, 1, iInstance);
  sqlite3_bind_int64(pWorkspace, 2, iMachine);
  sqlite3_bind_text(pWorkspace, 3, zUser, nUser, SQLITE_STATIC); /* NULL if 0 */
  if (zProject) {
    sqlite3_bind_int64(pWorkspace, 4, iProject);
  } else {
    sqlite3_bind_null(pWorkspace, 4);
  }
  sqlite3_bind_text(pWorkspace, 5, zStarted, USAGE_TS_LEN, SQLITE_STATIC);
  rc = ingest_stmt_run(p, pWorkspace, 0);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}
