// node_check.js: what the Node driver programs share: check(), the
// expected results of tests/drivers/README, and the steps that go the same
// way through node:sqlite and libsql (both have prepare().all()/.get()/.run()).
"use strict";
const fs = require("fs");
const path = require("path");

const BUCKETS_SQL =
  "SELECT printf('%s|%s|%.2f|%.2f|%.1f|%d', bucket_start, key, busy_kwh, " +
  "idle_kwh, busy_gCo2eq + idle_gCo2eq, samples) AS r " +
  "FROM usage_buckets('project', 'day') ORDER BY bucket_start";
const BUCKETS_EXPECTED = ["2024-03-01T00:00:00Z|physics|3.75|0.75|900.0|2",
                          "2024-03-02T00:00:00Z|physics|4.00|0.00|800.0|1"];
const VIEW_SQL =
  "SELECT printf('%s|%.1f|%.1f|%.2f|%.2f|%.1f|%.1f', cloud_project_name, " +
  "busy_cpu_seconds_total, idle_cpu_seconds_total, busy_kwh, idle_kwh, " +
  "busy_gCo2eq, idle_gCo2eq) AS r FROM v_project_totals";
const VIEW_EXPECTED = ["physics|12600.0|600.0|7.75|0.75|1550.0|150.0"];
let failed = false;

// check: one "ok"/"not ok" line; values compared as JSON.
function check(what, actual, expected) {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (a === e) {
    console.log("ok - " + what);
  } else {
    failed = true;
    console.log("not ok - " + what);
    console.log("#   expected: " + e);
    console.log("#   actual:   " + a);
  }
}

// column: the first column of every row of sql.
function column(db, sql) {
  return db.prepare(sql).all().map((row) => Object.values(row)[0]);
}

// checkVersion: print the host's SQLite and check it is a version >= 3.35.0.
function checkVersion(db, host) {
  const v = db.prepare("SELECT sqlite_version() AS v").get().v;
  console.log("# sqlite " + v);
  check(host + " runs SQLite " + v + ", a version string", /^\d+\.\d+\.\d+$/.test(v), true);
  const [major, minor] = v.split(".").map(Number);
  check(host + "'s SQLite " + v + " is 3.35.0 or later, as the extension needs",
        major > 3 || (major === 3 && minor >= 35), true);
}

// ingestAndCheck: usage_init(), the rows of rows.csv through usage_ingest
// with bound parameters in one transaction, then the hand-computed results.
function ingestAndCheck(db) {
  const usageVersion = db.prepare("SELECT usage_version() AS v").get().v;
  check("the extension loads: usage_version() is " + usageVersion,
        typeof usageVersion === "string" && usageVersion.length > 0, true);
  const schema = db.prepare("SELECT usage_init() AS v").get().v;
  check("usage_init() returns the schema version (an integer >= 1)",
        Number.isInteger(Number(schema)) && Number(schema) >= 1, true);
  const lines = fs.readFileSync(path.join(__dirname, "rows.csv"), "utf8").trim().split("\n");
  const head = lines[0].split(",");
  const insert = db.prepare(
    "INSERT INTO usage_ingest(ts, scope, cloud_project_name, busy_cpu_seconds_total, " +
    "idle_cpu_seconds_total, busy_kwh, idle_kwh, busy_gCo2eq, idle_gCo2eq) " +
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  db.exec("BEGIN");
  for (const line of lines.slice(1)) {
    const f = Object.fromEntries(line.split(",").map((v, i) => [head[i], v]));
    insert.run(f.ts, f.scope, f.cloud_project_name, Number(f.busy_cpu_seconds_total),
               Number(f.idle_cpu_seconds_total), Number(f.busy_kwh), Number(f.idle_kwh),
               Number(f.busy_gCo2eq), Number(f.idle_gCo2eq));
  }
  db.exec("COMMIT");
  check("INSERTs with bound parameters in one transaction ingest the 3 rows",
        column(db, "SELECT count(*) AS n FROM fact_usage").map(Number), [3]);
  check("usage_buckets('project', 'day') gives the hand-computed daily totals",
        column(db, BUCKETS_SQL), BUCKETS_EXPECTED);
  check("v_project_totals gives the hand-computed totals",
        column(db, VIEW_SQL), VIEW_EXPECTED);
}

module.exports = { check, column, checkVersion, ingestAndCheck, VIEW_SQL, VIEW_EXPECTED,
                   BUCKETS_SQL, failed: () => failed };
