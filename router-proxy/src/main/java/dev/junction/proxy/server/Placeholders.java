package dev.junction.proxy.server;

import java.util.ArrayList;
import java.util.List;

/**
 * Rewrites a wire-protocol statement ({@code $1, $2 ...}) into JDBC form ({@code ?}) outside literals,
 * quoted identifiers, comments and dollar-quoted strings, remembering which wire parameter each
 * {@code ?} stands for ({@code $2 ... $1 ... $2} binds 2, 1, 2). A literal {@code ?} (e.g. the jsonb
 * operator) becomes {@code ??}, pgjdbc's escape for it.
 *
 * @param jdbcSql the statement for {@code prepareStatement}
 * @param order   for each JDBC parameter (0-based), the wire parameter number (1-based)
 */
record Placeholders(String jdbcSql, int[] order) {

  static Placeholders rewrite(String sql) {
    StringBuilder out = new StringBuilder(sql.length());
    List<Integer> order = new ArrayList<>();
    int n = sql.length();
    int i = 0;
    while (i < n) {
      char c = sql.charAt(i);
      if (c == '\'' || c == '"') {
        int end = quotedEnd(sql, i, c);
        out.append(sql, i, end);
        i = end;
      } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
        int end = sql.indexOf('\n', i);
        end = end < 0 ? n : end;
        out.append(sql, i, end);
        i = end;
      } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
        int end = blockCommentEnd(sql, i);
        out.append(sql, i, end);
        i = end;
      } else if (c == '$' && i + 1 < n && Character.isDigit(sql.charAt(i + 1)) && (i == 0 || !isIdentifierPart(sql.charAt(i - 1)))) {
        int j = i + 1;
        while (j < n && Character.isDigit(sql.charAt(j))) {
          j++;
        }
        order.add(Integer.parseInt(sql.substring(i + 1, j)));
        out.append('?');
        i = j;
      } else if (c == '$') {
        int tagEnd = dollarTagEnd(sql, i);
        if (tagEnd > 0) {
          String tag = sql.substring(i, tagEnd);
          int close = sql.indexOf(tag, tagEnd);
          int end = close < 0 ? n : close + tag.length();
          out.append(sql, i, end);
          i = end;
        } else {
          out.append(c);
          i++;
        }
      } else if (c == '?') {
        out.append("??");
        i++;
      } else {
        out.append(c);
        i++;
      }
    }
    return new Placeholders(out.toString(), order.stream().mapToInt(Integer::intValue).toArray());
  }

  /** Number of distinct wire parameters the statement refers to (the highest $n). */
  int wireParameterCount() {
    int max = 0;
    for (int k : order) {
      max = Math.max(max, k);
    }
    return max;
  }

  private static int quotedEnd(String s, int start, char quote) {
    int i = start + 1;
    while (i < s.length()) {
      if (s.charAt(i) == quote) {
        if (i + 1 < s.length() && s.charAt(i + 1) == quote) {
          i += 2;
          continue;
        }
        return i + 1;
      }
      i++;
    }
    return s.length();
  }

  private static int blockCommentEnd(String s, int start) {
    int depth = 0;
    int i = start;
    while (i < s.length() - 1) {
      if (s.charAt(i) == '/' && s.charAt(i + 1) == '*') {
        depth++;
        i += 2;
      } else if (s.charAt(i) == '*' && s.charAt(i + 1) == '/') {
        depth--;
        i += 2;
        if (depth == 0) {
          return i;
        }
      } else {
        i++;
      }
    }
    return s.length();
  }

  /** End of a {@code $tag$} opener at {@code start}, or -1 when it is not one. */
  private static int dollarTagEnd(String s, int start) {
    int i = start + 1;
    while (i < s.length() && isIdentifierPart(s.charAt(i)) && !Character.isDigit(s.charAt(start + 1))) {
      i++;
    }
    return i < s.length() && s.charAt(i) == '$' ? i + 1 : -1;
  }

  private static boolean isIdentifierPart(char c) {
    return Character.isLetterOrDigit(c) || c == '_';
  }
}
