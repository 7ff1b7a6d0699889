/*
** ingest/ingest.h: what the parts of the ingest tables share.
**
**   INSERT INTO usage_ingest(ts, scope, cloud_project_name, busy_kwh)
**     VALUES ('2024-03-01 10:00+01:00', 'project', 'physics', 1.5);
**   INSERT INTO usage_users VALUES ('alice', 'Alice A.', 'astro');
**
** The parts:
**   ingest/ingest.c       the module: statements, fields, scans, transactions
**   ingest/fact.c  INSERT INTO usage_ingest: the fact upsert
**   ingest/batch.c the facts of a multi-row INSERT, written in batches
**   ingest/dims.c  the dimension rows and the other four tables
**   ingest/check_rows.c  usage_ingest_check(): every problem of a staged table
*/
#ifndef USAGE_INGEST_H
#define USAGE_INGEST_H

#include <assert.h>

#include "amounts/amounts.h"
#include "derive/derive.h"
#include "hash/hash.h"
#include "sqlite3ext.h"
#include "time/time.h"
#include "value/value.h"
#include "vtab/vtab.h"

typedef struct IngestDef IngestDef;
typedef struct IngestVtab IngestVtab;

/* The statements the insert paths run, prepared once per table. */
enum {
  ST_PROJECT_FIND,
  ST_PROJECT_ADD,
  ST_MACHINE_FIND,
  ST_MACHINE_ADD,
  ST_GROUP_FIND,
  ST_GROUP_ADD,
  ST_USER_FIND,
  ST_USER_ADD,
  ST_USER_UPSERT,
  ST_FACT_UPSERT,
  ST_MAP_USER_PROJECT,
  ST_MAP_PROJECT_MACHINE,
  ST_INSTANCE_ADD,
  ST_WORKSPACE_ADD,
  ST_COUNT
};

/* The statements that find a dimension row by name, each followed by the
** one that adds it; the name cache keeps one table per _FIND. */
_Static_assert(ST_PROJECT_FIND == 0 && ST_MACHINE_FIND == 2 &&
                   ST_GROUP_FIND == 4 && ST_USER_FIND == 6,
               "_FIND statements are even, _ADD follows");
#define DIM_NKIND 4

/* One writable table: its columns, its rows, and how an INSERT lands. */
struct IngestDef {
  const char *zName;   /* table and module name */
  const char *zDecl;   /* declaration for sqlite3_declare_vtab() */
  const char *zSelect; /* rowid then the columns; each "%w" is the schema */
  int (*xInsert)(IngestVtab *, sqlite3_value **);
};

/* Names already resolved by this statement, so a bulk INSERT looks each
** dimension row up once rather than once per fact. It is emptied whenever
** anything else may have changed those rows: a new statement (the total
** change count moved), an error, a rollback of any depth, or a commit. */
typedef struct DimCache {
  UsageHash aName[DIM_NKIND]; /* by _FIND / 2: name -> index in aId */
  sqlite3_int64 *aId;         /* the ids */
  int nId, nIdAlloc;
  int nChangeMark; /* sqlite3_total_changes() after our last row */
} DimCache;

/* Columns of usage_ingest, in order. */
enum {
  IN_TS,
  IN_SCOPE,
  IN_PROJECT,
  IN_MACHINE,
  IN_USER,
#define IN_COL_ENUM(NAME, zCol) IN_##NAME,
  USAGE_AMOUNTS(IN_COL_ENUM)
#undef IN_COL_ENUM
      IN_INTENSITY,
  IN_NCOL
};
_Static_assert(IN_IDLE_G - IN_BUSY_CPU + 1 == USAGE_NAMOUNT,
               "the amounts are adjacent columns");
_Static_assert(IN_MACHINE - IN_PROJECT + USAGE_SCOPE_PROJECT ==
                   USAGE_SCOPE_MACHINE,
               "key columns follow the scopes");
_Static_assert(USAGE_SCOPE_USER == USAGE_SCOPE_PROJECT + 2 &&
                   IN_USER == IN_PROJECT + 2,
               "key i of project, machine, user has scope PROJECT + i");

/* What the fact upsert's parameters hold, so a row rebinds only those that
** changed (bindings stay across sqlite3_reset). All zero (FB_UNKNOWN) for
** a newly prepared statement or after its bindings are cleared. */
typedef struct FactBinds {
  char zTs[USAGE_TS_LEN + 1];   /* ?1, bound from here with its NUL */
  int eScope;                   /* ?2, bound as its static name */
  unsigned char aKind[IN_NCOL]; /* FB_UNKNOWN, FB_NULL or FB_VALUE */
  sqlite3_int64 aId[IN_NCOL];   /* ?3 ?4: the bound project, machine id */
  double aAmount[IN_NCOL];      /* ?6 .. ?12: the bound amounts */
  int bProvenance;              /* ?13 ?14 ?15 ?17 hold the values below */
  const char *zEnergySource;    /* ?13 */
  const char *zCarbonSource;    /* ?14 */
  double coverage;              /* ?15 */
  int bIntensityGiven;          /* ?17 */
} FactBinds;

/* The fact upsert, around its rows of FACT_NPARAM parameters each:
** FACT_UPSERT_HEAD "(?1, ..., ?17)" FACT_UPSERT_TAIL. "%w" is the schema. */
#define FACT_NPARAM 17
#define IN_SET_ITEM(NAME, zCol) zCol " = excluded." zCol ", "
#define FACT_UPSERT_HEAD                                                \
  "INSERT INTO \"%w\".fact_usage(ts, scope, project_id, machine_id, "   \
  "user_id, " USAGE_AMOUNT_LIST "intensity_gCo2eq_kwh, energy_source, " \
  "carbon_source, carbon_coverage, covered_kwh, intensity_given) VALUES "
#define FACT_SET_AMOUNTS USAGE_AMOUNTS(IN_SET_ITEM)
#define FACT_UPSERT_TAIL                                   \
  " ON CONFLICT(scope, ts, COALESCE(project_id, -1), "     \
  "COALESCE(machine_id, -1), COALESCE(user_id, '')) "      \
  "DO UPDATE SET " FACT_SET_AMOUNTS                        \
  "intensity_gCo2eq_kwh = excluded.intensity_gCo2eq_kwh, " \
  "energy_source = excluded.energy_source, "               \
  "carbon_source = excluded.carbon_source, "               \
  "carbon_coverage = excluded.carbon_coverage, "           \
  "covered_kwh = excluded.covered_kwh, "                   \
  "intensity_given = excluded.intensity_given"

/* One checked fact, resolved and derived: the values of the upsert's
** parameters. zUser points at the row's own text, or (held in a batch) is
** 0 with the text at iUser in the batch's arena. */
typedef struct FactRow {
  char zTs[USAGE_TS_LEN + 1]; /* ?1 */
  int eScope;                 /* ?2 */
  sqlite3_int64 aId[2];       /* ?3 ?4: project, machine id (by scope) */
  const char *zUser;          /* ?5, or 0 */
  int nUser, iUser;           /* its length; its offset in a batch */
  int aIsNull[IN_NCOL];       /* ?6 .. ?12: NULL or aAmount[] */
  double aAmount[IN_NCOL];
  const char *zEnergySource; /* ?13 */
  const char *zCarbonSource; /* ?14 */
  double coverage;           /* ?15 */
  double coveredKwh;         /* ?16 */
  int bIntensityGiven;       /* ?17 */
} FactRow;

/* The facts of one statement held back to be written BATCH_ROWS at a time
** (ingest/batch.c). iLevel is the savepoint whose end writes them,
** -1 for the commit of an autocommit statement. Of the open savepoints,
** aStmt[i] tells whether savepoint i is a statement's, and aMark[i] how
** many facts were held when it opened. */
#define BATCH_ROWS 64
#define BATCH_DEPTH 32
typedef struct FactBatch {
  FactRow *aRow; /* the held facts, oldest first */
  int nRow, nRowAlloc;
  int iLevel;   /* where they are written; see above */
  char *zArena; /* their user_id texts */
  int nArena, nArenaAlloc;
  sqlite3_stmt *pInsert; /* the BATCH_ROWS-row upsert */
  int iTop;              /* innermost open savepoint, -1 for none */
  unsigned char aStmt[BATCH_DEPTH];
  int aMark[BATCH_DEPTH];
  int nOwn; /* ingest_stmt_run running: its savepoints are ignored */
} FactBatch;

/* A table on one connection and schema. */
struct IngestVtab {
  sqlite3_vtab base;             /* base class: must be first */
  sqlite3 *db;                   /* the connection */
  const IngestDef *pDef;         /* which table this is */
  char *zSchema;                 /* schema its rows live in */
  sqlite3_stmt *aStmt[ST_COUNT]; /* prepared on first use */
  sqlite3_int64 nRow;            /* rows inserted in this transaction */
  sqlite3_int64 iFailedRow;      /* the row that failed, or 0 */
  char *zFailure;         /* its error, kept until the transaction ends */
  DimCache cache;         /* names resolved by the current statement */
  FactBinds binds;        /* what ST_FACT_UPSERT's parameters hold */
  FactBatch batch;        /* facts held back by a multi-row INSERT */
  UsageDeriver *pDeriver; /* energy and carbon a row leaves out */
};

/* What a FactBinds slot knows about its parameter. */
#define FB_UNKNOWN 0 /* nothing: bind it */
#define FB_NULL 1    /* NULL */
#define FB_VALUE 2   /* the value kept in FactBinds (or, for ?5, none kept) */

/* ---- ingest/ingest.c ---------------------------------------------------- */

/* Report that field zField got a bad value, with why. */
int ingest_field_error(IngestVtab *p, const char *zField, sqlite3_value *pVal,
                       const char *zWhy);
/* Report the connection's last error under this table's name. */
int ingest_db_error(IngestVtab *p, int rc);
/* The statement iStmt, prepared on first use and reset for reuse. */
int ingest_stmt_get(IngestVtab *p, int iStmt, sqlite3_stmt **ppStmt);
/* Step a bound statement to its end: SQLITE_ROW (*pId set) or _DONE. */
int ingest_stmt_run(IngestVtab *p, sqlite3_stmt *pStmt, sqlite3_int64 *pId);
/* A name field: NULL or '' give *pz = NULL; else text, checked. */
int ingest_arg_name(IngestVtab *p, sqlite3_value *pVal, const char *zField,
                    int bRequired, const char **pz, int *pn);
/* A timestamp field, as canonical text in zOut. */
int ingest_arg_time(IngestVtab *p, sqlite3_value *pVal, const char *zField,
                    char *zOut);

/* ---- ingest/fact.c ----------------------------------------------- */

/* INSERT INTO usage_ingest. */
int insert_fact(IngestVtab *p, sqlite3_value **a);
/* An amount field: a finite number >= 0, NULL or '' meaning zero (or NULL
** where bNullable). */
int ingest_arg_amount(IngestVtab *p, sqlite3_value *pVal, const char *zField,
                      int bNullable, int *pIsNull, double *pR);
/* The names of usage_ingest's columns, in order. */
extern const char *const azIngestCol[IN_NCOL];
/* Bind a fact to the one-row upsert and run it. */
int fact_write(IngestVtab *p, const FactRow *f);

/* ---- ingest/check_rows.c ------------------------------------------ */

/* Register the table-valued function usage_ingest_check. */
int ingest_check_register(sqlite3 *db);

/* ---- ingest/batch.c ---------------------------------------------- */

/* Write the fact now, or hold it for the batch it belongs to. */
int batch_fact(IngestVtab *p, const FactRow *f);
/* Write every held fact. */
int batch_flush(IngestVtab *p);
/* Free what the batch holds. */
void batch_free(FactBatch *b);
/* The savepoint callbacks: what they mean for the held facts. */
int batch_savepoint(IngestVtab *p, int iSavepoint);
int batch_release(IngestVtab *p, int iSavepoint);
void batch_rollback_to(IngestVtab *p, int iSavepoint);
/* A transaction starts or ends: nothing is held, no savepoint is open. */
void batch_reset(FactBatch *b);

/* ---- ingest/dims.c ----------------------------------------------- */

/* Forget every remembered name. */
void ingest_cache_clear(DimCache *c);
/* The id of a named dimension row, creating the row when it is missing. */
int ingest_dim_id(IngestVtab *p, int iFind, const char *zName, int nName,
                  sqlite3_int64 *pId);
/* INSERT INTO usage_users, usage_user_projects, usage_project_machines
** and usage_workspaces. */
int insert_user(IngestVtab *p, sqlite3_value **a);
int insert_user_project(IngestVtab *p, sqlite3_value **a);
int insert_project_machine(IngestVtab *p, sqlite3_value **a);
int insert_workspace(IngestVtab *p, sqlite3_value **a);

#endif /* USAGE_INGEST_H */
