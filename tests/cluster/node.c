/*
 * node.c: one dqlite node with SQLite extensions registered in every
 * database connection it opens, for the cluster test of usage.
 *
 *   cc -std=c11 -o build/cluster/usage-node tests/cluster/node.c \
 *      $(pkg-config --cflags --libs dqlite sqlite3) -ldl
 *   build/cluster/usage-node ID ADDRESS DIR [EXTENSION.so ...]
 *
 * ID is the node's number (1 bootstraps a new cluster), ADDRESS its
 * 127.0.0.1:PORT, DIR its data folder. Each EXTENSION is opened with
 * dlopen() and its entry point (sqlite3_NAME_init, NAME taken from the
 * file name as SQLite's .load does) is handed to sqlite3_auto_extension()
 * before the node starts, so the leader's connections see the functions.
 * The node runs until SIGTERM or SIGINT, then stops cleanly. Other nodes
 * are added with cluster-ctl (tests/cluster/ctl.c).
 */
#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <dlfcn.h>
#include <dqlite.h>
#include <errno.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Print a failure message prefixed with the program name and exit. */
static void die(const char *what, const char *detail) {
  fprintf(stderr, "usage-node: %s: %s\n", what, detail ? detail : "");
  exit(1);
}

/* Write the entry point name SQLite's .load would use for PATH into OUT. */
static void entry_name(const char *path, char *out, size_t size) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  if (strncmp(base, "lib", 3) == 0) {
    base += 3;
  }
  size_t n = (size_t)snprintf(out, size, "sqlite3_");
  for (const char *c = base; *c && *c != '.' && n + 6 < size; c++) {
    if (isalpha((unsigned char)*c)) {
      out[n++] = (char)tolower((unsigned char)*c);
    }
  }
  snprintf(out + n, size - n, "_init");
}

/* Open the extension at PATH and register its entry point for every
 * connection opened from now on. */
static void register_extension(const char *path) {
  char entry[256];
  entry_name(path, entry, sizeof entry);
  void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (lib == NULL) {
    die("dlopen", dlerror());
  }
  void *sym = dlsym(lib, entry);
  if (sym == NULL) {
    die("dlsym", entry);
  }
  /* POSIX guarantees that a data pointer from dlsym() converts to a
	 * function pointer; ISO C needs the copy through memcpy. */
  void (*init)(void);
  memcpy(&init, &sym, sizeof init);
  if (sqlite3_auto_extension(init) != SQLITE_OK) {
    die("sqlite3_auto_extension", path);
  }
  fprintf(stderr, "usage-node: registered %s from %s\n", entry, path);
}

/* Parse a decimal node ID greater than zero, or exit. */
static dqlite_node_id parse_id(const char *text) {
  char *end = NULL;
  errno = 0;
  unsigned long long id = strtoull(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || id == 0) {
    die("bad node id", text);
  }
  return id;
}

/* Block the stop signals in this thread and every thread started later, and
 * ignore SIGPIPE so that a client gone away cannot end the process. */
static sigset_t setup_signals(void) {
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  int rc = pthread_sigmask(SIG_BLOCK, &stop, NULL);
  if (rc != 0) {
    die("pthread_sigmask", strerror(rc));
  }
  struct sigaction ignore;
  memset(&ignore, 0, sizeof ignore);
  ignore.sa_handler = SIG_IGN;
  if (sigaction(SIGPIPE, &ignore, NULL) != 0) {
    die("sigaction", strerror(errno));
  }
  return stop;
}

/* Create and start the node; exit with a message if anything fails. */
static dqlite_node *start_node(dqlite_node_id id, const char *address,
                               const char *dir) {
  dqlite_node *node = NULL;
  if (dqlite_node_create(id, address, dir, &node) != 0) {
    die("dqlite_node_create", node ? dqlite_node_errmsg(node) : address);
  }
  if (dqlite_node_set_bind_address(node, address) != 0) {
    die("dqlite_node_set_bind_address", dqlite_node_errmsg(node));
  }
  if (dqlite_node_start(node) != 0) {
    die("dqlite_node_start", dqlite_node_errmsg(node));
  }
  return node;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: usage-node ID ADDRESS DIR [EXTENSION.so ...]\n");
    return 2;
  }
  dqlite_node_id id = parse_id(argv[1]);
  sigset_t stop = setup_signals();
  for (int i = 4; i < argc; i++) {
    register_extension(argv[i]);
  }
  dqlite_node *node = start_node(id, argv[2], argv[3]);
  fprintf(stderr, "usage-node: node %llu serving on %s\n", id, argv[2]);
  int sig = 0;
  sigwait(&stop, &sig);
  fprintf(stderr, "usage-node: node %llu stopping (signal %d)\n", id, sig);
  dqlite_node_stop(node);
  dqlite_node_destroy(node);
  return 0;
}
