package dev.junction.route;

import dev.junction.classify.Classification;
import dev.junction.classify.PrimaryReason;
import dev.junction.classify.StatementKind;
import java.util.regex.Pattern;

/**
 * What a statement does to the server session, as far as routing cares: nothing, a setting that can
 * be replayed on another server, a setting that lasts only for the transaction, state that ties the
 * session to the server that holds it, or an auto-commit switch the router must refuse.
 *
 * <p>Only SESSION statements and statements with a session-state reason look at the text, so the
 * hot path (plain reads and writes) pays two comparisons.
 */
enum SessionEffect {
  NONE,
  /**
   * {@code SET}/{@code RESET}/{@code USE} of plain values: remembered and applied on every server the
   * session uses.
   */
  REPLAY,
  /** {@code SET LOCAL}, {@code SET TRANSACTION}: ends with the transaction, nothing to replay. */
  TRANSACTION_LOCAL,
  /**
   * Temporary tables, user variables, LISTEN, LOCK TABLES, SQL PREPARE, DISCARD, side-effect
   * functions, and any session statement inside a multi-statement string: only the server that ran
   * it has the state, so the session stays on the primary from then on.
   */
  PIN,
  /** {@code SET autocommit}: refused (see {@link Refusal#SQL_AUTOCOMMIT}). */
  AUTOCOMMIT,
  /**
   * A setting that changes how the server reads string literals and quotes, which the classifier and
   * the shard-key reader read as the server's defaults do: refused (see {@link Refusal#TEXT_READING_SETTING}).
   */
  TEXT_READING;

  private static final Pattern AUTOCOMMIT_SETTING = Pattern.compile(
      "(?i)\\s*set\\s+(?:(?:session|local|global)\\s+)?(?:@@(?:session\\.|local\\.|global\\.)?)?autocommit\\s*(?:=|:=|to\\b)");
  private static final Pattern TRANSACTION_LOCAL_SETTING = Pattern.compile("(?i)\\s*set\\s+(?:local|transaction)\\s");
  private static final Pattern REPLAYABLE_SETTING = Pattern.compile("(?i)\\s*(?:set|reset|use)\\s");

  /** The one form that keeps it as the classifier reads: on, or back to the default. */
  private static final Pattern CONFORMING_STRINGS_ON = Pattern.compile(
      "(?is)\\s*(?:set\\s+(?:session\\s+|local\\s+)?standard_conforming_strings\\s*(?:=|\\bto\\b)\\s*'?(?:on|true|yes|1|default)'?"
          + "|reset\\s+standard_conforming_strings)\\s*;?\\s*");
  /**
   * MariaDB sql_mode values that make a backslash an ordinary character (NO_BACKSLASH_ESCAPES) or {@code "..."} an
   * identifier (ANSI_QUOTES, and the combined modes that include it).
   */
  private static final Pattern SQL_MODE_READING = Pattern.compile(
      "(?is).*\\bsql_mode\\b.*\\b(?:no_backslash_escapes|ansi_quotes|ansi|oracle|mssql|db2|postgresql|maxdb)\\b.*");

  /**
   * Whether {@code sql}, a session statement or a call of a session-state function, changes how the
   * server reads literals and quotes. A variable's value ({@code SET sql_mode = @old}, as mysqldump restores it)
   * passes: it can only hold such a mode if a statement named it, and that statement was refused.
   */
  static boolean changesTextReading(String sql) {
    // WHY the plain scans first: SELECT nextval(...) comes here on every call (a side-effect function); a regex
    // over its text would cost more than the rest of its routing.
    if (containsIgnoreCase(sql, "standard_conforming_strings")) {
      return !CONFORMING_STRINGS_ON.matcher(sql).matches();
    }
    return containsIgnoreCase(sql, "sql_mode") && SQL_MODE_READING.matcher(sql).matches();
  }

  /** {@code lowerNeedle} (ASCII, lower case) anywhere in {@code s}, ignoring ASCII case. */
  private static boolean containsIgnoreCase(String s, String lowerNeedle) {
    char first = lowerNeedle.charAt(0);
    for (int i = 0, last = s.length() - lowerNeedle.length(); i <= last; i++) {
      if ((s.charAt(i) | 0x20) == first && s.regionMatches(true, i, lowerNeedle, 0, lowerNeedle.length())) {
        return true;
      }
    }
    return false;
  }

  /**
   * Statements that can change a setting: SET, session-state and side-effect functions (set_config), DDL
   * (ALTER ROLE/DATABASE ... SET), utility and unknown statements. Plain reads and writes are not scanned.
   */
  private static boolean mayChangeSettings(Classification c) {
    StatementKind k = c.kind();
    PrimaryReason r = c.primaryReason();
    return k == StatementKind.SESSION || k == StatementKind.DDL || k == StatementKind.UTILITY || k == StatementKind.UNKNOWN
        || r == PrimaryReason.SESSION_STATE || r == PrimaryReason.SIDE_EFFECT_FUNCTION;
  }

  static SessionEffect of(Classification c, String sql) {
    return of(c, sql, true);
  }

  /**
   * @param sideEffectsPin whether side-effect functions pin the session ({@link #sessionBound}); a
   *     front-end that keeps its primary connection across statements (the JDBC façade) passes false
   */
  static SessionEffect of(Classification c, String sql, boolean sideEffectsPin) {
    if (c.multiStatement()) {
      boolean setting = false;
      boolean session = false;
      for (Classification part : c.parts()) {
        setting |= mayChangeSettings(part);
        session |= part.kind() == StatementKind.SESSION || sessionBound(part.primaryReason(), sideEffectsPin);
      }
      if (sql != null && setting && changesTextReading(sql)) {
        return TEXT_READING;
      }
      return !session ? NONE : sql != null && AUTOCOMMIT_SETTING.matcher(sql).find() ? AUTOCOMMIT : PIN;
    }
    if (sql != null && mayChangeSettings(c) && changesTextReading(sql)) {
      return TEXT_READING; // SET ..., SELECT set_config('standard_conforming_strings', ...), ALTER ROLE ... SET ...
    }
    if (c.kind() == StatementKind.SESSION) {
      if (sql == null) {
        return PIN;
      }
      if (AUTOCOMMIT_SETTING.matcher(sql).lookingAt()) {
        return AUTOCOMMIT;
      }
      if (TRANSACTION_LOCAL_SETTING.matcher(sql).lookingAt()) {
        return TRANSACTION_LOCAL;
      }
      // A value computed by an expression (SET @a = (SELECT nextval(s))) would be computed again, with
      // its side effects, on every server it is replayed on: pin instead.
      return REPLAYABLE_SETTING.matcher(sql).lookingAt() && sql.indexOf('(') < 0 ? REPLAY : PIN;
    }
    return sessionBound(c.primaryReason(), sideEffectsPin) ? PIN : NONE;
  }

  /**
   * Session state, and side-effect functions: several of them are session-scoped (advisory locks,
   * GET_LOCK, currval/lastval, LAST_INSERT_ID), and the classification does not say which, so all
   * of them pin. A classification that told them apart would let nextval stop pinning.
   */
  private static boolean sessionBound(PrimaryReason reason, boolean sideEffectsPin) {
    return reason == PrimaryReason.SESSION_STATE || sideEffectsPin && reason == PrimaryReason.SIDE_EFFECT_FUNCTION;
  }
}
