package dev.junction.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.junction.classify.Classification;
import dev.junction.classify.PrimaryReason;
import dev.junction.classify.StatementKind;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Proxy;
import java.sql.Array;
import java.sql.Blob;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue #12, without servers: arrays answer from their snapshot once their lease expired and never
 * call the driver's object again; leased LOBs and their streams fail with 0F001 instead of reaching
 * it; updatable statements route their queries as writes. The real-server checks are in
 * {@code JdbcObjectsPostgresIT}/{@code JdbcObjectsMariaDbIT}.
 */
class LobLeaseTest {
  /** A driver object whose every call is logged. */
  static <T> T logging(Class<T> type, List<String> log, Map<String, Object> answers) {
    return type.cast(Proxy.newProxyInstance(LobLeaseTest.class.getClassLoader(), new Class<?>[] {type}, (p, m, args) -> {
      log.add(m.getName());
      return answers.get(m.getName());
    }));
  }

  static final class Switch implements Lease {
    boolean valid = true;

    @Override
    public boolean valid() {
      return valid;
    }
  }

  /**
   * pgjdbc cannot build the elements of a numeric[] holding NaN (no BigDecimal): its getObject still
   * returns the array and only getArray throws. Reading the snapshot must not move that failure to
   * getObject (the row could not be read at all, as a scatter's multiset merge found).
   */
  @Test
  void anArrayWhoseElementsTheDriverRefusesIsStillReturnedAndGetArrayThrowsAsTheDriver() throws Exception {
    Array physical = (Array) Proxy.newProxyInstance(LobLeaseTest.class.getClassLoader(), new Class<?>[] {Array.class},
        (p, m, args) -> switch (m.getName()) {
          case "getArray" -> throw new SQLException("Bad value for type BigDecimal : NaN", "22003");
          case "getBaseType" -> Types.NUMERIC;
          case "getBaseTypeName" -> "numeric";
          case "toString" -> "{1,NaN}";
          default -> null;
        });
    Array a = JunctionLobs.array(physical, () -> false);
    assertThat(a.toString()).isEqualTo("{1,NaN}");
    assertThat(a.getBaseTypeName()).isEqualTo("numeric");
    assertThatThrownBy(a::getArray).isInstanceOf(SQLException.class).hasMessageContaining("NaN")
        .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("22003");
    assertThatThrownBy(() -> a.getArray(1, 1)).isInstanceOf(SQLException.class).hasMessageContaining("NaN");
  }

  @Test
  void anArrayAnswersFromItsSnapshotOnceItsLeaseExpiredAndNeverCallsTheDriverAgain() throws Exception {
    List<String> log = new ArrayList<>();
    Array physical = logging(Array.class, log, Map.of("getArray", new Integer[] {1, 2, null, 4}, "getBaseType", Types.INTEGER,
        "getBaseTypeName", "int4", "toString", "{1,2,NULL,4}"));
    Switch lease = new Switch();
    Array a = JunctionLobs.array(physical, lease);
    assertThat(log).containsExactlyInAnyOrder("getArray", "getBaseType", "getBaseTypeName", "toString");
    log.clear();
    lease.valid = false;
    assertThat(a.getArray()).isEqualTo(new Integer[] {1, 2, null, 4});
    assertThat(a.getArray()).isNotSameAs(a.getArray());
    assertThat(a.getArray(2, 2)).isEqualTo(new Integer[] {2, null});
    assertThat(a.getArray(Map.of())).isEqualTo(new Integer[] {1, 2, null, 4});
    assertThat(a.getBaseType()).isEqualTo(Types.INTEGER);
    assertThat(a.getBaseTypeName()).isEqualTo("int4");
    assertThat(a).hasToString("{1,2,NULL,4}");
    assertThatThrownBy(() -> a.getArray(4, 2)).isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("2202E"));
    assertThatThrownBy(a::getResultSet).isInstanceOfSatisfying(SQLException.class, e -> {
      assertThat(e.getSQLState()).isEqualTo(Lease.EXPIRED);
      assertThat(e.getMessage()).contains("Array").contains("inside the transaction");
    });
    assertThatThrownBy(() -> a.getArray(Map.of("x", String.class))).isInstanceOfSatisfying(SQLException.class,
        e -> assertThat(e.getSQLState()).isEqualTo(Lease.EXPIRED));
    a.free();
    assertThat(log).as("calls that reached the driver's array after its lease expired").isEmpty();
  }

  @Test
  void anArraysResultSetIsJunctionsWithoutAStatementAndExpiresWithTheLease() throws Exception {
    List<String> rsLog = new ArrayList<>();
    ResultSet driverRs = logging(ResultSet.class, rsLog, Map.of("next", true));
    List<String> log = new ArrayList<>();
    Array physical = logging(Array.class, log, Map.of("getArray", new String[] {"a"}, "getBaseType", Types.VARCHAR, "getResultSet", driverRs));
    Switch lease = new Switch();
    ResultSet rs = JunctionLobs.array(physical, lease).getResultSet();
    assertThat(rs.getClass().getName()).startsWith("dev.junction.");
    assertThat(rs.getStatement()).isNull();
    assertThat(rs.next()).isTrue();
    lease.valid = false;
    rsLog.clear();
    assertThatThrownBy(rs::next).isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo(Lease.EXPIRED));
    rs.close();
    assertThat(rsLog).isEmpty();
  }

  @Test
  void aLeasedBlobAndItsStreamFailWith0F001OnceTheLeaseExpired() throws Exception {
    List<String> log = new ArrayList<>();
    InputStream bytes = new ByteArrayInputStream(new byte[] {1, 2, 3});
    Blob physical = logging(Blob.class, log, Map.of("length", 3L, "getBinaryStream", bytes));
    Switch lease = new Switch();
    Blob b = JunctionLobs.blob(physical, lease);
    assertThat(b).isInstanceOf(JunctionBlob.class);
    assertThat(b.length()).isEqualTo(3);
    InputStream in = b.getBinaryStream();
    assertThat(in.read()).isEqualTo(1);
    lease.valid = false;
    log.clear();
    assertThatThrownBy(b::length).isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo(Lease.EXPIRED));
    assertThatThrownBy(() -> b.getBytes(1, 2)).isInstanceOf(SQLException.class);
    assertThatThrownBy(in::read).isInstanceOfSatisfying(IOException.class,
        e -> assertThat(((SQLException) e.getCause()).getSQLState()).isEqualTo(Lease.EXPIRED));
    in.close();
    b.free();
    assertThat(log).isEmpty();
    assertThat(bytes.available()).as("the driver's stream was not read after the lease expired").isEqualTo(2);
  }

  @Test
  void valuesOfGetObjectArePassedThroughUnlessTheyAreArraysOrLobs() throws Exception {
    Lease lease = () -> true;
    assertThat(JunctionLobs.object("x", lease, null)).isEqualTo("x");
    assertThat(JunctionLobs.object(null, lease, null)).isNull();
    Blob driverBlob = logging(Blob.class, new ArrayList<>(), Map.of());
    assertThat(JunctionLobs.object(driverBlob, lease, null)).isInstanceOf(JunctionBlob.class);
    assertThat(JunctionLobs.object(driverBlob, Blob.class, lease, null)).isInstanceOf(JunctionBlob.class);
    Blob wrapped = JunctionLobs.blob(driverBlob, lease);
    assertThat(JunctionLobs.blob(wrapped, lease)).isSameAs(wrapped);
  }

  @Test
  void anUpdatableStatementsQueryIsRoutedAsAWrite() {
    Classification read = new Classification(StatementKind.READ, PrimaryReason.NONE, List.of("t"), false);
    Classification routed = UpdatableResults.routed(read);
    assertThat(routed.replicaEligible()).isFalse();
    assertThat(routed.kind()).isEqualTo(StatementKind.WRITE);
    assertThat(routed.tables()).containsExactly("t");
    Classification write = new Classification(StatementKind.WRITE, PrimaryReason.WRITE, List.of("t"), false);
    assertThat(UpdatableResults.routed(write)).isSameAs(write);
    assertThat(UpdatableResults.updatable(ResultSet.CONCUR_UPDATABLE)).isTrue();
    assertThat(UpdatableResults.updatable(ResultSet.CONCUR_READ_ONLY)).isFalse();
  }
}
