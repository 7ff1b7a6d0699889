/*
 * nodename.c: a one-function SQLite extension for the cluster test. It
 * proves that a node's auto-extension path works on its own, and tells
 * which node ran a statement.
 *
 *   cc -std=c11 -shared -fPIC -o build/cluster/nodename.so \
 *      tests/cluster/nodename.c
 *   SELECT cluster_node();   -- the USAGE_CLUSTER_NODE the node started with
 *
 * The value is read when the connection opens; without the variable the
 * function returns NULL.
 */
#define _POSIX_C_SOURCE 200809L

#include <sqlite3ext.h>
#include <stdlib.h>
SQLITE_EXTENSION_INIT1

/* cluster_node(): the name of the node whose connection runs the call. */
static void cluster_node(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  (void)argv;
  const char *name = sqlite3_user_data(ctx);
  if (name != NULL) {
    sqlite3_result_text(ctx, name, -1, SQLITE_TRANSIENT);
  } else {
    sqlite3_result_null(ctx);
  }
}

/* Entry point: register cluster_node() on DB. */
__attribute__((visibility("default"))) int
sqlite3_nodename_init(sqlite3 *db, char **err,
                      const sqlite3_api_routines *api) {
  (void)err;
  SQLITE_EXTENSION_INIT2(api);
  return sqlite3_create_function(db, "cluster_node", 0, SQLITE_UTF8,
                                 getenv("USAGE_CLUSTER_NODE"), cluster_node,
                                 NULL, NULL);
}
