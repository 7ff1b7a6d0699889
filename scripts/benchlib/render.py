"""render: the figures as docs/performance.md: what a user wants to know
first, then the targets table, then the method and how to rerun it.

    text = page(figures, run)     # run: when, command, machine, data, notes
    write_page("docs/performance.md", text)
"""
import os
import platform
import subprocess
import sqlite3
import sys

from .common import ROOT, fmt_rate, fmt_ratio, fmt_time

TABLE_HEAD = ("| figure | usage | reference | ratio | spread of per-round ratios | target "
              "| met? |")

# The summary's reports: (what a user asks for, the raw-path figure's name).
REPORTS = (
    ("daily per project", "daily per-project"),
    ("monthly per user", None),
    ("monthly per group", "monthly per-group"),
    ("daily per project, 1 % of days dirty", None),
    ("daily per project, local days", None),
    ("monthly per user, local months", None),
    ("monthly per group, local months", None),
)


RATIO_NOTE = ("Each line times the project's path and its reference in the same rounds, back to "
              "back, in a rotating order. The ratio is usage ÷ reference as the median of the "
              "rounds' own ratios, and the spread is the lowest and highest of them: for rows/s "
              "higher is better, for times and memory lower is better.")


def machine_info():
    model = "unknown CPU"
    with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return (f"{model}, {os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), "
            f"{vm_mem_gib():.1f} GiB RAM; {platform.system()} {platform.release()}; "
            f"SQLite {sqlite3.sqlite_version}; Python {platform.python_version()} "
            f"({sys.executable})")


def vm_mem_gib():
    with open("/proc/meminfo", encoding="ascii") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    return 0.0


def git_commit():
    try:
        head = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--", "ext", "sql"],
                               capture_output=True, text=True, check=True).stdout.strip()
        return head + (" with local changes to ext/ or sql/" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def command_line(argv):
    if os.environ.get("MAKELEVEL") and argv in ([], ["--fleet"]):
        return "make bench" + (" FLEET=1" if argv else "")
    return " ".join(["scripts/bench"] + argv)


def cell(text):
    return text.replace("|", "\\|")


def table(figures):
    """The targets table: one line per figure."""
    lines = [TABLE_HEAD, "|---|---|---|---|---|---|---|"]
    lines += ["| " + " | ".join(cell(c) for c in f.cells()) + " |" for f in figures]
    return lines


def find(figures, *key):
    return next((f for f in figures if f.key == key), None)


def secs(f, ref=False):
    v = None if f is None else (f.ref_value if ref else f.value)
    return "—" if v is None else fmt_time(v)


def reports_table(figures, labels, raw_path=True):
    """Each report at each size: on the raw path, on rollups, DuckDB."""
    cols = ("raw path", "on rollups", "DuckDB") if raw_path else ("on rollups", "DuckDB")
    head = "| report |" + "".join(f" {l}: {c} |" for l in labels for c in cols)
    lines = [head, "|---|" + "---|" * len(cols) * len(labels)]
    for name, raw_name in REPORTS:
        row, seen = [], False
        for l in labels:
            raw = find(figures, "raw", raw_name, "full range", l) if raw_name else None
            rep = find(figures, "report", name, l)
            seen = seen or raw is not None or rep is not None
            row += ([secs(raw)] if raw_path else []) + [secs(rep), secs(rep, ref=True)]
        if seen:
            lines.append(f"| {name}, whole range | " + " | ".join(row) + " |")
    return lines


def summary(figures, labels, run):
    """What a user wants to know, from the figures of this run."""
    out = ["## What to expect", "",
           f"Measured on the reference machine ({run['machine_short']}) with "
           f"`{run['command']}`. "
           "Times are medians; lower is better.", "", "### Reports", ""]
    out += reports_table(figures, labels)
    out += ["", run["reports_note"]]
    month = [f"{fmt_time(f.value)} at {l}" for l in labels
             for f in [find(figures, "raw", "daily per-project", "one month", l)] if f]
    if month:
        out += ["", "A month of daily per project on the raw path takes " + ", ".join(month)
                + ": a report follows the range it asks for, not the size of the table."]
    out += ["", "### Ingest", ""]
    ing = {k: find(figures, "ingest", k) for k in ("floor", "python", "derive")}
    if ing["floor"]:
        f = ing["floor"]
        text = (f"`INSERT INTO usage_ingest SELECT …` stores {fmt_rate(f.value)} rows/s "
                f"({run['base_label']} rows in one transaction, WAL, synchronous=NORMAL), "
                f"{fmt_ratio(f.ratio.median)} of what SQLite itself writes into the same "
                "schema from ids already resolved")
        if ing["python"]:
            text += (f", and {fmt_ratio(ing['python'].ratio.median)} the rate of a Python "
                     "writer that resolves names row by row")
        out.append(text + ".")
        if ing["derive"]:
            out.append(f"With energy and carbon derived from CPU seconds: "
                       f"{fmt_rate(ing['derive'].value)} rows/s.")
    emb, red = find(figures, "ingest", "embodied"), find(figures, "embodied", "rederive")
    if emb:
        out.append(f"With embodied carbon models in force (a platform default and one per "
                   f"machine): {fmt_rate(emb.value)} rows/s, {fmt_ratio(emb.ratio.median)} "
                   "the rate without.")
    if red:
        out.append(f"Changing one machine's embodied model re-derives only that machine's "
                   f"facts: its year, in the {run['base_label']}-row data, takes {fmt_time(red.value)}.")
    out += ["", "### Keeping rollups fresh", ""]
    for l in labels:
        r1, r13 = find(figures, "refresh", 24, l), find(figures, "refresh", 13, l)
        if r1 and r13:
            out.append(f"- {l}: `usage_refresh()` after one hour of new data takes "
                       f"{fmt_time(r1.value)} when that hour completes a day, "
                       f"{fmt_time(r13.value)} in mid-day.")
        built = [f"{s} {fmt_time(f.value)}" for s in ("ada", "project", "machine", "user")
                 for f in [find(figures, "build", s, l)] if f]
        if built:
            out.append(f"- {l}: building each scope's rollups from scratch: "
                       + ", ".join(built) + ".")
    plan = [find(figures, "planning", k) for k in ("budgets", "best")]
    if all(plan):
        out += ["", "### Planning", "",
                f"- `SELECT * FROM usage_budget_status()` for {plan[0].rows} budgets, rollups built, at "
                f"{run['base_label']} rows: {fmt_time(plan[0].value)}.",
                f"- `usage_best_window('3 hours', …)` over 48 hours of half-hour forecasts: "
                f"{fmt_time(plan[1].value)}."]
    rss = [f for f in figures if f.key[0] == "rss"]
    if rss:
        out += ["", "### Memory", ""]
        out += [f"- {f.key[1].capitalize()}, {f.key[2]}, {f.key[3]}: {f.usage} peak resident "
                "memory above the open connection's." for f in rss]
    return out


def measured(f):
    """The sentence a missed line gets when no cause was measured for it."""
    if f.ratio is None:
        return f"Measured {f.usage} against the line {f.target}."
    spread = (f" (per round {fmt_ratio(f.ratio.lo)}–{fmt_ratio(f.ratio.hi)})"
              if len(f.ratio.ratios) > 1 else "")
    return (f"Measured {f.usage} against {f.reference}, {fmt_ratio(f.ratio.median)}{spread}, "
            f"against the line {f.target}.")


def missed_lines(figures):
    """Each missed line and its measured cause, one sentence each."""
    missed = [f for f in figures if f.ok is False]
    if not missed:
        return []
    return ["", "Missed:", ""] + [f"- {f.label}: {f.cause or measured(f)}" for f in missed]


FLEET = "## Fleet-sized run"


def fleet_section(run):
    """The optional run on a fleet ten times as wide: this run's, or the
    section of the page as it was when this run did not include one."""
    fl = run.get("fleet")
    if not fl:
        prev = run.get("previous", "").split("\n")
        if FLEET not in prev:
            return []
        i = prev.index(FLEET)
        j = next((k for k in range(i + 1, len(prev)) if prev[k].startswith("## ")), len(prev))
        while j > i and not prev[j - 1].strip():
            j -= 1
        return [""] + prev[i:j]
    return (["", FLEET, "",
             f"Part of `{run['command']}`, on {fl['when']} UTC, source at "
             f"{fl['commit']}, in {fl['minutes']:.1f} min, on {fl['machine']}. Data: "
             f"{fl['data']}. {fl['note']}", ""]
            + reports_table(fl["figures"], [fl["label"]], raw_path=False) + [""] + table(fl["figures"])
            + missed_lines(fl["figures"]))


def page(figures, run):
    """The whole of docs/performance.md."""
    out = ["# Performance", "",
           "How fast `usage` is on one machine: the reports a dashboard runs, ingest, keeping "
           "the rollups fresh, and memory. The figures, the targets and their verdicts come "
           f"from one run of `{run['command']}` on {run['when']} UTC (source at "
           f"{run['commit']}, {run['minutes']:.1f} min). This page is generated; do not edit "
           "it by hand.", ""]
    out += summary(figures, run["labels"], run)
    out += ["", "## Targets", "", run.get("ratio_note", RATIO_NOTE), ""]
    out += table(figures) + missed_lines(figures)
    out += fleet_section(run)
    out += ["", "## Method", ""]
    out += [f"- Machine: {run['machine']}; load average {run['load'][0]:.2f} at the start, "
            f"{run['load'][1]:.2f} at the end.",
            f"- Data: {run['data']}."]
    out += [f"- {n}" for n in run["notes"]]
    out += ["", "## Rerunning it", "", "```sh",
            f"make bench                               # {run['minutes']:.0f} minutes here, once the data is cached",
            "scripts/bench --quick                    # 1 M rows only",
            "scripts/bench --quick --only rollups     # just the figures on rollups",
            "make bench FLEET=1                       # also the fleet-sized run",
            "scripts/bench --only fleet               # just the fleet-sized run (print only)",
            "scripts/bench --quick --no-write         # print the page, leave this file alone",
            "scripts/bench --profile daily-plain      # where one figure's time goes (perf)",
            "```", "",
            "Data comes from `scripts/gen` (seed 42) and is cached under `build/bench/data`, "
            "so only the first run pays for it. `scripts/bench --help` lists every option."]
    return "\n".join(out) + "\n"


def write_page(path, text):
    """Replace the page as a whole (written to a temporary file, then renamed)."""
    d = os.path.dirname(path)
    if d and not os.path.isdir(d):
        return f"{d} does not exist: the page was not written"
    tmp = path + ".bench-tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)
    return f"wrote {os.path.relpath(path, ROOT) if path.startswith(ROOT) else path}"
