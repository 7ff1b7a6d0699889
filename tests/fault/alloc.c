/*
** alloc.c: the allocator the fault host installs under SQLite, which fails
** the allocation it is told to, counts live blocks, and guards each block.
**
**   alloc_install(fork_point);    -- before sqlite3_initialize()
**   alloc_arm(-1, 0);             -- fork_point(n) at every allocation n
**   alloc_arm(7, 1);              -- the 7th allocation fails, and every later
**   ... alloc_live() == before    -- nothing leaked
**
** Every allocation of SQLite and of the extension (which allocates only
** through sqlite3_malloc, as t_fault_oom checks) comes here, so the live
** count finds a leak at every fault point of a plain build, with no
** sanitizer. Each block carries a header (its size and a word that says
** "live") and a canary after its end; freeing or resizing a block checks
** both, and the first POISON_MAX bytes of a freed block are overwritten
** with 0xdb (all of them would cost each forked run a copy of every page it
** frees, 15% of the sweep). A write past a block's end, a double free or a
** free of a foreign pointer is reported on stdout ("# heap: ...") and
** aborts the process, and a read of a freed block's fields sees 0xdb
** bytes. ASan still runs each scenario at a stride (tests/fault/t_fault_oom),
** for what these checks cannot see.
*/
#include <execinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"

/* A block: Head, then the caller's bytes, then the 8-byte canary. */
typedef struct Head {
  sqlite3_int64 n;      /* the caller's size */
  unsigned long long w; /* LIVE while allocated, FREED after */
} Head;
#define LIVE 0x4c4956454c495645ULL
#define FREED 0x4652454544465245ULL
#define CANARY 0x3ca9a3c5d1e7b00fULL
#define POISON 0xdb
#define POISON_MAX 128

static sqlite3_mem_methods realMem;
static struct {
  int bArmed;                 /* count and fail allocations */
  long long n;                /* allocations since armed */
  long long nTarget;          /* the one that fails; < 0: ask xPoint */
  int bPersist;               /* and every later one */
  long long nLive;            /* blocks allocated and not freed */
  int (*xPoint)(long long n); /* 1: fail allocation n */
} mem;

/* Report a damaged heap and stop: the parent of a forked run sees a crash. */
static void heap_fail(const char *zWhat, const Head *h) {
  void *a[40];
  printf("# heap: %s (block of %lld bytes at %p)\n", zWhat,
         h->w == LIVE ? (long long)h->n : -1LL, (const void *)(h + 1));
  fflush(stdout);
  backtrace_symbols_fd(a, backtrace(a, 40), 1);
  abort();
}

/* The header of p, checked: live, canary intact. */
static Head *head_of(void *p) {
  Head *h = (Head *)p - 1;
  unsigned long long c;
  if (h->w == FREED) heap_fail("freed twice, or used after free", h);
  if (h->w != LIVE) heap_fail("not a live block, or its header overwritten", h);
  memcpy(&c, (char *)p + h->n, sizeof(c));
  if (c != CANARY) heap_fail("written past its end", h);
  return h;
}

/* Mark a block live, with its canary; returns the caller's pointer. */
static void *head_init(Head *h, int n) {
  unsigned long long c = CANARY;
  h->n = n;
  h->w = LIVE;
  memcpy((char *)(h + 1) + n, &c, sizeof(c));
  return h + 1;
}

/* Should this allocation fail? */
static int mem_fail(void) {
  if (!mem.bArmed) return 0;
  mem.n++;
  if (mem.nTarget < 0) return mem.xPoint(mem.n);
  if (mem.n == mem.nTarget || (mem.bPersist && mem.n > mem.nTarget)) {
    if (mem.n == mem.nTarget && getenv("FAULT_BT")) { /* where it failed */
      void *a[40];
      backtrace_symbols_fd(a, backtrace(a, 40), 2);
    }
    return 1;
  }
  return 0;
}
static void *mem_malloc(int n) {
  Head *h;
  if (mem_fail()) return 0;
  h = realMem.xMalloc(n + (int)(sizeof(Head) + sizeof(unsigned long long)));
  if (h == 0) return 0;
  mem.nLive++;
  return head_init(h, n);
}
static void mem_free(void *p) {
  Head *h;
  if (p == 0) return;
  h = head_of(p);
  memset(p, POISON, (size_t)(h->n < POISON_MAX ? h->n : POISON_MAX));
  h->w = FREED;
  mem.nLive--;
  realMem.xFree(h);
}
static void *mem_realloc(void *p, int n) {
  Head *h;
  if (p == 0) return mem_malloc(n);
  head_of(p);
  if (mem_fail()) return 0;
  h = realMem.xRealloc((Head *)p - 1,
                       n + (int)(sizeof(Head) + sizeof(unsigned long long)));
  return h ? head_init(h, n) : 0;
}
/* Unchecked: SQLite asks at every free, which checks the block anyway. */
static int mem_size(void *p) {
  return p ? (int)((Head *)p - 1)->n : 0;
}
static int mem_roundup(int n) {
  return realMem.xRoundup(n);
}
static int mem_init(void *p) {
  return realMem.xInit(p);
}
static void mem_shutdown(void *p) {
  realMem.xShutdown(p);
}

int alloc_install(int (*xPoint)(long long n)) {
  sqlite3_mem_methods m = {mem_malloc,  mem_free, mem_realloc,  mem_size,
                           mem_roundup, mem_init, mem_shutdown, 0};
  mem.xPoint = xPoint;
  if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &realMem) != SQLITE_OK) return 1;
  return sqlite3_config(SQLITE_CONFIG_MALLOC, &m);
}

void alloc_arm(long long nTarget, int bPersist) {
  mem.n = 0;
  mem.nTarget = nTarget;
  mem.bPersist = bPersist;
  mem.bArmed = 1;
}

void alloc_disarm(void) {
  mem.bArmed = 0;
}

void alloc_fail_here(int bPersist) {
  mem.nTarget = mem.n;
  mem.bPersist = bPersist;
}

long long alloc_target(void) {
  return mem.nTarget;
}

long long alloc_live(void) {
  return mem.nLive;
}
