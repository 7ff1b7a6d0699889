// npm_load.js: run by t_package_npm in a project that installed the two
// sqlite-usage tarballs. Loads the extension with the package's load(db)
// into the host named by the first argument and checks one usage_buckets
// result (two rows of one day: 1.5 + 2.25 kWh busy, 300 + 450 gCO2eq) and
// v_project_totals against hand-computed values.
//
//   node npm_load.js node:sqlite|libsql|esm SO
"use strict";
const host = process.argv[2];
const so = process.argv[3];
let failed = false;

function check(what, actual, expected) {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  console.log((a === e ? "ok - " : "not ok - ") + host + ": " + what);
  if (a !== e) {
    failed = true;
    console.log("#   expected: " + e + "\n#   actual:   " + a);
  }
}

// run: the same steps through any driver with prepare().all()/.run().
function run(db) {
  const rows = (sql) => db.prepare(sql).all().map((r) => Object.values(r)[0]);
  const v = rows("SELECT sqlite_version()")[0];
  console.log("# sqlite " + v);
  check("runs SQLite " + v + ", a version string", /^\d+\.\d+\.\d+$/.test(v), true);
  check("usage_version() is the package's version", rows("SELECT usage_version()"),
        [require("sqlite-usage/package.json").version]);
  db.exec("SELECT usage_init()");
  const ins = db.prepare("INSERT INTO usage_ingest(ts, scope, cloud_project_name, busy_kwh, idle_kwh, " +
                         "busy_gCo2eq, idle_gCo2eq) VALUES (?, 'project', 'physics', ?, ?, ?, ?)");
  db.exec("BEGIN");
  ins.run("2024-03-01T10:00:00Z", 1.5, 0.5, 300, 100);
  ins.run("2024-03-01T11:00:00Z", 2.25, 0.25, 450, 50);
  db.exec("COMMIT");
  check("usage_buckets('project', 'day') sums the day",
        rows("SELECT printf('%s|%s|%.2f|%.2f|%.1f|%d', bucket_start, key, busy_kwh, idle_kwh, " +
             "busy_gCo2eq + idle_gCo2eq, samples) FROM usage_buckets('project', 'day')"),
        ["2024-03-01T00:00:00Z|physics|3.75|0.75|900.0|2"]);
  check("v_project_totals sums the project",
        rows("SELECT printf('%s|%.2f|%.2f|%.1f|%.1f', cloud_project_name, busy_kwh, idle_kwh, " +
             "busy_gCo2eq, idle_gCo2eq) FROM v_project_totals"),
        ["physics|3.75|0.75|750.0|150.0"]);
}

async function main() {
  if (host === "esm") {
    const m = await import("sqlite-usage");
    check("the ES module's getLoadablePath() is the installed platform package's usage.so",
          m.getLoadablePath(), so);
    const { DatabaseSync } = require("node:sqlite");
    const db = new DatabaseSync(":memory:", { allowExtension: true });
    m.load(db);
    check("the ES module's load(db) loads it",
          db.prepare("SELECT usage_version() AS v").get().v, require("sqlite-usage/package.json").version);
    return;
  }
  const usage = require("sqlite-usage");
  check("getLoadablePath() is the installed platform package's usage.so", usage.getLoadablePath(), so);
  if (host === "node:sqlite") {
    const { DatabaseSync } = require("node:sqlite");
    const closed = new DatabaseSync(":memory:");
    let msg = "loaded";
    try { usage.load(closed); } catch (e) { msg = e.message; }
    check("load(db) on a DatabaseSync opened without allowExtension says how to open it",
          msg.includes("{ allowExtension: true }"), true);
    const db = new DatabaseSync(":memory:", { allowExtension: true });
    usage.load(db);
    run(db);
  } else {
    const Database = require("libsql");
    const db = new Database(":memory:");
    usage.load(db);
    run(db);
  }
}
main().then(() => process.exit(failed ? 1 : 0),
            (e) => { console.log("not ok - " + host + ": " + e.stack); process.exit(1); });
