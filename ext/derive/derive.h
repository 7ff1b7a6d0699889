/*
** derive/derive.h: deriving energy and carbon (derive/derive.c), shared by
** the parts that write facts (usage_ingest), power models and intensity
** periods (energy/energy.c) and settings (energy/config.c).
**
**   INSERT INTO usage_intensity VALUES
**     ('GB', '2024-03-01T10:00Z', '2024-03-01T10:30Z', 185, 'actual', 'api');
**   INSERT INTO usage_ingest(ts, scope, busy_cpu_seconds_total,
**                            idle_cpu_seconds_total)
**     VALUES ('2024-03-01T10:00:00Z', 'ada', 3600, 7200);
**   SELECT busy_kwh, busy_gCo2eq, carbon_source FROM fact_usage;
**
** A UsageDeriver belongs to one table (or one function call) on one
** connection and schema. It reads the settings, the power models and the
** intensity periods it needs, and keeps them while nothing else has written
** to the connection (sqlite3_total_changes() has not moved since the
** owner's last row) and no transaction boundary has passed.
*/
#ifndef USAGE_DERIVE_H
#define USAGE_DERIVE_H

#include "sqlite3ext.h"
#include "time/time.h"

/* Where a fact's carbon came from: fact_usage.carbon_source. */
typedef enum {
  USAGE_CARBON_GIVEN = 0,
  USAGE_CARBON_ACTUAL = 1,
  USAGE_CARBON_FORECAST = 2,
  USAGE_CARBON_DEFAULT = 3,
  USAGE_CARBON_MIXED = 4,
  USAGE_CARBON_NONE = 5
} UsageCarbonSource;

/* The text of a carbon source, e.g. "forecast". */
const char *usage_carbon_source_name(int eSource);

/* One fact, as derivation reads and completes it. The caller fills the
** inputs; usage_derive() fills the outputs of what the flags say is
** derived, and leaves given values alone. */
typedef struct UsageFact {
  int64_t t;               /* in: ts, unix seconds */
  int bMachine;            /* in: a machine-scope fact, of iMachine */
  sqlite3_int64 iMachine;  /* in: machine_id of a machine-scope fact */
  double busyCpu, idleCpu; /* in: CPU seconds */
  int bEnergyModel;        /* in: energy is derived (energy_source model) */
  int bCarbonDerived;      /* in: carbon is derived (not given) */
  int bIntensityGiven;     /* in: the row gave its own intensity */
  double busyKwh, idleKwh; /* in if given, else out */
  double busyG, idleG;     /* in if given, else out */
  int bIntensityNull;      /* in if given, else out */
  double intensity;        /* in if given, else out */
  int eCarbonSource;       /* out: UsageCarbonSource */
  double coverage;         /* out: carbon_coverage */
  double coveredKwh;       /* out: covered_kwh */
} UsageFact;

typedef struct UsageDeriver UsageDeriver;

/* A deriver for the usage schema zSchema on db; NULL when out of memory. */
UsageDeriver *usage_deriver_new(sqlite3 *db, const char *zSchema);
void usage_deriver_free(UsageDeriver *d);

/* What the xConnect of each table that writes facts shares: declare zDecl,
** mark the table innocuous, copy the schema name argv[1] to *pzSchema and
** make its deriver in *ppDeriver, which the caller then owns. On an error
** neither is set (*pzErr may name zTable). */
int usage_deriver_connect(sqlite3 *db, const char *zDecl, const char *zTable,
                          const char *const *argv, char **pzSchema,
                          UsageDeriver **ppDeriver, char **pzErr);

/* Forget everything read: a transaction began or ended, or a savepoint was
** rolled back. */
void usage_deriver_forget(UsageDeriver *d);

/* The owner wrote a row: what was read still holds. */
void usage_deriver_mark(UsageDeriver *d);

/* Complete a fact. Returns SQLITE_OK, or an error with *pzErr set (from
** sqlite3_mprintf, naming zTable) or SQLITE_NOMEM. */
int usage_derive(UsageDeriver *d, const char *zTable, UsageFact *f,
                 char **pzErr);

/* Which facts a re-derivation visits. */
#define USAGE_REDERIVE_ALL 0     /* every derived fact in the range */
#define USAGE_REDERIVE_MACHINE 1 /* machine-scope facts of iMachine only */
#define USAGE_REDERIVE_CARBON \
  2 /* every fact's carbon alone: the intensity
                                  ** series or a setting changed, not energy */

/* Re-derive, and store, every derived fact with ts in [tLo, tHi] (unix
** seconds, inclusive) that eWhich selects. Returns as usage_derive(). */
int usage_rederive(UsageDeriver *d, const char *zTable, int64_t tLo,
                   int64_t tHi, int eWhich, sqlite3_int64 iMachine,
                   char **pzErr);

/* The settings, read from usage_meta with their defaults: the region of
** the series facts use (a string owned by d, valid until the next call
** into d) and the fact interval in seconds. */
int usage_deriver_settings(UsageDeriver *d, const char **pzRegion,
                           int64_t *pInterval, char **pzErr);

/* How derivation rates one interval of a region's series: what a fact over
** that interval would be given (derive/series.c). */
typedef struct UsageRating {
  double intensity; /* time-weighted mean over the covered part, gCO2eq/kWh */
  double coverage;  /* the covered share of the interval, 0 to 1 */
  int eSource;      /* UsageCarbonSource: the one kind used, mixed, or none */
} UsageRating;

/* The periods of one region over a range, read once to rate many
** intervals inside it. */
typedef struct UsageSeries UsageSeries;

/* Read the periods of region zRegion that overlap [a, b) into *ppS, which
** the caller frees with usage_series_free(). Returns as usage_derive(). */
int usage_series_read(UsageDeriver *d, const char *zTable, const char *zRegion,
                      int64_t a, int64_t b, UsageSeries **ppS, char **pzErr);

/* Rate [a, b), which lies inside the range read, by the rule of
** usage_derive(). Returns SQLITE_OK or SQLITE_NOMEM. */
int usage_series_rate(UsageSeries *s, int64_t a, int64_t b, UsageRating *pR);

/* The length of the shortest period read, in seconds; 0 when none. */
int64_t usage_series_min_period(const UsageSeries *s);

void usage_series_free(UsageSeries *s);

#endif /* USAGE_DERIVE_H */
