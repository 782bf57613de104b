package dev.junction.classify;

/**
 * What a statement does, as far as routing cares.
 *
 * <p>The kind says <em>what</em> the statement is; {@link PrimaryReason} says whether and why it is
 * tied to the primary. Only {@link #READ} with {@link PrimaryReason#NONE} may go to a replica.
 */
public enum StatementKind {
    /** A query: SELECT, WITH ... SELECT, set operations, VALUES, TABLE x. */
    READ,
    /**
     * Changes data: INSERT, UPDATE, DELETE, MERGE, REPLACE/UPSERT, and statements that may write
     * through code the classifier cannot see (CALL, DO, COPY ... FROM, LOAD). The router records a
     * fence after a WRITE commits.
     */
    WRITE,
    /**
     * Changes schema or permissions: CREATE, ALTER, DROP, TRUNCATE, RENAME, COMMENT, GRANT,
     * REVOKE, REFRESH. TRUNCATE is here, not under WRITE, because MySQL commits implicitly around
     * it and both servers take an exclusive table lock, exactly like other DDL.
     */
    DDL,
    /** BEGIN, START TRANSACTION; see {@link Classification#transactionAccess()}. */
    TX_BEGIN,
    /** COMMIT, END, COMMIT PREPARED, and PREPARE TRANSACTION (which ends the session's transaction). */
    TX_COMMIT,
    /** ROLLBACK, ABORT, ROLLBACK PREPARED. */
    TX_ROLLBACK,
    /** SAVEPOINT, RELEASE [SAVEPOINT], ROLLBACK TO [SAVEPOINT]. */
    TX_SAVEPOINT,
    /**
     * Changes session state the router must replay on, or pin to, the session's connection: SET,
     * RESET, DISCARD, USE, PREPARE, EXECUTE, DEALLOCATE, LISTEN, UNLISTEN, and MySQL
     * LOCK/UNLOCK TABLES (the locks belong to the session until UNLOCK TABLES).
     */
    SESSION,
    /**
     * Server-specific statements. With {@link PrimaryReason#NONE} they are harmless anywhere
     * (SHOW, DESCRIBE, EXPLAIN without ANALYZE of a write, an empty statement); with
     * {@link PrimaryReason#UTILITY} they must run on the primary (VACUUM, ANALYZE, CHECKPOINT,
     * NOTIFY, PostgreSQL LOCK, COPY ... TO).
     */
    UTILITY,
    /** The classifier could not tell; always paired with a primary reason. */
    UNKNOWN
}
