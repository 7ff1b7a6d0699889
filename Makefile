# usage: a SQLite loadable extension for compute usage, energy and carbon.
#
#   make            build build/usage.so
#   make demo       build, create a database, ingest a sample, print a report
#   make test       install test dependencies (as root), build, run every suite
#   make bench      run the benchmarks (scripts/bench)
#   make fuzz       run the fuzzers for a set time (scripts/fuzz)
#   make install    copy usage.so to $(PREFIX)/lib/sqlite3/usage.so
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

WARN     = -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
CFLAGS   = $(WARN) $(OPT) -g -fPIC -fvisibility=hidden $(EXTRA_CFLAGS)
LDFLAGS  = -shared $(EXTRA_LDFLAGS)

EXT_SRC    = $(sort $(wildcard ext/*.c))
EXT_HDR    = $(wildcard ext/*.h)
MIGRATIONS = $(sort $(wildcard sql/migrations/*.sql))
CHECKS     = $(sort $(wildcard sql/check/*.sql))

.PHONY: all deps demo test test-asan unit bench fuzz cluster-test install uninstall clean

all: $(O)/usage.so

# The schema's SQL files become C strings, so the .so carries them.
$(O)/usage_sql.c: $(MIGRATIONS) scripts/sql2c
	@mkdir -p $(O)
	scripts/sql2c $(MIGRATIONS) > $@.tmp && mv $@.tmp $@

# The SQL of usage_check() (sql/check), likewise.
$(O)/usage_check_sql.c: $(CHECKS) scripts/sqlfiles2c
	@mkdir -p $(O)
	scripts/sqlfiles2c usage_check_sql $(CHECKS) > $@.tmp && mv $@.tmp $@

$(O)/usage.so: $(EXT_SRC) $(EXT_HDR) $(O)/usage_sql.c $(O)/usage_check_sql.c
	@mkdir -p $(O)
	$(CC) $(CFLAGS) -Iext -o $@ $(EXT_SRC) $(O)/usage_sql.c $(O)/usage_check_sql.c $(LDFLAGS) -lm

# C unit tests (check) for the SQLite-free timestamp and bucket layer.
$(O)/test_time: tests/unit/test_time.c ext/usage_time.c ext/usage_time.h
	@mkdir -p $(O)
	$(CC) $(WARN) $(OPT) -g $(EXTRA_CFLAGS) -Iext -o $@ tests/unit/test_time.c ext/usage_time.c \
	  $$(pkg-config --cflags --libs check) -lm $(EXTRA_LDFLAGS)

unit: $(O)/test_time
	$(O)/test_time

deps:
	scripts/deps

demo: all
	scripts/demo

test: deps
	$(MAKE) all $(O)/test_time
	tests/run

test-asan:
	scripts/test-asan

bench: all
	scripts/bench

fuzz:
	scripts/fuzz

cluster-test: all
	scripts/cluster

install: all
	install -d '$(DESTDIR)$(PREFIX)/lib/sqlite3'
	install -m 0644 '$(O)/usage.so' '$(DESTDIR)$(PREFIX)/lib/sqlite3/usage.so'

uninstall:
	rm -f '$(DESTDIR)$(PREFIX)/lib/sqlite3/usage.so'
	-rmdir '$(DESTDIR)$(PREFIX)/lib/sqlite3' 2>/dev/null

clean:
	rm -rf build
