package dev.junction.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * Issue #12: a physical connection goes back to its pool between statements only when nothing the
 * application holds still reads from it. These are the "still reading" answers the logical
 * connection asks before it releases one; the release itself is exercised against real servers by
 * {@code PoolDemandIT}.
 */
class HeldConnectionsTest {

  @Test
  void statementResultsAreOpenUntilEveryHandedOutResultIsClosed() throws Exception {
    StatementResults results = new StatementResults();
    assertThat(results.anyOpen()).isFalse();

    Statement owner = new JdbcWrappersTest.Fake().of(Statement.class);
    ResultSet current = results.query(new JdbcWrappersTest.Fake().of(ResultSet.class), owner);
    assertThat(results.anyOpen()).as("a current result is open").isTrue();

    current.close();
    assertThat(results.anyOpen()).as("closed by the application").isFalse();

    results.query(new JdbcWrappersTest.Fake().of(ResultSet.class), owner);
    results.beforeMoreResults(Statement.KEEP_CURRENT_RESULT);
    assertThat(results.anyOpen()).as("a kept result is still open").isTrue();

    results.closeAll();
    assertThat(results.anyOpen()).isFalse();

    ResultSet keys = results.keys(new JdbcWrappersTest.Fake().of(Statement.class), owner);
    assertThat(keys).isNotNull();
    assertThat(results.anyOpen()).as("generated keys not yet closed").isTrue();
    keys.close();
    assertThat(results.anyOpen()).isFalse();
  }

  @Test
  void metadataReadsFromItsPhysicalConnectionWhileAResultIsOpen() throws Exception {
    Connection physical = new JdbcWrappersTest.Fake().of(Connection.class);
    Connection other = new JdbcWrappersTest.Fake().of(Connection.class);
    JunctionDatabaseMetaData meta = new JunctionDatabaseMetaData(null, () -> physical);
    assertThat(meta.readingFrom(physical)).as("nothing handed out yet").isFalse();

    ResultSet tables = meta.getTables(null, null, "%", null);
    assertThat(meta.readingFrom(physical)).isTrue();
    assertThat(meta.readingFrom(other)).isFalse();
    assertThat(meta.readingFrom(null)).isFalse();

    tables.close();
    assertThat(meta.readingFrom(physical)).isFalse();
  }

  @Test
  void fakeMetadataComesFromTheConnection() throws Exception {
    // guards the fixture: the fake connection hands out a fake DatabaseMetaData whose queries return results
    Connection physical = new JdbcWrappersTest.Fake().of(Connection.class);
    DatabaseMetaData md = physical.getMetaData();
    assertThat(md.getTables(null, null, "%", null)).isNotNull();
  }
}
