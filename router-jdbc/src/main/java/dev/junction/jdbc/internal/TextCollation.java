package dev.junction.jdbc.internal;

import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import dev.junction.merge.MergeDialect;
import dev.junction.shard.ShardedTable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Whether text sort/group keys can be merged across shards, decided once at startup from the
 * collations the shard primaries actually use.
 *
 * <p>Why: the merger compares text by Unicode code point and groups by exact equality. A
 * collation that is invisible in the SQL — the database default ({@code en_US.UTF-8} on a default
 * PostgreSQL install, {@code utf8mb4_general_ci}/{@code utf8mb4_0900_ai_ci} on MariaDB/MySQL) or a
 * column-level one — makes each shard sort and group differently from the merger, and a scatter
 * {@code ORDER BY name} would silently return rows in the wrong order or split one group in two.
 * When this check does not prove code-point order on every shard (or cannot run), text keys of a
 * multi-shard merge are refused (see {@link dev.junction.merge.TextKeys}).
 *
 * <p>Code-point collations: PostgreSQL {@code C}, {@code POSIX}, {@code ucs_basic},
 * {@code pg_c_utf8} (and the builtin provider's {@code C}/{@code C.UTF-8}); MariaDB
 * {@code *_nopad_bin}; MySQL {@code *_0900_bin}. libc {@code C.UTF-8} is deliberately not
 * accepted: its order depends on the glibc version.
 *
 * @param exact text keys merge exactly on this topology
 * @param reason when not exact: which shard and which database or table.column collation prevents it
 */
record TextCollation(boolean exact, String reason) {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TextCollation.class);

  static final TextCollation EXACT = new TextCollation(true, null);

  /** Reads every shard primary and logs the verdict in one line. */
  static TextCollation check(JunctionConfig config, List<ShardRuntime> shards) {
    MergeDialect dialect = switch (config.dialect()) {
      case POSTGRESQL -> MergeDialect.POSTGRESQL;
      case MYSQL -> MergeDialect.MYSQL;
      case MARIADB -> MergeDialect.MARIADB;
    };
    List<String> tables = new ArrayList<>();
    for (ShardedTable t : config.sharding().tables()) {
      tables.add(t.name());
    }
    tables.addAll(config.sharding().broadcastTables());
    List<String> problems = new ArrayList<>();
    for (ShardRuntime shard : shards) {
      try (Connection c = shard.primary.dataSource().getConnection()) {
        problems.addAll(config.dialect() == Dialect.POSTGRESQL
            ? postgres(c, shard.name, tables)
            : mysql(c, shard.name, tables, dialect));
      } catch (SQLException | RuntimeException e) {
        problems.add("shard " + shard.name + " collations could not be read (" + e.getMessage() + ")");
      }
    }
    if (problems.isEmpty()) {
      LOG.info("Junction: text keys can be merged across shards (every shard uses code-point collations)");
      return EXACT;
    }
    String reason = problems.size() <= 2 ? String.join("; ", problems)
        : problems.get(0) + "; " + problems.get(1) + " (and " + (problems.size() - 2) + " more)";
    LOG.warn("Junction: text keys cannot be merged across shards; multi-shard ORDER BY/GROUP BY/DISTINCT/min/max on"
        + " text are refused unless they use an explicit code-point COLLATE: {}", reason);
    return new TextCollation(false, reason);
  }

  private static List<String> postgres(Connection c, String shard, List<String> tables) throws SQLException {
    List<String> problems = new ArrayList<>();
    try (Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT datcollate FROM pg_database WHERE datname = current_database()")) {
      rs.next();
      String collate = rs.getString(1);
      String provider = provider(c);
      boolean exact = switch (provider) {
        case "c" -> isPostgresExact(collate);
        case "b" -> true; // builtin provider: only C and C.UTF-8 exist, both code-point order
        default -> false; // ICU or unknown
      };
      if (!exact) {
        problems.add("shard " + shard + " database collation " + collate
            + (provider.equals("c") ? "" : " (provider " + provider + ")") + " is not code-point order");
      }
    }
    String sql = "SELECT table_name, column_name, collation_name FROM information_schema.columns"
        + " WHERE table_schema = ANY (current_schemas(false)) AND lower(table_name) = ? AND collation_name IS NOT NULL"
        + " ORDER BY ordinal_position";
    for (String table : tables) {
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        ps.setString(1, table.toLowerCase(Locale.ROOT));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            String collation = rs.getString(3);
            if (!isPostgresExact(collation)) {
              problems.add("shard " + shard + " column " + rs.getString(1) + "." + rs.getString(2) + " collation "
                  + collation + " is not code-point order");
            }
          }
        }
      }
    }
    return problems;
  }

  /** {@code pg_database.datlocprovider} ('c' libc, 'i' ICU, 'b' builtin); 'c' before PostgreSQL 15. */
  private static String provider(Connection c) throws SQLException {
    if (c.getMetaData().getDatabaseMajorVersion() < 15) {
      return "c";
    }
    try (Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT datlocprovider FROM pg_database WHERE datname = current_database()")) {
      rs.next();
      return rs.getString(1);
    }
  }

  static boolean isPostgresExact(String collation) {
    return collation != null && Set.of("c", "posix", "ucs_basic", "pg_c_utf8").contains(collation.toLowerCase(Locale.ROOT));
  }

  static boolean isMySqlExact(String collation, MergeDialect dialect) {
    if (collation == null) {
      return false;
    }
    String n = collation.toLowerCase(Locale.ROOT);
    return dialect == MergeDialect.MYSQL ? n.endsWith("_0900_bin") || n.endsWith("_nopad_bin") : n.endsWith("_nopad_bin");
  }

  private static List<String> mysql(Connection c, String shard, List<String> tables, MergeDialect dialect)
      throws SQLException {
    List<String> problems = new ArrayList<>();
    try (Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT @@collation_database")) {
      rs.next();
      if (!isMySqlExact(rs.getString(1), dialect)) {
        problems.add("shard " + shard + " database collation " + rs.getString(1) + " is not code-point order");
      }
    }
    String sql = "SELECT TABLE_NAME, COLUMN_NAME, COLLATION_NAME FROM information_schema.COLUMNS"
        + " WHERE TABLE_SCHEMA = DATABASE() AND lower(TABLE_NAME) = ? AND COLLATION_NAME IS NOT NULL"
        + " ORDER BY ORDINAL_POSITION";
    for (String table : tables) {
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        ps.setString(1, table.toLowerCase(Locale.ROOT));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            String collation = rs.getString(3);
            if (!isMySqlExact(collation, dialect)) {
              problems.add("shard " + shard + " column " + rs.getString(1) + "." + rs.getString(2) + " collation "
                  + collation + " is not code-point order");
            }
          }
        }
      }
    }
    return problems;
  }
}
