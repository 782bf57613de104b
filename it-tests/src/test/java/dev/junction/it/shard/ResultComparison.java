package dev.junction.it.shard;

import dev.junction.it.shard.QueryCase.Order;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Compares Junction's result of one query with the oracle's, as strictly as the SQL allows: labels
 * exactly, numbers by value, order wherever ORDER BY determines it.
 *
 * <p>Numbers whose values are equal but whose scales differ (1.50 vs 1.5000), and numbers that are
 * equal once Junction's value is rounded half-up to the oracle's scale, are not mismatches but
 * {@link #scaleNotes() scale notes}, which the report lists separately. Every other difference is a
 * mismatch.
 */
public final class ResultComparison {
  private final List<String> scaleNotes = new ArrayList<>();

  public List<String> scaleNotes() {
    return scaleNotes;
  }

  /**
   * Null when the column types (JDBC type and Java class from the result set metadata) and
   * {@code findColumn} agree, else the kinds of difference (without column names, so that they group). Kept apart from {@link #compare}: the values can be right while the
   * metadata describes another type.
   */
  public String compareTypes(ResultTable expected, ResultTable actual) {
    if (expected.types().isEmpty() || actual.types().isEmpty() || expected.types().equals(actual.types())) {
      return null;
    }
    java.util.Set<String> diffs = new java.util.TreeSet<>();
    for (int i = 0; i < Math.min(expected.types().size(), actual.types().size()); i++) {
      String[] e = expected.types().get(i).split(" ");
      String[] a = actual.types().get(i).split(" ");
      if (!e[0].equals(a[0])) {
        diffs.add("type: oracle " + e[0] + ", junction " + a[0]);
      }
      if (!e[1].equals(a[1])) {
        diffs.add("findColumn(label): oracle " + e[1] + ", junction " + a[1]);
      }
      boolean numericNaN = e[0].startsWith("NUMERIC") && (e[2] + a[2]).contains("java.lang.Double")
          && (e[2] + a[2]).contains("java.math.BigDecimal"); // pgjdbc returns numeric 'NaN' as a Double, the rest as BigDecimal
      if (!e[2].equals(a[2]) && !e[2].endsWith("=-") && !a[2].endsWith("=-") && !numericNaN) {
        diffs.add("value class: oracle " + e[2] + ", junction " + a[2]);
      }
    }
    return diffs.isEmpty() ? null : String.join("; ", diffs);
  }

  /**
   * Null when {@code getString} returned the same text for every value, else the first difference.
   * Only for results whose rows can be paired: fully ordered ones, and unordered ones paired by
   * sorting on the values. Call after {@link #compare} found the values equal.
   */
  public String compareStrings(QueryCase q, ResultTable expected, ResultTable actual) {
    if (q.order() == Order.PARTIAL || expected.strings().isEmpty() || actual.strings().isEmpty()
        || expected.rows().size() != actual.rows().size()) {
      return null;
    }
    List<List<String>> e = q.order() == Order.TOTAL ? expected.strings() : stringsSortedByValue(expected);
    List<List<String>> a = q.order() == Order.TOTAL ? actual.strings() : stringsSortedByValue(actual);
    for (int r = 0; r < e.size(); r++) {
      for (int c = 0; c < e.get(r).size(); c++) {
        if (!sameText(e.get(r).get(c), a.get(r).get(c))) {
          return expected.labels().get(c) + ": oracle '" + e.get(r).get(c) + "', junction '" + a.get(r).get(c) + "'";
        }
      }
    }
    return null;
  }

  /**
   * Equal text, or the same decimal written with and without an exponent: pgjdbc's getString on a
   * numeric received in binary format (after prepareThreshold executions) gives {@code 0E-20} where
   * the text format gives {@code 0.00000000000000000000}, so the oracle itself varies.
   */
  static boolean sameText(String e, String a) {
    if (Objects.equals(e, a)) {
      return true;
    }
    if (isBinaryFloatText(e, a)) {
      return true;
    }
    if (e == null || a == null || !(e.contains("E") || a.contains("E"))) {
      return false;
    }
    try {
      return new BigDecimal(e).equals(new BigDecimal(a));
    } catch (NumberFormatException notNumbers) {
      return false;
    }
  }

  /**
   * The oracle's own connection read a float in binary format: pgjdbc's getString then gives
   * {@code Double.toString} ({@code -4.0}, {@code 1.0E300}) where the text format gives {@code -4}
   * ({@code 1e+300}), and it switches
   * after prepareThreshold (5) executions of one SQL text, so a repeated generated query varies on
   * the oracle alone. Only that direction is forgiven: Junction's text must still be the text
   * format's (a merged {@code 4.0} where the driver says {@code 4} stays a difference).
   */
  static boolean isBinaryFloatText(String e, String a) {
    if (e == null || a == null || e.equals(a)) {
      return false;
    }
    try {
      double d = Double.parseDouble(a);
      return e.equals(Double.toString(d)) || e.equals(Float.toString((float) d));
    } catch (NumberFormatException notANumber) {
      return false;
    }
  }

  private static List<List<String>> stringsSortedByValue(ResultTable t) {
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < t.rows().size(); i++) {
      order.add(i);
    }
    order.sort(Comparator.comparing(i -> canonical(t.rows().get(i))));
    return order.stream().map(i -> t.strings().get(i)).toList();
  }

  /** Null when the results agree, else a description of the first difference. */
  public String compare(QueryCase q, ResultTable expected, ResultTable actual) {
    if (!expected.labels().equals(actual.labels())) {
      return "labels differ: oracle " + expected.labels() + ", junction " + actual.labels();
    }
    return switch (q.order()) {
      case TOTAL -> sequence(q, expected.rows(), actual.rows(), "row");
      case NONE -> multiset(q, expected.rows(), actual.rows());
      case PARTIAL -> {
        String keys = sequence(q, project(expected.rows(), q.sortColumns()), project(actual.rows(), q.sortColumns()),
            "sort key of row");
        yield keys != null || q.limited() ? keys : multiset(q, expected.rows(), actual.rows());
      }
    };
  }

  private String sequence(QueryCase q, List<List<Object>> expected, List<List<Object>> actual, String what) {
    int n = Math.min(expected.size(), actual.size());
    for (int i = 0; i < n; i++) {
      String diff = rowDiff(q, expected.get(i), actual.get(i));
      if (diff != null) {
        return what + " " + i + " differs (" + diff + "): oracle " + expected.get(i) + ", junction " + actual.get(i);
      }
    }
    if (expected.size() != actual.size()) {
      return "row count differs: oracle " + expected.size() + ", junction " + actual.size() + "; first extra "
          + (expected.size() > n ? "oracle row " + expected.get(n) : "junction row " + actual.get(n));
    }
    return null;
  }

  private String multiset(QueryCase q, List<List<Object>> expected, List<List<Object>> actual) {
    List<List<Object>> e = sorted(expected);
    List<List<Object>> a = sorted(actual);
    String diff = sequence(q, e, a, "sorted row");
    return diff == null ? null : "as multisets: " + diff;
  }

  /** Null when equal (possibly with a scale note), else which column differs. */
  private String rowDiff(QueryCase q, List<Object> expected, List<Object> actual) {
    if (expected.size() != actual.size()) {
      return "width";
    }
    for (int c = 0; c < expected.size(); c++) {
      Object e = expected.get(c);
      Object a = actual.get(c);
      if (e instanceof BigDecimal x && a instanceof BigDecimal y) {
        if (x.compareTo(y) == 0) {
          if (x.scale() != y.scale()) {
            note(q, c, x, y);
          }
          continue;
        }
        if (y.scale() > x.scale() && y.setScale(x.scale(), RoundingMode.HALF_UP).compareTo(x) == 0) {
          note(q, c, x, y);
          continue;
        }
        return "column " + (c + 1) + ": " + x + " vs " + y;
      }
      if (!Objects.equals(e, a)) {
        return "column " + (c + 1) + ": " + show(e) + " vs " + show(a);
      }
    }
    return null;
  }

  private void note(QueryCase q, int column, BigDecimal oracle, BigDecimal junction) {
    if (scaleNotes.size() < 1000) {
      scaleNotes.add(q.describe() + " column " + (column + 1) + ": oracle " + oracle.toPlainString() + ", junction "
          + junction.toPlainString());
    }
  }

  private static String show(Object v) {
    return v == null ? "NULL" : v + " (" + v.getClass().getSimpleName() + ")";
  }

  static List<List<Object>> project(List<List<Object>> rows, int[] columns) {
    List<List<Object>> out = new ArrayList<>(rows.size());
    for (List<Object> row : rows) {
      List<Object> p = new ArrayList<>(columns.length);
      for (int c : columns) {
        p.add(row.get(c));
      }
      out.add(p);
    }
    return out;
  }

  static List<List<Object>> sorted(List<List<Object>> rows) {
    List<List<Object>> copy = new ArrayList<>(rows);
    copy.sort(Comparator.comparing(ResultComparison::canonical));
    return copy;
  }

  /** A text form equal for equal rows: numbers without trailing zeros, NULL distinct from any text. */
  static String canonical(List<Object> row) {
    StringBuilder sb = new StringBuilder();
    for (Object v : row) {
      if (v == null) {
        sb.append("\u0000N");
      } else if (v instanceof BigDecimal d) {
        sb.append("\u0000D").append(d.signum() == 0 ? "0" : d.stripTrailingZeros().toPlainString());
      } else {
        sb.append("\u0000S").append(v);
      }
      sb.append('\u0001');
    }
    return sb.toString();
  }
}
