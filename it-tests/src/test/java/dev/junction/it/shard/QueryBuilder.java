package dev.junction.it.shard;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Assembles one generated SELECT clause by clause, in text order, so that {@code ?} parameters are
 * recorded in the order they appear. {@link #value} decides per value (seeded) between a literal and
 * a parameter.
 */
final class QueryBuilder {
  private final Random rnd;
  private final StringBuilder sql = new StringBuilder();
  private final List<Object> params = new ArrayList<>();
  private boolean where;

  QueryBuilder(Random rnd, String selectAndFrom) {
    this.rnd = rnd;
    sql.append(selectAndFrom);
  }

  /** A literal or (half of the time) a {@code ?} bound to v. */
  String value(Object v) {
    if (rnd.nextBoolean()) {
      params.add(v);
      return "?";
    }
    return SqlText.literal(v);
  }

  String param(Object v) {
    params.add(v);
    return "?";
  }

  QueryBuilder where(String predicate) {
    sql.append(where ? " AND " : " WHERE ").append(predicate);
    where = true;
    return this;
  }

  QueryBuilder append(String text) {
    sql.append(text);
    return this;
  }

  String sql() {
    return sql.toString();
  }

  List<Object> params() {
    return java.util.Collections.unmodifiableList(new ArrayList<>(params));
  }

  boolean hasParams() {
    return !params.isEmpty();
  }
}
