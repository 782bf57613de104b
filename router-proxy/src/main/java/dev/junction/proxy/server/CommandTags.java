package dev.junction.proxy.server;

import dev.junction.classify.Dialect;
import dev.junction.classify.SqlLexer;
import java.util.Locale;

/**
 * The CommandComplete tag PostgreSQL would send. JDBC does not expose the backend's tag, so it is
 * rebuilt from the statement's leading keywords and the row or update count: clients such as psql
 * print it, and some drivers parse the count from it.
 */
final class CommandTags {
  private static final SqlLexer LEXER = new SqlLexer(Dialect.POSTGRESQL);

  private CommandTags() {}

  static String forRows(String sql, long rows) {
    String first = firstWords(sql, 1);
    return switch (first) {
      case "INSERT" -> "INSERT 0 " + rows;
      case "UPDATE", "DELETE", "MERGE", "MOVE", "FETCH", "COPY" -> first + " " + rows;
      default -> "SELECT " + rows; // SELECT, WITH ... SELECT, VALUES, TABLE, SHOW-like, RETURNING
    };
  }

  static String forUpdate(String sql, long count) {
    String first = firstWords(sql, 1);
    switch (first) {
      case "INSERT":
        return "INSERT 0 " + Math.max(count, 0);
      case "UPDATE":
      case "DELETE":
      case "MERGE":
      case "COPY":
      case "MOVE":
      case "FETCH":
      case "SELECT": // SELECT INTO
        return first + " " + Math.max(count, 0);
      case "BEGIN":
      case "START":
        return "BEGIN";
      case "END":
      case "COMMIT":
        return "COMMIT";
      case "ABORT":
      case "ROLLBACK":
        return firstWords(sql, 2).equals("ROLLBACK TO") ? "ROLLBACK" : "ROLLBACK";
      case "CREATE":
      case "DROP":
      case "ALTER":
        return ddlTag(sql);
      case "WITH":
        return "SELECT " + Math.max(count, 0);
      default:
        return first;
    }
  }

  /** {@code CREATE UNIQUE INDEX x} → {@code CREATE INDEX}; {@code CREATE OR REPLACE FUNCTION} → {@code CREATE FUNCTION}. */
  private static String ddlTag(String sql) {
    String[] words = words(sql, 6);
    String verb = words[0];
    StringBuilder object = new StringBuilder();
    for (int i = 1; i < words.length && words[i] != null; i++) {
      String w = words[i];
      if (w.equals("OR") || w.equals("REPLACE") || w.equals("UNIQUE") || w.equals("TEMP") || w.equals("TEMPORARY")
          || w.equals("UNLOGGED") || w.equals("GLOBAL") || w.equals("LOCAL") || w.equals("IF") || w.equals("NOT")
          || w.equals("EXISTS") || w.equals("CONCURRENTLY")) {
        continue;
      }
      object.append(w);
      if (w.equals("MATERIALIZED") || w.equals("FOREIGN")) {
        object.append(' ');
        continue;
      }
      break;
    }
    return object.length() == 0 ? verb : verb + " " + object;
  }

  private static String firstWords(String sql, int count) {
    String[] words = words(sql, count);
    StringBuilder sb = new StringBuilder();
    for (String w : words) {
      if (w == null) {
        break;
      }
      if (sb.length() > 0) {
        sb.append(' ');
      }
      sb.append(w);
    }
    return sb.toString();
  }

  /**
   * The first {@code count} words in upper case, skipping leading whitespace, comments and
   * parentheses; stops at anything else (a literal, an operator). Comments are found by router-core's
   * {@link SqlLexer} (issue #14: this scan had its own copy, which did not nest block comments).
   */
  private static String[] words(String sql, int count) {
    String[] out = new String[count];
    int n = sql.length();
    int i = 0;
    int found = 0;
    while (i < n && found < count) {
      char c = sql.charAt(i);
      if (Character.isWhitespace(c) || c == '(') {
        i++;
        continue;
      }
      int commentEnd = LEXER.commentEnd(sql, i, n);
      if (commentEnd >= 0) {
        i = commentEnd;
        continue;
      }
      int tokenEnd = LEXER.tokenEnd(sql, i, n);
      if (LEXER.kind(sql, i, tokenEnd) != SqlLexer.Kind.WORD) {
        break;
      }
      out[found++] = sql.substring(i, tokenEnd).toUpperCase(Locale.ROOT);
      i = tokenEnd;
    }
    if (found == 0) {
      out[0] = "";
    }
    return out;
  }
}
