# common.sh: what the bash driver programs share: tests/lib/check.sh, the
# arguments EXT and TMPDIR, and the two queries of tests/drivers/README with
# their hand-computed results.
#
#   . "$(dirname "$0")/common.sh"     (in PROGRAM, run as PROGRAM EXT TMPDIR)
. "$(dirname "${BASH_SOURCE[0]}")/../lib/check.sh"
ext=$1
tmp=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
buckets_sql="SELECT printf('%s|%s|%.2f|%.2f|%.1f|%d', bucket_start, key, busy_kwh, idle_kwh,
  busy_gCo2eq + idle_gCo2eq, samples) AS line FROM usage_buckets('project', 'day') ORDER BY bucket_start"
buckets_expected=$'2024-03-01T00:00:00Z|physics|3.75|0.75|900.0|2\n2024-03-02T00:00:00Z|physics|4.00|0.00|800.0|1'
view_sql="SELECT printf('%s|%.1f|%.1f|%.2f|%.2f|%.1f|%.1f', cloud_project_name, busy_cpu_seconds_total,
  idle_cpu_seconds_total, busy_kwh, idle_kwh, busy_gCo2eq, idle_gCo2eq) AS line FROM v_project_totals"
view_expected='physics|12600.0|600.0|7.75|0.75|1550.0|150.0'
