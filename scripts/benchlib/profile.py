"""profile: where one figure's time goes: its statement at the base size
under perf or callgrind, in a child process, instead of timing it.

    scripts/bench --profile daily-plain
    scripts/bench --profile ingest --profile-tool callgrind --profile-limit 100000
"""
import argparse
import json
import os
import subprocess
import sys

from .common import BENCH, INGEST_COLS, BenchError, connect, remove_db
from .data import dataset, fresh_target
from .ingest import FLOOR_INGEST, USAGE_INGEST, SeedStyleWriter
from .queries import queries

# What --profile can run: the statements of the figures, at the base size.
# Each is (kind, SQL, how the ingest target is made: fresh_target's keywords).
PROFILES = {
    "ingest": ("ingest", USAGE_INGEST, {}),
    "ingest-floor": ("ingest", FLOOR_INGEST, {}),
    "ingest-floor2": ("ingest", FLOOR_INGEST, {"version": 2}),
    "ingest-noop-triggers": ("ingest", USAGE_INGEST, {"triggers": "noop-insert"}),
    "ingest-no-triggers": ("ingest", USAGE_INGEST, {"triggers": "none"}),
    "ingest-python": ("python", None, {}),
}
for _key, (_u, _f, _p, _params) in queries(("", ""), "").items():
    if _key[1] == "full range":
        _name = {"daily per-project": "daily", "monthly per-group": "group"}[_key[0]]
        PROFILES[_name] = ("query", _u, {})
        PROFILES[_name + "-floor"] = ("query", _f, {})
        PROFILES[_name + "-plain"] = ("query", _p, {})


def child_stmt(spec):
    """Run one figure's statement (for a profiler), without timing it; limit
    None means every row, 0 only the setup (a baseline for counting)."""
    kind, sql, opts, db, src, ext, limit = json.loads(spec)
    args = argparse.Namespace(ext=ext)
    if kind == "query":
        conn = connect(db, ext)
        for _ in range(5):
            conn.execute(sql).fetchall()
        return
    tail = "" if limit is None else f" LIMIT {int(limit)}"
    conn = fresh_target(args, db, src, **opts)
    if kind == "python":
        rows = conn.execute(f"SELECT {', '.join(INGEST_COLS)} FROM src.staging ORDER BY rowid"
                            + tail).fetchall()
        SeedStyleWriter(conn).ingest(rows)
    else:
        conn.execute("BEGIN")
        conn.execute(sql + tail)
        conn.execute("COMMIT")
    conn.close()
    remove_db(db)


def callgrind_total(path):
    """The instruction count a callgrind output file records."""
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    raise BenchError(f"{path}: no instruction total")


def profile(args):
    kind, sql, opts = PROFILES[args.profile]
    ds = dataset(args, args.base, need_src=True)
    work = os.path.join(args.cache, "run")
    os.makedirs(work, exist_ok=True)
    db = ds["query"] if kind == "query" else os.path.join(work, f"profile-{os.getpid()}.db")

    def child(limit):
        spec = json.dumps([kind, sql, opts, db, ds["src"], args.ext, limit])
        return [sys.executable, BENCH, "--child-stmt", spec]

    def callgrind(path, limit):
        subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + path]
                       + child(limit), check=True, stderr=subprocess.DEVNULL)

    out = os.path.join(args.cache, f"{args.profile_tool}-{args.profile}")
    if args.profile_tool == "perf":
        subprocess.run(["perf", "record", "-q", "-g", "-o", out + ".data", "--"]
                       + child(args.profile_limit), check=True)
        report = ["perf", "report", "-i", out + ".data", "--no-children", "--sort", "dso,sym",
                  "--stdio", "-g", "none", "--percent-limit", "0.7"]
    else:
        callgrind(out + ".out", args.profile_limit)
        report = ["callgrind_annotate", "--inclusive=no", out + ".out"]
    text = subprocess.run(report, capture_output=True, text=True, check=True).stdout
    lines = [l for l in text.splitlines() if l.strip() and not l.startswith("#")]
    print(f"{args.profile}: {sql or 'Python per-row get-or-create + upsert'}")
    print("\n".join(lines[:45]))
    print(f"(full profile: {out}{'.data' if args.profile_tool == 'perf' else '.out'})")
    if args.profile_tool == "callgrind" and kind != "query" and args.profile_limit:
        # The same run with no rows, so that what remains is the rows' own cost.
        base = out + "-setup.out"
        callgrind(base, 0)
        total, setup = callgrind_total(out + ".out"), callgrind_total(base)
        print(f"instructions: {total:,} with {args.profile_limit:,} rows, {setup:,} with none: "
              f"{(total - setup) / args.profile_limit:,.0f} per row")
