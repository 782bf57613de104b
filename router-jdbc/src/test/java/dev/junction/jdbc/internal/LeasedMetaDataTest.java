package dev.junction.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.sql.ParameterMetaData;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue #12, metadata, without servers: while the lease holds the driver answers (and each answer is kept); once it
 * lapsed, what was asked is answered from what was kept, anything else fails with 0F001, and the driver's object is
 * never called again. The real-server check is {@code JdbcObjectsPostgresIT.metadataNeverReachesAConnectionThatWentBack}.
 */
class LeasedMetaDataTest {

  private static ResultSetMetaData driverMetaData(List<String> log) {
    Map<String, Object> answers = new HashMap<>();
    answers.put("getColumnCount", 2);
    answers.put("getColumnLabel", "name");
    answers.put("isNullable", ResultSetMetaData.columnNoNulls);
    answers.put("getColumnTypeName", "jw_mood");
    answers.put("getColumnType", Types.VARCHAR);
    answers.put("getPrecision", 100_000); // not a cached Integer
    answers.put("getTableName", null);
    return LobLeaseTest.logging(ResultSetMetaData.class, log, answers);
  }

  @Test
  void afterTheLeaseLapsedWhatWasAskedIsAnsweredAndNothingElseReachesTheDriver() throws Exception {
    List<String> log = new ArrayList<>();
    LobLeaseTest.Switch lease = new LobLeaseTest.Switch();
    ResultSetMetaData md = LeasedMetaData.of(driverMetaData(log), lease);
    assertThat(md.getClass().getName()).startsWith("dev.junction.");
    assertThat(md.getColumnLabel(1)).isEqualTo("name");
    assertThat(md.isNullable(2)).isEqualTo(ResultSetMetaData.columnNoNulls);
    assertThat(md.getPrecision(1)).isEqualTo(100_000);
    assertThat(md.getTableName(1)).isNull();
    assertThat(md.unwrap(ResultSetMetaData.class)).isSameAs(md);
    assertThat(log).containsExactly("getColumnCount", "getColumnLabel", "isNullable", "getPrecision", "getTableName");

    log.clear();
    lease.valid = false;
    assertThat(md.getColumnCount()).isEqualTo(2);
    assertThat(md.getColumnLabel(1)).isEqualTo("name");
    assertThat(md.isNullable(2)).isEqualTo(ResultSetMetaData.columnNoNulls);
    assertThat(md.getPrecision(1)).isEqualTo(100_000);
    assertThat(md.getTableName(1)).as("a null answer is kept too").isNull();
    for (ThrowingCall call : List.<ThrowingCall>of(() -> md.getColumnLabel(2), () -> md.isNullable(1), () -> md.getColumnTypeName(1),
        () -> md.getColumnType(2), () -> md.isAutoIncrement(1), () -> md.unwrap(Comparable.class))) {
      assertThatThrownBy(call::run).isInstanceOf(SQLException.class).hasMessageContaining("gone back to the pool")
          .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo(Lease.EXPIRED);
    }
    assertThatThrownBy(() -> md.getColumnLabel(3)).isInstanceOf(SQLException.class)
        .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("22023");
    assertThat(log).as("the driver's metadata is never called once the lease lapsed").isEmpty();
  }

  @Test
  void parameterMetaDataIsLeasedTheSameWay() throws Exception {
    List<String> log = new ArrayList<>();
    ParameterMetaData driver = LobLeaseTest.logging(ParameterMetaData.class, log,
        Map.of("getParameterCount", 2, "getParameterTypeName", "jw_mood", "getParameterType", Types.VARCHAR));
    LobLeaseTest.Switch lease = new LobLeaseTest.Switch();
    ParameterMetaData md = LeasedMetaData.of(driver, lease);
    assertThat(md.getParameterType(1)).isEqualTo(Types.VARCHAR);
    log.clear();
    lease.valid = false;
    assertThat(md.getParameterCount()).isEqualTo(2);
    assertThat(md.getParameterType(1)).isEqualTo(Types.VARCHAR);
    assertThatThrownBy(() -> md.getParameterTypeName(2)).isInstanceOf(SQLException.class)
        .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo(Lease.EXPIRED);
    assertThat(log).isEmpty();
  }

  /** A row mapper asks for the metadata on every row: one wrapper per result set, and no driver call beyond the driver's own. */
  @Test
  void aResultSetHandsOutOneWrapperForItsDriverMetaData() throws Exception {
    List<String> log = new ArrayList<>();
    ResultSetMetaData driverMd = driverMetaData(log);
    ResultSet physical = LobLeaseTest.logging(ResultSet.class, log, Map.of("getMetaData", driverMd));
    JunctionResultSet rs = new JunctionResultSet(physical, null);
    ResultSetMetaData first = rs.getMetaData();
    assertThat(first).isNotSameAs(driverMd);
    assertThat(rs.getMetaData()).isSameAs(first);
    assertThat(first.unwrap(ResultSetMetaData.class)).isSameAs(first);
    rs.close();
    assertThatThrownBy(rs::getMetaData).isInstanceOf(SQLException.class);
    assertThatThrownBy(() -> first.getColumnLabel(1)).as("a metadata result's metadata lapses with its result set")
        .isInstanceOf(SQLException.class).extracting(e -> ((SQLException) e).getSQLState()).isEqualTo(Lease.EXPIRED);
  }

  private interface ThrowingCall {
    Object run() throws Exception;
  }
}
