const Database = require("libsql");  // npm install libsql

const db = new Database("usage.db");
db.loadExtension("/usr/local/lib/sqlite3/usage");
db.exec("SELECT usage_init()");
const insert = db.prepare("INSERT INTO usage_ingest(ts, scope, cloud_project_name, busy_kwh, busy_gCo2eq)"
                          + " VALUES (?, 'project', 'physics', ?, ?)");
db.exec("BEGIN");
insert.run("2024-03-01T10:00:00Z", 1.5, 300);
insert.run("2024-03-01T11:00:00Z", 2.25, 450);
db.exec("COMMIT");
const rows = db.prepare("SELECT bucket_start, key, busy_kwh, samples FROM usage_buckets('project', 'day')");
for (const row of rows.all()) {
  console.log(Object.values(row).join("|"));
}
