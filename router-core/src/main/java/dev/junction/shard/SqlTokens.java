package dev.junction.shard;

import dev.junction.classify.Dialect;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The planner's view of SQL text as tokens, for the decisions it must make without (or besides)
 * the parser: the routing hint in a leading comment, whether unparseable text mentions a sharded
 * table, how many {@code ?} parameters there are, and where each VALUES row of an INSERT starts
 * and ends so rows can be regrouped per shard from the original text.
 *
 * <p>Lexical rules follow the dialect: PostgreSQL nests block comments, has dollar quotes and
 * {@code E'...'} escapes; MySQL/MariaDB use backticks, {@code #} comments, backslash escapes and
 * {@code "..."} strings. Unterminated literals run to the end of the text.
 */
final class SqlTokens {

  enum Kind { WORD, QUOTED_IDENT, STRING, NUMBER, PARAM, SYMBOL }

  record Token(Kind kind, int start, int end) {}

  /** A comment before the first token. */
  record Comment(int start, int end) {}

  private final String sql;
  private final boolean mysql;
  private final List<Token> tokens = new ArrayList<>();
  private final List<Comment> leadingComments = new ArrayList<>();
  private final List<Comment> executableComments = new ArrayList<>();
  private final StringBuilder parserInput = new StringBuilder();
  private boolean escapeStrings;
  private int maxDepth;

  SqlTokens(String sql, Dialect dialect) {
    this.sql = sql;
    this.mysql = dialect.isMySqlFamily();
    lex();
  }

  List<Token> tokens() {
    return tokens;
  }

  List<Comment> leadingComments() {
    return leadingComments;
  }

  /**
   * MySQL/MariaDB {@code /*! ... *}{@code /} and {@code /*M! ... *}{@code /} comments, which the
   * server executes but the parser never sees.
   */
  List<Comment> executableComments() {
    return executableComments;
  }

  /** The text with comments replaced by spaces and dollar quotes by standard literals: what JSqlParser can read. */
  String parserInput() {
    return parserInput.toString();
  }

  /** True if the parser must honour backslash escapes (MySQL, or a PostgreSQL E'...' literal). */
  boolean backslashEscapes() {
    return mysql || escapeStrings;
  }

  int maxParenthesisDepth() {
    return maxDepth;
  }

  String text(Token t) {
    return sql.substring(t.start(), t.end());
  }

  /** A word or quoted identifier as the server resolves it, lower-cased for matching; null for other tokens. */
  String identifier(Token t) {
    if (t.kind() == Kind.WORD) {
      return text(t).toLowerCase(Locale.ROOT);
    }
    if (t.kind() == Kind.QUOTED_IDENT && t.end() - t.start() >= 2) {
      return sql.substring(t.start() + 1, t.end() - 1).toLowerCase(Locale.ROOT);
    }
    return null;
  }

  boolean isWord(Token t, String word) {
    return t.kind() == Kind.WORD && text(t).equalsIgnoreCase(word);
  }

  boolean isSymbol(Token t, char c) {
    return t.kind() == Kind.SYMBOL && sql.charAt(t.start()) == c;
  }

  /** The number of {@code ?} parameter markers. */
  int parameterCount() {
    int n = 0;
    for (Token t : tokens) {
      if (t.kind() == Kind.PARAM) {
        n++;
      }
    }
    return n;
  }

  private void lex() {
    int pos = 0;
    int end = sql.length();
    int depth = 0;
    while (pos < end) {
      char c = sql.charAt(pos);
      if (Character.isWhitespace(c)) {
        parserInput.append(c);
        pos++;
        continue;
      }
      int commentEnd = commentEnd(pos);
      if (commentEnd >= 0) {
        if (tokens.isEmpty()) {
          leadingComments.add(new Comment(pos, commentEnd));
        }
        if (mysql && (sql.startsWith("/*!", pos) || sql.regionMatches(true, pos, "/*M!", 0, 4))) {
          executableComments.add(new Comment(pos, commentEnd));
        }
        parserInput.append(' ');
        pos = commentEnd;
        continue;
      }
      Token t = token(pos);
      if (t.kind() == Kind.STRING && sql.charAt(pos) == '$') {
        parserInput.append(dollarQuotedAsLiteral(t));
      } else {
        parserInput.append(sql, t.start(), t.end());
      }
      if (isSymbol(t, '(')) {
        maxDepth = Math.max(maxDepth, ++depth);
      } else if (isSymbol(t, ')')) {
        depth = Math.max(0, depth - 1);
      }
      tokens.add(t);
      pos = t.end();
    }
  }

  private int commentEnd(int pos) {
    int end = sql.length();
    char c = sql.charAt(pos);
    char next = pos + 1 < end ? sql.charAt(pos + 1) : 0;
    if (c == '-' && next == '-' && !(mysql && pos + 2 < end && sql.charAt(pos + 2) > ' ')) {
      return lineEnd(pos + 2);
    }
    if (c == '#' && mysql) {
      return lineEnd(pos + 1);
    }
    if (c == '/' && next == '*') {
      int depth = 1;
      int i = pos + 2;
      while (i < end) {
        if (sql.startsWith("*/", i)) {
          i += 2;
          if (--depth == 0) {
            return i;
          }
        } else if (!mysql && sql.startsWith("/*", i)) {
          depth++;
          i += 2;
        } else {
          i++;
        }
      }
      return end;
    }
    return -1;
  }

  private int lineEnd(int pos) {
    while (pos < sql.length() && sql.charAt(pos) != '\n' && sql.charAt(pos) != '\r') {
      pos++;
    }
    return pos;
  }

  private Token token(int pos) {
    char c = sql.charAt(pos);
    if (c == '\'') {
      return new Token(Kind.STRING, pos, quotedEnd(pos + 1, '\'', mysql));
    }
    if (c == '"') {
      return new Token(mysql ? Kind.STRING : Kind.QUOTED_IDENT, pos, quotedEnd(pos + 1, '"', mysql));
    }
    if (c == '`' && mysql) {
      return new Token(Kind.QUOTED_IDENT, pos, quotedEnd(pos + 1, '`', false));
    }
    if ((c == 'e' || c == 'E') && !mysql && pos + 1 < sql.length() && sql.charAt(pos + 1) == '\'') {
      escapeStrings = true;
      return new Token(Kind.STRING, pos, quotedEnd(pos + 2, '\'', true));
    }
    if (c == '$' && !mysql) {
      int dollarEnd = dollarQuoteEnd(pos);
      if (dollarEnd > 0) {
        return new Token(Kind.STRING, pos, dollarEnd);
      }
    }
    if (isWordStart(c)) {
      int i = pos + 1;
      while (i < sql.length() && isWordPart(sql.charAt(i))) {
        i++;
      }
      return new Token(Kind.WORD, pos, i);
    }
    if (c >= '0' && c <= '9') {
      int i = pos + 1;
      while (i < sql.length() && (isWordPart(sql.charAt(i)) || sql.charAt(i) == '.')) {
        i++;
      }
      return new Token(Kind.NUMBER, pos, i);
    }
    if (c == '?') {
      // PostgreSQL's jsonb operators ?| and ?& and the JDBC escape ?? are not parameters.
      char next = pos + 1 < sql.length() ? sql.charAt(pos + 1) : 0;
      if (next == '?' || next == '|' || next == '&') {
        return new Token(Kind.SYMBOL, pos, pos + 2);
      }
      return new Token(Kind.PARAM, pos, pos + 1);
    }
    return new Token(Kind.SYMBOL, pos, pos + 1);
  }

  private int quotedEnd(int pos, char quote, boolean backslashEscapes) {
    while (pos < sql.length()) {
      char c = sql.charAt(pos);
      if (c == '\\' && backslashEscapes) {
        pos += 2;
      } else if (c == quote) {
        if (pos + 1 < sql.length() && sql.charAt(pos + 1) == quote) {
          pos += 2;
        } else {
          return pos + 1;
        }
      } else {
        pos++;
      }
    }
    return sql.length();
  }

  /** For {@code $tag$...$tag$} at {@code pos}, the index after the closing tag; 0 if it is not one. */
  /**
   * A dollar-quoted string as a standard string literal with the same value ({@code $$1$$} is
   * {@code '1'}), so that a shard key written that way routes by its value (issue #10: it was read as
   * the empty string). Content with a backslash becomes an expression, whose value the planner does
   * not guess: a read scatters, a write naming it as a key is refused.
   */
  private String dollarQuotedAsLiteral(Token t) {
    String text = sql.substring(t.start(), t.end());
    int tagEnd = text.indexOf('$', 1);
    String tag = text.substring(0, tagEnd + 1);
    String content = text.substring(tag.length(), text.length() - tag.length());
    if (content.indexOf('\\') >= 0) {
      return "('' || '')";
    }
    return "'" + content.replace("'", "''") + "'";
  }

  private int dollarQuoteEnd(int pos) {
    int i = pos + 1;
    while (i < sql.length() && sql.charAt(i) != '$') {
      if (!isWordPart(sql.charAt(i)) || (i == pos + 1 && !isWordStart(sql.charAt(i)))) {
        return 0; // $1 is a numbered parameter
      }
      i++;
    }
    if (i >= sql.length()) {
      return 0;
    }
    String tag = sql.substring(pos, i + 1);
    int close = sql.indexOf(tag, i + 1);
    return close < 0 ? sql.length() : close + tag.length();
  }

  private static boolean isWordStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
  }

  private static boolean isWordPart(char c) {
    return isWordStart(c) || (c >= '0' && c <= '9') || c == '$';
  }
}
