package dev.junction.shard;

import dev.junction.classify.Dialect;
import dev.junction.classify.SqlLexer;
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
 * {@code "..."} strings. Unterminated literals run to the end of the text. The scanning is
 * router-core's one lexer, {@link SqlLexer} (issue #14: this class had its own copy); this class only
 * keeps the planner's token list, leading and executable comments, and its parser input.
 */
final class SqlTokens {

  enum Kind { WORD, QUOTED_IDENT, STRING, NUMBER, PARAM, SYMBOL }

  record Token(Kind kind, int start, int end) {}

  /** A comment before the first token. */
  record Comment(int start, int end) {}

  private final String sql;
  private final boolean mysql;
  private final SqlLexer lexer;
  private final List<Token> tokens = new ArrayList<>();
  private final List<Comment> leadingComments = new ArrayList<>();
  private final List<Comment> executableComments = new ArrayList<>();
  private final StringBuilder parserInput = new StringBuilder();
  private boolean escapeStrings;
  private int maxDepth;

  SqlTokens(String sql, Dialect dialect) {
    this.sql = sql;
    this.mysql = dialect.isMySqlFamily();
    this.lexer = new SqlLexer(dialect);
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
      int commentEnd = lexer.commentEnd(sql, pos, end);
      if (commentEnd >= 0) {
        if (tokens.isEmpty()) {
          leadingComments.add(new Comment(pos, commentEnd));
        }
        if (lexer.isExecutableComment(sql, pos, end)) {
          executableComments.add(new Comment(pos, commentEnd));
        }
        parserInput.append(' ');
        pos = commentEnd;
        continue;
      }
      int tokenEnd = lexer.jdbcTokenEnd(sql, pos, end);
      Token t = new Token(kind(lexer.kind(sql, pos, tokenEnd)), pos, tokenEnd);
      if (lexer.isEscapeString(sql, pos, tokenEnd)) {
        escapeStrings = true;
      }
      if (t.kind() == Kind.STRING && c == '$') {
        parserInput.append(dollarQuotedAsLiteral(t));
      } else {
        parserInput.append(sql, t.start(), t.end());
      }
      if (t.kind() == Kind.PARAM && t.end() < end && (sql.charAt(t.end()) == '|' || sql.charAt(t.end()) == '&')) {
        parserInput.append(' '); // JSqlParser would read ?| and ?& as jsonb operators; the driver binds the ?
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

  private static Kind kind(SqlLexer.Kind kind) {
    return switch (kind) {
      case WORD -> Kind.WORD;
      case QUOTED_IDENT -> Kind.QUOTED_IDENT;
      case STRING -> Kind.STRING;
      case NUMBER -> Kind.NUMBER;
      case PARAMETER -> Kind.PARAM;
      case SYMBOL -> Kind.SYMBOL;
    };
  }

  /**
   * A dollar-quoted string as a standard string literal with the same value ({@code $$1$$} is
   * {@code '1'}), so that a shard key written that way routes by its value (issue #10: it was read as
   * the empty string). Content with a backslash becomes an expression, whose value the planner does
   * not guess: a read scatters, a write naming it as a key is refused. So does an unterminated one
   * ({@code $a$x}, which the server rejects anyway; this threw StringIndexOutOfBoundsException).
   */
  private String dollarQuotedAsLiteral(Token t) {
    if (!lexer.isTerminatedLiteral(sql, t.start(), t.end())) {
      return "('' || '')";
    }
    String text = sql.substring(t.start(), t.end());
    int tagEnd = text.indexOf('$', 1);
    String tag = text.substring(0, tagEnd + 1);
    String content = text.substring(tag.length(), text.length() - tag.length());
    if (content.indexOf('\\') >= 0) {
      return "('' || '')";
    }
    return "'" + content.replace("'", "''") + "'";
  }
}
