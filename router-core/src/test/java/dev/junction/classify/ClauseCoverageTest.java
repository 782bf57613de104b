package dev.junction.classify;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Side-effect functions and locking subqueries in clauses JSqlParser's TablesNamesFinder never
 * visits (the review's list): each must keep the statement off the replicas. A read in the same
 * clause without them stays a replica read (the control).
 */
class ClauseCoverageTest {
  static final StatementClassifier PG = new StatementClassifier(Dialect.POSTGRESQL);
  static final StatementClassifier MARIA = new StatementClassifier(Dialect.MARIADB);

  @ParameterizedTest
  @ValueSource(strings = {
      "SELECT count(*) FILTER (WHERE nextval('s') > 0) FROM t",
      "SELECT count(*) OVER (ORDER BY nextval('s')) FROM t",
      "SELECT count(*) OVER (PARTITION BY pg_advisory_lock(1)) FROM t",
      "SELECT * FROM t WINDOW w AS (ORDER BY nextval('s'))",
      "SELECT string_agg(a, ',' ORDER BY nextval('s')) FROM t",
      "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY nextval('s')) FROM t",
      "SELECT * FROM t LIMIT nextval('s')",
      "SELECT * FROM t OFFSET nextval('s')",
      "SELECT * FROM t FETCH FIRST nextval('s') ROWS ONLY",
      "SELECT * FROM t LIMIT (SELECT id FROM u FOR UPDATE)",
      "SELECT * FROM t OFFSET (SELECT id FROM u FOR UPDATE)",
      "SELECT DISTINCT ON (nextval('s')) a FROM t",
      "SELECT (ARRAY[1,2])[nextval('s')]",
      "SELECT a FROM t GROUP BY GROUPING SETS ((a), (nextval('s')))",
      "SELECT json_object('k' VALUE nextval('s'))",
      "SELECT position('a' IN nextval('s')::text)",
      "SELECT substring(nextval('s')::text FROM 1 FOR 2)",
      "SELECT overlay('abc' PLACING nextval('s')::text FROM 1)",
      "SELECT now() AT TIME ZONE nextval('s')::text",
      "SELECT a FROM t UNION SELECT a FROM u ORDER BY nextval('s')",
      "SELECT a FROM t UNION SELECT a FROM u LIMIT (SELECT id FROM v FOR UPDATE)",
      "SELECT my_lock() OVER () FROM t"})
  void postgresHiddenSideEffectsGoToThePrimary(String sql) {
    Classification c = new StatementClassifier(Dialect.POSTGRESQL,
        ClassifierSettings.defaults().withAdditionalSideEffectFunctions(java.util.Set.of("my_lock"))).classify(sql);
    assertThat(c.replicaEligible()).as(sql + " -> " + c).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "SELECT row_number() OVER (ORDER BY GET_LOCK('x', 1)) FROM t",
      "SELECT row_number() OVER (PARTITION BY GET_LOCK('x', 1)) FROM t",
      "SELECT GROUP_CONCAT(a ORDER BY GET_LOCK('x', 1)) FROM t",
      "SELECT * FROM t WINDOW w AS (ORDER BY GET_LOCK('x', 1))",
      "SELECT CONVERT(GET_LOCK('x', 1), CHAR)",
      "SELECT JSON_OBJECT('k', GET_LOCK('x', 1))",
      "SELECT * FROM t LIMIT 1 OFFSET 0 FOR UPDATE"})
  void mariaDbHiddenSideEffectsGoToThePrimary(String sql) {
    Classification c = MARIA.classify(sql);
    assertThat(c.replicaEligible()).as(sql + " -> " + c).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "SELECT count(*) FILTER (WHERE a > 0) FROM t",
      "SELECT count(*) OVER (ORDER BY a) FROM t",
      "SELECT string_agg(a, ',' ORDER BY a) FROM t",
      "SELECT * FROM t LIMIT (SELECT 1)",
      "SELECT DISTINCT ON (a) a FROM t",
      "SELECT a FROM t UNION SELECT a FROM u ORDER BY 1 LIMIT 3"})
  void theSameClausesWithoutThemStayOnReplicas(String sql) {
    assertThat(PG.classify(sql).replicaEligible()).as(sql).isTrue();
  }

  /** Lower priority items of the review: session-bound system variables, and server-changing functions. */
  @ParameterizedTest
  @ValueSource(strings = {"SELECT @@identity", "SELECT @@last_insert_id", "SELECT @@session.insert_id",
      "SELECT @@last_gtid", "SELECT @@warning_count", "SELECT @@SESSION.error_count"})
  void mariaDbSessionVariablesPin(String sql) {
    assertThat(MARIA.classify(sql).primaryReason()).as(sql).isEqualTo(PrimaryReason.SESSION_STATE);
  }

  @ParameterizedTest
  @ValueSource(strings = {"SELECT pg_promote()", "SELECT pg_create_physical_replication_slot('s')",
      "SELECT * FROM pg_logical_slot_get_changes('s', NULL, NULL)", "SELECT pg_drop_replication_slot('s')",
      "SELECT pg_replication_slot_advance('s', '0/0')", "SELECT pg_stat_reset()", "SELECT pg_stat_reset_shared('bgwriter')"})
  void postgresServerChangingFunctionsGoToThePrimary(String sql) {
    assertThat(PG.classify(sql).replicaEligible()).as(sql).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"SELECT @@version", "SELECT @@max_connections"})
  void otherSystemVariablesStayOnReplicas(String sql) {
    assertThat(MARIA.classify(sql).replicaEligible()).as(sql).isTrue();
  }
}
