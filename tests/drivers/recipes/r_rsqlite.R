library(DBI)

con <- dbConnect(RSQLite::SQLite(), "usage.db", loadable.extensions = TRUE)
dbGetQuery(con, "SELECT load_extension('/usr/local/lib/sqlite3/usage')")
dbGetQuery(con, "SELECT usage_init()")
dbWithTransaction(con, dbExecute(con,
  "INSERT INTO usage_ingest(ts, scope, cloud_project_name, busy_kwh, busy_gCo2eq)
   VALUES (?, 'project', 'physics', ?, ?)",
  params = list(c("2024-03-01T10:00:00Z", "2024-03-01T11:00:00Z"), c(1.5, 2.25), c(300, 450))))
rows <- dbGetQuery(con, "SELECT bucket_start, key, busy_kwh, samples FROM usage_buckets('project', 'day')")
writeLines(do.call(paste, c(rows, sep = "|")))
