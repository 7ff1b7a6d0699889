// go_sqlite3.go: the usage extension through Go's database/sql with
// mattn/go-sqlite3 (Debian's golang-github-mattn-go-sqlite3-dev, which links
// the system libsqlite3). Proves the Go recipe: through the plain "sqlite3"
// driver SQL's load_extension() is refused; a driver registered as
// &sqlite3.SQLiteDriver{Extensions: []string{EXT}} loads usage on every
// connection it opens, so two connections of one pool both have it; then
// usage_init(), the rows of rows.csv ingested with a prepared statement in
// a transaction, one usage_buckets result and one seed view.
//
//   GO111MODULE=off GOPATH=/usr/share/gocode go run tests/drivers/go_sqlite3.go EXT TMPDIR HERE
package main

import (
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"strconv"
	"strings"

	"github.com/mattn/go-sqlite3"
)

const bucketsSQL = "SELECT printf('%s|%s|%.2f|%.2f|%.1f|%d', bucket_start, key, busy_kwh, " +
	"idle_kwh, busy_gCo2eq + idle_gCo2eq, samples) " +
	"FROM usage_buckets('project', 'day') ORDER BY bucket_start"
const viewSQL = "SELECT printf('%s|%.1f|%.1f|%.2f|%.2f|%.1f|%.1f', cloud_project_name, " +
	"busy_cpu_seconds_total, idle_cpu_seconds_total, busy_kwh, idle_kwh, " +
	"busy_gCo2eq, idle_gCo2eq) FROM v_project_totals"

var bucketsExpected = []string{"2024-03-01T00:00:00Z|physics|3.75|0.75|900.0|2",
	"2024-03-02T00:00:00Z|physics|4.00|0.00|800.0|1"}
var viewExpected = []string{"physics|12600.0|600.0|7.75|0.75|1550.0|150.0"}
var failed = false

// check prints one ok / not ok line.
func check(what string, actual, expected interface{}) {
	if reflect.DeepEqual(actual, expected) {
		fmt.Println("ok - " + what)
		return
	}
	failed = true
	fmt.Println("not ok - " + what)
	fmt.Printf("#   expected: %#v\n#   actual:   %#v\n", expected, actual)
}

// queryer is what *sql.DB and *sql.Conn share.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...interface{}) (*sql.Rows, error)
}

// column returns the first column of every row of query, as text.
func column(q queryer, query string) ([]string, error) {
	rows, err := q.QueryContext(context.Background(), query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// must stops the program on an error the checks do not expect.
func must(err error) {
	if err != nil {
		fmt.Println("not ok - unexpected error: " + err.Error())
		os.Exit(1)
	}
}

func main() {
	ext, tmp, here := os.Args[1], os.Args[2], os.Args[3]
	ctx := context.Background()
	file := filepath.Join(tmp, "go.db")

	plain, err := sql.Open("sqlite3", file)
	must(err)
	v, err := column(plain, "SELECT sqlite_version()")
	must(err)
	version := v[0]
	fmt.Println("# sqlite " + version)
	check("Go "+strings.TrimPrefix(runtime.Version(), "go")+" mattn/go-sqlite3 runs SQLite "+version+
		", a version string", regexp.MustCompile(`^\d+\.\d+\.\d+$`).MatchString(version), true)
	libVersion, _, _ := sqlite3.Version()
	check("the driver's sqlite3.Version() is the SQLite it runs", libVersion, version)
	parts := strings.Split(version, ".")
	major, _ := strconv.Atoi(parts[0])
	minor, _ := strconv.Atoi(parts[1])
	check("the driver's SQLite "+version+" is 3.35.0 or later, as the extension needs",
		major > 3 || (major == 3 && minor >= 35), true)
	_, err = column(plain, "SELECT load_extension('"+strings.ReplaceAll(ext, "'", "''")+"')")
	check(fmt.Sprintf("through the plain driver SQL load_extension() is refused: %v", err),
		err != nil && strings.Contains(err.Error(), "not authorized"), true)
	must(plain.Close())

	sql.Register("sqlite3_usage", &sqlite3.SQLiteDriver{Extensions: []string{ext}})
	db, err := sql.Open("sqlite3_usage", file)
	must(err)
	defer db.Close()
	db.SetMaxOpenConns(2)
	// Two connections held at once: the pool must open two, and each loads.
	c1, err := db.Conn(ctx)
	must(err)
	c2, err := db.Conn(ctx)
	must(err)
	_, err = c1.ExecContext(ctx, "CREATE TEMP TABLE which(n)")
	must(err)
	_, err = column(c2, "SELECT * FROM temp.which")
	check("the pool opened two distinct connections (a TEMP table of one is not in the other)",
		err != nil && strings.Contains(err.Error(), "no such table"), true)
	check("the pool holds 2 open connections", db.Stats().OpenConnections, 2)
	u1, err1 := column(c1, "SELECT usage_version()")
	u2, err2 := column(c2, "SELECT usage_version()")
	check(fmt.Sprintf("SQLiteDriver{Extensions} loaded usage on both pooled connections (%v, %v)", u1, u2),
		err1 == nil && err2 == nil && len(u1) == 1 && reflect.DeepEqual(u1, u2), true)
	_, err = column(c1, "SELECT load_extension('"+strings.ReplaceAll(ext, "'", "''")+"')")
	check("after loading, the driver turned loading off again (SQL load_extension() is refused)",
		err != nil && strings.Contains(err.Error(), "not authorized"), true)
	must(c1.Close())
	must(c2.Close())

	var schema int
	must(db.QueryRowContext(ctx, "SELECT usage_init()").Scan(&schema))
	check("usage_init() returns the schema version (an integer >= 1)", schema >= 1, true)

	f, err := os.Open(filepath.Join(here, "rows.csv"))
	must(err)
	records, err := csv.NewReader(f).ReadAll()
	must(err)
	f.Close()
	tx, err := db.BeginTx(ctx, nil)
	must(err)
	ins, err := tx.PrepareContext(ctx, "INSERT INTO usage_ingest(ts, scope, cloud_project_name, "+
		"busy_cpu_seconds_total, idle_cpu_seconds_total, busy_kwh, idle_kwh, busy_gCo2eq, "+
		"idle_gCo2eq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
	must(err)
	for _, r := range records[1:] {
		args := []interface{}{r[0], r[1], r[2]}
		for _, i := range []int{5, 6, 7, 8, 9, 10} {
			x, err := strconv.ParseFloat(r[i], 64)
			must(err)
			args = append(args, x)
		}
		_, err = ins.ExecContext(ctx, args...)
		must(err)
	}
	must(ins.Close())
	must(tx.Commit())
	n, err := column(db, "SELECT count(*) FROM fact_usage")
	must(err)
	check("a prepared INSERT with bound parameters in one transaction ingests the 3 rows", n, []string{"3"})
	got, err := column(db, bucketsSQL)
	must(err)
	check("usage_buckets('project', 'day') gives the hand-computed daily totals", got, bucketsExpected)
	got, err = column(db, viewSQL)
	must(err)
	check("v_project_totals gives the hand-computed totals", got, viewExpected)
	if failed {
		os.Exit(1)
	}
}
