package dev.junction.jdbc.internal;

import dev.junction.classify.Dialect;
import dev.junction.config.JunctionConfig;
import dev.junction.merge.ServerFunctions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads the shard primaries' function catalogs once at startup ({@link ServerFunctions}), so that a
 * multi-shard SELECT calling an aggregate the merger does not know is refused instead of merged as
 * a scalar. PostgreSQL's pg_proc lists every function; a name missing from it was created later and
 * is refused too (fail closed, like {@link TextCollation}). MySQL/MariaDB list only stored and UDF
 * aggregates (mysql.proc, mysql.func); when those cannot be read, a warning says what is not checked.
 */
final class FunctionCatalog {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(FunctionCatalog.class);

  private FunctionCatalog() {}

  static ServerFunctions read(JunctionConfig config, List<ShardRuntime> shards) {
    boolean pg = config.dialect() == Dialect.POSTGRESQL;
    Set<String> aggregates = new HashSet<>();
    Set<String> functions = pg ? new HashSet<>() : null;
    for (ShardRuntime shard : shards) {
      try (Connection c = shard.primary.dataSource().getConnection(); Statement st = c.createStatement()) {
        if (pg) {
          try (ResultSet rs = st.executeQuery("SELECT DISTINCT proname, prokind = 'a' FROM pg_proc")) {
            while (rs.next()) {
              functions.add(rs.getString(1));
              if (rs.getBoolean(2)) {
                aggregates.add(rs.getString(1));
              }
            }
          }
        } else {
          mysqlAggregates(st, config.dialect(), aggregates);
        }
      } catch (SQLException | RuntimeException e) {
        String problem = "shard " + shard.name + ": " + e.getMessage();
        if (pg) {
          LOG.warn("Junction: the function catalog could not be read ({}); multi-shard SELECTs calling functions the"
              + " merger does not know are refused", problem);
          return ServerFunctions.unreadable(problem);
        }
        LOG.warn("Junction: stored and UDF aggregates could not be read ({}); a user-defined aggregate in a multi-shard"
            + " SELECT would be merged as a scalar function", problem);
        return new ServerFunctions(aggregates, null, null);
      }
    }
    LOG.info("Junction: read {} aggregate names from the shards' catalogs", aggregates.size());
    return new ServerFunctions(aggregates, functions, null);
  }

  private static void mysqlAggregates(Statement st, Dialect dialect, Set<String> aggregates) throws SQLException {
    try (ResultSet rs = st.executeQuery("SELECT name FROM mysql.func WHERE type = 'aggregate'")) {
      while (rs.next()) {
        aggregates.add(rs.getString(1));
      }
    }
    if (dialect == Dialect.MARIADB) {
      try (ResultSet rs = st.executeQuery("SELECT name FROM mysql.proc WHERE type = 'FUNCTION' AND aggregate = 'GROUP'")) {
        while (rs.next()) {
          aggregates.add(rs.getString(1));
        }
      }
    }
  }
}
