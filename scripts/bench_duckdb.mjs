// bench_duckdb.mjs: the DuckDB peer of scripts/bench, one query at a time.
//
//   node scripts/bench_duckdb.mjs facts.csv roster.csv   (run by scripts/bench)
//
// Loads the CSV that scripts/gen wrote into its own in-memory table f (and
// the roster into u) with 2 threads, prints {"ready": seconds}, then reads
// one JSON request per line, {"sql": ..., "rows": true|false}, runs it and
// answers {"secs": s, "rows": [[...], ...]} (rows only when asked), timing
// the query and the reading of its result. The package @duckdb/node-api is
// loaded from the folder DUCKDB_PREFIX (scripts/bench installs it there,
// into build/, with npm install --prefix).
import { createRequire } from "node:module";
import { join } from "node:path";
import { createInterface } from "node:readline";

const require = createRequire(join(process.env.DUCKDB_PREFIX || ".", "package.json"));
const { DuckDBInstance } = require("@duckdb/node-api");

const [csv, roster] = process.argv.slice(2);
const instance = await DuckDBInstance.create(":memory:", { threads: "2" });
const conn = await instance.connect();
const t0 = performance.now();
const amounts = ["busy_cpu_seconds_total", "idle_cpu_seconds_total", "busy_kwh",
  "idle_kwh", "busy_gCo2eq", "idle_gCo2eq", "intensity_gCo2eq_kwh"];
const types = ["ts: 'VARCHAR'", "scope: 'VARCHAR'", "cloud_project_name: 'VARCHAR'",
  "machine_name: 'VARCHAR'", "user_id: 'VARCHAR'"]
  .concat(amounts.map((a) => `${a}: 'DOUBLE'`)).join(", ");
await conn.run(`CREATE TABLE f AS SELECT strptime(ts, '%Y-%m-%dT%H:%M:%SZ') AS ts,
  scope, NULLIF(cloud_project_name, '') AS cloud_project_name,
  NULLIF(machine_name, '') AS machine_name, NULLIF(user_id, '') AS user_id,
  ${amounts.join(", ")}
  FROM read_csv('${csv}', header = true, columns = {${types}})`);
await conn.run(`CREATE TABLE u AS SELECT * FROM read_csv('${roster}', header = true,
  columns = {user_id: 'VARCHAR', display_name: 'VARCHAR', group_name: 'VARCHAR'})`);
console.log(JSON.stringify({ ready: (performance.now() - t0) / 1000 }));

// A value as JSON: timestamps as canonical UTC text, big integers as numbers.
function plain(v) {
  if (typeof v === "bigint") return Number(v);
  if (v !== null && typeof v === "object") {
    const s = v.toString();
    return s.replace(" ", "T").replace(/(\.\d+)?$/, "Z");
  }
  return v;
}

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  const req = JSON.parse(line);
  const start = performance.now();
  const reader = await conn.runAndReadAll(req.sql);
  const rows = reader.getRows();
  const secs = (performance.now() - start) / 1000;
  console.log(JSON.stringify({ secs, rows: req.rows ? rows.map((r) => r.map(plain)) : null }));
}
