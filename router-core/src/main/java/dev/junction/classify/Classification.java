package dev.junction.classify;

import java.util.List;
import java.util.Objects;

/**
 * The routing-relevant facts about one SQL string.
 *
 * <p>Instances are immutable and shared: the classifier caches them and returns the same instance
 * for the same SQL, so callers may compare with {@code ==} but must never expect a fresh object.
 *
 * @param kind              what the statement does; for a multi-statement string, the kind of the
 *                          most primary-bound part
 * @param primaryReason     why it must run on the primary, or {@link PrimaryReason#NONE}
 * @param tables            referenced tables in order of first appearance (for DML the target
 *                          comes first); unquoted identifiers folded to lower case, quoted ones
 *                          kept as written; {@code schema.table} when qualified; CTE names
 *                          excluded. Empty for statements classified by keyword (DDL, SET, ...)
 * @param multiStatement    the string held more than one statement separated by {@code ;}
 * @param transactionAccess access mode requested by BEGIN / START TRANSACTION / SET TRANSACTION
 * @param parts             for a multi-statement string, each part's classification in order (so
 *                          the router can see a BEGIN or COMMIT hidden behind a WRITE); otherwise
 *                          empty
 */
public record Classification(
        StatementKind kind,
        PrimaryReason primaryReason,
        List<String> tables,
        boolean multiStatement,
        TransactionAccess transactionAccess,
        List<Classification> parts) {

    public Classification {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(primaryReason, "primaryReason");
        Objects.requireNonNull(transactionAccess, "transactionAccess");
        tables = List.copyOf(tables);
        parts = List.copyOf(parts);
        if (!multiStatement && !parts.isEmpty()) {
            throw new IllegalArgumentException(
                    "parts are only recorded for multi-statement strings; pass multiStatement=true or no parts");
        }
    }

    /** A single statement that requests no transaction access mode. */
    public Classification(StatementKind kind, PrimaryReason primaryReason, List<String> tables, boolean multiStatement) {
        this(kind, primaryReason, tables, multiStatement, TransactionAccess.UNSPECIFIED, List.of());
    }

    /** True only for a plain query that a replica may answer. */
    public boolean replicaEligible() {
        return primaryReason == PrimaryReason.NONE && kind == StatementKind.READ;
    }

    /** True when the statement must run on the primary (or on the session pinned to it). */
    public boolean primaryRequired() {
        return primaryReason != PrimaryReason.NONE;
    }

    /** True for {@code BEGIN READ ONLY}, {@code START TRANSACTION READ ONLY}, {@code SET TRANSACTION READ ONLY}. */
    public boolean readOnlyTransaction() {
        return transactionAccess == TransactionAccess.READ_ONLY;
    }

    static Classification of(StatementKind kind, PrimaryReason reason) {
        return new Classification(kind, reason, List.of(), false);
    }

    static Classification of(StatementKind kind, PrimaryReason reason, List<String> tables) {
        return new Classification(kind, reason, tables, false);
    }

    Classification withAccess(TransactionAccess access) {
        return access == transactionAccess
                ? this
                : new Classification(kind, primaryReason, tables, multiStatement, access, parts);
    }

    /** The routing hint forces the primary; a more specific reason already doing so is kept. */
    Classification withHint() {
        return primaryReason != PrimaryReason.NONE
                ? this
                : new Classification(kind, PrimaryReason.HINT, tables, multiStatement, transactionAccess, parts);
    }
}
