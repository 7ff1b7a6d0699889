"""benchlib: the parts of scripts/bench.

  common   paths, columns, connections, formats, the Figure record
  data     the generated data sets (cached) and fresh ingest targets
  timing   the timing loop (rotating rounds) and per-round ratios
  targets  the line each figure is held to
  ingest   usage_ingest against the floor and the Python writer, with
           derivation and with embodied models in force
  embodied embodied models for ingest; re-deriving one machine's year
  queries  bucketed totals on the raw path, scaling, peak memory
  rollups  rollups built and refreshed, a sub-day width; runs the reports
  reports  the reports on rollups against the limit and DuckDB
  planning usage_budget_status() and usage_best_window
  client   the Node 22 process (client.mjs) that times them as a client
  profile  one figure's statement under perf or callgrind
  render   docs/performance.md
  main     the command line and the order of a run
"""
