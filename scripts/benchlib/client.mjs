// client.mjs: the reports as a client receives them, for scripts/bench: one
// Node 22 process holding both engines, node:sqlite with the usage extension
// loaded and @duckdb/node-api on its own in-memory table (2 threads), each
// query's every row materialised into JavaScript values.
//
//   node client.mjs EXT facts.csv roster.csv      (run by scripts/benchlib/client.py)
//
// Loads the CSV that scripts/gen wrote into DuckDB's table f (the roster
// into u), prints {"ready": seconds}, then answers one JSON request a line:
//   {"op": "open", "db": NAME, "path": FILE}     a SQLite database, extension loaded
//   {"op": "sqlite", "db": NAME, "sql": SQL}     run SQL there (no rows)
//   {"op": "duckdb", "sql": SQL}                 run SQL in DuckDB (no rows)
//   {"op": "report", "db": NAME, "sqlite": SQL, "duckdb": SQL,
//    "fixed": SQL, "runs": N, "max": M, "budget": SECONDS}
// A report holds its SQLite result in a plain table (temp.held), compares
// the results once (usage_buckets and held exactly, DuckDB's to 1e-12; the
// fixed query must return no rows), then times usage_buckets, SELECT * FROM
// held (the limit), DuckDB, and the fixed query (the same report over a
// range without rows) in rounds, each round all of them back to back in a
// rotating order, after one warm-up round, and answers {"rows": n,
// "times": {side: [seconds]}, "problem": text or null, "stats": what
// usage_buckets_stats() said of the report (the stored rows it read)}. @duckdb/node-api is loaded from DUCKDB_PREFIX.
import { createRequire } from "node:module";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { DatabaseSync } from "node:sqlite";

const require = createRequire(join(process.env.DUCKDB_PREFIX || ".", "package.json"));
const { DuckDBInstance } = require("@duckdb/node-api");

const [ext, csv, roster] = process.argv.slice(2);
const instance = await DuckDBInstance.create(":memory:", { threads: "2" });
const duck = await instance.connect();
const t0 = performance.now();
const amounts = ["busy_cpu_seconds_total", "idle_cpu_seconds_total", "busy_kwh",
  "idle_kwh", "busy_gCo2eq", "idle_gCo2eq", "intensity_gCo2eq_kwh"];
const types = ["ts: 'VARCHAR'", "scope: 'VARCHAR'", "cloud_project_name: 'VARCHAR'",
  "machine_name: 'VARCHAR'", "user_id: 'VARCHAR'"]
  .concat(amounts.map((a) => `${a}: 'DOUBLE'`)).join(", ");
await duck.run(`CREATE TABLE f AS SELECT strptime(ts, '%Y-%m-%dT%H:%M:%SZ') AS ts,
  scope, NULLIF(cloud_project_name, '') AS cloud_project_name,
  NULLIF(machine_name, '') AS machine_name, NULLIF(user_id, '') AS user_id,
  ${amounts.join(", ")}
  FROM read_csv('${csv}', header = true, columns = {${types}})`);
await duck.run(`CREATE TABLE u AS SELECT * FROM read_csv('${roster}', header = true,
  columns = {user_id: 'VARCHAR', display_name: 'VARCHAR', group_name: 'VARCHAR'})`);
console.log(JSON.stringify({ ready: (performance.now() - t0) / 1000 }));

const dbs = {};

// Every row of a SQLite query, as JavaScript objects.
function sqliteRows(db, sql) {
  return db.prepare(sql).all();
}

// Every row of a DuckDB query, as arrays of JavaScript values.
async function duckRows(sql) {
  const reader = await duck.runAndReadAll(sql);
  return reader.getRowsJS();
}

// One side's run: [seconds, rows].
// Each timed call starts with a collected heap (node --expose-gc), so no
// side pays for the garbage another side left.
async function timed(fn) {
  if (globalThis.gc) globalThis.gc();
  const start = performance.now();
  const rows = await fn();
  return [(performance.now() - start) / 1000, rows];
}

// A row in one shape for comparing: [bucket_start text, key, ...numbers].
function fromSqlite(r) {
  return Object.values(r);
}
function fromDuck(r) {
  return r.map((v) => {
    if (v instanceof Date) return v.toISOString().replace(/\.\d+Z$/, "Z");
    if (typeof v === "bigint") return Number(v);
    return v;
  });
}
function order(a, b) {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  const ka = a[1] === null ? "" : "k" + a[1], kb = b[1] === null ? "" : "k" + b[1];
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
function close(u, v) {
  if (u === null || v === null) return u === v;
  return Math.abs(u - v) <= Math.max(1e-9, 1e-12 * Math.max(Math.abs(u), Math.abs(v)));
}

// Why two results differ, or null: keys and counts exactly, sums to 1e-12.
function differ(ours, theirs, exact) {
  const a = ours.map(fromSqlite).sort(order), b = theirs.sort(order);
  if (a.length !== b.length) return `${a.length} rows against ${b.length}`;
  for (let i = 0; i < a.length; i++) {
    const x = a[i], y = b[i];
    if (x.length !== y.length) return `row ${i}: ${x.length} columns against ${y.length}`;
    for (let j = 0; j < x.length; j++) {
      const same = exact || j < 2 || j === x.length - 1 ? x[j] === y[j] : close(x[j], y[j]);
      if (!same) return `row ${JSON.stringify(x.slice(0, 2))}: ${x[j]} against ${y[j]}`;
    }
  }
  return null;
}

async function report(req) {
  const db = dbs[req.db];
  db.exec("DROP TABLE IF EXISTS temp.held");
  db.exec(`CREATE TEMP TABLE held AS ${req.sqlite}`);
  const sides = [
    ["usage", () => sqliteRows(db, req.sqlite)],
    ["limit", () => sqliteRows(db, "SELECT * FROM held")],
    ["duckdb", () => duckRows(req.duckdb)],
    ["fixed", () => sqliteRows(db, req.fixed)],
  ];
  const warm = {};
  let slowest = 0;
  let stats = null;
  for (const [name, fn] of sides) {
    const [secs, rows] = await timed(fn);
    warm[name] = rows;
    slowest = Math.max(slowest, secs);
    if (name === "usage") stats = JSON.parse(db.prepare("SELECT usage_buckets_stats() AS s").get().s);
  }
  const held = differ(warm.usage, warm.limit.map(fromSqlite), true);
  const peer = differ(warm.usage, warm.duckdb.map(fromDuck), false);
  const empty = warm.fixed.length ? `${warm.fixed.length} rows over a range with none` : null;
  const problem = held ? "the held table: " + held : peer ? "DuckDB: " + peer : empty;
  let n = req.runs;
  if (req.budget > 0 && slowest > 0) {
    n = Math.max(req.runs, Math.min(req.max, Math.floor(req.budget / (slowest * sides.length))));
  }
  const times = Object.fromEntries(sides.map(([name]) => [name, []]));
  for (let i = 0; i < n; i++) {
    const k = i % sides.length;
    for (const [name, fn] of sides.slice(k).concat(sides.slice(0, k))) {
      times[name].push((await timed(fn))[0]);
    }
  }
  db.exec("DROP TABLE temp.held");
  return { rows: warm.usage.length, times, problem, stats };
}

async function answer(req) {
  switch (req.op) {
    case "open": {
      const db = new DatabaseSync(req.path, { allowExtension: true });
      db.loadExtension(ext);
      db.enableLoadExtension(false);
      dbs[req.db] = db;
      return { ok: true };
    }
    case "sqlite":
      dbs[req.db].exec(req.sql);
      return { ok: true };
    case "duckdb":
      await duck.run(req.sql);
      return { ok: true };
    case "report":
      return report(req);
    default:
      throw new Error(`unknown op ${req.op}`);
  }
}

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  let out;
  try {
    out = await answer(JSON.parse(line));
  } catch (e) {
    out = { error: String(e && e.message || e) };
  }
  console.log(JSON.stringify(out));
}
for (const db of Object.values(dbs)) db.close();
