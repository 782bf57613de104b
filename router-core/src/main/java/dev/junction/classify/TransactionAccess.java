package dev.junction.classify;

/**
 * The access mode a statement requests for a transaction.
 *
 * <p>The router needs it to keep reads of a {@code START TRANSACTION READ ONLY} transaction on a
 * replica. {@link #READ_WRITE} is distinct from {@link #UNSPECIFIED} because it explicitly
 * overrides a read-only session default.
 */
public enum TransactionAccess {
    /** The statement says nothing about transaction access. */
    UNSPECIFIED,
    /** {@code READ ONLY} (the last access mode in the statement wins). */
    READ_ONLY,
    /** {@code READ WRITE}. */
    READ_WRITE
}
