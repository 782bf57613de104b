package dev.junction.merge;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Brute-force reference semantics for the merger tests, written independently of the production
 * comparison code: numbers through their decimal text, strings through code point arrays, bytes
 * through an explicit unsigned loop.
 */
final class Oracle {

  private Oracle() {}

  static int compareValues(Object a, Object b) {
    if (a instanceof Number x && b instanceof Number y) {
      return new BigDecimal(x.toString()).compareTo(new BigDecimal(y.toString()));
    }
    if (a instanceof String x && b instanceof String y) {
      return Arrays.compare(x.codePoints().toArray(), y.codePoints().toArray());
    }
    if (a instanceof byte[] x && b instanceof byte[] y) {
      for (int i = 0; i < Math.min(x.length, y.length); i++) {
        int c = Integer.compare(x[i] & 0xFF, y[i] & 0xFF);
        if (c != 0) {
          return c;
        }
      }
      return Integer.compare(x.length, y.length);
    }
    throw new IllegalArgumentException("oracle cannot compare " + a + " and " + b);
  }

  /** Row order for sort keys whose columns are absolute indexes. */
  static Comparator<Object[]> rowOrder(int[] columns, boolean[] descending, boolean[] nullsFirst) {
    return (r1, r2) -> {
      for (int i = 0; i < columns.length; i++) {
        Object a = r1[columns[i]];
        Object b = r2[columns[i]];
        int c;
        if (a == null && b == null) {
          c = 0;
        } else if (a == null) {
          c = nullsFirst[i] ? -1 : 1;
        } else if (b == null) {
          c = nullsFirst[i] ? 1 : -1;
        } else {
          c = compareValues(a, b);
          if (descending[i]) {
            c = -c;
          }
        }
        if (c != 0) {
          return c;
        }
      }
      return 0;
    };
  }

  /** SQL equality of two values (NULL equals NULL, as in GROUP BY and DISTINCT). */
  static boolean sameValue(Object a, Object b) {
    if (a == null || b == null) {
      return a == b;
    }
    return compareValues(a, b) == 0;
  }

  static boolean sameValues(Object[] a, Object[] b, int count) {
    for (int i = 0; i < count; i++) {
      if (!sameValue(a[i], b[i])) {
        return false;
      }
    }
    return true;
  }

  static List<Object[]> window(List<Object[]> rows, long offset, long limit) {
    List<Object[]> out = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      if (i < offset) {
        continue;
      }
      if (limit >= 0 && out.size() >= limit) {
        break;
      }
      out.add(rows.get(i));
    }
    return out;
  }

  static List<Object[]> strip(List<Object[]> rows, int keep) {
    List<Object[]> out = new ArrayList<>(rows.size());
    for (Object[] r : rows) {
      out.add(Arrays.copyOf(r, keep));
    }
    return out;
  }
}
