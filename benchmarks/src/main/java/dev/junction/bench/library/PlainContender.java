package dev.junction.bench.library;

import java.sql.Connection;
import javax.sql.DataSource;

/**
 * A contender whose data source needs no hint for reads: raw HikariCP (everything on the primary),
 * Junction (it classifies each statement) and ShardingSphere-JDBC (likewise).
 */
final class PlainContender implements Contender {
  private final String name;
  private final DataSource dataSource;
  private final AutoCloseable[] resources;

  PlainContender(String name, DataSource dataSource, AutoCloseable... resources) {
    this.name = name;
    this.dataSource = dataSource;
    this.resources = resources;
  }

  @Override
  public String name() {
    return name;
  }

  DataSource dataSource() {
    return dataSource;
  }

  @Override
  public <T> T read(SqlWork<T> work) throws Exception {
    try (Connection c = dataSource.getConnection()) {
      return work.run(c);
    }
  }

  @Override
  public <T> T write(SqlWork<T> work) throws Exception {
    return read(work);
  }

  @Override
  public void close() throws Exception {
    for (AutoCloseable r : resources) {
      r.close();
    }
  }
}
