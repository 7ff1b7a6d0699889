<?php
// run as: php -d sqlite3.extension_dir=/usr/local/lib/sqlite3 this.php
$db = new SQLite3("usage.db");
$db->enableExceptions(true);
$db->loadExtension("usage.so");  // a file name in sqlite3.extension_dir
$db->exec("SELECT usage_init()");
$insert = $db->prepare("INSERT INTO usage_ingest(ts, scope, cloud_project_name, busy_kwh, busy_gCo2eq)"
                       . " VALUES (:ts, 'project', 'physics', :kwh, :g)");
$db->exec("BEGIN");
foreach ([["2024-03-01T10:00:00Z", 1.5, 300], ["2024-03-01T11:00:00Z", 2.25, 450]] as [$ts, $kwh, $g]) {
  $insert->bindValue(":ts", $ts);
  $insert->bindValue(":kwh", $kwh);
  $insert->bindValue(":g", $g);
  $insert->execute();
  $insert->reset();
}
$db->exec("COMMIT");
$res = $db->query("SELECT bucket_start, key, busy_kwh, samples FROM usage_buckets('project', 'day')");
while ($row = $res->fetchArray(SQLITE3_NUM)) {
  echo implode("|", $row), "\n";
}
