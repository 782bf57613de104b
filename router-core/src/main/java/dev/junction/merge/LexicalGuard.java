package dev.junction.merge;

import java.sql.SQLFeatureNotSupportedException;

/**
 * Refuses literal spellings that the SQL parser reads differently from the database, because a
 * scatter query is re-printed from the parse tree: PostgreSQL's Unicode-escape strings
 * ({@code U&'\00e9'}, which JSqlParser reads as the column {@code u} AND a string) and
 * dollar-quoted strings ({@code $$...$$}, {@code $tag$...$tag$}). Quotes, comments and ordinary
 * strings are skipped, so text inside them never triggers a refusal.
 */
final class LexicalGuard {

  private LexicalGuard() {}

  static void check(String sql, MergeDialect dialect) throws SQLFeatureNotSupportedException {
    if (dialect.isMySqlFamily()) {
      return;
    }
    int n = sql.length();
    int i = 0;
    while (i < n) {
      char c = sql.charAt(i);
      if (c == '\'' || c == '"') {
        i = skipQuoted(sql, i, c);
      } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
        int nl = sql.indexOf('\n', i);
        i = nl < 0 ? n : nl + 1;
      } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
        int end = sql.indexOf("*/", i + 2);
        i = end < 0 ? n : end + 2;
      } else if ((c == 'u' || c == 'U') && i + 2 < n && sql.charAt(i + 1) == '&'
          && (sql.charAt(i + 2) == '\'' || sql.charAt(i + 2) == '"')
          && (i == 0 || !Character.isLetterOrDigit(sql.charAt(i - 1)) && sql.charAt(i - 1) != '_')) {
        throw Unsupported.of(
            "the Unicode escape literal " + sql.substring(i, Math.min(n, skipQuoted(sql, i + 2, sql.charAt(i + 2)))),
            "the planner's SQL parser does not read U&'...' literals the way PostgreSQL does, and a scatter query is"
                + " re-written from what the parser read",
            "Pass the value as a ? parameter or write the character itself in an ordinary string literal");
      } else if (c == '$' && dollarTag(sql, i) != null) {
        throw Unsupported.of(
            "the dollar-quoted string " + dollarTag(sql, i) + "...",
            "the planner's SQL parser does not read dollar quoting, and a scatter query is re-written from what the"
                + " parser read",
            "Pass the value as a ? parameter or use an ordinary string literal");
      } else {
        i++;
      }
    }
  }

  private static int skipQuoted(String sql, int start, char q) {
    int i = start + 1;
    while (i < sql.length()) {
      if (sql.charAt(i) == q) {
        if (i + 1 < sql.length() && sql.charAt(i + 1) == q) {
          i += 2;
          continue;
        }
        return i + 1;
      }
      i++;
    }
    return sql.length();
  }

  /** The opening tag ({@code $$} or {@code $name$}) at {@code i}, or null ({@code $1} is a parameter). */
  private static String dollarTag(String sql, int i) {
    if (i > 0 && (Character.isLetterOrDigit(sql.charAt(i - 1)) || sql.charAt(i - 1) == '_')) {
      return null; // part of an identifier such as a$b
    }
    int j = i + 1;
    while (j < sql.length() && (Character.isLetter(sql.charAt(j)) || sql.charAt(j) == '_'
        || (j > i + 1 && Character.isDigit(sql.charAt(j))))) {
      j++;
    }
    return j < sql.length() && sql.charAt(j) == '$' ? sql.substring(i, j + 1) : null;
  }
}
