/*
** prometheus/json.c: is a text JSON, and if not, where does it go wrong?
**
**   SELECT * FROM usage_prometheus('{"status":"success" "data":{}}');
**   -- usage_prometheus: malformed JSON at byte 20: expected ',' or '}',
**   --   got '"data":{}}'
**
** The first pass of prometheus/parse.c: a recursive check of RFC 8259's
** grammar that allocates nothing, so that the second pass may trust the
** syntax and skip values by their brackets and quotes alone.
*/
#include <string.h>

#include "prometheus/prometheus.h"

/* The text, and where and why it is not JSON. */
typedef struct PromScan {
  const char *z;
  int n;
  int iErr;          /* byte offset of the first problem */
  const char *zWant; /* what was expected there */
} PromScan;

/* Deeper nesting than this is refused (the checker recurses). */
#define PROM_MAX_DEPTH 200

/* Is c JSON white space? */
static int is_ws(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The offset of the first byte at or after i that is not white space. */
static int skip_ws(const char *z, int n, int i) {
  while (i < n && is_ws(z[i])) i++;
  return i;
}

/* Record the first problem; returns -1 so callers can return it. */
static int scan_fail(PromScan *s, int i, const char *zWant) {
  s->iErr = i;
  s->zWant = zWant;
  return -1;
}

/* Is c a hexadecimal digit? */
static int is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
         (c >= 'A' && c <= 'F');
}

/* Check the string at i (its opening quote); the offset after it, or -1. */
static int scan_string(PromScan *s, int i) {
  const char *z = s->z;
  for (i++; i < s->n; i++) {
    unsigned char c = (unsigned char)z[i];
    if (c == '"') return i + 1;
    if (c < 0x20) return scan_fail(s, i, "no control character in a string");
    if (c != '\\') continue;
    if (++i >= s->n) break;
    switch (z[i]) {
      case '"':
      case '\\':
      case '/':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't': break;
      case 'u':
        if (i + 4 >= s->n || !is_hex(z[i + 1]) || !is_hex(z[i + 2]) ||
            !is_hex(z[i + 3]) || !is_hex(z[i + 4])) {
          return scan_fail(s, i, "four hex digits after \\u");
        }
        i += 4;
        break;
      default: return scan_fail(s, i, "a valid escape");
    }
  }
  return scan_fail(s, i, "a closing quote");
}

/* The offset after a run of digits at i, or -1 when there is none. */
static int scan_digits(PromScan *s, int i) {
  if (i >= s->n || s->z[i] < '0' || s->z[i] > '9') {
    return scan_fail(s, i, "a digit");
  }
  while (i < s->n && s->z[i] >= '0' && s->z[i] <= '9') i++;
  return i;
}

/* Check the number at i: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static int scan_number(PromScan *s, int i) {
  const char *z = s->z;
  if (z[i] == '-') i++;
  if (i < s->n && z[i] == '0') {
    i++;
  } else if ((i = scan_digits(s, i)) < 0) {
    return -1;
  }
  if (i < s->n && z[i] == '.' && (i = scan_digits(s, i + 1)) < 0) return -1;
  if (i < s->n && (z[i] == 'e' || z[i] == 'E')) {
    i++;
    if (i < s->n && (z[i] == '+' || z[i] == '-')) i++;
    if ((i = scan_digits(s, i)) < 0) return -1;
  }
  return i;
}

static int scan_value(PromScan *s, int i, int depth);

/* Check the object or array at i; the offset after it, or -1. */
static int scan_container(PromScan *s, int i, int depth) {
  char cClose = s->z[i] == '{' ? '}' : ']';
  if (depth >= PROM_MAX_DEPTH) return scan_fail(s, i, "less nesting");
  i = skip_ws(s->z, s->n, i + 1);
  if (i < s->n && s->z[i] == cClose) return i + 1;
  for (;;) {
    if (cClose == '}') {
      if (i >= s->n || s->z[i] != '"') return scan_fail(s, i, "a key");
      if ((i = scan_string(s, i)) < 0) return -1;
      i = skip_ws(s->z, s->n, i);
      if (i >= s->n || s->z[i] != ':') return scan_fail(s, i, "':'");
      i = skip_ws(s->z, s->n, i + 1);
    }
    if ((i = scan_value(s, i, depth + 1)) < 0) return -1;
    i = skip_ws(s->z, s->n, i);
    if (i < s->n && s->z[i] == cClose) return i + 1;
    if (i >= s->n || s->z[i] != ',') {
      return scan_fail(s, i, cClose == '}' ? "',' or '}'" : "',' or ']'");
    }
    i = skip_ws(s->z, s->n, i + 1);
  }
}

/* Check the value at i; the offset after it, or -1. */
static int scan_value(PromScan *s, int i, int depth) {
  static const char *const azWord[] = {"true", "false", "null"};
  int k;
  if (i >= s->n) return scan_fail(s, i, "a value");
  switch (s->z[i]) {
    case '{':
    case '[': return scan_container(s, i, depth);
    case '"': return scan_string(s, i);
    case 't':
    case 'f':
    case 'n':
      for (k = 0; k < 3; k++) {
        int m = (int)strlen(azWord[k]);
        if (i + m <= s->n && memcmp(&s->z[i], azWord[k], m) == 0) return i + m;
      }
      return scan_fail(s, i, "a value");
    default:
      if (s->z[i] == '-' || (s->z[i] >= '0' && s->z[i] <= '9')) {
        return scan_number(s, i);
      }
      return scan_fail(s, i, "a value");
  }
}

int usage_prom_json_check(const char *z, int n, int *piErr,
                          const char **pzWant) {
  PromScan s = {z, n, 0, 0};
  int i = scan_value(&s, skip_ws(z, n, 0), 0);
  if (i >= 0 && skip_ws(z, n, i) < n) {
    i = scan_fail(&s, skip_ws(z, n, i), "the end");
  }
  *piErr = s.iErr;
  *pzWant = s.zWant;
  return i < 0;
}
