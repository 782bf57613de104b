package dev.junction.route;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.classify.Classification;
import dev.junction.classify.Dialect;
import dev.junction.classify.PrimaryReason;
import dev.junction.classify.StatementKind;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Statements that may write on the primary, as the JDBC façade routes them (no pin for side effects):
 * each must fence the session's next read, in or out of a scope. The review's holes: a batch routed by
 * one of its statements, a write whose outcome is unknown, EXECUTE of a prepared write, COMMIT PREPARED,
 * MariaDB {@code SET @x = f()}, and session-bound functions that must keep their connection.
 */
class WriteFenceHolesTest {
  static final String READ = "select * from accounts where id = 1";
  static final RouteContext NO_SCOPE = RouteContext.NONE;
  static final RouteContext SCOPE = Topology.context(true, null, false, false);

  final Topology pg = new Topology(Dialect.POSTGRESQL, 2);
  final Topology maria = new Topology(Dialect.MARIADB, 2);

  /** Runs {@code c} (text {@code sql}) successfully; returns whether the front-end must read the position now. */
  static boolean ran(RouteSession s, Classification c, String sql, RouteContext ctx) {
    Route r = s.decide(c, sql, ctx);
    assertThat(r.opcode()).as(sql).isEqualTo(Route.Opcode.PRIMARY);
    return s.succeeded(r, c, ctx);
  }

  Classification batch(Topology t, String... sqls) {
    return t.classifier.classifyBatch(List.of(sqls));
  }

  @Test
  void aBatchWithAWriteBetweenSettingsFencesAndPins() {
    Classification c = batch(maria, "SET FOREIGN_KEY_CHECKS=0", "INSERT INTO accounts (id) VALUES (1)",
        "SET FOREIGN_KEY_CHECKS=1");
    assertThat(c.kind()).isEqualTo(StatementKind.WRITE);
    RouteSession s = new RouteSession(maria.set, false);
    Route r = s.decide(c, "SET FOREIGN_KEY_CHECKS=0;\nINSERT INTO accounts (id) VALUES (1);\nSET FOREIGN_KEY_CHECKS=1", NO_SCOPE);
    assertThat(r.replaysSession()).as("a SET among other statements is not replayed alone").isFalse();
    s.succeeded(r, c, NO_SCOPE);
    assertThat(s.pinned()).as("the settings live on that connection only").isTrue();
    assertThat(s.fencePending()).as("the write fences").isTrue();
  }

  @Test
  void aBatchThatCommitsAWriteFencesInAScope() {
    for (String[] sqls : new String[][] {{"BEGIN", "UPDATE accounts SET balance = 0 WHERE id = 1", "COMMIT"},
        {"INSERT INTO accounts (id) VALUES (1)", "COMMIT"}}) {
      Classification c = batch(pg, sqls);
      RouteSession s = new RouteSession(pg.set, false);
      assertThat(ran(s, c, String.join(";\n", sqls), SCOPE)).as(String.join("; ", sqls)).isTrue();
    }
  }

  @Test
  void aBatchWithAutocommitOffAnywhereIsRefused() {
    Classification c = batch(maria, "UPDATE accounts SET balance = 0 WHERE id = 1", "SET autocommit=0");
    Route r = new RouteSession(maria.set, false).decide(c, "UPDATE accounts SET balance = 0 WHERE id = 1;\nSET autocommit=0", NO_SCOPE);
    assertThat(r.opcode()).isEqualTo(Route.Opcode.REFUSE);
    assertThat(r.refusal()).isEqualTo(Refusal.SQL_AUTOCOMMIT);
  }

  @Test
  void aWriteWithAnUnknownOutcomeFencesTheNextRead() {
    String sql = "UPDATE accounts SET balance = 0 WHERE id = 1";
    Classification c = pg.classify(sql);
    RouteSession s = new RouteSession(pg.set, false);
    Route r = s.decide(c, sql, NO_SCOPE);
    assertThat(s.failed(r, c, RouteSession.Failure.CONNECTION, NO_SCOPE)).isNull();
    assertThat(s.decide(pg.classify(READ), READ, NO_SCOPE).opcode()).as("the next read reads the position first")
        .isEqualTo(Route.Opcode.READ_POSITION);
  }

  @Test
  void failedStatementsFenceOnlyIfTheyMayHaveWritten() {
    RouteSession s = new RouteSession(pg.set, false);
    Classification c = pg.classify("select * from accounts for update");
    Route r = s.decide(c, "select * from accounts for update", NO_SCOPE);
    s.failed(r, c, RouteSession.Failure.STATEMENT, NO_SCOPE);
    Classification plain = pg.classify(READ);
    Route read = s.decide(plain, READ, NO_SCOPE);
    // a locking read may have written nothing, but it is not a plain read: it fences conservatively
    assertThat(read.opcode()).isEqualTo(Route.Opcode.READ_POSITION);
    RouteSession t = new RouteSession(pg.set, false);
    Route show = t.decide(pg.classify("show search_path"), "show search_path", NO_SCOPE);
    t.failed(show, pg.classify("show search_path"), RouteSession.Failure.CONNECTION, NO_SCOPE);
    assertThat(t.fencePending()).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"EXECUTE p(1)", "COMMIT PREPARED 'tx1'"})
  void postgresStatementsThatRunAWriteFenceInAScope(String sql) {
    assertThat(ran(new RouteSession(pg.set, false), pg.classify(sql), sql, SCOPE)).as(sql).isTrue();
  }

  @Test
  void mariaDbSetOfAFunctionValueFencesInAScope() {
    String sql = "SET @x = audit_touch('a')";
    assertThat(ran(new RouteSession(maria.set, false), maria.classify(sql), sql, SCOPE)).isTrue();
    String plain = "SET @x = 1";
    RouteSession s = new RouteSession(maria.set, false);
    Route r = s.decide(maria.classify(plain), plain, SCOPE);
    assertThat(s.succeeded(r, maria.classify(plain), SCOPE)).as("a plain value is replayed, not fenced").isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"SELECT set_config('app.tenant_id', '42', false)", "SELECT currval('s')", "SELECT lastval()",
      "SELECT U&\"\\0070g_advisory_lock\"(1)"})
  void postgresSessionBoundFunctionsPinTheJdbcSession(String sql) {
    Classification c = pg.classify(sql);
    assertThat(c.primaryReason()).as(sql).isEqualTo(PrimaryReason.SESSION_STATE);
    RouteSession s = new RouteSession(pg.set, false);
    ran(s, c, sql, NO_SCOPE);
    assertThat(s.pinned()).as(sql).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"SELECT LAST_INSERT_ID()", "SELECT FOUND_ROWS()", "SELECT ROW_COUNT()"})
  void mariaDbSessionBoundFunctionsPinTheJdbcSession(String sql) {
    Classification c = maria.classify(sql);
    assertThat(c.primaryReason()).as(sql).isEqualTo(PrimaryReason.SESSION_STATE);
    RouteSession s = new RouteSession(maria.set, false);
    ran(s, c, sql, NO_SCOPE);
    assertThat(s.pinned()).as(sql).isTrue();
  }

  /** A scope write committed after a read-only transaction began on a replica: wait on that replica, or refuse. */
  @Test
  void aReplicaTransactionWaitsForALaterScopeWriteOrRefuses() {
    for (RouteSession.AwaitOutcome outcome : RouteSession.AwaitOutcome.values()) {
      RouteSession s = new RouteSession(pg.set, false);
      s.setAutoCommit(false);
      s.setReadOnly(true);
      Classification read = pg.classify(READ);
      Route first = s.decide(read, READ, SCOPE);
      assertThat(first.opcode()).as("the transaction begins on a replica").isEqualTo(Route.Opcode.REPLICA);
      s.succeeded(first, read, SCOPE);
      RouteContext advanced = Topology.context(true, pg.ahead(), false, false);
      Route next = s.decide(read, READ, advanced);
      assertThat(next.opcode()).isEqualTo(Route.Opcode.AWAIT_REPLICA);
      assertThat(next.target()).isSameAs(first.target());
      Route after = s.awaited(next, outcome);
      if (outcome == RouteSession.AwaitOutcome.CAUGHT_UP) {
        assertThat(after.target()).isSameAs(first.target());
        assertThat(after.inTransaction()).isTrue();
        assertThat(s.decide(read, READ, advanced).opcode()).as("covered now: no second wait").isEqualTo(Route.Opcode.REPLICA);
      } else {
        assertThat(after.opcode()).as(outcome.name()).isEqualTo(Route.Opcode.REFUSE);
        assertThat(after.refusal()).isEqualTo(Refusal.SCOPE_WRITE_AFTER_REPLICA_TRANSACTION_BEGAN);
        assertThat(after.refusal().sqlState()).isEqualTo("40001");
      }
    }
  }
}
