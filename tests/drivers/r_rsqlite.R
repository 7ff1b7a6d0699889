# r_rsqlite.R: the usage extension through R's DBI and RSQLite (Debian's
# r-cran-rsqlite, which bundles its own SQLite). Proves the R recipe:
# with dbConnect(..., loadable.extensions = FALSE) SQL's load_extension() is
# refused; with TRUE (RSQLite's default) SELECT load_extension(EXT) (path
# without ".so") loads usage; then usage_init(), the rows of rows.csv
# ingested with bound parameters in a transaction, one usage_buckets result
# and one seed view.
#
#   Rscript tests/drivers/r_rsqlite.R EXT TMPDIR HERE   (HERE: tests/drivers)
suppressPackageStartupMessages(library(DBI))
args <- commandArgs(trailingOnly = TRUE)
ext <- args[1]; tmp <- args[2]; here <- args[3]
failed <- FALSE

check <- function(what, actual, expected) {
  if (identical(actual, expected)) {
    cat("ok - ", what, "\n", sep = "")
  } else {
    failed <<- TRUE
    cat("not ok - ", what, "\n", sep = "")
    cat("#   expected:", deparse(expected), "\n")
    cat("#   actual:  ", deparse(actual), "\n")
  }
}

buckets_sql <- paste(
  "SELECT printf('%s|%s|%.2f|%.2f|%.1f|%d', bucket_start, key, busy_kwh,",
  "idle_kwh, busy_gCo2eq + idle_gCo2eq, samples) AS r",
  "FROM usage_buckets('project', 'day') ORDER BY bucket_start")
buckets_expected <- c("2024-03-01T00:00:00Z|physics|3.75|0.75|900.0|2",
                      "2024-03-02T00:00:00Z|physics|4.00|0.00|800.0|1")
view_sql <- paste(
  "SELECT printf('%s|%.1f|%.1f|%.2f|%.2f|%.1f|%.1f', cloud_project_name,",
  "busy_cpu_seconds_total, idle_cpu_seconds_total, busy_kwh, idle_kwh,",
  "busy_gCo2eq, idle_gCo2eq) AS r FROM v_project_totals")
view_expected <- "physics|12600.0|600.0|7.75|0.75|1550.0|150.0"
load_sql <- paste0("SELECT load_extension('", gsub("'", "''", ext), "')")

off <- dbConnect(RSQLite::SQLite(), ":memory:", loadable.extensions = FALSE)
version <- dbGetQuery(off, "SELECT sqlite_version() AS v")$v
cat("# sqlite ", version, "\n", sep = "")
check(paste0("R ", getRversion(), " RSQLite ", packageVersion("RSQLite"), " runs SQLite ",
             version, ", a version string"), grepl("^[0-9]+\\.[0-9]+\\.[0-9]+$", version), TRUE)
check(paste0("RSQLite's SQLite ", version, " is 3.35.0 or later, as the extension needs"),
      package_version(version) >= "3.35.0", TRUE)
refused <- tryCatch({ dbGetQuery(off, load_sql); "loaded" }, error = function(e) conditionMessage(e))
check(paste0("with loadable.extensions = FALSE, SQL load_extension() is refused: ", refused),
      grepl("not authorized", refused), TRUE)
dbDisconnect(off)

con <- dbConnect(RSQLite::SQLite(), file.path(tmp, "r.db"), loadable.extensions = TRUE)
invisible(dbGetQuery(con, load_sql))
usage_version <- dbGetQuery(con, "SELECT usage_version() AS v")$v
check(paste("the extension loads: usage_version() is", usage_version),
      is.character(usage_version) && nchar(usage_version) > 0, TRUE)
schema <- dbGetQuery(con, "SELECT usage_init() AS v")$v
check("usage_init() returns the schema version (an integer >= 1)",
      is.integer(schema) && schema >= 1L, TRUE)

rows <- read.csv(file.path(here, "rows.csv"), stringsAsFactors = FALSE)
invisible(dbWithTransaction(con, {
  dbExecute(con, paste(
    "INSERT INTO usage_ingest(ts, scope, cloud_project_name, busy_cpu_seconds_total,",
    "idle_cpu_seconds_total, busy_kwh, idle_kwh, busy_gCo2eq, idle_gCo2eq)",
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
    params = unname(as.list(rows[, c("ts", "scope", "cloud_project_name",
                                     "busy_cpu_seconds_total", "idle_cpu_seconds_total",
                                     "busy_kwh", "idle_kwh", "busy_gCo2eq", "idle_gCo2eq")])))
}))
check("dbExecute() with bound parameter vectors in dbWithTransaction() ingests the 3 rows",
      dbGetQuery(con, "SELECT count(*) AS n FROM fact_usage")$n, 3L)
check("usage_buckets('project', 'day') gives the hand-computed daily totals",
      dbGetQuery(con, buckets_sql)$r, buckets_expected)
check("v_project_totals gives the hand-computed totals", dbGetQuery(con, view_sql)$r, view_expected)
dbDisconnect(con)
quit(status = if (failed) 1 else 0)
