/*
** scenarios.c: the workloads whose every fault point the suites try.
**
** A new workload is one more entry in oom[] or io[] below (e.g. the
** intensity-driven re-derivation as an INSERT INTO usage_intensity).
** Amounts are exact binary fractions, so every total is exact and the
** I/O checks can compare sums with ==.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"

#define N_ROWS_200 200 /* the bulk ingest of the out-of-memory suite */
#define N_CSV 20       /* rows of the .import-shaped load */
#define N_BATCH 6      /* batches of the I/O suite */
#define BATCH_ROWS 25  /* rows per batch */

/* A copy of z on the heap (never freed: the scenarios live as long as the
** host, and stay reachable for LeakSanitizer). */
static char *dup(const char *z) {
  size_t n = strlen(z) + 1;
  char *p = malloc(n);
  if (p) memcpy(p, z, n);
  return p;
}

/* A step list of n plain SQL steps. */
static Step *steps(int n, const char *const *az) {
  Step *a = calloc((size_t)n, sizeof(Step));
  int i;
  for (i = 0; a && i < n; i++) a[i].zSql = az[i];
  return a;
}

/* The facts every ingest workload starts from, so some names exist. */
static const char zBase[] =
    "SELECT usage_init();"
    "INSERT INTO usage_users VALUES ('u0', 'User 0', 'g0'), ('u1', NULL, 'g1');"
    "INSERT INTO usage_ingest(ts, scope, cloud_project_name, busy_kwh, idle_kwh)"
    "  VALUES ('2024-02-01T00:00:00Z', 'project', 'p0', 0.5, 0.25);"
    "INSERT INTO usage_ingest(ts, scope, user_id, busy_kwh)"
    "  VALUES ('2024-02-01T00:00:00Z', 'user', 'u0', 1.5);";

/* Facts whose energy comes from CPU seconds and the default power model,
** with no intensity yet (carbon 'none'): what re-derivation works on. */
static const char zDerivedSetup[] =
    "SELECT usage_init();"
    "WITH RECURSIVE h(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM h WHERE i < 5)"
    "  INSERT INTO usage_ingest(ts, scope, cloud_project_name, machine_name,"
    "    busy_cpu_seconds_total, idle_cpu_seconds_total)"
    "  SELECT printf('2024-03-01T%02d:00:00Z', i), s.scope, s.p, s.m,"
    "    3600.0 * (i + 1), 7200.0"
    "  FROM h, (SELECT 'project' AS scope, 'p0' AS p, NULL AS m"
    "           UNION ALL SELECT 'machine', NULL, 'node-0') AS s;";

/* A version-1 database: migration 1 as a plain sqlite3 runs it, version 1
** recorded, and facts (as tests/sql/t_sql_core makes one). */
static const char zV1[] =
    "INSERT INTO usage_meta VALUES ('schema_version', 1);"
    "INSERT INTO dim_project(cloud_project_name) VALUES ('old'), ('older');"
    "INSERT INTO fact_usage(ts, scope, project_id, busy_kwh, idle_kwh) VALUES"
    "  ('2020-01-01T00:00:00Z', 'project', 1, 2.5, 0.5),"
    "  ('2020-01-02T00:00:00Z', 'project', 2, 1.25, 0.0);";
#define V1_KWH 4.25

/* 200 facts over the three keyed scopes, naming new projects, machines and
** users as they go. */
static const char zIngest200[] =
    "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 199) "
    "INSERT INTO usage_ingest(ts, scope, cloud_project_name, machine_name, user_id,"
    "  busy_cpu_seconds_total, busy_kwh, idle_kwh, busy_gCo2eq) "
    "SELECT printf('2024-03-%02d %02d:00', 1 + i / 24, i % 24),"
    "  CASE i % 3 WHEN 0 THEN 'project' WHEN 1 THEN 'machine' ELSE 'user' END,"
    "  CASE i % 3 WHEN 0 THEN 'proj-' || (i % 17) END,"
    "  CASE i % 3 WHEN 1 THEN 'node-' || (i % 13) END,"
    "  CASE i % 3 WHEN 2 THEN 'user-' || (i % 11) END,"
    "  i * 60, (i % 8) * 0.125, (i % 4) * 0.0625, i * 0.5 FROM n";

/* Data for the usage_buckets workload: every scope, groups, several days. */
static const char zBucketData[] =
    "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 95) "
    "INSERT INTO usage_ingest(ts, scope, cloud_project_name, machine_name, user_id,"
    "  busy_kwh, idle_kwh, busy_gCo2eq) "
    "SELECT printf('2024-03-%02d %02d:00', 1 + i / 24, i % 24),"
    "  CASE i % 4 WHEN 0 THEN 'ada' WHEN 1 THEN 'project' WHEN 2 THEN 'machine'"
    "  ELSE 'user' END,"
    "  CASE i % 4 WHEN 1 THEN 'p' || (i % 3) END,"
    "  CASE i % 4 WHEN 2 THEN 'm' || (i % 3) END,"
    "  CASE i % 4 WHEN 3 THEN 'u' || (i % 3) END,"
    "  (i % 8) * 0.125, 0.25, i * 2.0 FROM n;"
    "INSERT INTO usage_users VALUES ('u2', NULL, 'g1');";

/* One query per scope, fill 'zero', with key filters of each shape. */
static const char *const azBuckets[] = {
    "SELECT * FROM usage_buckets('ada', 'day', '2024-03-01', '2024-03-06', 'zero')"
    " WHERE key = 'ada'",
    "SELECT * FROM usage_buckets('project', 'day', '2024-03-01', '2024-03-06', 'zero')"
    " WHERE key IN ('p1', 'p2', 'nope')",
    "SELECT * FROM usage_buckets('machine', '6 hours', '2024-03-01', '2024-03-03', 'zero')"
    " WHERE key = 'm1'",
    "SELECT * FROM usage_buckets('user', 'day', '2024-03-01', '2024-03-06', 'zero')"
    " WHERE key IN ('u0', 'u2')",
    "SELECT * FROM usage_buckets('group', '1 week', '2024-02-26', '2024-03-11', 'zero')"
    " WHERE key = 'g1'",
};

/* Split one CSV line (no quoting) into n fields. */
static char **csv_fields(const char *zLine, int n) {
  char **az = calloc((size_t)n, sizeof(char *));
  const char *z = zLine;
  int i;
  for (i = 0; az && i < n; i++) {
    const char *zEnd = strchr(z, ',');
    size_t len = zEnd ? (size_t)(zEnd - z) : strlen(z);
    az[i] = malloc(len + 1);
    memcpy(az[i], z, len);
    az[i][len] = 0;
    z = zEnd ? zEnd + 1 : z + len;
  }
  return az;
}

/* The sqlite3 shell's ".import --csv facts.csv usage_ingest", step by step.
** The shell's import loop is shell code, not library code, so the host
** cannot call it; it does what that loop does instead: BEGIN, one prepared
** INSERT INTO usage_ingest VALUES (?, ...) run per line with every field
** bound as text ('' for an empty field), then COMMIT. */
static Step *csv_steps(int *pn) {
  int i, n = N_CSV + 2;
  Step *a = calloc((size_t)n, sizeof(Step));
  a[0].zSql = "BEGIN";
  for (i = 0; i < N_CSV; i++) {
    char zLine[256];
    static const char *const azScope[] = {"project", "machine", "user", "ada"};
    int s = i % 4;
    snprintf(zLine, sizeof(zLine),
             "2024-04-%02d %02d:30:00+01:00,%s,%s,%s,%s,%d,%d,%g,%s,%d,,%s",
             1 + i / 8, i % 24, azScope[s], s == 0 ? "csvproj" : "",
             s == 1 ? "csvnode" : "", s == 2 ? "csvuser" : "", i * 10, 3600 - i,
             i * 0.25, i % 2 ? "" : "0.5", i * 3, i % 3 ? "" : "190.5");
    a[i + 1].zSql =
        "INSERT INTO usage_ingest VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
        "?8, ?9, ?10, ?11, ?12)";
    a[i + 1].nBind = 12;
    a[i + 1].azBind = csv_fields(zLine, 12);
  }
  a[n - 1].zSql = "COMMIT";
  *pn = n;
  return a;
}

Scenario *scenarios_oom(int *pn) {
  static const char *const azLoad[] = {
      0, "SELECT count(*) FROM pragma_function_list WHERE name LIKE 'usage%'",
      "SELECT usage_ts('2024-03-01 10:00+01:00')"};
  static const char *const azInit[] = {"SELECT usage_init()"};
  static const char *const azBulk[] = {"BEGIN", zIngest200, "COMMIT"};
  static const char *const azRefresh[] = {
      "SELECT usage_refresh()",
      "SELECT count(*), total(busy_kwh) FROM usage_buckets('project', 'day')"};
  static const char *const azRederive[] = {
      "WITH RECURSIVE h(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM h WHERE "
      "i < 23) INSERT INTO usage_intensity(region, period_start, period_end, "
      "gco2_per_kwh, kind, source) SELECT 'GB', strftime('%Y-%m-%dT%H:%M:%SZ', "
      "'2024-03-01', '+' || (i * 30) || ' minutes'), strftime('%Y-%m-%dT%H:%M:"
      "%SZ', '2024-03-01', '+' || (i * 30 + 30) || ' minutes'), 150.0 + i, CASE WHEN i % 3 THEN 'actual' ELSE "
      "'forecast' END, 'fault suite' FROM h",
      "SELECT carbon_source, count(*), printf('%.9f', total(busy_gCo2eq) + "
      "total(idle_gCo2eq)) FROM fact_usage GROUP BY 1 ORDER BY 1"};
  static Scenario a[8];
  char *zBucketSetup = malloc(sizeof(zBase) + sizeof(zBucketData));
  memcpy(zBucketSetup, zBase, sizeof(zBase) - 1);
  memcpy(zBucketSetup + sizeof(zBase) - 1, zBucketData, sizeof(zBucketData));
  a[0] =
      (Scenario){"loading the extension", 0, 0, 0, 0, 0, 3, steps(3, azLoad)};
  a[1] = (Scenario){
      "usage_init() on an empty database", 0, 0, 0, 0, 0, 1, steps(1, azInit)};
  a[2] = (Scenario){"usage_init() upgrading a version-1 database",
                    "sql/migrations/001_seed_schema.sql",
                    zV1,
                    0,
                    0,
                    0,
                    1,
                    steps(1, azInit)};
  a[3] =
      (Scenario){"a 200-row ingest creating dimension rows in one transaction",
                 0,
                 zBase,
                 0,
                 0,
                 0,
                 3,
                 steps(3, azBulk)};
  a[4] = (Scenario){"usage_buckets for every scope, fill 'zero', key filters",
                    0,
                    zBucketSetup,
                    0,
                    0,
                    0,
                    5,
                    steps(5, azBuckets)};
  a[5] = (Scenario){
      "the .import loop: 20 CSV lines bound as text in one transaction",
      0,
      zBase,
      0,
      0,
      0,
      0,
      0};
  a[5].aStep = csv_steps(&a[5].nStep);
  a[6] = (Scenario){
      "usage_refresh() building every scope, then a query on rollups",
      0,
      zBucketSetup,
      0,
      0,
      0,
      2,
      steps(2, azRefresh)};
  a[7] = (Scenario){
      "re-derivation: 24 intensity periods loaded over 12 derived facts",
      0,
      zDerivedSetup,
      0,
      0,
      0,
      2,
      steps(2, azRederive)};
  *pn = 8;
  return a;
}

/* Batch b of the I/O suite: BATCH_ROWS new facts, in new projects; the
** exact kWh it adds is its step's kwh. */
static void batch_step(Step *p, int b) {
  char z[1024];
  int i;
  snprintf(
      z, sizeof(z),
      "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE "
      "i < %d) INSERT INTO usage_ingest(ts, scope, cloud_project_name, busy_kwh, "
      "idle_kwh, busy_gCo2eq) SELECT printf('2024-05-%02d %%02d:00', i %% 24),"
      " 'project', 'batch%d-' || (i %% 5), (i %% 8) * 0.125 + %d, (i %% 4) * 0.0625,"
      " i * 1.5 FROM n",
      BATCH_ROWS - 1, 1 + b, b, b);
  p->zSql = dup(z);
  p->kwh = 0;
  for (i = 0; i < BATCH_ROWS; i++)
    p->kwh += (i % 8) * 0.125 + b + (i % 4) * 0.0625;
}

Scenario *scenarios_ioerr(int *pn) {
  static const char *const azInit[] = {"SELECT usage_init()"};
  static Scenario a[3];
  static const char zTotal[] =
      "SELECT total(busy_kwh) + total(idle_kwh) FROM usage_buckets('project', 'day')";
  Step *aBatch = calloc(N_BATCH + 1, sizeof(Step));
  int b;
  for (b = 0; b < N_BATCH; b++) batch_step(&aBatch[b], b);
  aBatch[N_BATCH].zSql = "PRAGMA wal_checkpoint(TRUNCATE)";
  a[0] = (Scenario){"batches of ingest, then wal_checkpoint(TRUNCATE)",
                    0,
                    zBase,
                    1,
                    zTotal,
                    0.75,
                    N_BATCH + 1,
                    aBatch};
  a[1] = (Scenario){"the migration of a version-1 database",
                    "sql/migrations/001_seed_schema.sql",
                    zV1,
                    1,
                    zTotal,
                    V1_KWH,
                    1,
                    steps(1, azInit)};
  /* The same batches, each followed by usage_refresh(), which adds no kWh. */
  {
    Step *aRefresh = calloc(2 * N_BATCH, sizeof(Step));
    for (b = 0; b < N_BATCH; b++) {
      aRefresh[2 * b] = aBatch[b];
      aRefresh[2 * b + 1].zSql = "SELECT usage_refresh()";
    }
    a[2] = (Scenario){"batches of ingest, each followed by usage_refresh()",
                      0,
                      zBase,
                      1,
                      zTotal,
                      0.75,
                      2 * N_BATCH,
                      aRefresh};
  }
  *pn = 3;
  return a;
}

/* The self-test's scenarios: each calls one broken function of selftest.c. */
Scenario *scenarios_selftest(int *pn) {
  static const char *const azLeak[] = {"SELECT fault_leak()"};
  static const char *const azOverrun[] = {"SELECT fault_overrun()"};
  static Scenario a[2];
  a[0] = (Scenario){"self-test: a leak on the out-of-memory path",
                    0,
                    0,
                    0,
                    0,
                    0,
                    1,
                    steps(1, azLeak)};
  a[1] = (Scenario){
      "self-test: a write past a block's end on the out-of-memory path",
      0,
      0,
      0,
      0,
      0,
      1,
      steps(1, azOverrun)};
  *pn = 2;
  return a;
}
