<?php
// php_sqlite3.php: the usage extension through PHP's SQLite3 class
// (Debian's php-sqlite3). Proves the PHP recipe: SQLite3::loadExtension()
// is refused while sqlite3.extension_dir is unset, and takes a file name
// (with ".so") inside that folder, which only php.ini or "php -d" can set;
// SQL's load_extension() stays refused; then usage_init(), the rows of
// rows.csv ingested with bound parameters in a transaction, one
// usage_buckets result and one seed view. Also shows that PDO's SQLite
// driver has no way to load an extension before PHP 8.4.
//
//   php -d sqlite3.extension_dir=DIR tests/drivers/php_sqlite3.php EXT TMPDIR
//   (DIR: the folder of EXT; EXT: the path without ".so")
[$ext, $tmp] = array_slice($argv, 1);
$failed = false;

function check(string $what, $actual, $expected): void {
  global $failed;
  if ($actual === $expected) {
    echo "ok - $what\n";
  } else {
    $failed = true;
    echo "not ok - $what\n";
    echo "#   expected: ", var_export($expected, true), "\n";
    echo "#   actual:   ", var_export($actual, true), "\n";
  }
}

function column(SQLite3 $db, string $sql): array {
  $out = [];
  $res = $db->query($sql);
  while (($row = $res->fetchArray(SQLITE3_NUM)) !== false) {
    $out[] = $row[0];
  }
  return $out;
}

const BUCKETS_SQL = "SELECT printf('%s|%s|%.2f|%.2f|%.1f|%d', bucket_start, key, busy_kwh, "
  . "idle_kwh, busy_gCo2eq + idle_gCo2eq, samples) "
  . "FROM usage_buckets('project', 'day') ORDER BY bucket_start";
const BUCKETS_EXPECTED = ["2024-03-01T00:00:00Z|physics|3.75|0.75|900.0|2",
                          "2024-03-02T00:00:00Z|physics|4.00|0.00|800.0|1"];
const VIEW_SQL = "SELECT printf('%s|%.1f|%.1f|%.2f|%.2f|%.1f|%.1f', cloud_project_name, "
  . "busy_cpu_seconds_total, idle_cpu_seconds_total, busy_kwh, idle_kwh, "
  . "busy_gCo2eq, idle_gCo2eq) FROM v_project_totals";
const VIEW_EXPECTED = ["physics|12600.0|600.0|7.75|0.75|1550.0|150.0"];

$version = SQLite3::version()['versionString'];
echo "# sqlite $version\n";
check("PHP " . PHP_VERSION . " SQLite3 runs SQLite $version, a version string",
      preg_match('/^\d+\.\d+\.\d+$/', $version) === 1, true);
check("PHP's SQLite $version is 3.35.0 or later, as the extension needs",
      version_compare($version, '3.35.0', '>='), true);

$dir = ini_get('sqlite3.extension_dir');
check("sqlite3.extension_dir is the folder of the extension (set with php -d)",
      realpath((string)$dir), realpath(dirname($ext)));
check("sqlite3.extension_dir cannot be set by the script (ini_set fails: php.ini or -d only)",
      ini_set('sqlite3.extension_dir', '/tmp'), false);

$db = new SQLite3($tmp . '/php.db');
$db->enableExceptions(true);
try {
  $db->querySingle("SELECT load_extension('" . SQLite3::escapeString($ext) . "')");
  check("SQL load_extension() is refused", "loaded", "refused");
} catch (Exception $e) {
  check("SQL load_extension() is refused: " . $e->getMessage(),
        str_ends_with($e->getMessage(), "not authorized"), true);
}
try {
  $db->loadExtension(basename($ext));
  check("loadExtension() needs the file name with .so", "loaded", "refused");
} catch (Exception $e) {
  check("loadExtension() needs the file name with .so: " . $e->getMessage(),
        str_starts_with($e->getMessage(), "Unable to load extension"), true);
}
check("loadExtension('" . basename($ext) . ".so') loads it from sqlite3.extension_dir",
      $db->loadExtension(basename($ext) . '.so'), true);
$usage_version = $db->querySingle("SELECT usage_version()");
check("the extension loads: usage_version() is $usage_version",
      is_string($usage_version) && $usage_version !== '', true);
$schema = $db->querySingle("SELECT usage_init()");
check("usage_init() returns the schema version (an integer >= 1)",
      is_int($schema) && $schema >= 1, true);

$rows = array_map('str_getcsv', file(__DIR__ . '/rows.csv', FILE_IGNORE_NEW_LINES));
$head = array_shift($rows);
$insert = $db->prepare("INSERT INTO usage_ingest(ts, scope, cloud_project_name, "
  . "busy_cpu_seconds_total, idle_cpu_seconds_total, busy_kwh, idle_kwh, busy_gCo2eq, "
  . "idle_gCo2eq) VALUES (:ts, :scope, :cloud_project_name, :busy_cpu_seconds_total, "
  . ":idle_cpu_seconds_total, :busy_kwh, :idle_kwh, :busy_gCo2eq, :idle_gCo2eq)");
$db->exec('BEGIN');
foreach ($rows as $values) {
  $r = array_combine($head, $values);
  $insert->reset();
  foreach (['ts', 'scope', 'cloud_project_name'] as $k) {
    $insert->bindValue(":$k", $r[$k], SQLITE3_TEXT);
  }
  foreach (['busy_cpu_seconds_total', 'idle_cpu_seconds_total', 'busy_kwh', 'idle_kwh',
            'busy_gCo2eq', 'idle_gCo2eq'] as $k) {
    $insert->bindValue(":$k", (float)$r[$k], SQLITE3_FLOAT);
  }
  $insert->execute();
}
$db->exec('COMMIT');
check("INSERTs with bound parameters in a transaction ingest the 3 rows",
      $db->querySingle("SELECT count(*) FROM fact_usage"), 3);
check("usage_buckets('project', 'day') gives the hand-computed daily totals",
      column($db, BUCKETS_SQL), BUCKETS_EXPECTED);
check("v_project_totals gives the hand-computed totals", column($db, VIEW_SQL), VIEW_EXPECTED);
$db->close();

// PDO: PHP 8.2's pdo_sqlite has no call that loads an extension, and SQL's
// load_extension() is refused; Pdo\Sqlite::loadExtension() is PHP 8.4's.
if (extension_loaded('pdo_sqlite') && PHP_VERSION_ID < 80400) {
  $pdo = new PDO('sqlite:' . $tmp . '/php.db');
  $pdo->setAttribute(PDO::ATTR_ERRMODE, PDO::ERRMODE_EXCEPTION);
  check("PDO (PHP " . PHP_VERSION . ") has no loadExtension method and no Pdo\\Sqlite class",
        [method_exists($pdo, 'loadExtension'), class_exists('Pdo\\Sqlite')], [false, false]);
  try {
    $pdo->query("SELECT load_extension('" . SQLite3::escapeString($ext) . "')");
    check("PDO: SQL load_extension() is refused", "loaded", "refused");
  } catch (PDOException $e) {
    check("PDO: SQL load_extension() is refused: " . $e->getMessage(),
          str_contains($e->getMessage(), "not authorized"), true);
  }
  check("PDO reads the seed view without the extension",
        $pdo->query(VIEW_SQL)->fetchAll(PDO::FETCH_COLUMN, 0), VIEW_EXPECTED);
}
exit($failed ? 1 : 0);
