// JavaJdbc.java: the usage extension through JDBC with Xerial's sqlite-jdbc
// (Debian's libxerial-sqlite-jdbc-java, whose JNI part links the system
// libsqlite3). Proves the Java recipe: without
// SQLiteConfig.enableLoadExtension(true) SQL's load_extension() is refused;
// with it, SELECT load_extension(EXT) (path without ".so") loads usage;
// then usage_init(), the rows of rows.csv ingested with a batch of bound
// parameters in a transaction, one usage_buckets result and one seed view.
//
//   java -cp /usr/share/java/sqlite-jdbc.jar tests/drivers/JavaJdbc.java EXT TMPDIR HERE
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.sqlite.SQLiteConfig;

public class JavaJdbc {
  static boolean failed = false;
  static final String BUCKETS_SQL =
      "SELECT printf('%s|%s|%.2f|%.2f|%.1f|%d', bucket_start, key, busy_kwh, "
      + "idle_kwh, busy_gCo2eq + idle_gCo2eq, samples) "
      + "FROM usage_buckets('project', 'day') ORDER BY bucket_start";
  static final List<String> BUCKETS_EXPECTED = List.of(
      "2024-03-01T00:00:00Z|physics|3.75|0.75|900.0|2",
      "2024-03-02T00:00:00Z|physics|4.00|0.00|800.0|1");
  static final String VIEW_SQL =
      "SELECT printf('%s|%.1f|%.1f|%.2f|%.2f|%.1f|%.1f', cloud_project_name, "
      + "busy_cpu_seconds_total, idle_cpu_seconds_total, busy_kwh, idle_kwh, "
      + "busy_gCo2eq, idle_gCo2eq) FROM v_project_totals";
  static final List<String> VIEW_EXPECTED =
      List.of("physics|12600.0|600.0|7.75|0.75|1550.0|150.0");

  static void check(String what, Object actual, Object expected) {
    if (actual.equals(expected)) {
      System.out.println("ok - " + what);
    } else {
      failed = true;
      System.out.println("not ok - " + what);
      System.out.println("#   expected: " + expected);
      System.out.println("#   actual:   " + actual);
    }
  }

  static List<String> column(Connection c, String sql) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) out.add(rs.getString(1));
    }
    return out;
  }

  public static void main(String[] args) throws Exception {
    String ext = args[0], tmp = args[1], here = args[2];
    String url = "jdbc:sqlite:" + Path.of(tmp, "java.db");
    String load = "SELECT load_extension('" + ext.replace("'", "''") + "')";

    try (Connection plain = DriverManager.getConnection(url)) {
      String version = column(plain, "SELECT sqlite_version()").get(0);
      System.out.println("# sqlite " + version);
      check("Java " + System.getProperty("java.version") + " sqlite-jdbc "
            + plain.getMetaData().getDriverVersion() + " runs SQLite " + version
            + ", a version string", version.matches("\\d+\\.\\d+\\.\\d+"), true);
      String[] p = version.split("\\.");
      int major = Integer.parseInt(p[0]), minor = Integer.parseInt(p[1]);
      check("sqlite-jdbc's SQLite " + version + " is 3.35.0 or later, as the extension needs",
            major > 3 || (major == 3 && minor >= 35), true);
      try {
        column(plain, load);
        check("without enableLoadExtension(true), SQL load_extension() is refused",
              "loaded", "refused");
      } catch (SQLException e) {
        check("without enableLoadExtension(true), SQL load_extension() is refused: "
              + e.getMessage(), e.getMessage().contains("not authorized"), true);
      }
    }

    SQLiteConfig config = new SQLiteConfig();
    config.enableLoadExtension(true);
    try (Connection c = DriverManager.getConnection(url, config.toProperties())) {
      column(c, load);
      String usageVersion = column(c, "SELECT usage_version()").get(0);
      check("enableLoadExtension(true) + SELECT load_extension(EXT) loads usage " + usageVersion,
            !usageVersion.isEmpty(), true);
      try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT usage_init()")) {
        rs.next();
        check("usage_init() returns the schema version (an integer >= 1)", rs.getInt(1) >= 1, true);
      }
      List<String> lines = Files.readAllLines(Path.of(here, "rows.csv"));
      c.setAutoCommit(false);
      try (PreparedStatement ins = c.prepareStatement(
          "INSERT INTO usage_ingest(ts, scope, cloud_project_name, busy_cpu_seconds_total, "
          + "idle_cpu_seconds_total, busy_kwh, idle_kwh, busy_gCo2eq, idle_gCo2eq) "
          + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
        for (String line : lines.subList(1, lines.size())) {
          String[] f = line.split(",", -1);
          ins.setString(1, f[0]);
          ins.setString(2, f[1]);
          ins.setString(3, f[2]);
          int[] num = {5, 6, 7, 8, 9, 10};
          for (int i = 0; i < num.length; i++) ins.setDouble(4 + i, Double.parseDouble(f[num[i]]));
          ins.addBatch();
        }
        ins.executeBatch();
      }
      c.commit();
      c.setAutoCommit(true);
      check("a batch of INSERTs with bound parameters in one transaction ingests the 3 rows",
            column(c, "SELECT count(*) FROM fact_usage"), List.of("3"));
      check("usage_buckets('project', 'day') gives the hand-computed daily totals",
            column(c, BUCKETS_SQL), BUCKETS_EXPECTED);
      check("v_project_totals gives the hand-computed totals", column(c, VIEW_SQL), VIEW_EXPECTED);
    }
    System.exit(failed ? 1 : 0);
  }
}
