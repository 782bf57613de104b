package dev.junction.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.junction.classify.Dialect;
import java.sql.SQLDataException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Properties of plans beyond the golden cases: agreement with the ring and INSERT splitting. */
class ShardStatementPlannerTest {

  private final ShardStatementPlanner pg = PlannerFixtures.planner(Dialect.POSTGRESQL);
  private final ShardStatementPlanner maria = PlannerFixtures.planner(Dialect.MARIADB);

  @Test
  void singleRouteAgreesWithTheRingForLiteralsAndParameters() throws SQLException {
    ShardPlan byParam = pg.plan("SELECT * FROM orders WHERE customer_id = ?");
    ShardPlan byString = pg.plan("SELECT * FROM sessions WHERE token = ?");
    for (long key = -500; key <= 500; key++) {
      int expected = PlannerFixtures.RING.shardIndexFor(key);
      ShardRoute literal = pg.plan("SELECT * FROM orders WHERE customer_id = " + key).bind(List.of());
      assertThat(literal.opcode()).isEqualTo(ShardRoute.Opcode.SINGLE);
      assertThat(literal.statements()).extracting(ShardRoute.ShardStatement::shard).containsExactly(expected);
      // the same key bound as Long, Integer and String hashes the same
      for (Object bound : List.<Object>of(key, (int) key, Long.toString(key))) {
        assertThat(byParam.bind(List.of(bound)).statements().get(0).shard()).as("key %s", bound).isEqualTo(expected);
      }
      String token = "tok" + key;
      assertThat(byString.bind(List.of(token)).statements().get(0).shard())
          .isEqualTo(PlannerFixtures.RING.shardIndexFor(token));
    }
  }

  /**
   * {@code '%'||?||'%'} is how Hibernate renders {@code like concat('%', :x, '%')} on PostgreSQL, and pgjdbc
   * binds its {@code ?} ({@code '%'||$1||'%'}). The planner read {@code ?|} as the jsonb operator: it refused
   * the statement on a sharded table as unparseable, and on any other table counted 0 parameters, so binding
   * the one value failed ("0 parameter marker(s) but 1 value(s) were bound").
   */
  @Test
  void aParameterBeforeTheConcatenationOperatorIsAParameterAsForTheDriver() throws SQLException {
    String sql = "SELECT * FROM orders WHERE customer_id = ? AND note LIKE '%'||?||'%'";
    ShardRoute keyed = pg.plan(sql).bind(List.of(5L, "x"));
    assertThat(keyed.opcode()).isEqualTo(ShardRoute.Opcode.SINGLE);
    assertThat(keyed.statements()).singleElement().satisfies(s -> {
      assertThat(s.shard()).isEqualTo(PlannerFixtures.RING.shardIndexFor(5L));
      assertThat(s.sql()).isEqualTo(sql);
      assertThat(s.parameters()).containsExactly(5L, "x");
    });
    ShardRoute scatter = pg.plan("SELECT count(*) FROM orders WHERE note LIKE '%'||?||'%'").bind(List.of("x"));
    assertThat(scatter.statements()).hasSize(3).allSatisfy(s -> assertThat(s.parameters()).containsExactly("x"));
    ShardRoute plain = pg.plan("SELECT * FROM plain_table WHERE note LIKE '%'||?||'%'").bind(List.of("x"));
    assertThat(plain.statements()).singleElement().satisfies(s -> assertThat(s.parameters()).containsExactly("x"));
    // the JDBC spelling of the jsonb operator binds nothing
    assertThat(pg.plan("SELECT * FROM plain_table WHERE doc ??| array['a']").bind(List.of()).statements()).hasSize(1);
  }

  @Test
  void multiRouteIsTheSortedSetOfKeyShards() throws SQLException {
    ShardPlan plan = maria.plan("SELECT * FROM orders WHERE customer_id IN (?, ?, ?, ?)");
    assertThat(plan.opcode()).isEqualTo(ShardRoute.Opcode.MULTI);
    for (long a = 1; a < 40; a += 3) {
      List<Object> keys = List.of(a, a + 7, a + 13, a + 7);
      ShardRoute route = plan.bind(keys);
      int[] expected = keys.stream().mapToInt(k -> PlannerFixtures.RING.shardIndexFor(k)).distinct().sorted().toArray();
      assertThat(route.statements()).extracting(ShardRoute.ShardStatement::shard)
          .containsExactly(Arrays.stream(expected).boxed().toArray(Integer[]::new));
      assertThat(route.opcode()).isEqualTo(expected.length == 1 ? ShardRoute.Opcode.SINGLE : ShardRoute.Opcode.MULTI);
      route.statements().forEach(s -> assertThat(s.parameters()).isEqualTo(keys));
    }
  }

  @Test
  void insertSplitRemapsRowsAndParametersInsideAndOutsideValues() throws SQLException {
    long s0 = PlannerFixtures.keyOn(0, 0);
    long s1 = PlannerFixtures.keyOn(1, 0);
    long s1b = PlannerFixtures.keyOn(1, 1);
    long s2 = PlannerFixtures.keyOn(2, 0);
    String sql = "WITH src AS (SELECT ? AS tag) "
        + "INSERT INTO orders (customer_id, id, note) VALUES (?, 1, ?), (" + s2 + ", ?, 'lit'), (?, 3, lower(?)), (CAST(? AS bigint), 4, 'x') "
        + "ON CONFLICT (id) DO UPDATE SET note = ?, total = orders.total + ? RETURNING id, ?";
    ShardPlan plan = pg.plan(sql);
    assertThat(plan.opcode()).isEqualTo(ShardRoute.Opcode.INSERT_SPLIT);
    List<Object> params = List.of("tag", s1, "n1", 2, s0, "N3", s1b, "upd", 7, "ret");
    ShardRoute route = plan.bind(params);

    assertThat(route.opcode()).isEqualTo(ShardRoute.Opcode.INSERT_SPLIT);
    assertThat(route.statements()).extracting(ShardRoute.ShardStatement::shard).containsExactly(0, 1, 2);
    String head = "WITH src AS (SELECT ? AS tag) INSERT INTO orders (customer_id, id, note) VALUES ";
    String tail = " ON CONFLICT (id) DO UPDATE SET note = ?, total = orders.total + ? RETURNING id, ?";
    ShardRoute.ShardStatement shard0 = route.statements().get(0);
    assertThat(shard0.sql()).isEqualTo(head + "(?, 3, lower(?))" + tail);
    assertThat(shard0.parameters()).containsExactly("tag", s0, "N3", "upd", 7, "ret");
    ShardRoute.ShardStatement shard1 = route.statements().get(1);
    assertThat(shard1.sql()).isEqualTo(head + "(?, 1, ?), (CAST(? AS bigint), 4, 'x')" + tail);
    assertThat(shard1.parameters()).containsExactly("tag", s1, "n1", s1b, "upd", 7, "ret");
    ShardRoute.ShardStatement shard2 = route.statements().get(2);
    assertThat(shard2.sql()).isEqualTo(head + "(" + s2 + ", ?, 'lit')" + tail);
    assertThat(shard2.parameters()).containsExactly("tag", 2, "upd", 7, "ret");
    for (ShardRoute.ShardStatement s : route.statements()) {
      assertThat(s.sql().chars().filter(c -> c == '?').count()).isEqualTo(s.parameters().size());
    }
  }

  @Test
  void insertRowsOnOneShardKeepTheOriginalStatement() throws SQLException {
    long a = PlannerFixtures.keyOn(2, 0);
    long b = PlannerFixtures.keyOn(2, 1);
    String sql = "INSERT INTO order_items (customer_id, sku) VALUES (?, 'a'), (?, 'b') ON DUPLICATE KEY UPDATE qty = qty + ?";
    ShardRoute route = maria.plan(sql).bind(List.of(a, b, 1));
    assertThat(route.opcode()).isEqualTo(ShardRoute.Opcode.SINGLE);
    assertThat(route.statements()).singleElement().satisfies(s -> {
      assertThat(s.shard()).isEqualTo(2);
      assertThat(s.sql()).isEqualTo(sql);
      assertThat(s.parameters()).containsExactly(a, b, 1);
    });
  }

  @Test
  void unusableKeyValuesAndParameterCountsAreReportedAtBind() throws SQLException {
    ShardPlan insert = pg.plan("INSERT INTO orders (customer_id, id) VALUES (?, 1)");
    assertThatThrownBy(() -> insert.bind(List.of("abc"))).isInstanceOf(SQLDataException.class)
        .hasFieldOrPropertyWithValue("SQLState", "22023");
    assertThatThrownBy(() -> insert.bind(Arrays.asList((Object) null))).isInstanceOf(SQLDataException.class)
        .hasFieldOrPropertyWithValue("SQLState", "22023");
    assertThatThrownBy(() -> insert.bind(List.of())).isInstanceOf(SQLException.class)
        .hasFieldOrPropertyWithValue("SQLState", "07001");
    ShardPlan broadcast = pg.plan("UPDATE countries SET name = ? WHERE code = ?");
    assertThatThrownBy(() -> broadcast.bind(List.of("x"))).hasFieldOrPropertyWithValue("SQLState", "07001");
  }

  @Test
  void plansAreSharedSafelyBetweenThreads() throws Exception {
    ShardPlan plan = pg.plan("SELECT * FROM orders o JOIN order_items i ON i.customer_id = o.customer_id WHERE o.customer_id IN (?, ?)");
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        results.add(pool.submit(() -> {
          for (long k = 0; k < 2_000; k++) {
            ShardRoute r = plan.bind(List.of(k, k));
            if (r.statements().size() != 1 || r.statements().get(0).shard() != PlannerFixtures.RING.shardIndexFor(k)) {
              return false;
            }
          }
          return true;
        }));
      }
      for (Future<Boolean> f : results) {
        assertThat(f.get()).isTrue();
      }
    } finally {
      pool.shutdown();
    }
  }
}
