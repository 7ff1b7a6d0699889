/*
** value/value.c: reading SQL values, and the errors that name them.
**
**   SELECT usage_ts(1709251200);              -- '2024-03-01T00:00:00Z'
**   SELECT usage_scope_check('project', NULL, NULL, NULL);
**   -- project_id is required for scope='project'
**
** Scopes by name, timestamps and numbers from sqlite3_value, values quoted
** for messages, and function errors; see value/value.h. Shared by the
** scalar functions and both virtual tables.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "value/value.h"
SQLITE_EXTENSION_INIT3

/* The fact scopes, in the order of UsageScope. */
static const char *const azScopeName[USAGE_NSCOPE] = {
    "ada", "project", "machine", "user", "group"};

int usage_scope_parse(const char *z, int n) {
  int i;
  if (z == 0) return -1;
  for (i = USAGE_SCOPE_ADA; i <= USAGE_SCOPE_USER; i++) {
    if ((int)strlen(azScopeName[i]) == n && memcmp(z, azScopeName[i], n) == 0) {
      return i;
    }
  }
  return -1;
}

const char *usage_scope_name(int eScope) {
  if (eScope < USAGE_SCOPE_ADA || eScope > USAGE_SCOPE_GROUP) return "?";
  return azScopeName[eScope];
}

char *usage_double_repr(double r) {
  static const char *const azFmt[] = {"%.15g", "%.16g", "%!.17g"};
  char *z = 0;
  int i;
  /* The first of 15, 16, 17 digits that reads back as r: 0.9, not
  ** 0.90000000000000002. */
  for (i = 0; i < 3; i++) {
    sqlite3_free(z);
    z = sqlite3_mprintf(azFmt[i], r);
    if (z == 0 || !isfinite(r) || strtod(z, 0) == r) break;
  }
  return z;
}

char *usage_value_repr(sqlite3_value *pVal) {
  switch (sqlite3_value_type(pVal)) {
    case SQLITE_NULL: return sqlite3_mprintf("NULL");
    case SQLITE_INTEGER:
      return sqlite3_mprintf("%lld", sqlite3_value_int64(pVal));
    case SQLITE_FLOAT: return usage_double_repr(sqlite3_value_double(pVal));
    case SQLITE_BLOB:
      return sqlite3_mprintf("a blob of %d bytes", sqlite3_value_bytes(pVal));
    default: {
      const char *z = (const char *)sqlite3_value_text(pVal);
      int n = sqlite3_value_bytes(pVal);
      if (z == 0) return 0;
      if (n > 64) {
        /* Cut on a UTF-8 character boundary, then say how long it was. */
        int cut = 64;
        while (cut > 0 && (z[cut] & 0xC0) == 0x80) cut--;
        return sqlite3_mprintf("'%.*q...' (%d bytes)", cut, z, n);
      }
      return sqlite3_mprintf("'%.*q'", n, z);
    }
  }
}

char *usage_scope_problem(sqlite3_value *pScope, int hasProject, int hasMachine,
                          int hasUser, const char *const azField[3],
                          int *pbNoMem) {
  const char *zScope = (const char *)sqlite3_value_text(pScope);
  int eScope = sqlite3_value_type(pScope) == SQLITE_TEXT
                   ? usage_scope_parse(zScope, sqlite3_value_bytes(pScope))
                   : -1;
  int aHas[3];
  int i;
  char *zErr;
  aHas[0] = hasProject;
  aHas[1] = hasMachine;
  aHas[2] = hasUser;
  if (eScope < 0) {
    char *zRepr = usage_value_repr(pScope);
    zErr = zRepr ? sqlite3_mprintf(
                       "scope must be one of {'ada','project','machine','user'}"
                       ", got %s",
                       zRepr)
                 : 0;
    sqlite3_free(zRepr);
    if (zErr == 0) *pbNoMem = 1;
    return zErr;
  }
  /* Key i (0 project, 1 machine, 2 user) belongs to scope i+1 only. */
  _Static_assert(USAGE_SCOPE_PROJECT == 1 && USAGE_SCOPE_MACHINE == 2 &&
                     USAGE_SCOPE_USER == 3,
                 "key i belongs to scope i+1");
  for (i = 0; i < 3; i++) {
    int wanted = (eScope == i + 1);
    if (wanted && !aHas[i]) {
      zErr =
          sqlite3_mprintf("%s is required for scope='%s'", azField[i], zScope);
      if (zErr == 0) *pbNoMem = 1;
      return zErr;
    }
    if (!wanted && aHas[i]) {
      zErr =
          sqlite3_mprintf("%s must be NULL for scope='%s'", azField[i], zScope);
      if (zErr == 0) *pbNoMem = 1;
      return zErr;
    }
  }
  return 0;
}

int usage_value_time(sqlite3_value *pVal, const char *zWhat, int64_t *pT,
                     char **pzErr) {
  const char *zWhy = 0;
  int bad;
  switch (sqlite3_value_type(pVal)) {
    case SQLITE_INTEGER:
      bad = usage_time_from_int(sqlite3_value_int64(pVal), pT, &zWhy);
      break;
    case SQLITE_FLOAT:
      bad = usage_time_from_double(sqlite3_value_double(pVal), pT, &zWhy);
      break;
    case SQLITE_TEXT:
      bad = usage_time_parse((const char *)sqlite3_value_text(pVal),
                             sqlite3_value_bytes(pVal), pT, &zWhy);
      break;
    default:
      bad = 1;
      zWhy = "expected text or unix seconds";
      break;
  }
  if (bad) {
    char *zRepr = usage_value_repr(pVal);
    *pzErr = zRepr ? sqlite3_mprintf("%s: invalid timestamp %s: %s", zWhat,
                                     zRepr, zWhy ? zWhy : "not a timestamp")
                   : 0;
    sqlite3_free(zRepr);
    return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
  }
  return SQLITE_OK;
}

/* True when z[0..n) is a plain decimal number: digits, one optional sign,
** point and exponent. Rules out the hex, "inf" and "nan" that strtod takes. */
static int looks_decimal(const char *z, int n) {
  int i, nDigit = 0;
  for (i = 0; i < n; i++) {
    char c = z[i];
    if (c >= '0' && c <= '9') {
      nDigit++;
    } else if (c != '+' && c != '-' && c != '.' && c != 'e' && c != 'E') {
      return 0;
    }
  }
  return nDigit > 0;
}

int usage_value_number(sqlite3_value *pVal, double *pOut, int *pIsNull) {
  *pIsNull = 0;
  switch (sqlite3_value_type(pVal)) {
    case SQLITE_NULL: *pIsNull = 1; return 0;
    case SQLITE_INTEGER: *pOut = (double)sqlite3_value_int64(pVal); return 0;
    case SQLITE_FLOAT:
      *pOut = sqlite3_value_double(pVal);
      return isfinite(*pOut) ? 0 : 1;
    case SQLITE_TEXT: {
      const char *z = (const char *)sqlite3_value_text(pVal);
      int n = sqlite3_value_bytes(pVal);
      char aBuf[64];
      char *zEnd = 0;
      if (n == 0) {
        *pIsNull = 1; /* how a CSV writes NULL */
        return 0;
      }
      if (z == 0 || n >= (int)sizeof(aBuf) || !looks_decimal(z, n)) return 1;
      memcpy(aBuf, z, n); /* strtod needs a NUL; the value may lack one */
      aBuf[n] = 0;
      (void)strtod(aBuf, &zEnd); /* only to check the syntax: all consumed */
      if (zEnd != aBuf + n) return 1;
      /* The double SQLite makes of this text, as CAST(x AS REAL) and a REAL
      ** column do: strtod rounds a few texts to the neighbouring double. */
      *pOut = sqlite3_value_double(pVal);
      return isfinite(*pOut) ? 0 : 1;
    }
    default: return 1;
  }
}

void usage_result_error(sqlite3_context *ctx, char *zErr) {
  if (zErr == 0) {
    sqlite3_result_error_nomem(ctx);
  } else {
    sqlite3_result_error(ctx, zErr, -1);
    sqlite3_free(zErr);
  }
}
