/*
** derive/derive_state.h: the state of a deriver, shared by the two files of
** the derive part: derive/derive.c (one fact) and derive/rederive.c (stored
** facts after their inputs changed).
**
**   INSERT INTO usage_intensity VALUES
**     ('GB', '2024-03-01T10:00Z', '2024-03-01T10:30Z', 185, 'actual', '');
**   -- usage_rederive() then updates the facts of 2024-03-01 09:00 .. 10:00
*/
#ifndef USAGE_DERIVE_STATE_H
#define USAGE_DERIVE_STATE_H

#include "derive/derive.h"

/* The fact scopes, as fact_usage.scope spells them (derive/derive.c). This
** layer sits below the one that parses them (value/value.c), so it keeps
** the four texts. */
extern const char *const usage_derive_scope[4];
#define N_SCOPE 4
#define SCOPE_MACHINE 2

/* A region name longer than this is refused by usage_config(). */
#define REGION_MAX 256

/* One power model, as read from power_model. */
typedef struct Model {
  sqlite3_int64 iMachine; /* machine_id, or -1 for the platform default */
  int64_t tFrom;          /* valid_from */
  double busyW, idleW, pue;
} Model;

/* One intensity period overlapping the interval being derived. */
typedef struct Period {
  int64_t tStart, tEnd; /* [tStart, tEnd) */
  double g;             /* gCO2eq per kWh */
  int iKind;            /* 0 actual, 1 forecast, 2 default */
} Period;

/* The carbon of one interval: what every fact at one ts shares. */
typedef struct Carbon {
  int bValid; /* holds the result for t */
  int64_t t;
  double intensity; /* the mean over the covered part */
  double coverage;  /* 0 to 1 */
  int eSource;      /* UsageCarbonSource */
} Carbon;

/* The statements a deriver keeps. */
enum {
  DS_META,
  DS_MODELS,
  DS_PERIODS,
  DS_FACTS,
  DS_UPDATE,
  DS_TIMES,
  DS_CARBON,
  DS_COUNT
};

struct UsageDeriver {
  sqlite3 *db;
  char *zSchema;
  sqlite3_stmt *aStmt[DS_COUNT];
  int bLoaded;     /* settings and models are read */
  int nChangeMark; /* sqlite3_total_changes() when they were */
  char zRegion[REGION_MAX + 1];
  int64_t nInterval;  /* fact_interval in seconds */
  int64_t nMaxPeriod; /* no period is longer than this */
  Model *aModel;      /* sorted by (iMachine, tFrom) */
  int nModel;
  Period *aPeriod; /* scratch for one interval */
  int nPeriodAlloc;
  Carbon last; /* the last interval derived */
};

/* The statement iStmt, prepared on first use and kept. */
int usage_derive_stmt(UsageDeriver *d, int iStmt, sqlite3_stmt **ppStmt,
                      const char *zTable, char **pzErr);
/* Finish a statement's run: reset it, and turn a failure into *pzErr. */
int usage_derive_done(UsageDeriver *d, sqlite3_stmt *pStmt, int rc,
                      const char *zTable, char **pzErr);
/* Re-read the settings and models when another statement has written. */
int usage_derive_refresh(UsageDeriver *d, const char *zTable, char **pzErr);
/* The canonical text of t, clamped into the years 0000-9999. */
void usage_derive_time_text(int64_t t, char *zOut);
/* Read the periods of region zRegion that overlap [a, b) into d->aPeriod. */
int usage_derive_read_periods(UsageDeriver *d, const char *zTable,
                              const char *zRegion, int64_t a, int64_t b,
                              int *pnPeriod, char **pzErr);
/* The carbon of [a, b) from the n periods aP that overlap it: the rule. */
int usage_derive_sweep(const Period *aP, int n, int64_t a, int64_t b,
                       Carbon *c);
/* The carbon of the interval starting at t, reusing the last result. */
int usage_derive_carbon_at(UsageDeriver *d, const char *zTable, int64_t t,
                           const Carbon **ppC, char **pzErr);
/* Derive what the flags ask for, with the settings and models loaded. */
int usage_derive_loaded(UsageDeriver *d, const char *zTable, UsageFact *f,
                        char **pzErr);

#endif /* USAGE_DERIVE_STATE_H */
