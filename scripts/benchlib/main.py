"""main: the command line of scripts/bench, and the order of a run.

    scripts/bench --quick --no-write
"""
import argparse
import datetime as dt
import os
import shutil
import sys
import time

from . import embodied, ingest, planning, profile, queries, render, reports, rollups
from .common import ROOT, BenchError, log, size_label
from .data import buckets_available, dataset, middle_machine, month_inside


def options():
    ap = argparse.ArgumentParser(prog="scripts/bench",
                                 description="Benchmark usage (see scripts/bench).")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="the base size only (1 M rows)")
    mode.add_argument("--full", action="store_true", help="base and large sizes (the default)")
    ap.add_argument("--runs", type=int, default=5, help="timed rounds per figure, at least 5")
    ap.add_argument("--budget", type=float, default=1.5,
                    help="seconds per query figure for extra rounds of fast queries "
                    "(0: --runs only)")
    ap.add_argument("--fleet-size", default="fleet",
                    help="gen size of the fleet-sized run (default fleet)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--base", default="1m", help="gen size for ingest and queries (default 1m)")
    ap.add_argument("--large", default="10m", help="gen size for scaling and memory (default 10m)")
    ap.add_argument("--cache", default=os.path.join(ROOT, "build", "bench"),
                    help="where generated data and scratch databases go (default build/bench)")
    ap.add_argument("--ext", default=os.environ.get("USAGE_EXT",
                                                    os.path.join(ROOT, "build", "usage")))
    ap.add_argument("--page", default=os.path.join(ROOT, "docs", "performance.md"),
                    help="the page the run writes (default docs/performance.md)")
    ap.add_argument("--no-write", action="store_true",
                    help="print the page, leave the file alone")
    ap.add_argument("--only", choices=("rollups", "fleet"),
                    help="print only the figures on rollups, at the base size, or only the "
                    "fleet-sized run (writes nothing)")
    ap.add_argument("--fleet", action="store_true",
                    help="also the reports on a fleet ten times as wide (scripts/gen --size "
                    "fleet), under their own heading (make bench FLEET=1)")
    ap.add_argument("--profile", choices=sorted(profile.PROFILES),
                    help="profile one figure's statement at the base size instead of timing")
    ap.add_argument("--profile-tool", choices=("perf", "callgrind"), default="perf")
    ap.add_argument("--profile-limit", type=int, help="ingest only this many rows when profiling")
    ap.add_argument("--child-rss", help=argparse.SUPPRESS)
    ap.add_argument("--child-stmt", help=argparse.SUPPRESS)
    return ap


def data_line(args, base, large):
    m = base["manifest"]
    sizes = [f"`scripts/gen --size {args.base} --seed {args.seed}` ({m['rows']:,} rows: "
             f"{m['hours']:,} hours from {m['start'][:10]}, each 1 ada + {m['projects']} "
             f"projects + {m['machines']} machines + {m['users']} users in {m['groups']} groups)"]
    if large:
        m = large["manifest"]
        sizes.append(f"`scripts/gen --size {args.large} --seed {args.seed}` ({m['rows']:,} "
                     f"rows, {m['hours']:,} hours from {m['start'][:10]}, same fleet)")
    return "; ".join(sizes)


def timed_figures(args, base, large):
    """Every figure of a run, and the notes that say what was checked."""
    figures, notes = [], []
    for bench in (ingest.bench_ingest, ingest.bench_rederive,
                  lambda a, ds: embodied.bench_embodied(a, ds, middle_machine(ds))):
        rows, note = bench(args, base)
        figures += rows
        notes.append(note)
    missing = buckets_available(args, base)
    if missing:
        notes.append("Bucketed totals, scaling and peak memory: **skipped**, because "
                     "`SELECT * FROM usage_buckets('ada','day') LIMIT 1` fails on this build "
                     f"({missing}). They run once usage_buckets works.")
        return figures, notes
    sets = [base] + ([large] if large else [])
    month = month_inside(sets)
    machine = middle_machine(base)
    res_base, problems = queries.bench_queries(args, base, month, machine)
    figures += queries.query_rows(res_base, base["size"], True)
    rows, p = queries.bench_local(args, base)
    figures += rows
    problems += [p] if p else []
    res_large = None
    if large:
        res_large, more = queries.bench_queries(args, large, month, machine)
        problems += more
        figures += queries.query_rows(res_large, large["size"], False)
    figures += queries.scaling_rows(args, base, large, month, machine, res_base, res_large)
    rows, note = planning.bench_planning(args, base)
    figures += rows
    notes.append(note)
    for ds in sets:
        rows, note = rollups.bench_rollups(args, ds, month, machine)
        figures += rows
        notes.append(note)
    if large:
        figures += queries.bench_rss(args, large, month, machine)
    else:
        notes.append(f"Scaling to {size_label(args.large)} rows and peak memory: not run "
                     "(--quick).")
    notes.append(f"Bucketed totals: one month is {month[0]} to {month[1]} (end excluded); "
                 f"the machine is {machine}. Each usage_buckets result was checked against "
                 "the floor's totals and plain SQL's row count"
                 + (": they agree." if not problems else ". **They differ:** "
                    + " / ".join(problems)))
    return figures, notes


def fleet_run(args):
    """The reports on the fleet-sized data, with when and where they ran."""
    started, t0 = dt.datetime.now(dt.timezone.utc), time.monotonic()
    ds = dataset(args, args.fleet_size, need_src=False)
    figures, note = rollups.bench_fleet(args, ds)
    m = ds["manifest"]
    return {"figures": figures, "note": note, "label": size_label(ds), "when": f"{started:%Y-%m-%d %H:%M}",
            "minutes": (time.monotonic() - t0) / 60, "machine": render.machine_info(),
            "commit": render.git_commit(),
            "data": f"`scripts/gen --size {args.fleet_size} --seed {args.seed}` ({m['rows']:,} rows: "
                    f"{m['hours']:,} hours from {m['start'][:10]}, each 1 ada + "
                    f"{m['projects']} projects + {m['machines']} machines + {m['users']} users "
                    f"in {m['groups']} groups)"}


def previous_page(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError:
        return ""


def run():
    ap = options()
    args = ap.parse_args()
    if args.child_rss:
        queries.child_rss(args.child_rss)
        return 0
    if args.child_stmt:
        profile.child_stmt(args.child_stmt)
        return 0
    if args.runs < 5:
        ap.error("--runs must be at least 5")
    argv = sys.argv[1:]
    args.cache = os.path.abspath(args.cache)
    args.ext = os.path.abspath(args.ext)
    if shutil.which("sqlite3") is None:
        raise BenchError("the sqlite3 shell is missing (apt-get install sqlite3)")
    if args.profile:
        profile.profile(args)
        return 0
    folder = os.path.dirname(os.path.abspath(args.page))
    if not (args.no_write or args.only) and not os.path.isdir(folder):
        raise BenchError(f"{folder} does not exist: the page {args.page} cannot be written "
                         "(--no-write prints it instead)")
    started = dt.datetime.now(dt.timezone.utc)
    load0 = os.getloadavg()[0]
    t_start = time.monotonic()
    if args.only:
        if args.only == "rollups":
            base = dataset(args, args.base, need_src=False)
            rows, note = rollups.bench_rollups(args, base, month_inside([base]),
                                               middle_machine(base))
        else:
            fleet = fleet_run(args)
            rows, note = fleet["figures"], fleet["note"]
        out = [f"- Command: `{render.command_line(argv)}`",
               f"- Machine: {render.machine_info()}; load average {load0:.2f} at the start, "
               f"{os.getloadavg()[0]:.2f} at the end", ""] + render.table(rows) + ["", f"- {note}"]
        sys.stdout.write("\n".join(out) + "\n")
        return 0
    base = dataset(args, args.base, need_src=True)
    large = None if args.quick else dataset(args, args.large, need_src=False)
    figures, notes = timed_figures(args, base, large)
    info = render.machine_info()
    labels = [size_label(base)] + ([size_label(large)] if large else [])
    text = render.page(figures, {
        "command": render.command_line(argv), "when": f"{started:%Y-%m-%d %H:%M}",
        "commit": render.git_commit(), "minutes": (time.monotonic() - t_start) / 60,
        "machine": info, "machine_short": info.split(";")[0],
        "load": (load0, os.getloadavg()[0]), "data": data_line(args, base, large),
        "labels": labels, "base_label": size_label(base), "notes": notes,
        "reports_note": reports.NOTE, "fleet": fleet_run(args) if args.fleet else None,
        "previous": previous_page(args.page)})
    sys.stdout.write(text)
    if not args.no_write:
        log(render.write_page(args.page, text))
    return 0


def main():
    try:
        return run()
    except BenchError as e:
        print(f"bench: error: {e}", file=sys.stderr)
        return 1
