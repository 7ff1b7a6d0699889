ext=/usr/local/lib/sqlite3/usage
sqlite-utils query usage.db "SELECT usage_init()" --load-extension "$ext"
insert="INSERT INTO usage_ingest(ts, scope, cloud_project_name, busy_kwh, busy_gCo2eq)
        VALUES (:ts, 'project', 'physics', :kwh, :g)"
sqlite-utils query usage.db "$insert" -p ts 2024-03-01T10:00:00Z -p kwh 1.5 -p g 300 --load-extension "$ext"
sqlite-utils query usage.db "$insert" -p ts 2024-03-01T11:00:00Z -p kwh 2.25 -p g 450 --load-extension "$ext"
sqlite-utils query usage.db "SELECT usage_refresh()" --load-extension "$ext"
sqlite-utils query usage.db --csv --load-extension "$ext" \
  "SELECT bucket_start, key, busy_kwh, samples FROM usage_buckets('project', 'day')"
