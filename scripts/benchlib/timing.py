"""timing: the timing loop and the statistics of its rounds.

Each round times every variant of a figure once, back to back, in a
rotating order, in one process; a ratio is the median of the rounds' own
ratios, so two sides are compared within the same moment of the machine.

    times, warm = rounds([("usage", f), ("floor", g)], runs=5)
    r = Ratio.of(times["usage"], times["floor"])    # r.median, r.lo, r.hi
"""
import statistics
import time

MAX_RUNS = 25          # fast queries get more rounds, up to this many, as many
                       # as fit in --budget seconds (default 1.5) per figure


def query(conn, sql, params=()):
    """A variant for rounds(): run sql on conn, every row fetched."""
    def fn():
        t0 = time.perf_counter()
        rows = conn.execute(sql, params).fetchall()
        return time.perf_counter() - t0, rows
    return fn


def rounds(variants, runs, budget=0.0):
    """Run each variant once as a warm-up, then interleaved in a rotating
    order. variants: list of (name, fn); fn() returns (seconds, result).
    Returns ({name: [seconds, one per round]}, {name: warm-up result})."""
    warm = {}
    slowest = 0.0
    for name, fn in variants:
        secs, warm[name] = fn()
        slowest = max(slowest, secs)
    n = runs
    if budget > 0 and slowest > 0:
        n = max(runs, min(MAX_RUNS, int(budget / (slowest * len(variants)))))
    times = {name: [] for name, _ in variants}
    for i in range(n):
        k = i % len(variants)
        for name, fn in variants[k:] + variants[:k]:
            times[name].append(fn()[0])
    return times, warm


def median(xs):
    return statistics.median(xs)


class Ratio:
    """The per-round ratios of two sides timed in the same rounds: their
    median (the figure's ratio) and their spread (lowest and highest)."""

    def __init__(self, ratios):
        if not ratios:
            raise ValueError("no rounds")
        self.ratios = sorted(ratios)
        self.median = statistics.median(self.ratios)
        self.lo, self.hi = self.ratios[0], self.ratios[-1]

    @classmethod
    def of(cls, a, b):
        """a_i / b_i for each round i (times: lower is better for a)."""
        return cls([x / y for x, y in zip(a, b)])

    @classmethod
    def rates(cls, a, b):
        """The ratio of rates when a and b are times of the same work: b_i / a_i."""
        return cls([y / x for x, y in zip(a, b)])

    @classmethod
    def against(cls, a, b, factor, extra):
        """a_i / (factor * b_i + extra): at most 1 when a meets the line
        'at most factor × b + extra' in that round."""
        return cls([x / (factor * y + extra) for x, y in zip(a, b)])
