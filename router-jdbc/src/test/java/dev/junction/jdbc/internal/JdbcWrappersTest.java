package dev.junction.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.junction.jdbc.JunctionConnection;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The wrappers without a server: physical objects are recording fakes, so the tests can see every
 * call that reaches them. A closed wrapper must throw on every method without one more call to its
 * physical object (which, in production, may by then belong to another logical connection).
 */
class JdbcWrappersTest {

  /** A fake physical object: records calls; methods returning JDBC objects return fakes too. */
  static final class Fake {
    final List<String> calls = new ArrayList<>();
    boolean closed;

    <T> T of(Class<T> type) {
      return type.cast(Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {type}, (proxy, m, args) -> {
        calls.add(type.getSimpleName() + "." + m.getName());
        switch (m.getName()) {
          case "close" -> closed = true;
          case "isClosed" -> { return closed; }
          case "toString" -> { return "fake " + type.getSimpleName(); }
          case "hashCode" -> { return System.identityHashCode(proxy); }
          case "equals" -> { return proxy == args[0]; }
          case "isWrapperFor" -> { return ((Class<?>) args[0]).isInstance(proxy); }
          case "unwrap" -> { return proxy; }
          default -> { }
        }
        Class<?> r = m.getReturnType();
        if (r == DatabaseMetaData.class || r == ResultSet.class || r == Statement.class) {
          return new Fake().of(r);
        }
        return defaultValue(r);
      }));
    }
  }

  static Object defaultValue(Class<?> type) {
    if (!type.isPrimitive() || type == void.class) {
      return null;
    }
    if (type == boolean.class) {
      return false;
    }
    if (type == char.class) {
      return '\0';
    }
    if (type == long.class) {
      return 0L;
    }
    if (type == float.class) {
      return 0f;
    }
    if (type == double.class) {
      return 0d;
    }
    if (type == byte.class) {
      return (byte) 0;
    }
    if (type == short.class) {
      return (short) 0;
    }
    return 0;
  }

  /** Calls every method of {@code iface} on {@code wrapper}; returns those that did not throw {@code state}. */
  static List<String> methodsNotThrowing(Object wrapper, Class<?> iface, String state, List<String> except) throws Exception {
    List<String> wrong = new ArrayList<>();
    for (Method m : iface.getMethods()) {
      if (Modifier.isStatic(m.getModifiers()) || except.contains(m.getName())) {
        continue;
      }
      Object[] args = new Object[m.getParameterCount()];
      for (int i = 0; i < args.length; i++) {
        Class<?> p = m.getParameterTypes()[i];
        args[i] = p == Class.class ? String.class : defaultValue(p); // unwrapping to itself is fine when closed
      }
      try {
        m.invoke(wrapper, args);
        wrong.add(m.getName() + " returned");
      } catch (InvocationTargetException e) {
        if (!(e.getCause() instanceof SQLException s) || !state.equals(s.getSQLState())) {
          wrong.add(m.getName() + " threw " + e.getCause());
        }
      }
    }
    return wrong;
  }

  @Test
  void everyJdbcMethodIsForwardedByHandWrittenCodeNotLeftToAnInterfaceDefault() throws Exception {
    for (Class<?>[] pair : new Class<?>[][] {{JunctionResultSet.class, ResultSet.class},
        {JunctionDatabaseMetaData.class, DatabaseMetaData.class}, {JunctionCallableStatement.class, CallableStatement.class}}) {
      for (Method m : pair[1].getMethods()) {
        if (Modifier.isStatic(m.getModifiers())) {
          continue;
        }
        Method impl = pair[0].getMethod(m.getName(), m.getParameterTypes());
        assertThat(impl.getDeclaringClass().isInterface()).as(pair[0].getSimpleName() + " implements " + m).isFalse();
      }
    }
  }

  @Test
  void aResultSetAnswersWithItsJunctionStatementAndUnwrapsToThePhysicalOne() throws Exception {
    Fake physical = new Fake();
    ResultSet driverRs = physical.of(ResultSet.class);
    Statement logical = new Fake().of(Statement.class);
    JunctionResultSet rs = new JunctionResultSet(driverRs, logical);

    assertThat(rs.getStatement()).isSameAs(logical);
    assertThat(rs.unwrap(JunctionResultSet.class)).isSameAs(rs);
    assertThat(rs.unwrap(ResultSet.class)).isSameAs(rs);
    assertThat(rs.isWrapperFor(driverRs.getClass())).isTrue();
    assertThat(rs.unwrap(driverRs.getClass())).isSameAs(driverRs);
    rs.next();
    rs.getString(1);
    assertThat(physical.calls).contains("ResultSet.next", "ResultSet.getString");
  }

  @Test
  void aClosedResultSetThrows24000OnEveryMethodAndNeverCallsThePhysicalOneAgain() throws Exception {
    Fake physical = new Fake();
    JunctionResultSet rs = new JunctionResultSet(physical.of(ResultSet.class), new Fake().of(Statement.class));
    rs.close();
    assertThat(physical.closed).isTrue();
    int callsAtClose = physical.calls.size();

    assertThat(methodsNotThrowing(rs, ResultSet.class, "24000", List.of("close", "isClosed"))).isEmpty();
    assertThat(rs.isClosed()).isTrue();
    rs.close(); // idempotent
    assertThat(physical.calls).hasSize(callsAtClose);
  }

  @Test
  void aResultSetClosedWithItsConnectionThrows08003() throws Exception {
    Fake physical = new Fake();
    JunctionResultSet rs = new JunctionResultSet(physical.of(ResultSet.class), null);
    rs.close(JunctionResultSet.CONNECTION_CLOSED);
    int callsAtClose = physical.calls.size();
    assertThat(methodsNotThrowing(rs, ResultSet.class, "08003", List.of("close", "isClosed"))).isEmpty();
    assertThat(physical.calls).hasSize(callsAtClose);
  }

  @Test
  void metadataAnswersWithTheLogicalConnectionAndItsResultsWithNoStatement() throws Exception {
    Connection logical = new Fake().of(JunctionConnection.class);
    Fake physical = new Fake();
    Connection physicalConnection = physical.of(Connection.class);
    JunctionDatabaseMetaData md = new JunctionDatabaseMetaData(logical, () -> physicalConnection);

    assertThat(md.getConnection()).isSameAs(logical);
    ResultSet tables = md.getTables(null, null, "%", null);
    assertThat(tables).isInstanceOf(JunctionResultSet.class);
    assertThat(tables.getStatement()).isNull();
    assertThat(md.getSchemas()).isInstanceOf(JunctionResultSet.class);
    assertThat(md.unwrap(DatabaseMetaData.class)).isSameAs(md);
  }

  @Test
  void metadataFollowsTheLogicalConnectionToAReplacedPrimary() throws Exception {
    Fake first = new Fake();
    Fake second = new Fake();
    Connection[] held = {first.of(Connection.class)};
    JunctionDatabaseMetaData md = new JunctionDatabaseMetaData(new Fake().of(JunctionConnection.class), () -> held[0]);
    md.getTables(null, null, "%", null);
    held[0] = second.of(Connection.class); // the pool evicted the primary; the logical connection took another
    md.getSchemas();
    assertThat(first.calls).containsExactly("Connection.getMetaData");
    assertThat(second.calls).containsExactly("Connection.getMetaData");
  }

  @Test
  void invalidatedMetadataAndItsResultsThrow08003WithoutTouchingThePhysicalConnection() throws Exception {
    Fake physical = new Fake();
    Connection physicalConnection = physical.of(Connection.class);
    JunctionDatabaseMetaData md = new JunctionDatabaseMetaData(new Fake().of(JunctionConnection.class), () -> physicalConnection);
    ResultSet open = md.getTables(null, null, "%", null);
    md.invalidate();
    assertThat(open.isClosed()).isTrue();
    int callsAtClose = physical.calls.size();

    assertThat(methodsNotThrowing(md, DatabaseMetaData.class, "08003",
        List.of("getDriverMajorVersion", "getDriverMinorVersion"))).isEmpty();
    assertThat(methodsNotThrowing(open, ResultSet.class, "08003", List.of("close", "isClosed"))).isEmpty();
    assertThat(physical.calls).hasSize(callsAtClose);
  }

  @Test
  void statementResultsAreWrappedOnceAndClosedAsJdbcSays() throws Exception {
    Fake physical = new Fake();
    Statement driverSt = physical.of(Statement.class);
    Statement logical = new Fake().of(Statement.class);
    StatementResults results = new StatementResults();

    ResultSet first = results.query(physical.of(ResultSet.class), logical);
    assertThat(results.current(driverSt, logical)).as("getResultSet() after executeQuery()").isSameAs(first);
    ResultSet keys = results.keys(driverSt, logical);
    assertThat(results.keys(driverSt, logical)).isSameAs(keys);
    assertThat(keys.getStatement()).isSameAs(logical);

    results.beforeMoreResults(Statement.KEEP_CURRENT_RESULT);
    assertThat(first.isClosed()).isFalse();
    ResultSet second = results.current(driverSt, logical);
    assertThat(second).isNotSameAs(first);
    results.beforeMoreResults(Statement.CLOSE_CURRENT_RESULT);
    assertThat(second.isClosed()).isTrue();
    assertThat(first.isClosed()).isFalse();

    results.closeAll(); // the next execution, or closing the statement
    assertThat(first.isClosed()).isTrue();
    assertThat(keys.isClosed()).isTrue();
    assertThatThrownBy(first::next).isInstanceOf(SQLException.class).hasFieldOrPropertyWithValue("SQLState", "24000");
  }
}
