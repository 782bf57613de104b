package dev.junction.shard;

import net.sf.jsqlparser.parser.CCJSqlParser;
import net.sf.jsqlparser.parser.CCJSqlParserConstants;
import net.sf.jsqlparser.parser.StringProvider;
import net.sf.jsqlparser.parser.Token;
import net.sf.jsqlparser.statement.Statement;

/**
 * Runs JSqlParser on the calling thread, as the classifier and the scatter planner do: no executor
 * hop per cache miss, and the expensive "complex parsing" retry only for shallow nesting, where
 * its cost stays small. Any failure — including text after the first statement — means "cannot
 * parse", which the planner turns into a conservative decision.
 */
final class StatementReader {

  /** Complex-parsing retries grow steeply with parenthesis depth; above this they are skipped. */
  static final int COMPLEX_PARSING_MAX_DEPTH = 5;

  /** A parsed statement and the parser's count of positional {@code ?} parameters. */
  record Parsed(Statement statement, int positionalParameters) {}

  private StatementReader() {}

  /** The statement, or null if it cannot be parsed as exactly one statement. */
  static Parsed read(SqlTokens lexed) {
    String text = lexed.parserInput();
    Parsed parsed = attempt(text, false, lexed.backslashEscapes());
    if (parsed == null && lexed.maxParenthesisDepth() <= COMPLEX_PARSING_MAX_DEPTH) {
      parsed = attempt(text, true, lexed.backslashEscapes());
    }
    return parsed;
  }

  /**
   * Why {@link #read} returned null, for the refusal message (issue #10: "say which part it could not
   * read"): the parser's first line, e.g. {@code Encountered unexpected token: "COLLATE" at line 1, column 42}.
   * Only called on the error path.
   */
  static String whyUnreadable(SqlTokens lexed) {
    try {
      CountingParser parser = new CountingParser(lexed.parserInput());
      parser.withAllowComplexParsing(true).withBackslashEscapeCharacter(lexed.backslashEscapes());
      if (parser.Statement() == null) {
        return "no statement";
      }
      Token next = parser.getNextToken();
      while (next.kind == CCJSqlParserConstants.ST_SEMICOLON) {
        next = parser.getNextToken();
      }
      return next.kind == CCJSqlParserConstants.EOF ? "unknown" : "text after the statement: '" + next.image + "'";
    } catch (Exception | StackOverflowError e) {
      String m = String.valueOf(e.getMessage());
      int nl = m.indexOf('\n');
      m = nl < 0 ? m : m.substring(0, nl);
      return m.length() > 200 ? m.substring(0, 200) + "..." : m;
    }
  }

  private static Parsed attempt(String text, boolean complex, boolean backslashEscapes) {
    try {
      CountingParser parser = new CountingParser(text);
      parser.withAllowComplexParsing(complex).withBackslashEscapeCharacter(backslashEscapes);
      Statement statement = parser.Statement();
      if (statement == null) {
        return null;
      }
      Token next = parser.getNextToken();
      while (next.kind == CCJSqlParserConstants.ST_SEMICOLON) {
        next = parser.getNextToken();
      }
      return next.kind == CCJSqlParserConstants.EOF ? new Parsed(statement, parser.positionalParameters()) : null;
    } catch (Exception | StackOverflowError e) { // ParseException, TokenMgrException, parser bugs, deep recursion
      return null;
    }
  }

  /** Exposes the generated parser's running count of positional parameters. */
  private static final class CountingParser extends CCJSqlParser {
    CountingParser(String sql) {
      super(new StringProvider(sql));
    }

    int positionalParameters() {
      return jdbcParameterIndex;
    }
  }
}
