# check.sh: the one check helper of the bash suites.
#
#   . "$(dirname "$0")/lib/check.sh"
#   check "one project row" "$(usage_sql "$db" 'SELECT count(*) FROM dim_project')" "1"
#   check_has "the error names the field" "$(usage_error "$db" "$sql")" "busy_kwh"
#   checks_done
#
# Every check takes NAME GOT WANT, in that order, and prints one line
# "ok - NAME" or "not ok - NAME" (with a diff of WANT against GOT). Suites
# find the extension through USAGE_EXT and write under USAGE_TMP; both are
# set here when the suite runs on its own.

USAGE_EXT="${USAGE_EXT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/usage}"
USAGE_TMP="${USAGE_TMP:-$(mktemp -d)}"
CHECK_FAILED=0

# Print a failure's detail as comment lines.
check__detail() {
  sed 's/^/#   /'
}

# check NAME GOT WANT: GOT must equal WANT exactly.
check() {
  if [ "$2" == "$3" ]; then
    echo "ok - $1"
  else
    echo "not ok - $1"
    diff <(printf '%s\n' "$3") <(printf '%s\n' "$2") | check__detail
    CHECK_FAILED=1
  fi
}

# check_has NAME GOT WANT: GOT must contain the fixed string WANT.
check_has() {
  if [[ "$2" == *"$3"* ]]; then
    echo "ok - $1"
  else
    echo "not ok - $1"
    printf 'expected to contain: %s\ngot: %s\n' "$3" "$2" | check__detail
    CHECK_FAILED=1
  fi
}

# check_lacks NAME GOT WANT: GOT must not contain the fixed string WANT.
check_lacks() {
  if [[ "$2" != *"$3"* ]]; then
    echo "ok - $1"
  else
    echo "not ok - $1"
    printf 'expected not to contain: %s\ngot: %s\n' "$3" "$2" | check__detail
    CHECK_FAILED=1
  fi
}

# usage_sql DB SQL: run SQL in the sqlite3 shell on DB with the extension
# loaded; prints what the shell prints, errors included.
usage_sql() {
  printf '.load %s\n%s\n' "$USAGE_EXT" "$2" | sqlite3 -bail -batch "$1" 2>&1
}

# usage_error DB SQL: the same, but print only the errors the shell reports
# (nothing when SQL succeeds); for check_has on an expected error message.
usage_error() {
  printf '.load %s\n%s\n' "$USAGE_EXT" "$2" | sqlite3 -bail -batch "$1" 2>&1 > /dev/null
}

# checks_done: end the suite; its status says whether every check passed.
checks_done() {
  exit "$CHECK_FAILED"
}
