/** The absolute path of usage.so for this platform. */
export declare function getLoadablePath(): string;

/** A database that can load an extension: node:sqlite's DatabaseSync,
 *  a better-sqlite3 or libsql Database. */
export interface Db {
  loadExtension(file: string, entryPoint?: string): unknown;
  enableLoadExtension?(allow: boolean): unknown;
}

/** Load the usage extension into db. */
export declare function load(db: Db): void;
