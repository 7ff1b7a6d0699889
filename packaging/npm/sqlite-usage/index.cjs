// sqlite-usage: where the usage extension's .so is, and load(db) for the
// Node.js SQLite drivers. The .so comes in a package per platform
// (sqlite-usage-<os>-<cpu>), an optional dependency of this one.
//
//   const { DatabaseSync } = require("node:sqlite");
//   const db = new DatabaseSync("usage.db", { allowExtension: true });
//   require("sqlite-usage").load(db);
//   db.prepare("SELECT usage_init()").get();
"use strict";

const platforms = { "linux-x64": "sqlite-usage-linux-x64" };

// getLoadablePath: the absolute path of usage.so for this platform.
function getLoadablePath() {
  const key = process.platform + "-" + process.arch;
  const pkg = platforms[key];
  if (!pkg) {
    throw new Error("sqlite-usage: no build for " + key + "; there is one for " +
                    Object.keys(platforms).join(", "));
  }
  try {
    return require.resolve(pkg + "/usage.so");
  } catch (e) {
    throw new Error("sqlite-usage: the package " + pkg + " is not installed (an optional " +
                    "dependency of sqlite-usage; npm install " + pkg + ")");
  }
}

// load: load the extension into db, a node:sqlite DatabaseSync (opened
// with {allowExtension: true}), or a better-sqlite3 or libsql Database:
// anything with loadExtension(path). Where the driver has
// enableLoadExtension (node:sqlite), loading is enabled first; it stays as
// the driver had it otherwise.
function load(db) {
  if (!db || typeof db.loadExtension !== "function") {
    throw new TypeError("sqlite-usage: load(db) needs a database with loadExtension()");
  }
  const file = getLoadablePath();
  if (typeof db.enableLoadExtension === "function") {
    try {
      db.enableLoadExtension(true);
    } catch (e) {
      throw new Error("sqlite-usage: this database does not allow extensions; open it with " +
                      "new DatabaseSync(path, { allowExtension: true }) (" + e.message + ")");
    }
  }
  db.loadExtension(file);
}

module.exports = { getLoadablePath, load };
