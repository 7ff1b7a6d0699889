/*
** amounts/amounts.h: the one list of the six amount columns of a fact.
**
**   SELECT busy_cpu_seconds_total, idle_cpu_seconds_total, busy_kwh,
**          idle_kwh, busy_gCo2eq, idle_gCo2eq FROM fact_usage;
**
** USAGE_AMOUNTS(X) calls X(NAME, "column") once per amount, in the order
** of the columns of fact_usage, usage_ingest and usage_buckets. The schema
** (sql/migrations), ingest, buckets and the fuzz harnesses all follow it.
** Plain C: no SQLite.
*/
#ifndef USAGE_AMOUNTS_H
#define USAGE_AMOUNTS_H

/* clang-format off */
#define USAGE_AMOUNTS(X)                        \
  X(BUSY_CPU, "busy_cpu_seconds_total")         \
  X(IDLE_CPU, "idle_cpu_seconds_total")         \
  X(BUSY_KWH, "busy_kwh")                       \
  X(IDLE_KWH, "idle_kwh")                       \
  X(BUSY_G,   "busy_gCo2eq")                    \
  X(IDLE_G,   "idle_gCo2eq")
/* clang-format on */

/* USAGE_SUMS(X): the amounts, then the stored quantities that are summed
** like them but are no input of usage_ingest: covered_kwh, a fact's kWh
** whose carbon is known (given, or derived from intensity), from which
** usage_buckets reports carbon_coverage. The order of fact_usage_report. */
/* clang-format off */
#define USAGE_SUMS(X)                           \
  USAGE_AMOUNTS(X)                              \
  X(COVERED_KWH, "covered_kwh")
/* clang-format on */

/* USAGE_AMOUNT_BUSY_CPU .. USAGE_AMOUNT_IDLE_G, then their count, then the
** other sums (USAGE_AMOUNT_COVERED_KWH) and the count of all sums. */
enum {
#define USAGE_AMOUNT_ENUM(NAME, zCol) USAGE_AMOUNT_##NAME,
  USAGE_AMOUNTS(USAGE_AMOUNT_ENUM)
#undef USAGE_AMOUNT_ENUM
      USAGE_NAMOUNT,
  USAGE_AMOUNT_COVERED_KWH = USAGE_NAMOUNT,
  USAGE_NSUM
};

/* The column names, by amount index; usable as an initialiser. */
#define USAGE_AMOUNT_NAME(NAME, zCol) zCol,
#define USAGE_AMOUNT_NAMES \
  { USAGE_AMOUNTS(USAGE_AMOUNT_NAME) }
/* The names of every sum, by index. */
#define USAGE_SUM_NAMES \
  { USAGE_SUMS(USAGE_AMOUNT_NAME) }

/* SQL text: "busy_cpu_seconds_total, ..., idle_gCo2eq, " (one literal). */
#define USAGE_AMOUNT_LIST_ITEM(NAME, zCol) zCol ", "
#define USAGE_AMOUNT_LIST USAGE_AMOUNTS(USAGE_AMOUNT_LIST_ITEM)
/* The same for every sum: "busy_cpu_seconds_total, ..., covered_kwh, ". */
#define USAGE_SUM_LIST USAGE_SUMS(USAGE_AMOUNT_LIST_ITEM)

/* The arithmetic of the intensity column: energy and emissions, busy and
** idle, are adjacent pairs. */
_Static_assert(USAGE_NAMOUNT == 6, "six amounts");
_Static_assert(USAGE_AMOUNT_IDLE_KWH == USAGE_AMOUNT_BUSY_KWH + 1,
               "kWh pair adjacent");
_Static_assert(USAGE_AMOUNT_IDLE_G == USAGE_AMOUNT_BUSY_G + 1,
               "gCO2eq pair adjacent");

#endif /* USAGE_AMOUNTS_H */
