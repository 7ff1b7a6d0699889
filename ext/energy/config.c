/*
** energy/config.c: usage_config(), the per-database settings of derivation.
**
**   SELECT usage_config('region');                     -- 'GB'
**   SELECT usage_config('fact_interval', '15 minutes'); -- '15 minutes'
**   SELECT usage_config('fact_interval');              -- '15 minutes'
**   SELECT usage_config('rollup_tz', 'Europe/London'); -- 'Europe/London'
**
** The settings live in usage_meta (key 'region' or 'fact_interval'); a
** missing key means its default. region names the intensity series facts
** use (default 'GB'); fact_interval is how long a fact lasts: a row at ts
** covers [ts, ts + fact_interval) (default '1 hour', any fixed width that
** usage_bucket() takes, such as '30 minutes' or '1 day'); rollup_tz is
** the reporting zone whose local days and months the rollups hold
** (default 'UTC'; '' also means UTC and reads back as 'UTC').
**
** Setting a value re-derives, in the same statement, every fact whose
** energy or carbon is derived, so no fact keeps a result of the old
** setting. Changing rollup_tz instead discards the rollups and resets every
** watermark, so nothing is read from them until usage_refresh() rebuilds
** them in the new zone (reads stay exact meanwhile); setting the value it
** already has changes nothing. The write and what follows it run in one
** savepoint: an error
** leaves the database as it was. Setting writes, so the two-argument form
** and reading are SQLITE_DIRECTONLY: they read and write usage_meta, which
** a view or a trigger has no business doing. Both act on main.
*/
#include <string.h>

#include "derive/derive.h"
#include "rollzone/rollup_zone.h"
#include "usage_register.h"
#include "value/value.h"
#include "vtab/vtab.h"
SQLITE_EXTENSION_INIT3

/* The settings, with their defaults. */
static const struct {
  const char *zName;
  const char *zDefault;
} aSetting[] = {
    {"region", "GB"},
    {"fact_interval", "1 hour"},
    {USAGE_ROLLUP_TZ_KEY, USAGE_ROLLUP_TZ_UTC},
};

/* The index of region and of rollup_tz in aSetting. */
#define I_REGION 0
#define I_ROLLUP_TZ 2
#define N_SETTING ((int)(sizeof(aSetting) / sizeof(aSetting[0])))

/* The index of the setting named by v, or -1 with the error set. */
static int setting_index(sqlite3_context *ctx, sqlite3_value *v) {
  const char *z = (const char *)sqlite3_value_text(v);
  int i;
  char *zRepr;
  if (sqlite3_value_type(v) == SQLITE_TEXT && z) {
    for (i = 0; i < N_SETTING; i++) {
      if (strcmp(z, aSetting[i].zName) == 0) return i;
    }
  }
  zRepr = usage_value_repr(v);
  usage_result_error(
      ctx, zRepr ? sqlite3_mprintf("usage_config: name must be 'region', "
                                   "'fact_interval' or 'rollup_tz', got %s",
                                   zRepr)
                 : 0);
  sqlite3_free(zRepr);
  return -1;
}

/* Check a value for setting i; 0 when good, else 1 with the error set. */
static int value_check(sqlite3_context *ctx, int i, sqlite3_value *v) {
  const char *z = (const char *)sqlite3_value_text(v);
  int n = sqlite3_value_bytes(v);
  const char *zWhy = "must be text";
  char *zRepr;
  if (sqlite3_value_type(v) == SQLITE_TEXT && z) {
    if (i == 0) {
      if (n > 0 && n <= USAGE_NAME_MAX) return 0;
      zWhy = "must be a name of 1 to 256 bytes";
    } else if (i == I_ROLLUP_TZ) {
      if (usage_rollup_tz_is_utc(z, n) || usage_zone_find(z, n) >= 0) return 0;
      zRepr = usage_value_repr(v);
      usage_result_error(ctx, zRepr
                                  ? sqlite3_mprintf("usage_config: rollup_tz: "
                                                    "unknown time zone %s",
                                                    zRepr)
                                  : 0);
      sqlite3_free(zRepr);
      return 1;
    } else {
      UsageWidth w;
      if (usage_width_parse(z, n, &w, &zWhy) == 0) {
        if (w.eKind == USAGE_WIDTH_SECONDS) return 0;
        zWhy = "must be a fixed width such as '1 hour', not months";
      }
    }
  }
  zRepr = usage_value_repr(v);
  usage_result_error(ctx, zRepr
                              ? sqlite3_mprintf("usage_config: %s %s, got %s",
                                                aSetting[i].zName, zWhy, zRepr)
                              : 0);
  sqlite3_free(zRepr);
  return 1;
}

/* Run one statement with up to two bound texts; *pzOut gets column 0 of its
** row (from sqlite3_mprintf) when pzOut is given and there is a row. */
static int run_sql(sqlite3 *db, const char *zSql, const char *z1,
                   const char *z2, char **pzOut) {
  sqlite3_stmt *pStmt = 0;
  int rc = sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0);
  if (rc == SQLITE_OK && z1)
    rc = sqlite3_bind_text(pStmt, 1, z1, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK && z2)
    rc = sqlite3_bind_text(pStmt, 2, z2, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(pStmt);
    if (rc == SQLITE_ROW && pzOut) {
      const char *zVal = (const char *)sqlite3_column_text(pStmt, 0);
      *pzOut = zVal ? sqlite3_mprintf("%s", zVal) : 0;
      if (zVal && *pzOut == 0) rc = SQLITE_NOMEM;
    }
    if (rc == SQLITE_ROW || rc == SQLITE_DONE) rc = SQLITE_OK;
  }
  sqlite3_finalize(pStmt);
  return rc;
}

/* The connection's error under the function's name; a missing schema says
** to run usage_init(). From sqlite3_mprintf, NULL when out of memory. */
static char *config_db_message(sqlite3 *db) {
  char *zMsg = sqlite3_mprintf("%s", sqlite3_errmsg(db));
  char *zMissing = usage_schema_missing(db, zMsg);
  char *zOut = sqlite3_mprintf("usage_config: %s", zMissing ? zMissing : zMsg);
  sqlite3_free(zMissing);
  sqlite3_free(zMsg);
  return zOut;
}

/* Set the result to the connection's error, under the function's name. */
static void db_error(sqlite3_context *ctx, sqlite3 *db) {
  usage_result_error(ctx, config_db_message(db));
}

/* usage_config(name): the value of a setting, or its default. */
static void fn_config_get(sqlite3_context *ctx, int argc,
                          sqlite3_value **argv) {
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  char *zVal = 0;
  int i = setting_index(ctx, argv[0]);
  (void)argc;
  if (i < 0) return;
  if (run_sql(db, "SELECT value FROM main.usage_meta WHERE key = ?1",
              aSetting[i].zName, 0, &zVal) != SQLITE_OK) {
    db_error(ctx, db);
    return;
  }
  if (zVal) {
    sqlite3_result_text(ctx, zVal, -1, sqlite3_free);
  } else {
    sqlite3_result_text(ctx, aSetting[i].zDefault, -1, SQLITE_STATIC);
  }
}

/* A region with no intensity periods while others have some would turn
** every derived fact's carbon to unknown: refused, naming the regions that
** have periods. A database with no periods at all takes any region. */
static int config_region_check(sqlite3 *db, const char *zRegion, char **pzErr) {
  char *zHave = 0;
  int rc = run_sql(
      db,
      "SELECT CASE WHEN EXISTS (SELECT 1 FROM main.grid_intensity) AND NOT "
      "EXISTS (SELECT 1 FROM main.grid_intensity WHERE region = ?1) THEN "
      "(SELECT group_concat(quote(region), ', ') FROM (SELECT DISTINCT region "
      "FROM main.grid_intensity ORDER BY region)) END",
      zRegion, 0, &zHave);
  if (rc != SQLITE_OK) {
    *pzErr = config_db_message(db);
    return rc;
  }
  if (zHave == 0) return SQLITE_OK;
  *pzErr = sqlite3_mprintf(
      "usage_config: no intensity periods for region '%q'; regions with "
      "periods: %s (load the new region's periods into usage_intensity "
      "first)",
      zRegion, zHave);
  sqlite3_free(zHave);
  return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
}

/* Store the value and re-derive every derived fact; SQLITE_OK or an error
** with *pzErr set. */
static int config_store(sqlite3 *db, int i, const char *zValue, char **pzErr) {
  UsageDeriver *d;
  int rc = i == I_REGION ? config_region_check(db, zValue, pzErr) : SQLITE_OK;
  if (rc != SQLITE_OK) return rc;
  rc = run_sql(db,
               "INSERT INTO main.usage_meta(key, value) VALUES (?1, ?2) "
               "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
               aSetting[i].zName, zValue, 0);
  if (rc != SQLITE_OK) {
    *pzErr = config_db_message(db);
    return rc;
  }
  d = usage_deriver_new(db, "main");
  if (d == 0) return SQLITE_NOMEM;
  rc = usage_rederive(d, "usage_config", USAGE_TS_MIN, USAGE_TS_MAX,
                      USAGE_REDERIVE_CARBON, 0, pzErr);
  usage_deriver_free(d);
  return rc;
}

/* Store a new rollup_tz and discard the rollups built in the old zone;
** the same zone again changes nothing. */
static int config_rollup_tz(sqlite3 *db, const char *zValue, char **pzErr) {
  static const char *const azReset[] = {
      "DELETE FROM main.usage_rollup_day",
      "DELETE FROM main.usage_rollup_month",
      "DELETE FROM main.usage_rollup_dirty",
      "UPDATE main.usage_rollup_state SET watermark = NULL",
  };
  const char *zNew = zValue[0] ? zValue : USAGE_ROLLUP_TZ_UTC;
  char *zOld = 0;
  int i, rc = usage_rollup_tz_read(db, "main", &zOld);
  if (rc == SQLITE_OK && strcmp(zOld, zNew) != 0) {
    rc = run_sql(db,
                 "INSERT INTO main.usage_meta(key, value) VALUES (?1, ?2) "
                 "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                 USAGE_ROLLUP_TZ_KEY, zNew, 0);
    for (i = 0; rc == SQLITE_OK && i < 4; i++) {
      rc = run_sql(db, azReset[i], 0, 0, 0);
    }
  }
  sqlite3_free(zOld);
  if (rc != SQLITE_OK && rc != SQLITE_NOMEM) {
    *pzErr = config_db_message(db);
  }
  return rc;
}

/* usage_config(name, value): set a setting; returns the value. */
static void fn_config_set(sqlite3_context *ctx, int argc,
                          sqlite3_value **argv) {
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  char *zErr = 0;
  int i = setting_index(ctx, argv[0]), rc;
  (void)argc;
  if (i < 0 || value_check(ctx, i, argv[1])) return;
  if (sqlite3_exec(db, "SAVEPOINT usage_config", 0, 0, 0) != SQLITE_OK) {
    db_error(ctx, db);
    return;
  }
  rc = i == I_ROLLUP_TZ
           ? config_rollup_tz(db, (const char *)sqlite3_value_text(argv[1]),
                              &zErr)
           : config_store(db, i, (const char *)sqlite3_value_text(argv[1]),
                          &zErr);
  if (rc == SQLITE_OK) {
    rc = sqlite3_exec(db, "RELEASE usage_config", 0, 0, 0);
    if (rc != SQLITE_OK)
      zErr = sqlite3_mprintf("usage_config: %s", sqlite3_errmsg(db));
  } else {
    sqlite3_exec(db, "ROLLBACK TO usage_config", 0, 0, 0);
    sqlite3_exec(db, "RELEASE usage_config", 0, 0, 0);
  }
  if (rc != SQLITE_OK) {
    usage_result_error(ctx, zErr);
    return;
  }
  sqlite3_result_value(ctx, argv[1]);
}

int usage_register_config(sqlite3 *db) {
  int rc = sqlite3_create_function(db, "usage_config", 1,
                                   SQLITE_UTF8 | SQLITE_DIRECTONLY, 0,
                                   fn_config_get, 0, 0);
  if (rc == SQLITE_OK) {
    rc = sqlite3_create_function(db, "usage_config", 2,
                                 SQLITE_UTF8 | SQLITE_DIRECTONLY, 0,
                                 fn_config_set, 0, 0);
  }
  return rc;
}
