# perl_dbi.pl: the usage extension through Perl DBI and DBD::SQLite
# (Debian's libdbd-sqlite3-perl, which links Debian's libsqlite3). Proves
# the Perl recipe: SQL's load_extension() is refused until
# $dbh->sqlite_enable_load_extension(1), then
# $dbh->sqlite_load_extension(EXT) (path without ".so"), usage_init(), the
# rows of rows.csv ingested with placeholders in a transaction, one
# usage_buckets result and one seed view.
#
#   perl tests/drivers/perl_dbi.pl EXT TMPDIR
use strict;
use warnings;
use DBI;
use File::Basename qw(dirname);
use File::Spec;

my ($ext, $tmp) = @ARGV;
my $here = dirname(File::Spec->rel2abs(__FILE__));
my $failed = 0;

sub check {
  my ($name, $got, $want) = @_;
  if ($got eq $want) {
    print "ok - $name\n";
  } else {
    $failed = 1;
    print "not ok - $name\n#   want: $want\n#   got:  $got\n";
  }
}

my $buckets_sql = "SELECT printf('%s|%s|%.2f|%.2f|%.1f|%d', bucket_start, key, busy_kwh, "
  . "idle_kwh, busy_gCo2eq + idle_gCo2eq, samples) "
  . "FROM usage_buckets('project', 'day') ORDER BY bucket_start";
my $buckets_expected = "2024-03-01T00:00:00Z|physics|3.75|0.75|900.0|2\n"
  . "2024-03-02T00:00:00Z|physics|4.00|0.00|800.0|1";
my $view_sql = "SELECT printf('%s|%.1f|%.1f|%.2f|%.2f|%.1f|%.1f', cloud_project_name, "
  . "busy_cpu_seconds_total, idle_cpu_seconds_total, busy_kwh, idle_kwh, "
  . "busy_gCo2eq, idle_gCo2eq) FROM v_project_totals";
my $view_expected = "physics|12600.0|600.0|7.75|0.75|1550.0|150.0";

my $dbh = DBI->connect("dbi:SQLite:dbname=$tmp/perl.db", "", "",
                       { RaiseError => 1, PrintError => 0, AutoCommit => 1 });
my $version = $dbh->{sqlite_version};
my @v = split /\./, $version;
check("Perl $^V DBD::SQLite $DBD::SQLite::VERSION runs SQLite $version, "
      . "3.35.0 or later as the extension needs",
      ($v[0] > 3 || ($v[0] == 3 && $v[1] >= 35)) ? "yes" : "no", "yes");

eval { $dbh->do("SELECT load_extension(?)", undef, $ext) };
my $err = $@ ? $dbh->errstr : "loaded";
check("SQL load_extension() before sqlite_enable_load_extension(1) is refused: $err",
      $err, "not authorized");

$dbh->sqlite_enable_load_extension(1);
$dbh->sqlite_load_extension($ext);
$dbh->sqlite_enable_load_extension(0);
my ($usage_version) = $dbh->selectrow_array("SELECT usage_version()");
check("sqlite_enable_load_extension(1) + sqlite_load_extension(EXT) loads usage $usage_version",
      defined $usage_version && $usage_version ne "" ? "yes" : "no", "yes");
my ($schema_version) = $dbh->selectrow_array("SELECT usage_init()");
check("usage_init() returns the schema version (an integer >= 1)",
      ($schema_version =~ /^[0-9]+$/ && $schema_version >= 1) ? "yes" : "no", "yes");

# rows.csv has no quoted fields, so splitting on commas reads it.
open(my $fh, "<", "$here/rows.csv") or die "rows.csv: $!";
my $header = <$fh>;
my $sth = $dbh->prepare(
  "INSERT INTO usage_ingest(ts, scope, cloud_project_name, busy_cpu_seconds_total, "
  . "idle_cpu_seconds_total, busy_kwh, idle_kwh, busy_gCo2eq, idle_gCo2eq) "
  . "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
$dbh->begin_work;
while (my $line = <$fh>) {
  chomp $line;
  my @f = split /,/, $line, -1;
  $sth->execute(@f[0, 1, 2, 5, 6, 7, 8, 9, 10]);
}
$dbh->commit;
close $fh;
my ($n) = $dbh->selectrow_array("SELECT count(*) FROM fact_usage");
check("INSERTs with placeholders in begin_work/commit ingest the 3 rows", $n, "3");
check("usage_buckets('project', 'day') gives the hand-computed daily totals",
      join("\n", @{ $dbh->selectcol_arrayref($buckets_sql) }), $buckets_expected);
check("v_project_totals gives the hand-computed totals",
      join("\n", @{ $dbh->selectcol_arrayref($view_sql) }), $view_expected);
$dbh->disconnect;
exit $failed;
