package dev.junction.route;

import dev.junction.JunctionSqlState;

/**
 * Statements the decision refuses instead of running them somewhere they could lose a write or give
 * a silently wrong answer. Each says what happened and what to do instead. Refusals of a construct
 * carry {@link JunctionSqlState#REFUSED}; a lost transaction carries 08006 (connection failure),
 * because that is what happened to it, and a pool in front of Junction may then retire the logical
 * connection.
 */
public enum Refusal {
  /**
   * The connection that ran the open transaction failed: its work is gone (never committed), and
   * running later statements on a fresh connection would commit them without it.
   */
  TRANSACTION_LOST("08006", "the server connection of this transaction failed, so the transaction is lost"
      + " (nothing of it was committed unless the failure hit its COMMIT); roll back, then run the transaction again"),
  /**
   * A statement that creates session state (temporary table, user variable, LISTEN, SQL PREPARE,
   * LOCK TABLES, session-scoped functions ...) inside a read-only transaction that runs on a replica: once the transaction
   * ends, the session moves back to the primary and would not see that state.
   */
  SESSION_STATE_ON_REPLICA(JunctionSqlState.REFUSED, "this statement creates session state (temporary table, user variable, LISTEN,"
      + " PREPARE, LOCK TABLES, an advisory lock or another session-scoped function) inside a read-only transaction"
      + " running on a replica, where later statements could not see it; run it before the transaction begins, in a"
      + " read-write transaction, or inside Junction.primary()"),
  /**
   * A write committed in this scope (e.g. a {@code REQUIRES_NEW} transaction) after the read-only transaction
   * began on a replica, and the replica did not replay it within the fence wait: the transaction cannot move,
   * and its next statement would not see the write.
   */
  SCOPE_WRITE_AFTER_REPLICA_TRANSACTION_BEGAN("40001", "a write of this scope committed after this read-only"
      + " transaction began on a replica, which did not replay it within max-fence-wait; the transaction's reads"
      + " would miss it: roll back and run the transaction again (it then starts where the write is visible), or"
      + " run the write before the read-only transaction begins"),
  /**
   * {@code SET autocommit} sent as SQL: the server would open transactions the router does not know
   * about, and writes routed as auto-commit would never be committed.
   */
  SQL_AUTOCOMMIT(JunctionSqlState.REFUSED, "SET autocommit sent as SQL is not supported: the server would keep transactions open"
      + " that Junction does not know about; use Connection.setAutoCommit(false), or BEGIN ... COMMIT"),

  /**
   * A setting that changes how the server reads literals and quotes (PostgreSQL standard_conforming_strings off,
   * MariaDB sql_mode NO_BACKSLASH_ESCAPES or ANSI_QUOTES): the classifier and the shard-key reader would read
   * later statements one way and the server another, routing a statement they misread ({@code SELECT '\', ';
   * DELETE ...; --'} is a read to one and a DELETE to the other).
   */
  TEXT_READING_SETTING(JunctionSqlState.REFUSED, "this setting changes how the server reads string literals or quotes"
      + " (standard_conforming_strings off, sql_mode NO_BACKSLASH_ESCAPES or ANSI_QUOTES), and Junction reads statements"
      + " as the server's defaults do: it would route statements it misreads; keep the default (PostgreSQL: write"
      + " backslash escapes as E'...'; MariaDB: quote identifiers with backticks)");

  private final String sqlState;
  private final String message;

  Refusal(String sqlState, String message) {
    this.sqlState = sqlState;
    this.message = message;
  }

  public String sqlState() {
    return sqlState;
  }

  /** The message for the application, prefixed {@code Junction: }. */
  public String message() {
    return "Junction: " + message;
  }
}
