use strict;
use warnings;
use DBI;

my $dbh = DBI->connect("dbi:SQLite:dbname=usage.db", "", "", { RaiseError => 1, AutoCommit => 1 });
$dbh->sqlite_enable_load_extension(1);
$dbh->sqlite_load_extension("/usr/local/lib/sqlite3/usage");
$dbh->sqlite_enable_load_extension(0);
$dbh->do("SELECT usage_init()");
my $insert = $dbh->prepare("INSERT INTO usage_ingest(ts, scope, cloud_project_name, busy_kwh, busy_gCo2eq) "
                           . "VALUES (?, 'project', 'physics', ?, ?)");
$dbh->begin_work;
$insert->execute("2024-03-01T10:00:00Z", 1.5, 300);
$insert->execute("2024-03-01T11:00:00Z", 2.25, 450);
$dbh->do("SELECT usage_refresh()");  # the rollups, in the same transaction
$dbh->commit;
my $rows = $dbh->selectall_arrayref(
  "SELECT bucket_start, key, busy_kwh, samples FROM usage_buckets('project', 'day')");
print join("|", @$_), "\n" for @$rows;
