"""data: the generated data sets of the bench, cached, and the fresh
databases the ingest figures write into.

    ds = dataset(args, "1m", need_src=True)   # ds["query"], ds["src"], ds["manifest"]
    conn = fresh_target(args, path, ds["src"], triggers="none")
"""
import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time

from .common import (GEN, INGEST_COLS, NAMES, ROOT, BenchError, check_totals, connect, log,
                     remove_db)


def file_digest(paths):
    h = hashlib.sha256()
    for p in paths:
        with open(p, "rb") as f:
            h.update(f.read())
    return h.hexdigest()[:10]


def dataset(args, size, need_src):
    """The cached data of one size: manifest, query.db and (if need_src) src.db.

    src.db holds staging (the rows by name, as gen wrote them), staging_ids
    (the same rows with ids resolved), and the dimension rows those ids name.
    query.db holds the rows ingested through usage_ingest, checked against
    the manifest.
    """
    migrations = sorted(os.path.join(ROOT, "sql", "migrations", f)
                        for f in os.listdir(os.path.join(ROOT, "sql", "migrations"))
                        if f.endswith(".sql"))
    key = f"{size}-seed{args.seed}-gen{file_digest([GEN])}-schema{file_digest(migrations)}"
    base = os.path.join(args.cache, "data")
    d = os.path.join(base, key)
    ds = {"size": size, "dir": d, "manifest_path": os.path.join(d, "manifest.json"),
          "src": os.path.join(d, "src.db"), "query": os.path.join(d, "query.db")}
    if os.path.exists(os.path.join(d, "complete")) and (not need_src or os.path.exists(ds["src"])):
        with open(ds["manifest_path"], encoding="utf-8") as f:
            ds["manifest"] = json.load(f)
        log(f"{size}: cached data in {os.path.relpath(d, ROOT)}")
        return ds
    # Older data of this size and seed is stale: it was made by another
    # scripts/gen or schema.
    if os.path.isdir(base):
        for old in os.listdir(base):
            if old.startswith(f"{size}-seed{args.seed}-") and old != key:
                shutil.rmtree(os.path.join(base, old), ignore_errors=True)
    final, d = d, f"{d}.tmp-{os.getpid()}"
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    ds.update({"manifest_path": os.path.join(d, "manifest.json"),
               "src": os.path.join(d, "src.db"), "query": os.path.join(d, "query.db")})
    t0 = time.monotonic()
    log(f"{size}: generating with scripts/gen --size {size} --seed {args.seed} (cached afterwards)")

    # 1. gen's CSV straight into a typed table, through the sqlite3 shell.
    conn = connect(ds["src"], args.ext)
    conn.execute("SELECT usage_init()")
    cols = ", ".join(f"{c} TEXT" for c in NAMES) + ", " + \
        ", ".join(f"{c} REAL" for c in INGEST_COLS[len(NAMES):])
    conn.execute(f"CREATE TABLE staging_raw({cols})")
    conn.close()
    gen = subprocess.Popen([sys.executable, GEN, "--size", size, "--seed", str(args.seed),
                            "--csv", "-", "--roster", os.path.join(d, "roster.csv"),
                            "--manifest", ds["manifest_path"]], stdout=subprocess.PIPE)
    imp = subprocess.run(["sqlite3", ds["src"], ".import --csv --skip 1 /dev/stdin staging_raw"],
                         stdin=gen.stdout, capture_output=True, text=True, check=False)
    gen.stdout.close()
    if gen.wait() != 0 or imp.returncode != 0 or imp.stderr.strip():
        raise BenchError(f"scripts/gen | sqlite3 .import failed: {imp.stderr.strip()}")
    with open(ds["manifest_path"], encoding="utf-8") as f:
        ds["manifest"] = manifest = json.load(f)

    # 2. staging by name ('' from the CSV becomes NULL), the dimension rows,
    #    and staging_ids.
    conn = connect(ds["src"], args.ext)
    conn.execute("BEGIN")
    conn.execute(f"CREATE TABLE staging({cols})")
    conn.execute(f"INSERT INTO staging SELECT ts, scope, NULLIF(cloud_project_name, ''), "
                 f"NULLIF(machine_name, ''), NULLIF(user_id, ''), "
                 f"{', '.join(INGEST_COLS[len(NAMES):])} FROM staging_raw ORDER BY rowid")
    conn.execute("DROP TABLE staging_raw")
    with open(os.path.join(d, "roster.csv"), encoding="utf-8") as f:
        next(f)
        roster = [line.rstrip("\n").split(",") for line in f if line.strip()]
    conn.executemany("INSERT INTO usage_users(user_id, display_name, group_name) VALUES (?, ?, ?)",
                     roster)
    for table, col in (("dim_project", "cloud_project_name"), ("dim_machine", "machine_name")):
        conn.execute(f"INSERT INTO {table}({col}) SELECT {col} FROM staging "
                     f"WHERE {col} IS NOT NULL GROUP BY {col} ORDER BY min(rowid)")
    conn.execute(f"CREATE TABLE staging_ids(ts TEXT, scope TEXT, project_id INTEGER, "
                 f"machine_id INTEGER, user_id TEXT, "
                 f"{', '.join(c + ' REAL' for c in INGEST_COLS[len(NAMES):])})")
    if need_src:  # only the ingest figures read it
        conn.execute(f"INSERT INTO staging_ids SELECT s.ts, s.scope, p.project_id, m.machine_id, "
                     f"s.user_id, {', '.join('s.' + c for c in INGEST_COLS[len(NAMES):])} "
                     f"FROM staging s LEFT JOIN dim_project p USING (cloud_project_name) "
                     f"LEFT JOIN dim_machine m USING (machine_name) ORDER BY s.rowid")
    conn.execute("COMMIT")
    n = conn.execute("SELECT count(*) FROM staging").fetchone()[0]
    if n != manifest["rows"]:
        raise BenchError(f"{size}: staging holds {n} rows, scripts/gen promised {manifest['rows']}")
    conn.close()

    # 3. query.db: every row through usage_ingest.
    log(f"{size}: ingesting {manifest['rows']:,} rows through usage_ingest into query.db")
    # Not timed: a rollback journal and a large cache keep the build quick.
    conn = fresh_target(args, ds["query"], ds["src"], wal=False)
    conn.execute("PRAGMA cache_size=-262144")
    conn.execute("BEGIN")
    conn.execute("INSERT INTO usage_ingest SELECT * FROM src.staging")
    conn.execute("COMMIT")
    conn.execute("DETACH src")
    check_totals(conn, manifest, f"{size} query.db")
    conn.close()
    if not need_src:
        remove_db(ds["src"])
    with open(os.path.join(d, "complete"), "w", encoding="utf-8") as f:
        f.write(key + "\n")
    shutil.rmtree(final, ignore_errors=True)
    os.rename(d, final)
    ds.update({"dir": final, "manifest_path": os.path.join(final, "manifest.json"),
               "src": os.path.join(final, "src.db"), "query": os.path.join(final, "query.db")})
    log(f"{size}: data ready in {time.monotonic() - t0:.0f} s")
    return ds


# The reference "noop-insert": fact_usage's two rollup INSERT triggers (one
# BEFORE, for INSERT OR REPLACE by usage_id; one AFTER, for new rows) become
# triggers of the same kinds whose WHEN is never true.
NOOP_INSERT_TRIGGERS = """
DROP TRIGGER fact_usage_rollup_insert;
DROP TRIGGER fact_usage_rollup_replace;
CREATE TRIGGER bench_noop_after AFTER INSERT ON fact_usage WHEN 0 BEGIN SELECT 1; END;
CREATE TRIGGER bench_noop_before BEFORE INSERT ON fact_usage WHEN 0 BEGIN SELECT 1; END;
"""


def fresh_target(args, path, src, wal=True, version=None, temp_memory=False,
                 triggers="rollup"):
    """A new (WAL) database with the schema and src's dimension rows; with
    version, only the migrations up to it (e.g. 2: no rollup triggers);
    with temp_memory, the connection keeps its temporary files (and so its
    statement journals) in memory: PRAGMA temp_store = MEMORY; with
    triggers "none", today's schema without fact_usage's rollup triggers (a
    reference only: its rollups would not know about later writes); with
    "noop-insert", its two INSERT triggers replaced by a BEFORE and an AFTER
    INSERT trigger that do nothing (WHEN 0): what SQLite charges for an
    INSERT trigger's presence, whatever its body (also only a reference)."""
    remove_db(path)
    conn = connect(path, args.ext, wal=wal)
    if temp_memory:
        conn.execute("PRAGMA temp_store = MEMORY")
    if version is None:
        conn.execute("SELECT usage_init()")
    else:
        mdir = os.path.join(ROOT, "sql", "migrations")
        for f in sorted(os.listdir(mdir))[:version]:
            with open(os.path.join(mdir, f), encoding="utf-8") as fh:
                conn.executescript(fh.read())
        conn.execute("INSERT INTO usage_meta VALUES ('schema_version', ?)", (version,))
    if triggers == "none":
        for (name,) in conn.execute("SELECT name FROM sqlite_schema WHERE type = 'trigger' "
                                    "AND tbl_name = 'fact_usage'").fetchall():
            conn.execute(f'DROP TRIGGER "{name}"')
    elif triggers == "noop-insert":
        conn.executescript(NOOP_INSERT_TRIGGERS)
    conn.execute("ATTACH ? AS src", (src,))
    conn.execute("BEGIN")
    for t in ("dim_group", "dim_user", "dim_project", "dim_machine"):
        conn.execute(f"INSERT INTO main.{t} SELECT * FROM src.{t}")
    conn.execute("COMMIT")
    return conn


def load_forecasts(conn, manifest):
    """A forecast half-hour for every hour of the data, through usage_intensity
    (not timed): 150-250 g/kWh swinging over the day."""
    hours = manifest["hours"]
    conn.execute(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
        "INSERT INTO usage_intensity SELECT 'GB', "
        "strftime('%Y-%m-%dT%H:%M:%SZ', ?2, '+' || (30 * i) || ' minutes'), "
        "strftime('%Y-%m-%dT%H:%M:%SZ', ?2, '+' || (30 * i + 30) || ' minutes'), "
        "150 + 100 * abs((i % 48) - 24) / 24.0, 'forecast', 'bench' FROM n",
        (2 * hours - 1, manifest["start"][:10]))


def gen_csv(args, ds):
    """The generated CSV of the data set, for DuckDB (made once, cached)."""
    path = os.path.join(ds["dir"], "facts.csv")
    if not os.path.exists(path):
        log(f"{ds['size']}: writing the CSV for DuckDB with scripts/gen")
        subprocess.run([sys.executable, GEN, "--size", ds["size"], "--seed", str(args.seed),
                        "--csv", path + ".tmp"], check=True)
        os.replace(path + ".tmp", path)
    return path


def middle_machine(ds):
    """The machine the one-machine queries read: the middle one by name."""
    conn = sqlite3.connect(ds["query"])
    names = [r[0] for r in conn.execute("SELECT machine_name FROM dim_machine ORDER BY 1")]
    conn.close()
    return names[len(names) // 2]


def month_inside(ds_list):
    """The calendar month holding the middle of the first data set, if every
    data set covers all of it: (start, end) as canonical texts."""
    m = ds_list[0]["manifest"]
    t0 = dt.datetime.strptime(m["start"], "%Y-%m-%dT%H:%M:%SZ")
    t1 = dt.datetime.strptime(m["end"], "%Y-%m-%dT%H:%M:%SZ")
    mid = t0 + (t1 - t0) / 2
    a = mid.replace(day=1, hour=0, minute=0, second=0)
    b = (a + dt.timedelta(days=32)).replace(day=1)
    start, end = a.strftime("%Y-%m-%dT%H:%M:%SZ"), b.strftime("%Y-%m-%dT%H:%M:%SZ")
    for ds in ds_list:
        if not (ds["manifest"]["start"] <= start and end <= ds["manifest"]["end"]):
            raise BenchError(f"the month {start[:7]} is not inside the {ds['size']} data")
    return start, end


def buckets_available(args, ds):
    conn = connect(ds["query"], args.ext)
    try:
        conn.execute("SELECT * FROM usage_buckets('ada','day') LIMIT 1").fetchall()
        return None
    except sqlite3.Error as e:
        return str(e)
    finally:
        conn.close()
