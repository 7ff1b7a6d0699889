"""client: the reports as a client receives them. One Node 22 process
(client.mjs) holds node:sqlite with the extension loaded and DuckDB on its
own in-memory table; every row of every result becomes JavaScript values.
Beside each report, the limit: the same rows read back from a plain table.

    with Client(args, csv_path, roster) as c:
        c.open("utc", path)
        r = c.report("utc", usage_sql, duckdb_sql)   # r["times"]["usage"|"limit"|"duckdb"]
"""
import json
import os
import shutil
import subprocess

from .common import ROOT, BenchError, log
from .timing import MAX_RUNS

# Rounds of each report, at least: a report's per-round ratios spread widely
# (garbage collection, the slow peer's rounds), so their median needs more
# rounds than the budget alone gives the slow reports. --budget 0 (the smoke
# test's) keeps them to --runs.
REPORT_RUNS = 15

DUCKDB_PKG = "@duckdb/node-api"
CLIENT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "client.mjs")
NODE_HOSTS = os.path.join(ROOT, "tests", "drivers", "node_hosts.sh")


def node22():
    """Node 22 (node:sqlite), installed by tests/drivers/node_hosts.sh under
    build/node-hosts as the driver suites do; the system node otherwise, if
    it is 22 or later."""
    node = shutil.which("node")
    if node:
        v = subprocess.run([node, "--version"], capture_output=True, text=True).stdout
        if v.startswith("v") and int(v[1:].split(".")[0]) >= 22:
            return node
    r = subprocess.run([NODE_HOSTS, os.path.join(ROOT, "build", "node-hosts")],
                       capture_output=True, text=True, check=False)
    if r.returncode != 0:
        raise BenchError(f"no Node 22 for the client figures: {r.stderr.strip()[-400:]}")
    for line in r.stdout.splitlines():
        if line.startswith("node22="):
            return line.split("=", 1)[1]
    raise BenchError("tests/drivers/node_hosts.sh named no node22")


def duckdb_prefix(args):
    """The folder holding @duckdb/node-api, installed there with npm when missing."""
    prefix = os.path.join(args.cache, "duckdb")
    if not os.path.isdir(os.path.join(prefix, "node_modules", *DUCKDB_PKG.split("/"))):
        if shutil.which("npm") is None:
            raise BenchError("npm is missing: DuckDB, the peer, is installed with it "
                             "(apt-get install npm)")
        log(f"installing the npm package {DUCKDB_PKG} into {os.path.relpath(prefix, ROOT)}")
        os.makedirs(prefix, exist_ok=True)
        r = subprocess.run(["npm", "install", "--prefix", prefix, "--no-audit", "--no-fund",
                            DUCKDB_PKG], capture_output=True, text=True, check=False)
        if r.returncode != 0:
            raise BenchError(f"npm install {DUCKDB_PKG} failed: {r.stderr.strip()[-400:]}")
    return prefix


class Client:
    """The Node process, one JSON request and one answer a line."""

    def __init__(self, args, csv_path, roster):
        self.args = args
        env = dict(os.environ, DUCKDB_PREFIX=duckdb_prefix(args))
        self.node = node22()
        self.p = subprocess.Popen([self.node, "--no-warnings", "--expose-gc", CLIENT, args.ext, csv_path, roster],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                  env=env)
        line = self.p.stdout.readline()
        if not line:
            self.close()
            raise BenchError(f"the client did not start ({self.node} {CLIENT})")
        log(f"client: DuckDB loaded the CSV in {json.loads(line)['ready']:.1f} s")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def call(self, **req):
        self.p.stdin.write(json.dumps(req) + "\n")
        self.p.stdin.flush()
        line = self.p.stdout.readline()
        if not line:
            raise BenchError(f"the client stopped during {req['op']}")
        out = json.loads(line)
        if "error" in out:
            raise BenchError(f"client, {req['op']}: {out['error']}")
        return out

    def open(self, name, path):
        self.call(op="open", db=name, path=path)

    def sqlite(self, name, sql):
        self.call(op="sqlite", db=name, sql=sql)

    def duckdb(self, sql):
        self.call(op="duckdb", sql=sql)

    def report(self, name, usage_sql, duckdb_sql, fixed_sql):
        """Rounds of usage_buckets, the held table, DuckDB and usage_buckets
        over a range with no rows (its fixed cost), every row delivered."""
        return self.call(op="report", db=name, sqlite=usage_sql, duckdb=duckdb_sql,
                         fixed=fixed_sql, max=MAX_RUNS,
                         runs=max(self.args.runs, REPORT_RUNS if self.args.budget > 0 else 0),
                         budget=self.args.budget)

    def close(self):
        if self.p.stdin and not self.p.stdin.closed:
            self.p.stdin.close()
        self.p.wait()
