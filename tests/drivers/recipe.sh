#!/bin/bash
# recipe.sh: run one README recipe of tests/drivers/recipes as a user runs
# it, in a folder of its own, with /usr/local/lib/sqlite3/usage (where
# "make install" puts the extension) replaced by the extension under test,
# and check the last line it prints. Prints one ok / not ok line.
#
#   tests/drivers/recipe.sh EXT TMPDIR RECIPE EXPECTED_LAST_LINE COMMAND...
#   e.g. recipe.sh build/usage /tmp/x python.py '2024-...|2' /usr/bin/python3
set -euo pipefail
. "$(dirname "$0")/../lib/check.sh"
ext=$1 tmp=$2 recipe=$3 expected=$4
shift 4
here=$(cd "$(dirname "$0")" && pwd)
dir="$tmp/recipe-${recipe%.*}"
mkdir -p "$dir"
sed "s|/usr/local/lib/sqlite3/usage|$ext|g" "$here/recipes/$recipe" > "$dir/$recipe"
out=$(cd "$dir" && "$@" "$recipe" 2>&1) || out="$out"$'\n'"(exit status $?)"
check "the README recipe tests/drivers/recipes/$recipe runs and prints the daily bucket ($expected)" \
  "$(printf '%s\n' "$out" | tr -d '\r' | tail -n 1)" "$expected"
[ "$CHECK_FAILED" -eq 0 ] || printf '%s\n' "$out" | sed 's/^/#   /'
checks_done
