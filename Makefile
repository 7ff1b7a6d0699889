# usage: a SQLite loadable extension for compute usage, energy and carbon.
#
#   make            build build/usage.so
#   make demo       build, create a database, ingest a year, print reports, draw 2 charts
#   make test       install test dependencies (as root), build, run every suite,
#                   two at a time (JOBS=1 for one at a time)
#   make bench      run the benchmarks, write docs/performance.md (scripts/bench);
#                   FLEET=1 adds the reports on a fleet ten times as wide
#   make fuzz       run the fuzzers for a set time (tests/fuzz/run)
#   make install    copy usage.so to $(PREFIX)/lib/sqlite3/usage.so, the
#                   collector to $(PREFIX)/bin/usage-collect and its SQL to
#                   $(PREFIX)/share/sqlite3-usage/prometheus_hourly.sql
#   make deb        build/sqlite3-usage_<version>_<arch>.deb (scripts/deb)
#   make npm        build/npm/sqlite-usage*.tgz, the npm packages (scripts/npm)
#   make wheel      build/wheel/sqlite_usage-*.whl, the Python wheel (scripts/wheel)
#
# A variant build goes to its own folder, e.g. an instrumented one:
#   make O=build/asan EXTRA_CFLAGS='-fsanitize=address,undefined'

CC       ?= cc
O        ?= build
PREFIX   ?= /usr/local
DESTDIR  ?=
OPT      ?= -O2
EXTRA_CFLAGS ?=
EXTRA_LDFLAGS ?=
# Suites make test runs at once (tests/run -j; some always run alone).
JOBS     ?= 2
# Release builds leave out assert(); make test builds with NDEBUG= (kept).
NDEBUG   ?= -DNDEBUG

WARN     = -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
CFLAGS   = $(WARN) $(OPT) $(NDEBUG) -g -fPIC -fvisibility=hidden $(EXTRA_CFLAGS)
LDFLAGS  = -shared $(EXTRA_LDFLAGS)

EXT_SRC    = $(sort $(wildcard ext/*.c ext/*/*.c))
EXT_HDR    = $(wildcard ext/*.h ext/*/*.h)
MIGRATIONS = $(sort $(wildcard sql/migrations/*.sql))
CHECKS     = $(sort $(wildcard sql/check/*.sql))

.PHONY: FORCE all deps demo test test-asan unit bench fuzz cluster-test install uninstall clean

all: $(O)/usage.so

# The schema's SQL files become C strings, so the .so carries them.
$(O)/usage_sql.c: $(MIGRATIONS) scripts/sql2c scripts/schemagen
	@mkdir -p $(O)
	scripts/sql2c $(MIGRATIONS) > $@.tmp && mv $@.tmp $@

# The SQL of usage_check() (sql/check), likewise.
$(O)/usage_check_sql.c: $(CHECKS) scripts/sqlfiles2c
	@mkdir -p $(O)
	scripts/sqlfiles2c usage_check_sql $(CHECKS) > $@.tmp && mv $@.tmp $@

# The compile line of the last build, so that new flags (NDEBUG) rebuild.
$(O)/cflags: FORCE
	@mkdir -p $(O)
	@echo '$(CC) $(CFLAGS) $(LDFLAGS)' > $@.tmp
	@if cmp -s $@.tmp $@; then rm $@.tmp; else mv $@.tmp $@; fi

# The IANA time zones become C tables, so the .so reads no zone file.
TZDATA = $(wildcard /usr/share/zoneinfo/tzdata.zi)
$(O)/usage_zone_data.c: scripts/tzgen $(TZDATA)
	@mkdir -p $(O)
	scripts/tzgen > $@.tmp && mv $@.tmp $@

$(O)/usage.so: $(EXT_SRC) $(EXT_HDR) $(O)/usage_sql.c $(O)/usage_zone_data.c $(O)/usage_check_sql.c $(O)/cflags
	@mkdir -p $(O)
	$(CC) $(CFLAGS) -Iext -o $@ $(EXT_SRC) $(O)/usage_sql.c $(O)/usage_zone_data.c $(O)/usage_check_sql.c \
	  $(LDFLAGS) -lm

# C unit tests (check) for the SQLite-free timestamp and bucket layer.
$(O)/test_time: tests/unit/test_time.c ext/time/time.c ext/time/time.h
	@mkdir -p $(O)
	$(CC) $(WARN) $(OPT) -g $(EXTRA_CFLAGS) -Iext -o $@ tests/unit/test_time.c ext/time/time.c \
	  $$(pkg-config --cflags --libs check) -lm $(EXTRA_LDFLAGS)

# C unit tests (check) for the SQLite-free zone and local-bucket layer.
ZONE_SRC = ext/time/zone.c ext/time/local.c ext/time/time.c
$(O)/test_zone: tests/unit/test_zone.c $(ZONE_SRC) ext/time/zone.h ext/time/local.h \
	  ext/time/time.h $(O)/usage_zone_data.c
	@mkdir -p $(O)
	$(CC) $(WARN) $(OPT) -g $(EXTRA_CFLAGS) -Iext -o $@ tests/unit/test_zone.c $(ZONE_SRC) \
	  $(O)/usage_zone_data.c $$(pkg-config --cflags --libs check) -lm $(EXTRA_LDFLAGS)

unit: $(O)/test_time $(O)/test_zone
	$(O)/test_time
	$(O)/test_zone

deps:
	scripts/deps

# On a bare machine, first installs what the demo needs (as root), or names it.
demo:
	scripts/deps scripts/packages-demo.txt
	$(MAKE) all
	scripts/demo

test: deps
	$(MAKE) all $(O)/test_time $(O)/test_zone NDEBUG=
	tests/run -j $(JOBS)

test-asan:
	tests/sanitizers/asan-run

bench: all
	scripts/bench $(if $(FLEET),--fleet)

fuzz:
	tests/fuzz/run

cluster-test: all
	tests/cluster/run

.PHONY: deb npm wheel
deb:
	scripts/deb $(O)

wheel:
	scripts/wheel $(O)

npm:
	scripts/npm $(O)

install: all
	install -d '$(DESTDIR)$(PREFIX)/lib/sqlite3' '$(DESTDIR)$(PREFIX)/bin' \
	  '$(DESTDIR)$(PREFIX)/share/sqlite3-usage'
	install -m 0644 '$(O)/usage.so' '$(DESTDIR)$(PREFIX)/lib/sqlite3/usage.so'
	install -m 0755 scripts/usage-collect '$(DESTDIR)$(PREFIX)/bin/usage-collect'
	install -m 0644 sql/import/prometheus_hourly.sql \
	  '$(DESTDIR)$(PREFIX)/share/sqlite3-usage/prometheus_hourly.sql'

uninstall:
	rm -f '$(DESTDIR)$(PREFIX)/lib/sqlite3/usage.so' '$(DESTDIR)$(PREFIX)/bin/usage-collect' \
	  '$(DESTDIR)$(PREFIX)/share/sqlite3-usage/prometheus_hourly.sql'
	-rmdir '$(DESTDIR)$(PREFIX)/lib/sqlite3' '$(DESTDIR)$(PREFIX)/share/sqlite3-usage' 2>/dev/null

clean:
	rm -rf build
