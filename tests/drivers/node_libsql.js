// node_libsql.js: the usage extension through the npm package libsql
// (libSQL, a fork of SQLite with a better-sqlite3-like API). Proves the
// libsql recipe: db.loadExtension(EXT) (path without ".so") loads usage with
// no enable step, SQL's load_extension() stays refused, then usage_init(),
// the rows of rows.csv ingested, one usage_buckets result and one seed view.
// libSQL's extension ABI has fields SQLite's has not; this host is tested,
// not promised.
//
//   NODE_PATH=DIR/node_modules node tests/drivers/node_libsql.js EXT TMPDIR
"use strict";
const path = require("path");
const Database = require("libsql");
const { check, checkVersion, ingestAndCheck, failed } = require("./node_check.js");

const [ext, tmp] = process.argv.slice(2);
const version = JSON.parse(require("fs").readFileSync(
  path.join(path.dirname(require.resolve("libsql")), "package.json"), "utf8")).version;
const db = new Database(path.join(tmp, "node_libsql.db"));
checkVersion(db, "libsql " + version + " on Node " + process.version);
try {
  db.prepare("SELECT load_extension(?)").get(ext);
  check("SQL load_extension() is refused (libsql loads only through db.loadExtension)",
        "loaded", "refused");
} catch (e) {
  check("SQL load_extension() is refused (libsql loads only through db.loadExtension): " +
        e.message, e.message, "not authorized");
}
db.loadExtension(ext);
ingestAndCheck(db);
db.close();
process.exit(failed() ? 1 : 0);
