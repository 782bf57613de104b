package dev.junction.merge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * string_agg / array_agg (PostgreSQL) and group_concat (MariaDB) without ORDER BY inside, planned and
 * merged from hand-written shard rows (issue #10): partials are concatenated as multisets; NULL
 * partials add no separator; empty strings are elements; group_concat_max_len is checked from hidden
 * columns; everything the merge cannot prove is refused with 0AJ00.
 */
class ScatterMultisetAggregateTest {

  private final ScatterSelectPlanner planner =
      new ScatterSelectPlanner(java.util.Set.of("r"), ScatterSelectPlannerGoldenTest.SHARDED);
  private final ResultMerger merger = new ResultMerger();

  private List<Object[]> run(String sql, MergeDialect dialect, List<?> params, String expectedShardSql,
                             List<List<Object[]>> shardRows) throws SQLException {
    BoundScatterPlan plan = planner.plan(sql, dialect).bind(params);
    assertThat(plan.shardSql()).isEqualTo(expectedShardSql);
    List<RowCursor> cursors = new ArrayList<>();
    for (List<Object[]> rows : shardRows) {
      cursors.add(RowCursors.of(rows));
    }
    return RowCursors.toList(merger.merge(cursors, plan.spec()));
  }

  private static Object[] row(Object... values) {
    return values;
  }

  private static List<Object[]> rows(Object[]... rows) {
    return Arrays.asList(rows);
  }

  private void refused(String sql, MergeDialect dialect, String fragment) {
    assertThatThrownBy(() -> planner.plan(sql, dialect))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining(" is not supported in a multi-shard SELECT: ")
        .hasMessageContaining(fragment)
        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("0AJ00"));
  }

  // ---- string_agg ---------------------------------------------------------------------------------

  @Test
  void stringAggJoinsNonNullPartialsWithOneSeparatorEach() throws SQLException {
    // shard 1 has no value (NULL partial): no separator for it; shard 2's partial is an empty string,
    // a real element; values contain the separator
    List<Object[]> result = run("SELECT string_agg(s, ',') FROM t", MergeDialect.POSTGRESQL, List.of(),
        "SELECT string_agg(s, ','), ',' AS _jx_h0 FROM t",
        List.of(rows(row("a,b,c", ",")), rows(row(null, ",")), rows(row("", ",")), rows(row("é", ","))));
    assertThat(result).hasSize(1);
    assertThat(result.get(0)).containsExactly("a,b,c,,é");
  }

  @Test
  void stringAggOverNoRowsOrOnlyNullsIsNull() throws SQLException {
    assertThat(run("SELECT string_agg(s, ',') FROM t WHERE id < 0", MergeDialect.POSTGRESQL, List.of(),
        "SELECT string_agg(s, ','), ',' AS _jx_h0 FROM t WHERE id < 0",
        List.of(rows(row(null, ",")), rows(row(null, ",")))).get(0)).containsExactly((Object) null);
    // no shard returned a row at all (a filtered GROUP BY-less query always returns one; be safe anyway)
    assertThat(run("SELECT string_agg(s, ',') FROM t", MergeDialect.POSTGRESQL, List.of(),
        "SELECT string_agg(s, ','), ',' AS _jx_h0 FROM t", List.of(rows(), rows())).get(0)).containsExactly((Object) null);
  }

  @Test
  void theSeparatorIsTheShardsValueOfTheParameter() throws SQLException {
    ScatterPlan plan = planner.plan("SELECT g, string_agg(s, ?) FROM t WHERE x = ? GROUP BY g", MergeDialect.POSTGRESQL);
    assertThat(plan.shardSql()).isEqualTo("SELECT g, string_agg(s, ?), ? AS _jx_h0 FROM t WHERE x = ? GROUP BY g");
    assertThat(plan.shardParameters().toString()).isEqualTo("[?1, ?1, ?2]");
    assertThat(plan.spec().toString()).isEqualTo("out=[g, string_agg]+1h agg=[KEY, CONCAT(h0) | FIRST]");
    List<Object[]> result = RowCursors.toList(merger.merge(List.of(
        RowCursors.of(rows(row(1, "x' ;y", "' ;"), row(2, "p", "' ;"))),
        RowCursors.of(rows(row(2, null, "' ;"), row(3, "", "' ;"))),
        RowCursors.of(rows(row(1, "z", "' ;")))), plan.bind(List.of("' ;", 5)).spec()));
    assertThat(result).extracting(r -> r[0] + "=" + r[1]).containsExactly("1=x' ;y' ;z", "2=p", "3=");
  }

  @Test
  void aNullSeparatorIsEmpty() throws SQLException {
    assertThat(run("SELECT string_agg(s, NULL) FROM t", MergeDialect.POSTGRESQL, List.of(),
        "SELECT string_agg(s, NULL), NULL AS _jx_h0 FROM t",
        List.of(rows(row("ab", null)), rows(row("c", null)))).get(0)).containsExactly("abc");
  }

  @Test
  void byteaPartialsJoinWithAByteaSeparatorOnly() throws SQLException {
    List<Object[]> result = run("SELECT string_agg(b, '\\x2c'::bytea) FROM t", MergeDialect.POSTGRESQL, List.of(),
        "SELECT string_agg(b, '\\x2c'::bytea), '\\x2c'::bytea AS _jx_h0 FROM t",
        List.of(rows(row(new byte[] {1, 2}, new byte[] {44})), rows(row(new byte[] {3}, new byte[] {44}))));
    assertThat((byte[]) result.get(0)[0]).containsExactly(1, 2, 44, 3);
    assertThatThrownBy(() -> run("SELECT string_agg(b, ',') FROM t", MergeDialect.POSTGRESQL, List.of(),
        "SELECT string_agg(b, ','), ',' AS _jx_h0 FROM t",
        List.of(rows(row(new byte[] {1}, ",")), rows(row(new byte[] {3}, ",")))))
        .hasMessageContaining("cast the separator").extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("0AJ00");
  }

  @Test
  void filterAndDistinctShardKeyAreAccepted() throws SQLException {
    ScatterPlan plan = planner.plan(
        "SELECT string_agg(s, '|') FILTER (WHERE x > 1), array_agg(DISTINCT id) FROM t", MergeDialect.POSTGRESQL);
    assertThat(plan.shardSql()).isEqualTo(
        "SELECT string_agg(s, '|') FILTER (WHERE x > 1), array_agg(DISTINCT id), '|' AS _jx_h0 FROM t");
    assertThat(plan.spec().toString()).isEqualTo("out=[string_agg, array_agg]+1h agg=[CONCAT(h0), ARRAY | FIRST]");
  }

  // ---- refusals -----------------------------------------------------------------------------------

  @Test
  void whatTheMergeCannotProveIsRefused() {
    MergeDialect pg = MergeDialect.POSTGRESQL;
    MergeDialect maria = MergeDialect.MARIADB;
    refused("SELECT string_agg(s, ',' ORDER BY s) FROM t", pg, "ORDER BY inside");
    refused("SELECT array_agg(x ORDER BY x DESC) FROM t", pg, "ORDER BY inside");
    refused("SELECT GROUP_CONCAT(s ORDER BY s) AS m FROM t", maria, "ORDER BY inside");
    refused("SELECT string_agg(DISTINCT s, ',') FROM t", pg, "cannot be concatenated");
    refused("SELECT array_agg(DISTINCT x) FROM t", pg, "only DISTINCT id, the shard key");
    refused("SELECT GROUP_CONCAT(DISTINCT s) FROM t", maria, "same value can appear on several shards");
    refused("SELECT string_agg(s, x) FROM t", pg, "the separator x");
    refused("SELECT string_agg(s, ',' || x) FROM t", pg, "a literal or a ? parameter");
    refused("SELECT g FROM t GROUP BY g HAVING string_agg(s, ',') = 'a'", pg, "HAVING or ORDER BY over the aggregate");
    refused("SELECT g, GROUP_CONCAT(s) AS m FROM t GROUP BY g HAVING m = 'a'", maria, "over the aggregate");
    refused("SELECT g, string_agg(s, ',') AS m FROM t GROUP BY g ORDER BY m", pg, "ORDER BY m over the aggregate");
    refused("SELECT g, array_agg(s) FROM t GROUP BY g ORDER BY 2", pg, "ORDER BY 2 over the aggregate");
    refused("SELECT g FROM t GROUP BY g ORDER BY string_agg(s, ',')", pg, "over the aggregate");
    refused("SELECT DISTINCT string_agg(s, ',') FROM t GROUP BY g", pg, "SELECT DISTINCT over the aggregate");
    refused("SELECT length(string_agg(s, ',')) FROM t", pg, "length(string_agg(s, ','))");
    refused("SELECT coalesce(string_agg(s, ','), '') FROM t", pg, "STRING_AGG");
    refused("SELECT array_length(array_agg(s), 1) FROM t", pg, "array_length");
    refused("SELECT CHAR_LENGTH(GROUP_CONCAT(s)) FROM t", maria, "GROUP_CONCAT");
    refused("SELECT GROUP_CONCAT(s) FROM t", pg, "PostgreSQL has string_agg and array_agg");
    refused("SELECT string_agg(s, ',') FROM t", maria, "MariaDB/MySQL have GROUP_CONCAT");
  }

  // ---- group_concat -------------------------------------------------------------------------------

  @Test
  void groupConcatReadsItsLengthAndTheSessionLimit() throws SQLException {
    ScatterPlan plan = planner.plan("SELECT g, GROUP_CONCAT(s SEPARATOR ';') AS m FROM t GROUP BY g", MergeDialect.MARIADB);
    assertThat(plan.shardSql()).isEqualTo("SELECT g, GROUP_CONCAT(s SEPARATOR ';') AS m, ';' AS _jx_h0,"
        + " LENGTH(GROUP_CONCAT(s SEPARATOR ';')) AS _jx_h1, @@session.group_concat_max_len AS _jx_h2 FROM t GROUP BY g");
    assertThat(plan.spec().toString())
        .isEqualTo("out=[g, m]+3h agg=[KEY, CONCAT(h0, len=h1, max=h2) | FIRST, SUM, MIN]");
    // the default separator is ',' and DISTINCT of the shard key is exact
    assertThat(planner.plan("SELECT GROUP_CONCAT(DISTINCT id) AS m FROM t", MergeDialect.MARIADB).shardSql())
        .isEqualTo("SELECT GROUP_CONCAT(DISTINCT id) AS m, ',' AS _jx_h0, LENGTH(GROUP_CONCAT(DISTINCT id)) AS _jx_h1,"
            + " @@session.group_concat_max_len AS _jx_h2 FROM t");
  }

  private static final String GC_SHARD = "SELECT GROUP_CONCAT(s SEPARATOR ';') AS m, ';' AS _jx_h0,"
      + " LENGTH(GROUP_CONCAT(s SEPARATOR ';')) AS _jx_h1, @@session.group_concat_max_len AS _jx_h2 FROM t";

  private List<Object[]> groupConcat(Object[]... shardRows) throws SQLException {
    List<List<Object[]>> shards = new ArrayList<>();
    for (Object[] r : shardRows) {
      shards.add(rows(r));
    }
    return run("SELECT GROUP_CONCAT(s SEPARATOR ';') AS m FROM t", MergeDialect.MARIADB, List.of(), GC_SHARD, shards);
  }

  @Test
  void groupConcatBelowTheLimitIsJoined() throws SQLException {
    // 3 + 1 + 2 bytes and one separator (bounded by 4 bytes): 10 <= 10
    assertThat(groupConcat(row("a;b", ";", 3L, 10L), row(null, ";", null, 10L), row("é", ";", 2L, 10L)).get(0))
        .containsExactly("a;b;é");
  }

  @Test
  void aMergedValueOverTheLimitIsRefusedNotReturnedUncut() {
    // the one database would have cut "aaaa;bbbb" (9 bytes) at 8
    assertThatThrownBy(() -> groupConcat(row("aaaa", ";", 4L, 8L), row("bbbb", ";", 4L, 8L)))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("group_concat_max_len")
        .hasMessageContaining("SET SESSION group_concat_max_len")
        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("0AJ00"));
  }

  @Test
  void aPartialThatMayHaveBeenCutIsRefusedEvenAlone() {
    // 8 bytes with a limit of 8: the shard may have cut it (and a cut ends within 3 bytes of the limit)
    assertThatThrownBy(() -> groupConcat(row("aaaaaaaa", ";", 8L, 8L), row(null, ";", null, 8L)))
        .hasMessageContaining("may have been cut");
    assertThatThrownBy(() -> groupConcat(row("aaaaa", ";", 5L, 8L), row(null, ";", null, 8L)))
        .hasMessageContaining("may have been cut");
    assertThat(catchRows(() -> groupConcat(row("aaaa", ";", 4L, 8L), row(null, ";", null, 8L)))).isNotNull();
  }

  @Test
  void theSmallestShardLimitCounts() {
    assertThatThrownBy(() -> groupConcat(row("aa", ";", 2L, 100L), row("bb", ";", 2L, 6L)))
        .hasMessageContaining("group_concat_max_len = 6");
  }

  @Test
  void aGroupThatHavingDropsIsNotRefused() throws SQLException {
    String sql = "SELECT g, GROUP_CONCAT(s) AS m FROM t GROUP BY g HAVING COUNT(*) > 1";
    BoundScatterPlan plan = planner.plan(sql, MergeDialect.MARIADB).bind(List.of());
    assertThat(plan.shardSql()).isEqualTo("SELECT g, GROUP_CONCAT(s) AS m, ',' AS _jx_h0, LENGTH(GROUP_CONCAT(s)) AS _jx_h1,"
        + " @@session.group_concat_max_len AS _jx_h2, COUNT(*) AS _jx_h3 FROM t GROUP BY g");
    List<Object[]> result = RowCursors.toList(merger.merge(List.of(
        RowCursors.of(rows(row(1, "aaaaaaaaaa", ",", 10L, 10L, 1L), row(2, "x", ",", 1L, 10L, 1L))),
        RowCursors.of(rows(row(2, "y", ",", 1L, 10L, 1L)))), plan.spec()));
    assertThat(result).extracting(r -> r[0] + "=" + r[1]).containsExactly("2=x,y");
  }

  @Test
  void binaryGroupConcatJoinsWithTheSeparatorsUtf8Bytes() throws SQLException {
    List<Object[]> result = groupConcat(row(new byte[] {1}, ";", 1L, 100L), row(new byte[] {(byte) 0xff}, ";", 1L, 100L));
    assertThat((byte[]) result.get(0)[0]).containsExactly(1, ';', 0xff);
  }

  private static Object catchRows(ThrowingRows r) {
    try {
      return r.get();
    } catch (SQLException e) {
      throw new AssertionError(e);
    }
  }

  interface ThrowingRows {
    Object get() throws SQLException;
  }

  // ---- array_agg ----------------------------------------------------------------------------------

  /** A driver array: its text form and getArray() elements, as pgjdbc's PgArray gives them. */
  static class FakeArray implements java.sql.Array {
    private final String text;
    private final String baseTypeName;
    private final Object elements;

    FakeArray(String text, String baseTypeName, Object elements) {
      this.text = text;
      this.baseTypeName = baseTypeName;
      this.elements = elements;
    }

    @Override public String getBaseTypeName() { return baseTypeName; }
    @Override public int getBaseType() { return java.sql.Types.VARCHAR; }
    @Override public Object getArray() throws SQLException { return elements; }
    @Override public Object getArray(Map<String, Class<?>> map) { return elements; }
    @Override public Object getArray(long index, int count) { throw new UnsupportedOperationException(); }
    @Override public Object getArray(long index, int count, Map<String, Class<?>> map) { throw new UnsupportedOperationException(); }
    @Override public java.sql.ResultSet getResultSet() { throw new UnsupportedOperationException(); }
    @Override public java.sql.ResultSet getResultSet(Map<String, Class<?>> map) { throw new UnsupportedOperationException(); }
    @Override public java.sql.ResultSet getResultSet(long index, int count) { throw new UnsupportedOperationException(); }
    @Override public java.sql.ResultSet getResultSet(long index, int count, Map<String, Class<?>> map) {
      throw new UnsupportedOperationException();
    }
    @Override public void free() {}
    @Override public String toString() { return text; }
  }

  @Test
  void arrayAggConcatenatesTextAndElementsKeepingNullElements() throws SQLException {
    List<Object[]> result = run("SELECT g, array_agg(s) FROM t GROUP BY g", MergeDialect.POSTGRESQL, List.of(),
        "SELECT g, array_agg(s) FROM t GROUP BY g",
        List.of(
            rows(row(1, new FakeArray("{a,\"c d\",NULL}", "text", new String[] {"a", "c d", null})),
                row(2, new FakeArray("{\"\"}", "text", new String[] {""}))),
            rows(row(1, new FakeArray("{\"x,\\\"y\\\\\"}", "text", new String[] {"x,\"y\\"}))),
            rows(row(3, null))));
    assertThat(result).hasSize(3);
    java.sql.Array one = (java.sql.Array) result.get(0)[1];
    assertThat(one.toString()).isEqualTo("{a,\"c d\",NULL,\"x,\\\"y\\\\\"}");
    assertThat((String[]) one.getArray()).containsExactly("a", "c d", null, "x,\"y\\");
    assertThat(one.getBaseTypeName()).isEqualTo("text");
    assertThat((String[]) one.getArray(2, 2)).containsExactly("c d", null);
    assertThat(result.get(1)[1].toString()).isEqualTo("{\"\"}");
    assertThat(result.get(2)[1]).isNull(); // array_agg over no rows is NULL
  }

  @Test
  void integerArraysKeepTheirElementType() throws SQLException {
    List<Object[]> result = run("SELECT array_agg(x) FROM t", MergeDialect.POSTGRESQL, List.of(),
        "SELECT array_agg(x) FROM t",
        List.of(rows(row(new FakeArray("{1,NULL}", "int4", new Integer[] {1, null}))),
            rows(row(new FakeArray("{-3}", "int4", new Integer[] {-3})))));
    java.sql.Array a = (java.sql.Array) result.get(0)[0];
    assertThat(a.toString()).isEqualTo("{1,NULL,-3}");
    assertThat(a.getArray()).isInstanceOf(Integer[].class);
    assertThat((Integer[]) a.getArray()).containsExactly(1, null, -3);
  }

  @Test
  void whatTheDriverCannotDecodeFailsOnTheMergedArrayAsOnTheDriversOwn() throws SQLException {
    SQLException nan = new SQLException("Bad value for type BigDecimal : NaN", "22003");
    FakeArray broken = new FakeArray("{NaN,1}", "numeric", null) {
      @Override public Object getArray() throws SQLException { throw nan; }
    };
    List<Object[]> result = run("SELECT array_agg(n) FROM t", MergeDialect.POSTGRESQL, List.of(), "SELECT array_agg(n) FROM t",
        List.of(rows(row(broken)), rows(row(new FakeArray("{2}", "numeric", new java.math.BigDecimal[] {java.math.BigDecimal.valueOf(2)})))));
    java.sql.Array a = (java.sql.Array) result.get(0)[0];
    assertThat(a.toString()).isEqualTo("{NaN,1,2}");
    assertThat(a.getBaseTypeName()).isEqualTo("numeric");
    assertThatThrownBy(a::getArray).isSameAs(nan);
  }

  @Test
  void multidimensionalPartialsAreRefused() {
    assertThatThrownBy(() -> run("SELECT array_agg(arr) FROM t", MergeDialect.POSTGRESQL, List.of(),
        "SELECT array_agg(arr) FROM t",
        List.of(rows(row(new FakeArray("{{1,2}}", "int4", new Integer[][] {{1, 2}}))),
            rows(row(new FakeArray("{{3,4},{5,6}}", "int4", new Integer[][] {{3, 4}, {5, 6}}))))))
        .hasMessageContaining("array-typed argument")
        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("0AJ00"));
  }
}
