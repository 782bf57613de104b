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
  AUTOCOMMIT;

  private static final Pattern AUTOCOMMIT_SETTING = Pattern.compile(
      "(?i)\\s*set\\s+(?:(?:session|local|global)\\s+)?(?:@@(?:session\\.|local\\.|global\\.)?)?autocommit\\s*(?:=|:=|to\\b)");
  private static final Pattern TRANSACTION_LOCAL_SETTING = Pattern.compile("(?i)\\s*set\\s+(?:local|transaction)\\s");
  private static final Pattern REPLAYABLE_SETTING = Pattern.compile("(?i)\\s*(?:set|reset|use)\\s");

  static SessionEffect of(Classification c, String sql) {
    return of(c, sql, true);
  }

  /**
   * @param sideEffectsPin whether side-effect functions pin the session ({@link #sessionBound}); a
   *     front-end that keeps its primary connection across statements (the JDBC façade) passes false
   */
  static SessionEffect of(Classification c, String sql, boolean sideEffectsPin) {
    if (c.multiStatement()) {
      for (Classification part : c.parts()) {
        if (part.kind() == StatementKind.SESSION || sessionBound(part.primaryReason(), sideEffectsPin)) {
          return sql != null && AUTOCOMMIT_SETTING.matcher(sql).find() ? AUTOCOMMIT : PIN;
        }
      }
      return NONE;
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
