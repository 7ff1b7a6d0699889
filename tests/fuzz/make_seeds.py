"""make_seeds: write the seed corpora of the fuzz harnesses.

    /usr/bin/python3 tests/fuzz/make_seeds.py      (rewrites seed-* files)

The seeds are checked in under tests/fuzz/corpus/<harness>/seed-NNN; this
script is how they were made, and can make them again after the encoding
in fuzz_common.h changes. Files named crash-* there are regression inputs
kept from fuzzing, and are left alone.
"""
import os
import re
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def c_words():
    """azWord of fuzz_common.c, in order: the words a word tag picks from."""
    with open(os.path.join(HERE, "fuzz_common.c")) as f:
        body = re.search(r"azWord\[\] = \{(.*?)\};", f.read(), re.S).group(1)
    return re.findall(r'"([^"]*)"', body)


WORDS = c_words()


def null():
    return b"\x00"


def i64(v):
    return b"\x01" + struct.pack("<q", v)


def i8(v):
    return b"\x02" + struct.pack("<b", v)


def real(v):
    return b"\x03" + struct.pack("<d", v)


def special_real(k):
    """0 NaN, 1 inf, 2 -inf, 3 -0.0, 4 DBL_MAX, ..."""
    return b"\x04" + bytes([k])


def special_int(k):
    """0 INT64_MIN, 1 INT64_MAX, 2 -1, ..."""
    return b"\x05" + bytes([k])


def text(s):
    b = s.encode() if isinstance(s, str) else s
    return b"\x06" + bytes([len(b)]) + b


def blob(b):
    return b"\x07" + bytes([len(b)]) + b


def word(s):
    """A dictionary word, or plain text when s is not one."""
    if s not in WORDS:
        return text(s)
    return b"\x08" + bytes([WORDS.index(s)])


def huge(s, size_class):
    return b"\x09" + bytes([WORDS.index(s), size_class])


def zeroblob(size_class):
    return b"\x0a" + bytes([size_class])


def word_plus(s, tail):
    """A dictionary word with text appended."""
    t = tail.encode()
    return b"\x0b" + bytes([WORDS.index(s), len(t)]) + t


def ingest_seeds():
    """Mode byte, then ops: op byte (0-4 INSERT into table op, 5 subset
    INSERT, 6-7 SELECT, 8 other) and values."""
    good_fact = (word("2024-03-01T10:00:00Z") + word("project") +
                 word("physics") + null() + null() + i8(3) + i8(1) +
                 real(1.5) + real(0.25) + i64(300) + i8(0) + null())
    seeds = [
        b"\x00\x00" + good_fact,
        b"\x03\x00" + good_fact + b"\x00" + text("2023-02-29") +
        word("ada") + null() * 10,
        b"\x01\x00" + good_fact + b"\x00" + word_plus("2024-03-01", "T25:00")
        + word("ada") + null() * 10,
        b"\x00\x00" + word("2024-03-01") + word("user") + null() + null() +
        word("alice") + special_real(0) + null() * 6,
        b"\x00\x00" + text("2024-03-01 10:00+02:00") + word("machine") +
        null() + huge("node-1", 3) + null() * 8,
        b"\x00\x00" + special_int(1) + word("ada") + null() * 3 +
        special_real(1) + blob(b"\x01\x02") + text("1e999") + null() * 4,
        b"\x00\x01" + word("alice") + word("alice") + word("astro"),
        b"\x00\x01" + null() + text("x") + zeroblob(3),
        b"\x03\x02" + word("alice") + word("physics") + b"\x03" +
        word("physics") + word("node-1"),
        b"\x00\x04" + text("ws.example") + i64(8888) + text("lab") +
        word("node-1") + word("alice") + word("physics") +
        word("2024-03-01"),
        b"\x00\x04" + text("ws") + real(80.5) + null() + word("node-1") +
        null() + null() + text("2024-02-30"),
        b"\x00\x05\x83\x00" + word("9999-12-31T23:59:59Z") + word("ada") +
        real(2.0),
        b"\x00\x06\x00" + word("project") + b"\x06\x01" +
        word("2024-03-01") + word("9999-12-31"),
        b"\x01\x08\x00" + real(1.0) + word("ada") + b"\x08\x02" +
        word("project") + b"\x08\x01" + word("alice"),
        b"\x07\x00" + good_fact + b"\x08\x03" + text("x") +
        b"\x00" + good_fact,
    ]
    return seeds


def buckets_seeds():
    """Flags byte, then (if flags & 1) a row count and rows, then the
    argument count and arguments, key values, scalar values, init value."""
    seeds = []
    for scope in ("ada", "project", "machine", "user", "group"):
        for width in ("day", "1 day", "month", "15 minutes", "1 quarter"):
            seeds.append(b"\x00\x04" + word(scope) + word(width) +
                         word("2024-03-01") + word("9999-12-31"))
    seeds += [
        b"\x00\x06" + word("project") + word("week") + word("2024-03-01") +
        text("2024-06-01") + word("zero") + word("2000-01-03"),
        b"\x00\x06" + word("ada") + word("year") + word("0000-01-01") +
        word("9999-12-31") + word("zero") + word("2000-04-01"),
        b"\x00\x06" + word("user") + word("1 second") + word("0000-01-01") +
        word("9999-12-31") + word("zero") + null(),
        b"\x06\x06" + word("machine") + word("hour") + word("2024-01-01") +
        word("2024-02-01") + word("none") + word("2000-01-03"),
        b"\x08\x02" + word("project") + word("day") + word("physics"),
        b"\x10\x04" + word("machine") + word("2 weeks") +
        word("2024-01-01") + word("9999-12-31") + word("node-1") +
        text("node-2") + null(),
        b"\x20\x06" + word("group") + word("month") + word("2024-01-01") +
        word("2025-01-01") + word("zero") + word("2000-04-01"),
        b"\x01\x03" + word("2024-05-01") + word("user") + null() + null() +
        word("zoe") + real(2.0) + real(1.0) + word("2024-04-30T23:00:00Z") +
        word("ada") + null() * 3 + real(1.0) + null() +
        word("9999-12-31T23:59:59Z") + word("project") + huge("physics", 0) +
        null() * 2 + real(1.0) + null() + b"\x04" + word("user") +
        word("day") + word("2024-01-01") + word("2025-01-01"),
        b"\x40\x00" + word("2024-03-01 10:00+02:00") +
        word("2024-03-06T10:00:00Z") + word("week") + b"\x01" +
        real(300.0) + real(100.0) + real(1.0) + real(0.0),
        b"\x40\x00" + special_real(0) + special_int(8) + word("1 quarter") +
        b"\x03" + word("2024-05-10") + word("year") + word("2000-04-01"),
        b"\x40\x00" + text("2024-02-30") + text("2024-03-01") +
        text("0 days") + b"\x02" + word("project") + i8(7) + null() + null(),
        b"\x80\x00" + word("main"),
        b"\x80\x00" + word("temp"),
        b"\x00\x02" + blob(b"\xff") + zeroblob(3),
        b"\x00\x06" + special_int(0) + special_real(0) + special_real(1) +
        special_real(2) + special_int(1) + huge("2024-03-01", 3),
    ]
    return seeds


def ts_seeds():
    texts = [
        "2024-03-01", "2024-03-01T10:00", "2024-03-01 10:00:15",
        "2024-03-01T10:00:15.250+02:00", "2024-03-01t10:00:15z",
        "2024-03-01T10:00-0530", "2024-03-01T10:00+05", "2024-02-29",
        "2023-02-29", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
        "9999-12-31T23:59:59-01:00", "0000-01-01T00:00:00+00:01",
        "2024-13-01", "2024-03-01T24:00", "2024-03-01T10:60",
        "2024-03-01T10:00:60", "2024-03-01T10:00:00.", "2024-03-01T10:00+24",
        "2024-03-01T10:00+02:60", "2024-03-01 ", "yesterday", "",
        "2024-03-01T10:00:00Z trailing", "1970-01-01T00:00:00.999999999Z",
        "2024-03-01T10:00:00\x00Z",
    ]
    seeds = [t.encode() for t in texts]
    seeds += [struct.pack("<q", v) for v in (0, -1, 253402300799,
                                              253402300800, -62167219200,
                                              -62167219201, 2 ** 63 - 1)]
    seeds += [struct.pack("<d", v) for v in (1.5, -0.5, float("nan"),
                                              float("inf"), 1e300,
                                              253402300799.9)]
    return seeds


def width_seeds():
    widths = ["day", "1 day", "15 minutes", "2 Weeks", "1 quarter", "year",
              "10000 years", "10001 years", "0 days", "-1 day", "1.5 days",
              "1day", " 1 day", "1 day ", "1  days", "3 fortnights", "MONTH",
              "months", "99999999999999999999 seconds", "120000 months",
              "1 s", ""]
    seeds = []
    for k, w in enumerate(widths):
        b = w.encode()
        t = struct.pack("<q", (1709251200 + k * 86399) << 1)
        o = struct.pack("<q", (946684800 + (k % 3) * 2678400) << 1)
        seeds.append(bytes([len(b)]) + b + t + o)
    seeds.append(b"\x05month" + struct.pack("<q", -1) +
                 struct.pack("<q", 946684801 << 1 | 1))
    return seeds


def write(harness, seeds):
    d = os.path.join(HERE, "corpus", harness)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        if f.startswith("seed-"):
            os.remove(os.path.join(d, f))
    for k, s in enumerate(seeds):
        with open(os.path.join(d, "seed-%03d" % k), "wb") as f:
            f.write(s)


def main():
    write("ingest", ingest_seeds())
    write("buckets", buckets_seeds())
    write("ts", ts_seeds())
    write("width", width_seeds())


if __name__ == "__main__":
    main()
