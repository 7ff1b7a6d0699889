// node_sqlite.js: the usage extension through Node's built-in node:sqlite
// (Node 22.13 or later). Proves the Node recipe: loadExtension() throws
// unless the database was opened with {allowExtension: true}; with it,
// loadExtension(EXT) (path without ".so") loads usage; after
// enableLoadExtension(false) SQL's load_extension() is refused; then
// usage_init(), the rows of rows.csv ingested, one usage_buckets result and
// one seed view, and a second connection that reads the view unloaded.
//
//   node tests/drivers/node_sqlite.js EXT TMPDIR
"use strict";
const path = require("path");
const { DatabaseSync } = require("node:sqlite");
const { check, column, checkVersion, ingestAndCheck, VIEW_SQL, VIEW_EXPECTED,
        BUCKETS_SQL, failed } = require("./node_check.js");

const [ext, tmp] = process.argv.slice(2);
const file = path.join(tmp, "node_sqlite.db");

const plain = new DatabaseSync(":memory:");
checkVersion(plain, "Node " + process.version + " node:sqlite");
try {
  plain.loadExtension(ext);
  check("loadExtension() without {allowExtension: true} is refused", "loaded", "refused");
} catch (e) {
  check("loadExtension() without {allowExtension: true} is refused: " + e.code,
        e.code, "ERR_INVALID_STATE");
}
plain.close();

const db = new DatabaseSync(file, { allowExtension: true });
db.loadExtension(ext);
db.enableLoadExtension(false);  // no more loading, from SQL or from Node
try {
  db.prepare("SELECT load_extension(?)").get(ext);
  check("SQL load_extension() after enableLoadExtension(false) is refused", "loaded", "refused");
} catch (e) {
  check("SQL load_extension() after enableLoadExtension(false) is refused: " + e.message,
        e.message, "not authorized");
}
ingestAndCheck(db);
db.close();

const again = new DatabaseSync(file);
check("a new connection reads the seed view without loading anything",
      column(again, VIEW_SQL), VIEW_EXPECTED);
try {
  again.prepare(BUCKETS_SQL).all();
  check("a new connection needs to load the extension for usage_buckets", "found", "no such table");
} catch (e) {
  check("a new connection needs to load the extension for usage_buckets: " + e.message,
        e.message.includes("no such table: usage_buckets"), true);
}
again.close();
process.exit(failed() ? 1 : 0);
