package dev.junction.classify;

/**
 * Why a statement must run on the primary, or {@link #NONE} if it need not.
 *
 * <p>Kept separate from {@link StatementKind} so that the router can explain a routing decision
 * ("read, but locking") and so that metrics can count fallbacks by cause.
 */
public enum PrimaryReason {
    /** Nothing ties the statement to the primary. */
    NONE,
    /** It modifies data. */
    WRITE,
    /** It modifies schema or permissions. */
    DDL,
    /** It begins, ends or marks a transaction. */
    TRANSACTION_CONTROL,
    /**
     * It reads or changes session state (SET, temporary tables, MySQL user-variable assignment,
     * SQL_CALC_FOUND_ROWS); the router must pin or replay.
     */
    SESSION_STATE,
    /** A query with FOR UPDATE / FOR SHARE / LOCK IN SHARE MODE, anywhere in the statement. */
    LOCKING_READ,
    /**
     * A query that calls a configured side-effecting function (sequences, advisory locks,
     * LAST_INSERT_ID ...). Several of these (advisory locks, GET_LOCK, LAST_INSERT_ID) are
     * session-scoped too, so the router should pin the session as it does for SESSION_STATE.
     */
    SIDE_EFFECT_FUNCTION,
    /** WITH x AS (INSERT/UPDATE/DELETE ...) SELECT ... */
    DATA_MODIFYING_CTE,
    /** SELECT ... INTO a new table. */
    SELECT_INTO,
    /** The statement carried a {@code /* junction:primary *}{@code /} routing hint. */
    HINT,
    /**
     * The statement could not be analysed: the parser failed, produced a statement type the
     * classifier does not understand, or (MySQL/MariaDB) the text holds an executable comment.
     */
    UNPARSEABLE,
    /** Parentheses nest deeper than {@link ClassifierSettings#maxNestingDepth()}; not parsed. */
    TOO_DEEP,
    /** A utility or maintenance statement that only makes sense on the primary. */
    UTILITY
}
