import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import org.sqlite.SQLiteConfig;

public class JavaJdbc {
  public static void main(String[] args) throws Exception {
    SQLiteConfig config = new SQLiteConfig();
    config.enableLoadExtension(true);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:usage.db", config.toProperties());
         Statement st = c.createStatement()) {
      st.execute("SELECT load_extension('/usr/local/lib/sqlite3/usage')");
      st.execute("SELECT usage_init()");
      c.setAutoCommit(false);
      try (PreparedStatement ins = c.prepareStatement(
          "INSERT INTO usage_ingest(ts, scope, cloud_project_name, busy_kwh, busy_gCo2eq)"
          + " VALUES (?, 'project', 'physics', ?, ?)")) {
        ins.setString(1, "2024-03-01T10:00:00Z"); ins.setDouble(2, 1.5); ins.setDouble(3, 300);
        ins.executeUpdate();
        ins.setString(1, "2024-03-01T11:00:00Z"); ins.setDouble(2, 2.25); ins.setDouble(3, 450);
        ins.executeUpdate();
      }
      c.commit();
      try (ResultSet rs = st.executeQuery(
          "SELECT bucket_start, key, busy_kwh, samples FROM usage_buckets('project', 'day')")) {
        while (rs.next()) {
          System.out.println(rs.getString(1) + "|" + rs.getString(2) + "|" + rs.getDouble(3)
                             + "|" + rs.getLong(4));
        }
      }
    }
  }
}
