/*
** energy/energy.h: what the two files of the energy tables share:
** energy/energy.c (the module, field checks, statements),
** energy/energy_rows.c (what an INSERT or DELETE of a model or period does)
** and energy/embodied_rows.c (the same for an embodied model).
**
**   INSERT INTO usage_power_models VALUES (NULL, '2024-01-01', 12, 1, 1.2, '');
**   INSERT INTO usage_intensity VALUES
**     ('GB', '2024-03-01T10:00Z', '2024-03-01T10:30Z', 185, 'actual', '');
*/
#ifndef USAGE_ENERGY_H
#define USAGE_ENERGY_H

#include "derive/derive.h"
#include "value/value.h"
#include "vtab/vtab.h"

typedef struct EnergyDef EnergyDef;
typedef struct EnergyVtab EnergyVtab;

/* The statements the write paths run; each "%w" is the schema. */
enum {
  EST_MACHINE_FIND,
  EST_MACHINE_ADD,
  EST_MODEL_UPSERT,
  EST_MODEL_NEXT,
  EST_MODEL_GET,
  EST_MODEL_DELETE,
  EST_PERIOD_GET,
  EST_PERIOD_UPSERT,
  EST_PERIOD_BY_ID,
  EST_PERIOD_DELETE,
  EST_MAX_PERIOD,
  EST_EMB_UPSERT,
  EST_EMB_NEXT,
  EST_EMB_GET,
  EST_EMB_DELETE,
  EST_COUNT
};

/* One table: its columns, rows, and how a row is written and removed. */
struct EnergyDef {
  const char *zName;   /* table and module name */
  const char *zDecl;   /* for sqlite3_declare_vtab() */
  const char *zSelect; /* rowid then the columns; each "%w" is the schema */
  int (*xInsert)(EnergyVtab *, sqlite3_value **);
  int (*xDelete)(EnergyVtab *, sqlite3_int64);
};

/* A table on one connection and schema. */
struct EnergyVtab {
  sqlite3_vtab base; /* base class: must be first */
  sqlite3 *db;
  const EnergyDef *pDef;
  char *zSchema;
  sqlite3_stmt *aStmt[EST_COUNT]; /* prepared on first use */
  UsageDeriver *pDeriver;         /* re-derives the facts a change covers */
  int bPending;                   /* facts with ts in [tPendLo, tPendHi] */
  int64_t tPendLo, tPendHi;       /* wait for re-derivation at xSync */
};

/* ---- energy/energy.c ----------------------------------------------------- */

/* Report that field zField got a bad value, with why. */
int energy_field_error(EnergyVtab *p, const char *zField, sqlite3_value *pVal,
                       const char *zWhy);
/* Report the connection's last error under this table's name. */
int energy_db_error(EnergyVtab *p, int rc);
/* Take over a message of the deriver as this table's error. */
int energy_derive_error(EnergyVtab *p, int rc, char *zErr);
/* The statement iStmt, prepared on first use and kept. */
int energy_stmt_get(EnergyVtab *p, int iStmt, sqlite3_stmt **ppStmt);
/* Step a bound statement: SQLITE_ROW (kept on it when bKeep) or _DONE. */
int energy_stmt_run(EnergyVtab *p, sqlite3_stmt *pStmt, int bKeep);
/* A text field: NULL or '' give *pz = NULL; required when bRequired. */
int energy_arg_text(EnergyVtab *p, sqlite3_value *pVal, const char *zField,
                    int bRequired, const char **pz, int *pn);
/* A required timestamp field: unix seconds and the canonical text. */
int energy_arg_time(EnergyVtab *p, sqlite3_value *pVal, const char *zField,
                    int64_t *pT, char *zOut);
/* A number field, finite and >= rMin; NULL gives rDefault (< 0: required). */
int energy_arg_number(EnergyVtab *p, sqlite3_value *pVal, const char *zField,
                      double rMin, double rDefault, double *pR);

/* ---- energy/energy_rows.c ------------------------------------------------ */

/* INSERT and DELETE of usage_power_models and usage_intensity. */
int insert_model(EnergyVtab *p, sqlite3_value **a);
int delete_model(EnergyVtab *p, sqlite3_int64 iRow);
int insert_period(EnergyVtab *p, sqlite3_value **a);
int delete_period(EnergyVtab *p, sqlite3_int64 iRow);
/* Re-derive the carbon of the facts waiting for xSync. */
int pending_flush(EnergyVtab *p);
/* The id of a machine by name, creating its dim_machine row if missing. */
int energy_machine_id(EnergyVtab *p, const char *z, int n, sqlite3_int64 *pId);

/* Write one model row (machine id or -1 for the default, valid_from, its
** three numbers, source or NULL) with the upsert eStmt: the power models
** and the embodied models share this shape. SQLITE_DONE on success. */
int energy_model_upsert(EnergyVtab *p, int eStmt, sqlite3_int64 iMachine,
                        const char *zFrom, const double *aNum,
                        const char *zSource, int nSource);

/* ---- energy/embodied_rows.c ---------------------------------------------- */

/* INSERT and DELETE of usage_embodied_models. */
int insert_embodied(EnergyVtab *p, sqlite3_value **a);
int delete_embodied(EnergyVtab *p, sqlite3_int64 iRow);

#endif /* USAGE_ENERGY_H */
