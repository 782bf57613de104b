package dev.junction.proxy.relay;

import dev.junction.classify.Dialect;
import dev.junction.classify.SqlLexer;
import java.util.ArrayList;
import java.util.List;

/**
 * Rewrites a wire-protocol statement ({@code $1, $2 ...}) into JDBC form ({@code ?}) outside literals,
 * quoted identifiers, comments and dollar-quoted strings, remembering which wire parameter each
 * {@code ?} stands for ({@code $2 ... $1 ... $2} binds 2, 1, 2). A literal {@code ?} (e.g. the jsonb
 * operator) becomes {@code ??}, pgjdbc's escape for it. Literals, identifiers and comments are found
 * by router-core's {@link SqlLexer}, the classifier's own, so {@code E'it\'s', $1} rewrites {@code $1}.
 *
 * @param jdbcSql the statement for {@code prepareStatement}
 * @param order   for each JDBC parameter (0-based), the wire parameter number (1-based)
 */
public record Placeholders(String jdbcSql, int[] order) {

  private static final SqlLexer LEXER = new SqlLexer(Dialect.POSTGRESQL);

  public static Placeholders rewrite(String sql) {
    StringBuilder out = new StringBuilder(sql.length());
    List<Integer> order = new ArrayList<>();
    int n = sql.length();
    int i = 0;
    while (i < n) {
      char c = sql.charAt(i);
      int commentEnd = Character.isWhitespace(c) ? -1 : LEXER.commentEnd(sql, i, n);
      if (Character.isWhitespace(c)) {
        out.append(c);
        i++;
      } else if (commentEnd >= 0) {
        out.append(sql, i, commentEnd);
        i = commentEnd;
      } else if (c == '$' && i + 1 < n && Character.isDigit(sql.charAt(i + 1))) {
        // the lexer keeps a$1 (an identifier) in one word token, so this '$' starts a parameter
        int j = i + 1;
        while (j < n && Character.isDigit(sql.charAt(j))) {
          j++;
        }
        order.add(Integer.parseInt(sql.substring(i + 1, j)));
        out.append('?');
        i = j;
      } else if (c == '?') {
        out.append("??");
        i++;
      } else {
        // literals (incl. E'...' with backslash escapes and $tag$...$tag$), quoted identifiers, words
        int tokenEnd = LEXER.tokenEnd(sql, i, n);
        out.append(sql, i, tokenEnd);
        i = tokenEnd;
      }
    }
    return new Placeholders(out.toString(), order.stream().mapToInt(Integer::intValue).toArray());
  }

  /** Number of distinct wire parameters the statement refers to (the highest $n). */
  public int wireParameterCount() {
    int max = 0;
    for (int k : order) {
      max = Math.max(max, k);
    }
    return max;
  }


  /**
   * The reverse: a JDBC-form statement (a shard statement the planners wrote, with {@code ?}
   * parameters) in wire form, its {@code ?} numbered {@code $1, $2 ...} in order of appearance and
   * {@code ??} back to a literal {@code ?}.
   */
  public static String toWire(String jdbcSql) {
    StringBuilder out = new StringBuilder(jdbcSql.length() + 8);
    int n = jdbcSql.length();
    int i = 0;
    int k = 0;
    while (i < n) {
      char c = jdbcSql.charAt(i);
      int commentEnd = Character.isWhitespace(c) ? -1 : LEXER.commentEnd(jdbcSql, i, n);
      if (Character.isWhitespace(c)) {
        out.append(c);
        i++;
      } else if (commentEnd >= 0) {
        out.append(jdbcSql, i, commentEnd);
        i = commentEnd;
      } else if (c == '?') {
        if (i + 1 < n && jdbcSql.charAt(i + 1) == '?') {
          out.append('?');
          i += 2;
        } else {
          out.append('$').append(++k);
          i++;
        }
      } else {
        int tokenEnd = LEXER.tokenEnd(jdbcSql, i, n);
        out.append(jdbcSql, i, tokenEnd);
        i = tokenEnd;
      }
    }
    return out.toString();
  }
}
