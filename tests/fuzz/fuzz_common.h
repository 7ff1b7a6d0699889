/*
** fuzz_common.h: what the SQL fuzz harnesses share: an in-memory database
** with usage registered, and SQL values of every type decoded from the
** fuzzer's bytes.
**
** Value encoding (fuzz_bind): one tag byte, then what the tag needs.
**   tag % 12:  0 NULL           1 int64 (8 bytes)    2 int8 (1 byte)
**              3 double (8 raw bytes: NaN, inf, subnormals all reachable)
**              4 special real (1 index byte)  5 special integer (1 byte)
**              6 text (1 length byte, then the bytes)
**              7 blob (1 length byte, then the bytes)
**              8 dictionary word (1 index byte)
**              9 huge text: a word, then a length-class byte (up to 1 MB)
**             10 huge zeroblob (1 length-class byte)
**             11 dictionary word, then text as for 6 appended to it
** Running out of bytes reads zeros, so every input decodes to something.
*/
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

/* The bytes of one input and how far they have been read. */
typedef struct FuzzIn {
  const uint8_t *a;
  size_t n;
  size_t i;
} FuzzIn;

/* The next byte, or 0 when none is left. */
int fuzz_byte(FuzzIn *p);

/* True when no byte is left. */
int fuzz_done(const FuzzIn *p);

/* Bind the next encoded value to parameter iParam of pStmt. */
void fuzz_bind(FuzzIn *p, sqlite3_stmt *pStmt, int iParam);

/* A fresh in-memory database with usage registered and usage_init() run. */
sqlite3 *fuzz_open(void);

/* A copy of db's main database as bytes (kept for the whole run). */
unsigned char *fuzz_image(sqlite3 *db, sqlite3_int64 *pnImage);

/* A new in-memory database holding a copy of an image, with usage
** registered. Each input starts from one and closes it, so no state
** carries from one input to the next, and leak checks stay exact. */
sqlite3 *fuzz_clone(const unsigned char *aImage, sqlite3_int64 nImage);

/* Run SQL that must succeed (setup): aborts with its error if not. */
void fuzz_exec(sqlite3 *db, const char *zSql);

/* Step pStmt to its end or to nMax rows, then reset it. Returns the
** result code of the last step: SQLITE_DONE, SQLITE_ROW or an error. */
int fuzz_step_all(sqlite3_stmt *pStmt, int nMax);

/* A one-line summary of the usage tables: row counts, largest rowids and
** sums, so two calls compare equal when no row changed. Returns memory
** from sqlite3_mprintf. */
char *fuzz_digest(sqlite3 *db);

/* Abort, naming what failed, so libFuzzer keeps the input. */
void fuzz_fail(const char *zWhat, const char *zDetail);

#endif /* FUZZ_COMMON_H */
