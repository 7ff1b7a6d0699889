package main

import (
	"database/sql"
	"fmt"
	"log"

	"github.com/mattn/go-sqlite3"
)

func main() {
	// Every connection the pool opens loads the extension.
	sql.Register("sqlite3_usage", &sqlite3.SQLiteDriver{
		Extensions: []string{"/usr/local/lib/sqlite3/usage"},
	})
	db, err := sql.Open("sqlite3_usage", "usage.db")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("SELECT usage_init()"); err != nil {
		log.Fatal(err)
	}
	tx, err := db.Begin()
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range []struct {
		ts     string
		kwh, g float64
	}{{"2024-03-01T10:00:00Z", 1.5, 300}, {"2024-03-01T11:00:00Z", 2.25, 450}} {
		if _, err := tx.Exec("INSERT INTO usage_ingest(ts, scope, cloud_project_name, busy_kwh, busy_gCo2eq)"+
			" VALUES (?, 'project', 'physics', ?, ?)", r.ts, r.kwh, r.g); err != nil {
			log.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		log.Fatal(err)
	}
	rows, err := db.Query("SELECT bucket_start, key, busy_kwh, samples FROM usage_buckets('project', 'day')")
	if err != nil {
		log.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var start, key string
		var kwh float64
		var samples int64
		if err := rows.Scan(&start, &key, &kwh, &samples); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s|%s|%v|%d\n", start, key, kwh, samples)
	}
	if err := rows.Err(); err != nil {
		log.Fatal(err)
	}
}
