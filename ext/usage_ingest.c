/*
** usage_ingest.c: SQL-only ingest, as writable eponymous virtual tables.
**
**   INSERT INTO usage_ingest(ts, scope, cloud_project_name, busy_kwh)
**     VALUES ('2024-03-01 10:00+01:00', 'project', 'physics', 1.5);
**   INSERT INTO usage_users VALUES ('alice', 'Alice A.', 'astro');
**   INSERT INTO usage_user_projects VALUES ('alice', 'physics');
**   INSERT INTO usage_project_machines VALUES ('physics', 'node-7');
**   INSERT INTO usage_workspaces VALUES ('ws.example', 8888, 'lab', 'node-7',
**                                        'alice', 'physics', '2024-03-01');
**   SELECT * FROM usage_ingest;       -- every fact, with names
**
**   sqlite> .import --csv --skip 1 facts.csv usage_ingest
**
** Each table stands for one get-or-create helper of the UsageDB design. An
** INSERT checks every field, creates the dimension rows it names, and writes
** the fact or mapping; a SELECT returns the stored rows by name, in the same
** columns, so a CSV exported with SELECT * imports back unchanged.
**
** Rules that hold for every table here:
**   - '' means NULL, because that is how a CSV writes NULL.
**   - Bad input is an error that names the table, the field and the value.
**   - Names go into SQL only as bound parameters.
**   - Inside a transaction, once a row fails, the transaction is doomed:
**     later rows are not written and COMMIT fails, rolling all of it back,
**     with the first error. So a CSV with one bad line loads nothing.
**
** The tables exist in main as soon as the extension is loaded. For another
** schema: CREATE VIRTUAL TABLE aux.usage_ingest USING usage_ingest.
*/
#include <string.h>

#include "usage_energy.h"
SQLITE_EXTENSION_INIT3

typedef struct IngestDef IngestDef;
typedef struct IngestVtab IngestVtab;
typedef struct IngestCursor IngestCursor;

/* The statements the insert paths run, prepared once per table. */
enum {
  ST_PROJECT_FIND, ST_PROJECT_ADD, ST_MACHINE_FIND, ST_MACHINE_ADD,
  ST_GROUP_FIND, ST_GROUP_ADD, ST_USER_FIND, ST_USER_ADD, ST_USER_UPSERT,
  ST_FACT_UPSERT, ST_MAP_USER_PROJECT, ST_MAP_PROJECT_MACHINE,
  ST_INSTANCE_ADD, ST_WORKSPACE_ADD, ST_COUNT
};

/* Their SQL; each "%w" is the schema. */
static const char *const azStmtSql[ST_COUNT] = {
  "SELECT project_id FROM \"%w\".dim_project WHERE cloud_project_name = ?1",
  "INSERT INTO \"%w\".dim_project(cloud_project_name) VALUES (?1) "
  "RETURNING project_id",
  "SELECT machine_id FROM \"%w\".dim_machine WHERE machine_name = ?1",
  "INSERT INTO \"%w\".dim_machine(machine_name) VALUES (?1) "
  "RETURNING machine_id",
  "SELECT group_id FROM \"%w\".dim_group WHERE group_name = ?1",
  "INSERT INTO \"%w\".dim_group(group_name) VALUES (?1) RETURNING group_id",
  "SELECT 1 FROM \"%w\".dim_user WHERE user_id = ?1",
  "INSERT INTO \"%w\".dim_user(user_id) VALUES (?1) RETURNING 1",
  "INSERT INTO \"%w\".dim_user(user_id, display_name, group_id) "
  "VALUES (?1, ?2, ?3) ON CONFLICT(user_id) DO UPDATE SET "
  "display_name = COALESCE(excluded.display_name, display_name), "
  "group_id = COALESCE(excluded.group_id, group_id)",
  "INSERT INTO \"%w\".fact_usage(ts, scope, project_id, machine_id, user_id, "
  "busy_cpu_seconds_total, idle_cpu_seconds_total, busy_kwh, idle_kwh, "
  "busy_gCo2eq, idle_gCo2eq, intensity_gCo2eq_kwh, energy_source, "
  "carbon_source, carbon_coverage, covered_kwh, intensity_given) "
  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
  "?16, ?17) "
  "ON CONFLICT(scope, ts, COALESCE(project_id, -1), COALESCE(machine_id, -1), "
  "COALESCE(user_id, '')) DO UPDATE SET "
  "busy_cpu_seconds_total = excluded.busy_cpu_seconds_total, "
  "idle_cpu_seconds_total = excluded.idle_cpu_seconds_total, "
  "busy_kwh = excluded.busy_kwh, idle_kwh = excluded.idle_kwh, "
  "busy_gCo2eq = excluded.busy_gCo2eq, idle_gCo2eq = excluded.idle_gCo2eq, "
  "intensity_gCo2eq_kwh = excluded.intensity_gCo2eq_kwh, "
  "energy_source = excluded.energy_source, "
  "carbon_source = excluded.carbon_source, "
  "carbon_coverage = excluded.carbon_coverage, "
  "covered_kwh = excluded.covered_kwh, "
  "intensity_given = excluded.intensity_given",
  "INSERT INTO \"%w\".map_user_project(user_id, project_id) VALUES (?1, ?2) "
  "ON CONFLICT DO NOTHING",
  "INSERT INTO \"%w\".map_project_machine(project_id, machine_id) "
  "VALUES (?1, ?2) ON CONFLICT DO NOTHING",
  "INSERT INTO \"%w\".dim_instance(host, port, raw_label) VALUES (?1, ?2, ?3) "
  "RETURNING instance_id",
  "INSERT INTO \"%w\".active_workspace(instance_id, machine_id, user_id, "
  "project_id, started_at) VALUES (?1, ?2, ?3, ?4, ?5)",
};

/* One writable table: its columns, its rows, and how an INSERT lands. */
struct IngestDef {
  const char *zName;   /* table and module name */
  const char *zDecl;   /* declaration for sqlite3_declare_vtab() */
  const char *zSelect; /* rowid then the columns; each "%w" is the schema */
  int (*xInsert)(IngestVtab *, sqlite3_value **);
};

/* One remembered dimension row: which table (its _FIND statement), name, id. */
typedef struct DimEntry {
  int iFind;           /* ST_PROJECT_FIND (0), ST_MACHINE_FIND, ... */
  int nName;           /* bytes in zName */
  char *zName;         /* the name, owned; 0 marks an empty slot */
  sqlite3_int64 iId;   /* its id */
} DimEntry;

/* Names already resolved by this statement, so a bulk INSERT looks each
** dimension row up once rather than once per fact. It is emptied whenever
** anything else may have changed those rows: a new statement (the total
** change count moved), an error, a rollback of any depth, or a commit. */
typedef struct DimCache {
  DimEntry *a;         /* open-addressing slots */
  int nSlot;           /* slots, a power of two, or 0 */
  int nUsed;           /* filled slots */
  int nChangeMark;     /* sqlite3_total_changes() after our last row */
} DimCache;

/* Columns of usage_ingest, in order. */
enum {
  IN_TS, IN_SCOPE, IN_PROJECT, IN_MACHINE, IN_USER, IN_BUSY_CPU, IN_IDLE_CPU,
  IN_BUSY_KWH, IN_IDLE_KWH, IN_BUSY_G, IN_IDLE_G, IN_INTENSITY, IN_NCOL
};

/* What the fact upsert's parameters hold, so a row rebinds only those that
** changed (bindings stay across sqlite3_reset). All zero (FB_UNKNOWN) for
** a newly prepared statement or after its bindings are cleared. */
typedef struct FactBinds {
  char zTs[USAGE_TS_LEN + 1];       /* ?1, bound from here with its NUL */
  int eScope;                       /* ?2, bound as its static name */
  unsigned char aKind[IN_NCOL];     /* FB_UNKNOWN, FB_NULL or FB_VALUE */
  sqlite3_int64 aId[IN_NCOL];       /* ?3 ?4: the bound project, machine id */
  double aAmount[IN_NCOL];          /* ?6 .. ?12: the bound amounts */
  int bProvenance;                  /* ?13 ?14 ?15 ?17 hold the values below */
  const char *zEnergySource;        /* ?13 */
  const char *zCarbonSource;        /* ?14 */
  double coverage;                  /* ?15 */
  int bIntensityGiven;              /* ?17 */
} FactBinds;

/* A table on one connection and schema. */
struct IngestVtab {
  sqlite3_vtab base;              /* base class: must be first */
  sqlite3 *db;                    /* the connection */
  const IngestDef *pDef;          /* which table this is */
  char *zSchema;                  /* schema its rows live in */
  sqlite3_stmt *aStmt[ST_COUNT];  /* prepared on first use */
  sqlite3_int64 nRow;             /* rows inserted in this transaction */
  sqlite3_int64 iFailedRow;       /* the row that failed, or 0 */
  char *zFailure;                 /* its error, kept until the transaction ends */
  DimCache cache;                 /* names resolved by the current statement */
  FactBinds binds;                /* what ST_FACT_UPSERT's parameters hold */
  UsageDeriver *pDeriver;         /* energy and carbon a row leaves out */
};

/* A scan over the rows, through one prepared SELECT. */
struct IngestCursor {
  sqlite3_vtab_cursor base;  /* base class: must be first */
  sqlite3_stmt *pSelect;     /* the rows */
  int bEof;                  /* no more rows */
};

/* Names of usage_ingest's columns, for messages. */
static const char *const azIngestCol[IN_NCOL] = {
  "ts", "scope", "cloud_project_name", "machine_name", "user_id",
  "busy_cpu_seconds_total", "idle_cpu_seconds_total", "busy_kwh", "idle_kwh",
  "busy_gCo2eq", "idle_gCo2eq", "intensity_gCo2eq_kwh"
};


/* Report that field zField got a bad value, with why. */
static int field_error(IngestVtab *p, const char *zField, sqlite3_value *pVal,
                       const char *zWhy) {
  char *zRepr = usage_value_repr(pVal);
  int rc;
  if (zRepr == 0) return SQLITE_NOMEM;
  rc = usage_vtab_error(&p->base, SQLITE_ERROR, "%s: %s %s, got %s",
                        p->pDef->zName, zField, zWhy, zRepr);
  sqlite3_free(zRepr);
  return rc;
}

/* Report the connection's last error under this table's name. */
static int db_error(IngestVtab *p, int rc) {
  return usage_vtab_error(&p->base, rc, "%s: %s", p->pDef->zName,
                          sqlite3_errmsg(p->db));
}

/* The statement iStmt, prepared on first use and reset for reuse. */
static int stmt_get(IngestVtab *p, int iStmt, sqlite3_stmt **ppStmt) {
  if (p->aStmt[iStmt] == 0) {
    int rc = usage_prepare_persistent(p->db, azStmtSql[iStmt], p->zSchema,
                                      &p->aStmt[iStmt]);
    if (rc != SQLITE_OK) return db_error(p, rc);
    if (iStmt == ST_FACT_UPSERT) memset(&p->binds, 0, sizeof(p->binds));
  }
  *ppStmt = p->aStmt[iStmt];
  return SQLITE_OK;
}

/* Step a bound statement to its end; *pId gets column 0 of its row, if any.
** Returns SQLITE_ROW when there was a row, SQLITE_DONE when not. Bindings
** stay: every caller binds every parameter before each run. */
static int stmt_run(IngestVtab *p, sqlite3_stmt *pStmt, sqlite3_int64 *pId) {
  int rc = sqlite3_step(pStmt);
  int rcRow = rc;
  if (rc == SQLITE_ROW) {
    if (pId) *pId = sqlite3_column_int64(pStmt, 0);
    while ((rc = sqlite3_step(pStmt)) == SQLITE_ROW) {
    }
  }
  if (rc != SQLITE_DONE) {
    rc = sqlite3_reset(pStmt);
    db_error(p, rc);
    return rc;
  }
  sqlite3_reset(pStmt);
  return rcRow == SQLITE_ROW ? SQLITE_ROW : SQLITE_DONE;
}

/* A name field: NULL or '' give *pz = NULL, text or an integer gives the
** text. Anything else, or a name over USAGE_NAME_MAX bytes, is an error. */
static int arg_name(IngestVtab *p, sqlite3_value *pVal, const char *zField,
                    int bRequired, const char **pz, int *pn) {
  int eType = sqlite3_value_type(pVal);
  *pz = 0;
  *pn = 0;
  if (eType == SQLITE_FLOAT || eType == SQLITE_BLOB) {
    return field_error(p, zField, pVal, "must be text");
  }
  if (eType != SQLITE_NULL) {
    *pz = (const char *)sqlite3_value_text(pVal);
    *pn = sqlite3_value_bytes(pVal);
    if (*pz == 0) return SQLITE_NOMEM;
    if (*pn == 0) *pz = 0;
  }
  if (*pz && *pn > USAGE_NAME_MAX) {
    return usage_vtab_error(&p->base, SQLITE_ERROR,
                            "%s: %s is longer than %d bytes (%d bytes)",
                            p->pDef->zName, zField, USAGE_NAME_MAX, *pn);
  }
  if (*pz == 0 && bRequired) {
    return usage_vtab_error(&p->base, SQLITE_ERROR, "%s: %s is required",
                            p->pDef->zName, zField);
  }
  return SQLITE_OK;
}

/* Slots at most; a statement naming more distinct rows stops caching. */
#define DIM_CACHE_MAX 65536

/* Forget every remembered name. */
static void cache_clear(DimCache *c) {
  int i;
  for (i = 0; i < c->nSlot; i++) sqlite3_free(c->a[i].zName);
  sqlite3_free(c->a);
  memset(c, 0, sizeof(*c));
}

/* FNV-1a over the name, mixed with which table it names. */
static unsigned cache_hash(int iFind, const char *z, int n) {
  unsigned h = 2166136261u ^ (unsigned)iFind;
  int i;
  for (i = 0; i < n; i++) h = (h ^ (unsigned char)z[i]) * 16777619u;
  return h;
}

/* The slot holding (iFind, name), or the empty slot where it would go. */
static DimEntry *cache_slot(DimCache *c, int iFind, const char *z, int n) {
  unsigned i = cache_hash(iFind, z, n) & (unsigned)(c->nSlot - 1);
  for (;;) {
    DimEntry *e = &c->a[i];
    if (e->zName == 0) return e;
    if (e->iFind == iFind && e->nName == n && memcmp(e->zName, z, n) == 0) return e;
    i = (i + 1) & (unsigned)(c->nSlot - 1);
  }
}

/* Double the slots (or make the first 64), keeping the entries. */
static int cache_grow(DimCache *c) {
  DimCache bigger;
  int i;
  memset(&bigger, 0, sizeof(bigger));
  bigger.nSlot = c->nSlot ? c->nSlot * 2 : 64;
  bigger.a = sqlite3_malloc64(sizeof(DimEntry) * (sqlite3_uint64)bigger.nSlot);
  if (bigger.a == 0) return SQLITE_NOMEM;
  memset(bigger.a, 0, sizeof(DimEntry) * (size_t)bigger.nSlot);
  for (i = 0; i < c->nSlot; i++) {
    if (c->a[i].zName) {
      *cache_slot(&bigger, c->a[i].iFind, c->a[i].zName, c->a[i].nName) = c->a[i];
    }
  }
  bigger.nUsed = c->nUsed;
  bigger.nChangeMark = c->nChangeMark;
  sqlite3_free(c->a);
  *c = bigger;
  return SQLITE_OK;
}

/* The remembered id of (iFind, name), if this statement resolved it. */
static int cache_find(IngestVtab *p, int iFind, const char *z, int n,
                      sqlite3_int64 *pId) {
  DimCache *c = &p->cache;
  DimEntry *e;
  if (c->nSlot == 0) return 0;
  if (c->nChangeMark != sqlite3_total_changes(p->db)) {
    cache_clear(c); /* another statement ran: its writes may touch the rows */
    return 0;
  }
  e = cache_slot(c, iFind, z, n);
  if (e->zName == 0) return 0;
  *pId = e->iId;
  return 1;
}

/* Remember (iFind, name) -> id; a failure to remember is not an error. */
static void cache_add(IngestVtab *p, int iFind, const char *z, int n,
                      sqlite3_int64 iId) {
  DimCache *c = &p->cache;
  DimEntry *e;
  if (c->nUsed * 2 >= c->nSlot) {
    if (c->nSlot >= DIM_CACHE_MAX) cache_clear(c);
    if (cache_grow(c) != SQLITE_OK) return;
  }
  e = cache_slot(c, iFind, z, n);
  if (e->zName) return;
  e->zName = sqlite3_malloc(n > 0 ? n : 1);
  if (e->zName == 0) return;
  memcpy(e->zName, z, n);
  e->nName = n;
  e->iFind = iFind;
  e->iId = iId;
  c->nUsed++;
}

/* The id of a named dimension row, creating the row when it is missing. */
static int dim_id(IngestVtab *p, int iFind, const char *zName, int nName,
                  sqlite3_int64 *pId) {
  sqlite3_stmt *pStmt;
  int rc;
  if (cache_find(p, iFind, zName, nName, pId)) return SQLITE_OK;
  rc = stmt_get(p, iFind, &pStmt);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_text(pStmt, 1, zName, nName, SQLITE_STATIC);
  rc = stmt_run(p, pStmt, pId);
  if (rc == SQLITE_DONE) {
    rc = stmt_get(p, iFind + 1, &pStmt); /* the _ADD statement follows _FIND */
    if (rc != SQLITE_OK) return rc;
    sqlite3_bind_text(pStmt, 1, zName, nName, SQLITE_STATIC);
    rc = stmt_run(p, pStmt, pId);
    if (rc == SQLITE_DONE) rc = SQLITE_ERROR;
  }
  if (rc != SQLITE_ROW) return rc;
  cache_add(p, iFind, zName, nName, *pId);
  return SQLITE_OK;
}

/* A timestamp field, as canonical text in zOut. */
static int arg_time(IngestVtab *p, sqlite3_value *pVal, const char *zField,
                    char *zOut) {
  int64_t t;
  char *zErr = 0;
  char zWhat[64];
  int rc;
  if (sqlite3_value_type(pVal) == SQLITE_NULL ||
      (sqlite3_value_type(pVal) == SQLITE_TEXT && sqlite3_value_bytes(pVal) == 0)) {
    return usage_vtab_error(&p->base, SQLITE_ERROR, "%s: %s is required",
                            p->pDef->zName, zField);
  }
  if (sqlite3_value_type(pVal) == SQLITE_TEXT &&
      usage_time_parse_canonical((const char *)sqlite3_value_text(pVal),
                                 sqlite3_value_bytes(pVal), &t) == 0) {
    memcpy(zOut, sqlite3_value_text(pVal), USAGE_TS_LEN + 1); /* already canonical */
    return SQLITE_OK;
  }
  sqlite3_snprintf(sizeof(zWhat), zWhat, "%s: %s", p->pDef->zName, zField);
  rc = usage_value_time(pVal, zWhat, &t, &zErr);
  if (rc != SQLITE_OK) {
    if (zErr == 0) return SQLITE_NOMEM;
    sqlite3_free(p->base.zErrMsg);
    p->base.zErrMsg = zErr;
    return rc;
  }
  if (usage_time_format(t, zOut)) {
    return field_error(p, zField, pVal, "is outside the years 0000-9999");
  }
  return SQLITE_OK;
}

/* An amount field: a finite number >= 0, NULL or '' meaning zero (or NULL
** where bNullable). *pIsNull and *pR get the value to store. */
static int arg_amount(IngestVtab *p, sqlite3_value *pVal, const char *zField,
                      int bNullable, int *pIsNull, double *pR) {
  double r = 0.0;
  int isNull;
  if (usage_value_number(pVal, &r, &isNull) || (!isNull && !(r >= 0.0))) {
    return field_error(p, zField, pVal, "must be a finite number >= 0");
  }
  *pIsNull = isNull && bNullable;
  *pR = isNull ? 0.0 : r;
  return SQLITE_OK;
}

/* What a FactBinds slot knows about its parameter. */
#define FB_UNKNOWN 0 /* nothing: bind it */
#define FB_NULL 1    /* NULL */
#define FB_VALUE 2   /* the value kept in FactBinds (or, for ?5, none kept) */

/* Parameter i+1 of the upsert to NULL, unless it is NULL already. */
static int fact_bind_null(IngestVtab *p, sqlite3_stmt *pStmt, int i) {
  if (p->binds.aKind[i] == FB_NULL) return SQLITE_OK;
  p->binds.aKind[i] = FB_NULL;
  return sqlite3_bind_null(pStmt, i + 1);
}

/* Parameter i+1 of the upsert to the real r, unless it holds r already. */
static int fact_bind_real(IngestVtab *p, sqlite3_stmt *pStmt, int i, double r) {
  if (p->binds.aKind[i] == FB_VALUE &&
      memcmp(&p->binds.aAmount[i], &r, sizeof(r)) == 0) {
    return SQLITE_OK; /* same bits, so -0.0 and 0.0 stay apart */
  }
  p->binds.aKind[i] = FB_VALUE;
  p->binds.aAmount[i] = r;
  return sqlite3_bind_double(pStmt, i + 1, r);
}

/* Parameter i+1 of the upsert to the id iId, unless it holds iId already. */
static int fact_bind_id(IngestVtab *p, sqlite3_stmt *pStmt, int i,
                        sqlite3_int64 iId) {
  if (p->binds.aKind[i] == FB_VALUE && p->binds.aId[i] == iId) return SQLITE_OK;
  p->binds.aKind[i] = FB_VALUE;
  p->binds.aId[i] = iId;
  return sqlite3_bind_int64(pStmt, i + 1, iId);
}

/* ?1 to the canonical ts, kept in FactBinds so the bound text outlives the
** row; bound with its NUL, so the CHECKs' glob() and strftime() need no copy. */
static int fact_bind_ts(IngestVtab *p, sqlite3_stmt *pStmt, const char *zTs) {
  if (p->binds.aKind[IN_TS] == FB_VALUE &&
      memcmp(p->binds.zTs, zTs, USAGE_TS_LEN) == 0) {
    return SQLITE_OK;
  }
  p->binds.aKind[IN_TS] = FB_VALUE;
  memcpy(p->binds.zTs, zTs, USAGE_TS_LEN + 1);
  return sqlite3_bind_text(pStmt, IN_TS + 1, p->binds.zTs, -1, SQLITE_STATIC);
}

/* ?2 to the static name of scope eScope, the same text the row gave. */
static int fact_bind_scope(IngestVtab *p, sqlite3_stmt *pStmt, int eScope) {
  if (p->binds.aKind[IN_SCOPE] == FB_VALUE && p->binds.eScope == eScope) {
    return SQLITE_OK;
  }
  p->binds.aKind[IN_SCOPE] = FB_VALUE;
  p->binds.eScope = eScope;
  return sqlite3_bind_text(pStmt, IN_SCOPE + 1, usage_scope_name(eScope), -1,
                           SQLITE_STATIC);
}

/* Bind the checked row to the upsert: ts, scope, key ids, amounts. */
static int fact_bind_row(IngestVtab *p, sqlite3_stmt *pUpsert, const char *zTs,
                         int eScope, const sqlite3_int64 *aId,
                         const char *zUser, int nUser, const int *aIsNull,
                         const double *aAmount) {
  int i, rc = fact_bind_ts(p, pUpsert, zTs);
  if (rc == SQLITE_OK) rc = fact_bind_scope(p, pUpsert, eScope);
  for (i = IN_PROJECT; rc == SQLITE_OK && i <= IN_MACHINE; i++) {
    rc = (eScope == i - IN_PROJECT + USAGE_SCOPE_PROJECT)
             ? fact_bind_id(p, pUpsert, i, aId[i - IN_PROJECT])
             : fact_bind_null(p, pUpsert, i);
  }
  if (rc == SQLITE_OK && zUser) {
    p->binds.aKind[IN_USER] = FB_VALUE; /* the row's own text: always bound */
    rc = sqlite3_bind_text(pUpsert, IN_USER + 1, zUser, nUser, SQLITE_STATIC);
  } else if (rc == SQLITE_OK) {
    rc = fact_bind_null(p, pUpsert, IN_USER);
  }
  for (i = IN_BUSY_CPU; rc == SQLITE_OK && i <= IN_INTENSITY; i++) {
    rc = aIsNull[i] ? fact_bind_null(p, pUpsert, i)
                    : fact_bind_real(p, pUpsert, i, aAmount[i]);
  }
  return rc;
}

/* Is a value NULL, or '' (how a CSV writes NULL)? */
static int is_blank(sqlite3_value *pVal) {
  int eType = sqlite3_value_type(pVal);
  return eType == SQLITE_NULL ||
         (eType == SQLITE_TEXT && sqlite3_value_bytes(pVal) == 0);
}

/* Bind the provenance of a fact (?13 .. ?17); in a bulk load most rows
** share it with the row before, so only what differs is bound again. */
static int fact_bind_provenance(IngestVtab *p, sqlite3_stmt *pUpsert,
                                const UsageFact *f) {
  FactBinds *b = &p->binds;
  const char *zEnergy = f->bEnergyModel ? "model" : "given";
  const char *zCarbon = usage_carbon_source_name(f->eCarbonSource);
  int rc = sqlite3_bind_double(pUpsert, 16, f->coveredKwh);
  if (rc == SQLITE_OK && b->bProvenance && b->zEnergySource == zEnergy &&
      b->zCarbonSource == zCarbon && b->bIntensityGiven == f->bIntensityGiven &&
      memcmp(&b->coverage, &f->coverage, sizeof(double)) == 0) {
    return SQLITE_OK;
  }
  b->bProvenance = 0;
  if (rc == SQLITE_OK) rc = sqlite3_bind_text(pUpsert, 13, zEnergy, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK) rc = sqlite3_bind_text(pUpsert, 14, zCarbon, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK) rc = sqlite3_bind_double(pUpsert, 15, f->coverage);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int(pUpsert, 17, f->bIntensityGiven);
  if (rc == SQLITE_OK) {
    b->bProvenance = 1;
    b->zEnergySource = zEnergy;
    b->zCarbonSource = zCarbon;
    b->coverage = f->coverage;
    b->bIntensityGiven = f->bIntensityGiven;
  }
  return rc;
}

/* Derive the energy and carbon the row leaves out, and bind the fact's
** provenance (?13 .. ?17). */
static int fact_derive(IngestVtab *p, sqlite3_stmt *pUpsert, sqlite3_value **a,
                       int64_t t, int eScope, const sqlite3_int64 *aId,
                       int *aIsNull, double *aAmount) {
  UsageFact f;
  int rc = SQLITE_OK;
  memset(&f, 0, sizeof(f));
  f.t = t;
  f.eScope = eScope;
  f.iMachine = aId[1];
  f.busyCpu = aAmount[IN_BUSY_CPU];
  f.idleCpu = aAmount[IN_IDLE_CPU];
  f.bEnergyModel = is_blank(a[IN_BUSY_KWH]) && is_blank(a[IN_IDLE_KWH]);
  f.bCarbonDerived = is_blank(a[IN_BUSY_G]) && is_blank(a[IN_IDLE_G]);
  f.bIntensityGiven = !aIsNull[IN_INTENSITY];
  f.busyKwh = aAmount[IN_BUSY_KWH];
  f.idleKwh = aAmount[IN_IDLE_KWH];
  f.busyG = aAmount[IN_BUSY_G];
  f.idleG = aAmount[IN_IDLE_G];
  f.bIntensityNull = aIsNull[IN_INTENSITY];
  f.intensity = aAmount[IN_INTENSITY];
  if (f.bEnergyModel || f.bCarbonDerived) {
    char *zErr = 0;
    rc = usage_derive(p->pDeriver, p->pDef->zName, &f, &zErr);
    if (rc != SQLITE_OK) {
      if (zErr == 0) return SQLITE_NOMEM;
      sqlite3_free(p->base.zErrMsg);
      p->base.zErrMsg = zErr;
      return rc;
    }
  } else {
    f.eCarbonSource = USAGE_CARBON_GIVEN;
    f.coverage = 1.0;
    f.coveredKwh = f.busyKwh + f.idleKwh;
  }
  aAmount[IN_BUSY_KWH] = f.busyKwh;
  aAmount[IN_IDLE_KWH] = f.idleKwh;
  aAmount[IN_BUSY_G] = f.busyG;
  aAmount[IN_IDLE_G] = f.idleG;
  aAmount[IN_INTENSITY] = f.intensity;
  aIsNull[IN_INTENSITY] = f.bIntensityNull;
  return fact_bind_provenance(p, pUpsert, &f);
}

/* INSERT INTO usage_ingest: check the row, resolve its key, upsert the fact. */
static int insert_fact(IngestVtab *p, sqlite3_value **a) {
  static const char *const azKey[3] = {"cloud_project_name", "machine_name",
                                       "user_id"};
  static const int aFind[3] = {ST_PROJECT_FIND, ST_MACHINE_FIND, ST_USER_FIND};
  const char *azName[3];
  int anName[3];
  char zTs[USAGE_TS_LEN + 1];
  sqlite3_int64 aId[3] = {0, 0, 0};
  int aIsNull[IN_NCOL];
  double aAmount[IN_NCOL];
  sqlite3_stmt *pUpsert;
  int i, rc, bNoMem = 0, eScope = USAGE_SCOPE_ADA;
  int64_t t = 0;
  char *zErr;

  for (i = 0; i < 3; i++) {
    rc = arg_name(p, a[IN_PROJECT + i], azKey[i], 0, &azName[i], &anName[i]);
    if (rc != SQLITE_OK) return rc;
  }
  zErr = usage_scope_problem(a[IN_SCOPE], azName[0] != 0, azName[1] != 0,
                             azName[2] != 0, azKey, &bNoMem);
  if (zErr) {
    rc = usage_vtab_error(&p->base, SQLITE_ERROR, "%s: %s", p->pDef->zName,
                          zErr);
    sqlite3_free(zErr);
    return rc;
  }
  if (bNoMem) return SQLITE_NOMEM;
  rc = arg_time(p, a[IN_TS], "ts", zTs);
  if (rc == SQLITE_OK) rc = stmt_get(p, ST_FACT_UPSERT, &pUpsert);
  for (i = IN_BUSY_CPU; rc == SQLITE_OK && i <= IN_INTENSITY; i++) {
    rc = arg_amount(p, a[i], azIngestCol[i], i == IN_INTENSITY, &aIsNull[i],
                    &aAmount[i]);
  }
  /* The scope rule held: at most one key is set, and it names the scope. */
  for (i = 0; rc == SQLITE_OK && i < 3; i++) {
    if (azName[i] == 0) continue;
    eScope = USAGE_SCOPE_PROJECT + i;
    rc = dim_id(p, aFind[i], azName[i], anName[i], &aId[i]);
  }
  if (rc != SQLITE_OK) return rc;
  usage_time_parse_canonical(zTs, USAGE_TS_LEN, &t);
  rc = fact_derive(p, pUpsert, a, t, eScope, aId, aIsNull, aAmount);
  if (rc != SQLITE_OK) return rc;
  rc = fact_bind_row(p, pUpsert, zTs, eScope, aId, azName[2], anName[2],
                     aIsNull, aAmount);
  if (rc != SQLITE_OK) {
    sqlite3_clear_bindings(pUpsert);
    memset(&p->binds, 0, sizeof(p->binds)); /* every parameter is NULL now */
    return rc;
  }
  rc = stmt_run(p, pUpsert, 0);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Ensure a user row exists by id. */
static int ensure_user(IngestVtab *p, const char *zUser, int nUser) {
  sqlite3_int64 iIgnored;
  return dim_id(p, ST_USER_FIND, zUser, nUser, &iIgnored);
}

/* INSERT INTO usage_users(user_id, display_name, group_name): create or
** update a user; NULL display_name or group_name keep what is stored. */
static int insert_user(IngestVtab *p, sqlite3_value **a) {
  const char *zUser, *zDisplay, *zGroup;
  int nUser, nDisplay, nGroup, rc;
  sqlite3_int64 iGroup = 0;
  sqlite3_stmt *pStmt;
  rc = arg_name(p, a[0], "user_id", 1, &zUser, &nUser);
  if (rc == SQLITE_OK) rc = arg_name(p, a[1], "display_name", 0, &zDisplay, &nDisplay);
  if (rc == SQLITE_OK) rc = arg_name(p, a[2], "group_name", 0, &zGroup, &nGroup);
  if (rc == SQLITE_OK && zGroup) rc = dim_id(p, ST_GROUP_FIND, zGroup, nGroup, &iGroup);
  if (rc == SQLITE_OK) rc = stmt_get(p, ST_USER_UPSERT, &pStmt);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_text(pStmt, 1, zUser, nUser, SQLITE_STATIC);
  sqlite3_bind_text(pStmt, 2, zDisplay, nDisplay, SQLITE_STATIC); /* NULL if 0 */
  if (zGroup) {
    sqlite3_bind_int64(pStmt, 3, iGroup);
  } else {
    sqlite3_bind_null(pStmt, 3);
  }
  rc = stmt_run(p, pStmt, 0);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Run a two-id mapping insert. */
static int insert_map(IngestVtab *p, int iStmt, sqlite3_int64 iA,
                      const char *zA, int nA, sqlite3_int64 iB) {
  sqlite3_stmt *pStmt;
  int rc = stmt_get(p, iStmt, &pStmt);
  if (rc != SQLITE_OK) return rc;
  if (zA) {
    sqlite3_bind_text(pStmt, 1, zA, nA, SQLITE_STATIC);
  } else {
    sqlite3_bind_int64(pStmt, 1, iA);
  }
  sqlite3_bind_int64(pStmt, 2, iB);
  rc = stmt_run(p, pStmt, 0);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* INSERT INTO usage_user_projects(user_id, cloud_project_name). */
static int insert_user_project(IngestVtab *p, sqlite3_value **a) {
  const char *zUser, *zProject;
  int nUser, nProject, rc;
  sqlite3_int64 iProject = 0;
  rc = arg_name(p, a[0], "user_id", 1, &zUser, &nUser);
  if (rc == SQLITE_OK) rc = arg_name(p, a[1], "cloud_project_name", 0, &zProject, &nProject);
  if (rc == SQLITE_OK && zProject == 0) {
    return usage_vtab_error(&p->base, SQLITE_ERROR,
                            "%s: cloud_project_name is required "
                            "(Provide project_id or cloud_project_name)",
                            p->pDef->zName);
  }
  if (rc == SQLITE_OK) rc = dim_id(p, ST_PROJECT_FIND, zProject, nProject, &iProject);
  if (rc == SQLITE_OK) rc = ensure_user(p, zUser, nUser);
  if (rc == SQLITE_OK) {
    rc = insert_map(p, ST_MAP_USER_PROJECT, 0, zUser, nUser, iProject);
  }
  return rc;
}

/* INSERT INTO usage_project_machines(cloud_project_name, machine_name). */
static int insert_project_machine(IngestVtab *p, sqlite3_value **a) {
  const char *zProject, *zMachine;
  int nProject, nMachine, rc;
  sqlite3_int64 iProject = 0, iMachine = 0;
  rc = arg_name(p, a[0], "cloud_project_name", 0, &zProject, &nProject);
  if (rc == SQLITE_OK) rc = arg_name(p, a[1], "machine_name", 0, &zMachine, &nMachine);
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
  rc = dim_id(p, ST_PROJECT_FIND, zProject, nProject, &iProject);
  if (rc == SQLITE_OK) rc = dim_id(p, ST_MACHINE_FIND, zMachine, nMachine, &iMachine);
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
    return field_error(p, "port", pVal, "must be a whole number from 0 to 65535");
  }
  if (isNull) return sqlite3_bind_null(pStmt, 2);
  return sqlite3_bind_int(pStmt, 2, (int)r);
}

/* INSERT INTO usage_workspaces(host, port, raw_label, machine_name, user_id,
** cloud_project_name, started_at): a new instance and an active workspace. */
static int insert_workspace(IngestVtab *p, sqlite3_value **a) {
  const char *zHost, *zLabel, *zMachine, *zUser, *zProject;
  int nHost, nLabel, nMachine, nUser, nProject, rc;
  sqlite3_int64 iInstance = 0, iMachine = 0, iProject = 0;
  char zStarted[USAGE_TS_LEN + 1];
  sqlite3_stmt *pInstance, *pWorkspace;
  rc = arg_name(p, a[0], "host", 1, &zHost, &nHost);
  if (rc == SQLITE_OK) rc = arg_name(p, a[2], "raw_label", 0, &zLabel, &nLabel);
  if (rc == SQLITE_OK) rc = arg_name(p, a[3], "machine_name", 1, &zMachine, &nMachine);
  if (rc == SQLITE_OK) rc = arg_name(p, a[4], "user_id", 0, &zUser, &nUser);
  if (rc == SQLITE_OK) rc = arg_name(p, a[5], "cloud_project_name", 0, &zProject, &nProject);
  if (rc == SQLITE_OK) rc = arg_time(p, a[6], "started_at", zStarted);
  if (rc == SQLITE_OK) rc = stmt_get(p, ST_INSTANCE_ADD, &pInstance);
  if (rc == SQLITE_OK) rc = stmt_get(p, ST_WORKSPACE_ADD, &pWorkspace);
  if (rc == SQLITE_OK) rc = bind_port(p, pInstance, a[1]);
  if (rc != SQLITE_OK) return rc;
  rc = dim_id(p, ST_MACHINE_FIND, zMachine, nMachine, &iMachine);
  if (rc == SQLITE_OK && zUser) rc = ensure_user(p, zUser, nUser);
  if (rc == SQLITE_OK && zProject) rc = dim_id(p, ST_PROJECT_FIND, zProject, nProject, &iProject);
  if (rc != SQLITE_OK) {
    sqlite3_clear_bindings(pInstance);
    return rc;
  }
  sqlite3_bind_text(pInstance, 1, zHost, nHost, SQLITE_STATIC);
  sqlite3_bind_text(pInstance, 3, zLabel, nLabel, SQLITE_STATIC); /* NULL if 0 */
  rc = stmt_run(p, pInstance, &iInstance);
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
  rc = stmt_run(p, pWorkspace, 0);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The tables. Columns carry no declared type, so SQLite hands each value to
** xUpdate as written, and the checks here see exactly what the user sent. */
static const IngestDef aIngestDef[] = {
  {"usage_ingest",
   "CREATE TABLE x(ts, scope, cloud_project_name, machine_name, user_id, "
   "busy_cpu_seconds_total, idle_cpu_seconds_total, busy_kwh, idle_kwh, "
   "busy_gCo2eq, idle_gCo2eq, intensity_gCo2eq_kwh)",
   0, /* built per scan by ingest_select_sql() */
   insert_fact},
  {"usage_users",
   "CREATE TABLE x(user_id, display_name, group_name)",
   "SELECT u.rowid, u.user_id, u.display_name, g.group_name "
   "FROM \"%w\".dim_user u LEFT JOIN \"%w\".dim_group g ON g.group_id = u.group_id "
   "ORDER BY u.user_id",
   insert_user},
  {"usage_user_projects",
   "CREATE TABLE x(user_id, cloud_project_name)",
   "SELECT m.rowid, m.user_id, p.cloud_project_name "
   "FROM \"%w\".map_user_project m JOIN \"%w\".dim_project p USING (project_id) "
   "ORDER BY m.user_id, p.cloud_project_name",
   insert_user_project},
  {"usage_project_machines",
   "CREATE TABLE x(cloud_project_name, machine_name)",
   "SELECT m.rowid, p.cloud_project_name, d.machine_name "
   "FROM \"%w\".map_project_machine m JOIN \"%w\".dim_project p USING (project_id) "
   "JOIN \"%w\".dim_machine d USING (machine_id) "
   "ORDER BY p.cloud_project_name, d.machine_name",
   insert_project_machine},
  {"usage_workspaces",
   "CREATE TABLE x(host, port, raw_label, machine_name, user_id, "
   "cloud_project_name, started_at)",
   "SELECT w.workspace_id, i.host, i.port, i.raw_label, d.machine_name, "
   "w.user_id, p.cloud_project_name, w.started_at "
   "FROM \"%w\".active_workspace w JOIN \"%w\".dim_instance i USING (instance_id) "
   "JOIN \"%w\".dim_machine d USING (machine_id) "
   "LEFT JOIN \"%w\".dim_project p USING (project_id) ORDER BY w.workspace_id",
   insert_workspace},
};

/* Bits of idxNum for a usage_ingest scan: which constraints were passed. */
#define SCAN_SCOPE 1 /* scope = ? */
#define SCAN_FROM 2  /* ts >= ? (also used for ts > ?; SQLite re-checks) */
#define SCAN_UPTO 4  /* ts <= ? (also used for ts < ?) */

/* The SELECT behind a usage_ingest scan, narrowed by the constraints that
** idxNum says were passed; the rows come in the natural key's order. */
static char *ingest_select_sql(const char *zSchema, int idxNum) {
  return sqlite3_mprintf(
      "SELECT f.usage_id, f.ts, f.scope, p.cloud_project_name, m.machine_name, "
      "f.user_id, f.busy_cpu_seconds_total, f.idle_cpu_seconds_total, "
      "f.busy_kwh, f.idle_kwh, f.busy_gCo2eq, f.idle_gCo2eq, "
      "f.intensity_gCo2eq_kwh FROM \"%w\".fact_usage f "
      "LEFT JOIN \"%w\".dim_project p ON p.project_id = f.project_id "
      "LEFT JOIN \"%w\".dim_machine m ON m.machine_id = f.machine_id "
      "WHERE 1%s%s%s ORDER BY f.scope, f.ts, f.usage_id",
      zSchema, zSchema, zSchema,
      (idxNum & SCAN_SCOPE) ? " AND f.scope = ?" : "",
      (idxNum & SCAN_FROM) ? " AND f.ts >= ?" : "",
      (idxNum & SCAN_UPTO) ? " AND f.ts <= ?" : "");
}

/* xConnect and xCreate: declare the table's columns. */
static int ingest_connect(sqlite3 *db, void *pAux, int argc,
                          const char *const *argv, sqlite3_vtab **ppVtab,
                          char **pzErr) {
  const IngestDef *pDef = (const IngestDef *)pAux;
  IngestVtab *p;
  int rc;
  (void)argc;
  rc = sqlite3_declare_vtab(db, pDef->zDecl);
  if (rc != SQLITE_OK) return rc;
  p = sqlite3_malloc(sizeof(*p));
  if (p == 0) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->db = db;
  p->pDef = pDef;
  p->zSchema = sqlite3_mprintf("%s", argv[1]);
  p->pDeriver = p->zSchema ? usage_deriver_new(db, argv[1]) : 0;
  if (p->pDeriver == 0) {
    sqlite3_free(p->zSchema);
    sqlite3_free(p);
    return SQLITE_NOMEM;
  }
  rc = sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
  if (rc != SQLITE_OK) {
    *pzErr = sqlite3_mprintf("%s: %s", pDef->zName, sqlite3_errstr(rc));
    usage_deriver_free(p->pDeriver);
    sqlite3_free(p->zSchema);
    sqlite3_free(p);
    return rc;
  }
  *ppVtab = &p->base;
  return SQLITE_OK;
}

/* Forget the doomed-transaction state. */
static void ingest_reset_txn(IngestVtab *p) {
  cache_clear(&p->cache);
  usage_deriver_forget(p->pDeriver);
  p->nRow = 0;
  p->iFailedRow = 0;
  sqlite3_free(p->zFailure);
  p->zFailure = 0;
}

/* xDisconnect and xDestroy. */
static int ingest_disconnect(sqlite3_vtab *pVtab) {
  IngestVtab *p = (IngestVtab *)pVtab;
  int i;
  for (i = 0; i < ST_COUNT; i++) sqlite3_finalize(p->aStmt[i]);
  ingest_reset_txn(p);
  usage_deriver_free(p->pDeriver);
  sqlite3_free(p->zSchema);
  sqlite3_free(p);
  return SQLITE_OK;
}

/* xBestIndex: usage_ingest narrows its scan by scope = and ranges of ts;
** the other tables are small and always read whole. */
static int ingest_best_index(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo) {
  IngestVtab *p = (IngestVtab *)pVtab;
  int i, idxNum = 0, aUse[3] = {-1, -1, -1}, nArg = 0;
  double cost = 1e6;
  if (p->pDef->xInsert == insert_fact) {
    for (i = 0; i < pInfo->nConstraint; i++) {
      const struct sqlite3_index_constraint *c = &pInfo->aConstraint[i];
      unsigned char op = c->op;
      if (!c->usable) continue;
      if (c->iColumn == IN_SCOPE && op == SQLITE_INDEX_CONSTRAINT_EQ && aUse[0] < 0) {
        aUse[0] = i;
      } else if (c->iColumn == IN_TS && aUse[1] < 0 &&
                 (op == SQLITE_INDEX_CONSTRAINT_GE || op == SQLITE_INDEX_CONSTRAINT_GT ||
                  op == SQLITE_INDEX_CONSTRAINT_EQ)) {
        aUse[1] = i;
      } else if (c->iColumn == IN_TS && aUse[2] < 0 &&
                 (op == SQLITE_INDEX_CONSTRAINT_LE || op == SQLITE_INDEX_CONSTRAINT_LT)) {
        aUse[2] = i;
      }
    }
    /* ts = ? narrows from both sides. */
    if (aUse[1] >= 0 && aUse[2] < 0 &&
        pInfo->aConstraint[aUse[1]].op == SQLITE_INDEX_CONSTRAINT_EQ) {
      aUse[2] = aUse[1];
    }
    for (i = 0; i < 3; i++) {
      if (aUse[i] < 0) continue;
      idxNum |= 1 << i;
      if (i == 2 && aUse[2] == aUse[1]) {
        continue; /* one argument serves both bounds; see ingest_filter */
      }
      pInfo->aConstraintUsage[aUse[i]].argvIndex = ++nArg;
      cost /= 8;
    }
  }
  pInfo->idxNum = idxNum;
  pInfo->estimatedCost = cost;
  pInfo->estimatedRows = (sqlite3_int64)cost;
  return SQLITE_OK;
}

/* xOpen. */
static int ingest_open(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCursor) {
  IngestCursor *pCur = sqlite3_malloc(sizeof(*pCur));
  (void)pVtab;
  if (pCur == 0) return SQLITE_NOMEM;
  memset(pCur, 0, sizeof(*pCur));
  *ppCursor = &pCur->base;
  return SQLITE_OK;
}

/* xClose. */
static int ingest_close(sqlite3_vtab_cursor *pCursor) {
  IngestCursor *pCur = (IngestCursor *)pCursor;
  sqlite3_finalize(pCur->pSelect);
  sqlite3_free(pCur);
  return SQLITE_OK;
}

/* xNext: the next row of the SELECT. */
static int ingest_next(sqlite3_vtab_cursor *pCursor) {
  IngestCursor *pCur = (IngestCursor *)pCursor;
  int rc = sqlite3_step(pCur->pSelect);
  if (rc == SQLITE_ROW) return SQLITE_OK;
  pCur->bEof = 1;
  if (rc == SQLITE_DONE) return SQLITE_OK;
  return db_error((IngestVtab *)pCursor->pVtab, sqlite3_reset(pCur->pSelect));
}

/* xFilter: prepare and start the scan. */
static int ingest_filter(sqlite3_vtab_cursor *pCursor, int idxNum,
                         const char *idxStr, int argc, sqlite3_value **argv) {
  IngestCursor *pCur = (IngestCursor *)pCursor;
  IngestVtab *p = (IngestVtab *)pCursor->pVtab;
  char *zSql;
  int rc, i, iParam = 0;
  (void)idxStr;
  sqlite3_finalize(pCur->pSelect);
  pCur->pSelect = 0;
  pCur->bEof = 0;
  if (p->pDef->zSelect) {
    zSql = sqlite3_mprintf(p->pDef->zSelect, p->zSchema, p->zSchema, p->zSchema,
                           p->zSchema);
  } else {
    zSql = ingest_select_sql(p->zSchema, idxNum);
  }
  if (zSql == 0) return SQLITE_NOMEM;
  rc = sqlite3_prepare_v2(p->db, zSql, -1, &pCur->pSelect, 0);
  sqlite3_free(zSql);
  if (rc != SQLITE_OK) return db_error(p, rc);
  for (i = 0; i < argc && rc == SQLITE_OK; i++) {
    rc = sqlite3_bind_value(pCur->pSelect, ++iParam, argv[i]);
  }
  /* One "ts = ?" argument bounds the scan from both sides. */
  if (rc == SQLITE_OK && (idxNum & SCAN_UPTO) && iParam < sqlite3_bind_parameter_count(pCur->pSelect)) {
    rc = sqlite3_bind_value(pCur->pSelect, ++iParam, argv[argc - 1]);
  }
  if (rc != SQLITE_OK) return db_error(p, rc);
  return ingest_next(pCursor);
}

/* xEof. */
static int ingest_eof(sqlite3_vtab_cursor *pCursor) {
  return ((IngestCursor *)pCursor)->bEof;
}

/* xColumn: column i of the table is column i+1 of the SELECT. */
static int ingest_column(sqlite3_vtab_cursor *pCursor, sqlite3_context *ctx,
                         int i) {
  IngestCursor *pCur = (IngestCursor *)pCursor;
  sqlite3_result_value(ctx, sqlite3_column_value(pCur->pSelect, i + 1));
  return SQLITE_OK;
}

/* xRowid: the stored row's own id. */
static int ingest_rowid(sqlite3_vtab_cursor *pCursor, sqlite3_int64 *pRowid) {
  *pRowid = sqlite3_column_int64(((IngestCursor *)pCursor)->pSelect, 0);
  return SQLITE_OK;
}

/* xUpdate: INSERT only; a failure inside a transaction dooms it. */
static int ingest_update(sqlite3_vtab *pVtab, int argc, sqlite3_value **argv,
                         sqlite3_int64 *pRowid) {
  IngestVtab *p = (IngestVtab *)pVtab;
  int rc;
  (void)pRowid;
  if (argc == 1 || sqlite3_value_type(argv[0]) != SQLITE_NULL) {
    return usage_vtab_error(&p->base, SQLITE_ERROR,
                            "%s: only INSERT is supported; change "
                            "stored rows in the tables themselves",
                            p->pDef->zName);
  }
  if (p->zFailure) return SQLITE_OK; /* the transaction will not commit */
  p->nRow++;
  rc = p->pDef->xInsert(p, &argv[2]);
  if (rc == SQLITE_OK) {
    p->cache.nChangeMark = sqlite3_total_changes(p->db);
    usage_deriver_mark(p->pDeriver);
  } else {
    cache_clear(&p->cache);
  }
  if (rc != SQLITE_OK && !sqlite3_get_autocommit(p->db)) {
    p->iFailedRow = p->nRow;
    p->zFailure = sqlite3_mprintf("%s", p->base.zErrMsg ? p->base.zErrMsg
                                                        : sqlite3_errstr(rc));
  }
  return rc;
}

/* xBegin: a new transaction starts clean. */
static int ingest_begin(sqlite3_vtab *pVtab) {
  ingest_reset_txn((IngestVtab *)pVtab);
  return SQLITE_OK;
}

/* xSync: refuse to commit a transaction in which a row failed. */
static int ingest_sync(sqlite3_vtab *pVtab) {
  IngestVtab *p = (IngestVtab *)pVtab;
  if (p->zFailure == 0) return SQLITE_OK;
  return usage_vtab_error(&p->base, SQLITE_ERROR,
                          "%s: nothing was committed, because row "
                          "%lld of this transaction failed: %s",
                          p->pDef->zName, p->iFailedRow, p->zFailure);
}

/* xCommit and xRollback: the transaction is over. */
static int ingest_end(sqlite3_vtab *pVtab) {
  ingest_reset_txn((IngestVtab *)pVtab);
  return SQLITE_OK;
}

/* xSavepoint and xRelease: nothing to do; the tables keep no rows. */
static int ingest_savepoint(sqlite3_vtab *pVtab, int iSavepoint) {
  (void)pVtab;
  (void)iSavepoint;
  return SQLITE_OK;
}

/* xRollbackTo: rows this statement created may be gone, so forget them. The
** doomed-transaction state stays: a failed row still fails the COMMIT. */
static int ingest_rollback_to(sqlite3_vtab *pVtab, int iSavepoint) {
  (void)iSavepoint;
  cache_clear(&((IngestVtab *)pVtab)->cache);
  usage_deriver_forget(((IngestVtab *)pVtab)->pDeriver);
  return SQLITE_OK;
}

/* The module shared by all five tables; pAux tells them apart. */
static const sqlite3_module ingestModule = {
  2,                 /* iVersion: savepoints reach xRollbackTo */
  ingest_connect,    /* xCreate: CREATE VIRTUAL TABLE aux.x USING x */
  ingest_connect,    /* xConnect */
  ingest_best_index, /* xBestIndex */
  ingest_disconnect, /* xDisconnect */
  ingest_disconnect, /* xDestroy */
  ingest_open,       /* xOpen */
  ingest_close,      /* xClose */
  ingest_filter,     /* xFilter */
  ingest_next,       /* xNext */
  ingest_eof,        /* xEof */
  ingest_column,     /* xColumn */
  ingest_rowid,      /* xRowid */
  ingest_update,     /* xUpdate */
  ingest_begin,      /* xBegin */
  ingest_sync,       /* xSync */
  ingest_end,        /* xCommit */
  ingest_end,        /* xRollback */
  0,                 /* xFindFunction */
  0,                 /* xRename */
  ingest_savepoint,  /* xSavepoint */
  ingest_savepoint,  /* xRelease */
  ingest_rollback_to, /* xRollbackTo */
  0                  /* xShadowName */
};

int usage_register_ingest(sqlite3 *db) {
  size_t i;
  for (i = 0; i < sizeof(aIngestDef) / sizeof(aIngestDef[0]); i++) {
    int rc = sqlite3_create_module(db, aIngestDef[i].zName, &ingestModule,
                                   (void *)&aIngestDef[i]);
    if (rc != SQLITE_OK) return rc;
  }
  return SQLITE_OK;
}
