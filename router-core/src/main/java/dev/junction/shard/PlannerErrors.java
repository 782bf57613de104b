package dev.junction.shard;

import dev.junction.JunctionSqlState;
import java.sql.SQLDataException;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;

/** The planner's errors, each saying what is wrong and what the application can do instead. */
final class PlannerErrors {

  static final String HINT_ADVICE = "or route it explicitly with /* junction:shard=NAME */";

  private PlannerErrors() {}

  /** {@link JunctionSqlState#REFUSED}: the statement cannot be routed as written. */
  static SQLFeatureNotSupportedException unsupported(String problem, String instead) {
    return JunctionSqlState.refusal("Junction cannot route this statement: " + problem + ". " + instead + ".");
  }

  static SQLFeatureNotSupportedException unparseable(String detail) {
    return JunctionSqlState.refusal(
        "Junction cannot parse this statement, so it cannot tell which shard it belongs to; rewrite it"
            + " or add /* junction:shard=NAME */ (parser: " + detail + ")");
  }

  /** SQLState 22023: a key value that no shard can hold. */
  static SQLDataException badKey(String message) {
    return new SQLDataException(message, "22023");
  }

  /** SQLState 07001: the parameter list does not match the {@code ?} markers. */
  static SQLException parameterCount(int expected, int actual) {
    return new SQLException(
        "the statement has " + expected + " parameter marker(s) but " + actual + " value(s) were bound;"
            + " bind exactly one value per ?", "07001");
  }
}
