package dev.junction.merge;

import java.sql.SQLException;
import net.sf.jsqlparser.parser.CCJSqlParser;
import net.sf.jsqlparser.parser.CCJSqlParserConstants;
import net.sf.jsqlparser.parser.StringProvider;
import net.sf.jsqlparser.parser.Token;
import net.sf.jsqlparser.statement.Statement;

/**
 * Parses one statement with JSqlParser on the calling thread ({@code CCJSqlParserUtil.parse}
 * would hand the work to another thread to enforce a timeout) and reports how many positional
 * {@code ?} parameters the parser numbered, which the parameter tracking checks against.
 */
final class SelectParser {

  /** The parsed statement and the parser's count of positional parameters. */
  record Parsed(Statement statement, int positionalParameters) {}

  private SelectParser() {}

  private static final java.util.Map<MergeDialect, dev.junction.classify.SqlLexer> LEXERS = new java.util.EnumMap<>(java.util.Map.of(
      MergeDialect.POSTGRESQL, new dev.junction.classify.SqlLexer(dev.junction.classify.Dialect.POSTGRESQL),
      MergeDialect.MYSQL, new dev.junction.classify.SqlLexer(dev.junction.classify.Dialect.MYSQL),
      MergeDialect.MARIADB, new dev.junction.classify.SqlLexer(dev.junction.classify.Dialect.MARIADB)));

  static Parsed parse(String sql, MergeDialect dialect) throws SQLException {
    // '%'||?||'%': the ? is a parameter for the driver, the jsonb operator ?| for JSqlParser (see SqlLexer)
    CountingParser parser = new CountingParser(LEXERS.get(dialect).separatePlaceholderFromBars(sql));
    try {
      Statement statement = parser.Statement();
      if (statement == null) {
        throw Unsupported.of("an empty statement", "there is nothing to plan", "Send a SELECT");
      }
      Token next = parser.getNextToken();
      while (next.kind == CCJSqlParserConstants.ST_SEMICOLON) {
        next = parser.getNextToken();
      }
      if (next.kind != CCJSqlParserConstants.EOF) {
        throw Unsupported.of(
            "more than one statement",
            "a scatter query plans exactly one SELECT, and text after the first statement would be ignored"
                + " (found '" + next.image + "')",
            "Send one statement per call");
      }
      return new Parsed(statement, parser.positionalParameters());
    } catch (SQLException e) {
      throw e;
    } catch (Exception | StackOverflowError e) {
      throw Unsupported.of(
          "SQL the parser cannot read",
          "the planner must understand a SELECT to split it (parser: " + firstLine(e.getMessage()) + ")",
          Unsupported.ROUTE_TO_ONE_SHARD);
    }
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "no detail";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
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
