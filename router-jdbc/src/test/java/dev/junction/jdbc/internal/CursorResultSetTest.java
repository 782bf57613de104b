package dev.junction.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * {@link CursorResultSet} without a server: the driver's result set is a recording fake, so the tests see every call
 * that would reach the physical connection after it went back to the pool (the end-to-end oracle, direct pgjdbc,
 * is in JdbcObjectsPostgresIT).
 */
class CursorResultSetTest {
  final List<String> calls = new ArrayList<>();
  final AtomicBoolean held = new AtomicBoolean(true);
  final Lease lease = held::get;

  /** pgjdbc's refcursor result: columns (refcursor, int4, int4[]); fetch size and auto-commit as given. */
  ResultSet driver(int fetchSize, boolean autoCommit) {
    Connection conn = fake(Connection.class, (name, args) -> name.equals("getAutoCommit") ? autoCommit : null);
    Statement st = fake(Statement.class, (name, args) -> name.equals("getConnection") ? conn : null);
    ResultSetMetaData md = fake(ResultSetMetaData.class, (name, args) -> switch (name) {
      case "getColumnCount" -> 3;
      case "getColumnType" -> switch ((int) args[0]) {
        case 1 -> Types.REF_CURSOR;
        case 2 -> Types.INTEGER;
        default -> Types.ARRAY;
      };
      case "getColumnTypeName" -> switch ((int) args[0]) {
        case 1 -> "refcursor";
        case 2 -> "int4";
        default -> "_int4";
      };
      default -> null;
    });
    return fake(ResultSet.class, (name, args) -> switch (name) {
      case "getFetchSize" -> fetchSize;
      case "getType" -> ResultSet.TYPE_FORWARD_ONLY;
      case "getStatement" -> st;
      case "getMetaData" -> md;
      case "next" -> true;
      case "getInt" -> 7;
      case "getObject" -> "v";
      default -> null;
    });
  }

  interface Answer {
    Object answer(String name, Object[] args);
  }

  <T> T fake(Class<T> type, Answer answer) {
    return type.cast(Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {type}, (proxy, m, args) -> {
      if (type == ResultSet.class) {
        calls.add(m.getName());
      }
      Object r = answer.answer(m.getName(), args);
      if (r == null && m.getReturnType() == boolean.class) {
        return false;
      }
      if (r == null && m.getReturnType() == int.class) {
        return 0;
      }
      return r;
    }));
  }

  @Test
  void rowsReadAtGetObjectStayReadableAfterTheConnectionWentBackAsWithPgjdbc() throws SQLException {
    Statement owner = fake(Statement.class, (name, args) -> null);
    ResultSet rs = CursorResultSet.of(driver(0, false), owner, lease);
    assertThat(rs.getStatement()).isSameAs(owner);
    held.set(false); // COMMIT, statement closed: the connection went back to the pool
    assertThat(rs.next()).isTrue();
    assertThat(rs.getInt(2)).isEqualTo(7);
    assertThat(rs.getObject(2)).isEqualTo("v");
    assertThatThrownBy(() -> rs.getObject(1)).as("a nested refcursor would FETCH on the next borrower's connection")
        .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("34000"));
    assertThatThrownBy(() -> rs.getArray(3)).as("an array's type lookups likewise")
        .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("0F001"));
    calls.clear();
    rs.close();
    assertThat(calls).as("closing reaches no connection that is not ours").doesNotContain("close");
    assertThatThrownBy(rs::next).isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("24000"));
  }

  @Test
  void aStreamedCursorIsRefusedWithoutAFetchOnceItsConnectionWentBack() throws SQLException {
    ResultSet rs = CursorResultSet.of(driver(1, false), null, lease);
    assertThat(rs.next()).as("while held: the driver fetches").isTrue();
    held.set(false);
    calls.clear();
    assertThatThrownBy(rs::next).isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("34000"));
    assertThat(calls).doesNotContain("next");
    assertThat(rs.getInt(2)).as("the current row is in memory").isEqualTo(7);
  }

  @Test
  void aFetchSizeOutsideATransactionReadsEverythingAtOnce() throws SQLException {
    ResultSet rs = CursorResultSet.of(driver(1, true), null, lease); // pgjdbc uses no portal in auto-commit
    held.set(false);
    assertThat(rs.next()).isTrue();
  }
}
