package dev.junction.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;

/**
 * Issue #12: a physical connection goes back to its pool between statements only when nothing the
 * application holds still reads from it. This is the metadata's answer to "still reading"; the
 * statements' answer and the release itself are exercised against real servers by
 * {@code PoolDemandIT}.
 */
class HeldConnectionsTest {

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
