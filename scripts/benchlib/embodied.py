"""embodied: embodied carbon in force during ingest, and re-deriving one
machine's year after its embodied model changes.

    add_models(conn)                       # before an ingest path's load
    figures, note = bench_embodied(args, ds, machine)
"""
import time

from .common import BenchError, Figure, fmt_time, log, remove_db, size_label, work_path
from .data import fresh_target
from .timing import median

# A platform default and one model per machine, in force from before any data.
DEFAULT_MODEL = "INSERT INTO usage_embodied_models VALUES (NULL, '2000-01-01', 900, 4, 32, 'bench')"
MACHINE_MODELS = ("INSERT INTO usage_embodied_models SELECT machine_name, '2000-01-01', "
                  "1000 + machine_id, 4, 64, 'bench' FROM dim_machine")
# g per core-second of a model: kg x 1000 / (years x 8760 h x 3600 s x cores).
RATE = "?1 * 1000.0 / (4 * 8760 * 3600.0 * 64)"


def add_models(conn):
    """The default model and one per machine, written before any fact (not timed)."""
    conn.execute("BEGIN")
    conn.execute(DEFAULT_MODEL)
    conn.execute(MACHINE_MODELS)
    conn.execute("COMMIT")


def check_embodied(conn, manifest, what):
    """Raise unless every fact was charged from a model, none with 'none'."""
    n = conn.execute("SELECT count(*) FROM fact_usage WHERE embodied_source = 'model'").fetchone()[0]
    if n != manifest["rows"]:
        raise BenchError(f"{what}: {n} facts have embodied_source 'model', expected "
                         f"{manifest['rows']:,}")


def others_sum(conn, machine):
    """The embodied carbon of every fact but the machine's own ones."""
    return conn.execute(
        "SELECT sum(embodied_gCo2eq) FROM fact_usage WHERE machine_id IS NOT (SELECT machine_id "
        "FROM dim_machine WHERE machine_name = ?1)", (machine,)).fetchone()[0]


def check_machine(conn, machine, kg, hours, what):
    """Raise unless the machine's facts, one an hour, carry the model of kg."""
    n, bad = conn.execute(
        f"SELECT count(*), sum(abs(embodied_gCo2eq - (busy_cpu_seconds_total + "
        f"idle_cpu_seconds_total) * {RATE}) > 1e-9 * (1 + embodied_gCo2eq)) FROM fact_usage "
        "WHERE scope = 'machine' AND machine_id = (SELECT machine_id FROM dim_machine "
        "WHERE machine_name = ?2)", (kg, machine)).fetchone()
    if n != hours or bad:
        raise BenchError(f"{what}: machine {machine} has {n} facts ({hours} expected), "
                         f"{bad} not charged {kg} kg")


def bench_embodied(args, ds, machine):
    """Change one machine's model (UPDATE usage_embodied_models, autocommit) in
    a database whose facts carry embodied carbon: that machine's facts, and
    only those, are re-derived. Another figure each run."""
    manifest = ds["manifest"]
    target = work_path(args, "embodied")
    conn = fresh_target(args, target, ds["src"])
    add_models(conn)
    conn.execute("BEGIN")
    conn.execute("INSERT INTO usage_ingest SELECT * FROM src.staging")
    conn.execute("COMMIT")
    conn.execute("DETACH src")
    check_embodied(conn, manifest, "embodied re-derive setup")
    before = others_sum(conn, machine)
    times = []
    for i in range(args.runs + 1):
        kg = 2000 + 10 * i
        t0 = time.perf_counter()
        conn.execute("UPDATE usage_embodied_models SET embodied_kgco2e = ?1 "
                     "WHERE machine_name = ?2", (kg, machine))
        secs = time.perf_counter() - t0
        check_machine(conn, machine, kg, manifest["hours"], f"embodied re-derive run {i}")
        if others_sum(conn, machine) != before:
            raise BenchError(f"embodied re-derive run {i}: facts of other machines changed")
        if i:  # the first run warms up
            times.append(secs)
    conn.close()
    remove_db(target)
    med = median(times)
    label = size_label(ds)
    log(f"embodied: re-deriving {machine}'s {manifest['hours']:,} facts: {fmt_time(med)}")
    return [Figure(("embodied", "rederive"), f"Embodied carbon, time: changing one machine's "
                   f"embodied model (UPDATE usage_embodied_models) re-derives its "
                   f"{manifest['hours']:,} facts, {label}", fmt_time(med), value=med)], \
        (f"Embodied carbon: each run changed machine {machine}'s model in one UPDATE, in "
         "autocommit mode; its facts then carried the new model and the embodied carbon of "
         f"every other fact was unchanged; {len(times)} timed runs.")
