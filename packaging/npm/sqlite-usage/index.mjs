// sqlite-usage as an ES module: the same getLoadablePath() and load(db)
// as index.cjs.
//
//   import { DatabaseSync } from "node:sqlite";
//   import { load } from "sqlite-usage";
//   load(new DatabaseSync("usage.db", { allowExtension: true }));
import { createRequire } from "node:module";

const cjs = createRequire(import.meta.url)("./index.cjs");
export const getLoadablePath = cjs.getLoadablePath;
export const load = cjs.load;
