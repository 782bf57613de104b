package dev.junction.classify;

import static dev.junction.classify.PrimaryReason.DDL;
import static dev.junction.classify.PrimaryReason.NONE;
import static dev.junction.classify.PrimaryReason.SESSION_STATE;
import static dev.junction.classify.PrimaryReason.TRANSACTION_CONTROL;
import static dev.junction.classify.PrimaryReason.UTILITY;
import static dev.junction.classify.PrimaryReason.WRITE;

/**
 * Classifies statements by their leading keywords, before and instead of the parser.
 *
 * <p>Transaction control, session and utility statements are frequent (every transaction starts
 * and ends with one), trivially recognisable, and poorly covered by JSqlParser; DDL is rare, but its
 * syntax is vast and the answer is always "primary". Returns {@code null} for everything the
 * parser must look at (queries and DML). EXPLAIN is handled by {@link SegmentClassifier}, which
 * must classify the explained statement.
 *
 * <p>Choices worth knowing: SHOW is a {@link StatementKind#READ} unless it describes one server or
 * session (see {@link #show}); COPY ... FROM, CALL, DO and LOAD are {@link StatementKind#WRITE}
 * (they may change data, so the router must record a fence); COPY ... TO, VACUUM, ANALYZE,
 * CHECKPOINT, NOTIFY and PostgreSQL LOCK are {@link StatementKind#UTILITY} with reason
 * {@link PrimaryReason#UTILITY}; MySQL LOCK/UNLOCK TABLES, LISTEN/UNLISTEN, EXECUTE are
 * {@link StatementKind#SESSION} because they bind later statements to this session; creating or
 * dropping a temporary table is DDL with reason {@link PrimaryReason#SESSION_STATE} because the
 * table exists only in this session. Keyword-classified statements carry no table names.
 */
final class KeywordClassifier {

    static final Classification BEGIN = Classification.of(StatementKind.TX_BEGIN, TRANSACTION_CONTROL);
    static final Classification COMMIT = Classification.of(StatementKind.TX_COMMIT, TRANSACTION_CONTROL);
    static final Classification ROLLBACK = Classification.of(StatementKind.TX_ROLLBACK, TRANSACTION_CONTROL);
    static final Classification SAVEPOINT = Classification.of(StatementKind.TX_SAVEPOINT, TRANSACTION_CONTROL);
    static final Classification SESSION = Classification.of(StatementKind.SESSION, SESSION_STATE);
    static final Classification HARMLESS_UTILITY = Classification.of(StatementKind.UTILITY, NONE);
    static final Classification PRIMARY_UTILITY = Classification.of(StatementKind.UTILITY, UTILITY);
    static final Classification OPAQUE_WRITE = Classification.of(StatementKind.WRITE, WRITE);
    /** MySQL CALL p(@out) / DO @a := 1: a write that also sets user variables, so the session is pinned. */
    static final Classification SESSION_WRITE = Classification.of(StatementKind.WRITE, SESSION_STATE);
    static final Classification SCHEMA_CHANGE = Classification.of(StatementKind.DDL, DDL);
    static final Classification TEMPORARY_SCHEMA_CHANGE = Classification.of(StatementKind.DDL, SESSION_STATE);

    /** SHOW of catalog data or settings that any server of the cluster answers alike. */
    static final Classification SHOWN_READ = Classification.of(StatementKind.READ, NONE);
    private static final java.util.Set<String> PG_SHOW_PRIMARY = java.util.Set.of(
            "TRANSACTION_READ_ONLY", "IN_HOT_STANDBY", "ALL", "TRANSACTION_ISOLATION");
    private static final java.util.Set<String> MY_SHOW_READ = java.util.Set.of(
            "TABLES", "COLUMNS", "FIELDS", "INDEX", "INDEXES", "KEYS", "CREATE", "DATABASES", "SCHEMAS", "TABLE",
            "TRIGGERS", "CHARACTER", "CHARSET", "COLLATION", "ENGINES", "PLUGINS", "PRIVILEGES", "PROCEDURE",
            "FUNCTION", "EVENTS");

    private static final Classification[] BEGIN_BY_ACCESS = byAccess(BEGIN);
    private static final Classification[] SESSION_BY_ACCESS = byAccess(SESSION);

    private final Dialect dialect;

    KeywordClassifier(Dialect dialect) {
        this.dialect = dialect;
    }

    /** @param cursor positioned at the statement's first token; may be advanced */
    Classification classify(TokenCursor cursor) {
        if (cursor.isChar('{')) {
            return jdbcEscape(cursor.advance());
        }
        if (!cursor.isWord()) {
            return null;
        }
        switch (cursor.text()) {
            case "BEGIN":
                return BEGIN_BY_ACCESS[access(cursor.advance()).ordinal()];
            case "START":
                return cursor.advance().isWord("TRANSACTION")
                        ? BEGIN_BY_ACCESS[access(cursor).ordinal()]
                        : PRIMARY_UTILITY; // START SLAVE / REPLICA / GROUP_REPLICATION
            case "COMMIT":
                // COMMIT PREPARED commits another (two-phase) transaction: a write to fence, not this session's commit
                return cursor.advance().isWord("PREPARED") ? OPAQUE_WRITE : COMMIT;
            case "END":
                return COMMIT;
            case "ROLLBACK":
            case "ABORT":
                cursor.advance();
                if (cursor.isWord("PREPARED")) {
                    return PRIMARY_UTILITY; // ends another transaction, not this session's
                }
                if (!cursor.accept("WORK")) {
                    cursor.accept("TRANSACTION");
                }
                return cursor.isWord("TO") ? SAVEPOINT : ROLLBACK;
            case "SAVEPOINT":
            case "RELEASE":
                return SAVEPOINT;
            case "PREPARE":
                return cursor.advance().isWord("TRANSACTION") ? COMMIT : SESSION; // PG two-phase commit ends the transaction
            case "SET":
                return set(cursor.advance());
            case "RESET":
            case "DISCARD":
            case "USE":
            case "DEALLOCATE":
            case "EXECUTE":
            case "LISTEN":
            case "UNLISTEN":
            case "UNLOCK":
            case "HANDLER":
                return SESSION;
            case "LOCK":
                return dialect.isMySqlFamily() ? SESSION : PRIMARY_UTILITY;
            case "SHOW":
                return show(cursor.advance());
            case "COPY":
                return copy(cursor.advance());
            case "CALL":
            case "DO":
                return dialect.isMySqlFamily() && mentionsUserVariable(cursor.advance()) ? SESSION_WRITE : OPAQUE_WRITE;
            case "LOAD":
                return OPAQUE_WRITE;
            case "NOTIFY":
            case "VACUUM":
            case "ANALYZE":
            case "ANALYSE":
            case "CHECKPOINT":
            case "CLUSTER":
            case "REINDEX":
            case "OPTIMIZE":
            case "REPAIR":
            case "FLUSH":
            case "KILL":
            case "PURGE":
            case "STOP":
            case "CHANGE":
            case "INSTALL":
            case "UNINSTALL":
            case "SHUTDOWN":
                return PRIMARY_UTILITY;
            case "CREATE":
                return create(cursor.advance());
            case "DROP":
                return cursor.advance().isAnyWord("TEMPORARY", "TEMP") ? TEMPORARY_SCHEMA_CHANGE : SCHEMA_CHANGE;
            case "ALTER":
            case "TRUNCATE":
            case "RENAME":
            case "COMMENT":
            case "GRANT":
            case "REVOKE":
            case "SECURITY":
            case "IMPORT":
            case "REFRESH":
                return SCHEMA_CHANGE;
            default:
                return null;
        }
    }

    /**
     * SHOW reads the catalog or settings: a {@link #SHOWN_READ} unless the answer is about the server
     * or the session rather than the data. PostgreSQL: everything but {@code transaction_read_only}
     * and {@code in_hot_standby} (a replica answers "on"), and {@code ALL} (which includes them).
     * MySQL/MariaDB: an allow-list of schema metadata (TABLES, COLUMNS, INDEX, CREATE ..., DATABASES,
     * TABLE STATUS, TRIGGERS, character sets and collations, ENGINES, PLUGINS, PRIVILEGES, routine
     * and event status); VARIABLES, STATUS, WARNINGS, ERRORS, PROCESSLIST, replication and binary-log
     * status, GRANTS, PROFILE and the rest stay on the primary, because they describe one server or
     * the previous statement of one connection.
     */
    private Classification show(TokenCursor cursor) {
        if (!cursor.isWord()) {
            return HARMLESS_UTILITY;
        }
        String what = cursor.text();
        if (!dialect.isMySqlFamily()) {
            return PG_SHOW_PRIMARY.contains(what) ? HARMLESS_UTILITY : SHOWN_READ;
        }
        if (what.equals("FULL") || what.equals("EXTENDED")) {
            TokenCursor next = cursor.advance();
            if (what.equals("EXTENDED") && next.isWord("FULL")) {
                next.advance();
            }
            return next.isAnyWord("TABLES", "COLUMNS", "FIELDS", "INDEX", "INDEXES", "KEYS") ? SHOWN_READ : HARMLESS_UTILITY;
        }
        return MY_SHOW_READ.contains(what) ? SHOWN_READ : HARMLESS_UTILITY;
    }

    /** True if a user variable ({@code @name}, not {@code @@system}) appears among the remaining tokens. */
    private static boolean mentionsUserVariable(TokenCursor cursor) {
        for (; !cursor.atEnd(); cursor.advance()) {
            if (cursor.isChar('@') && !cursor.peek().isChar('@')) {
                return true;
            }
            if (cursor.isChar('@')) {
                cursor.advance(); // skip the second '@' of @@system_variable
            }
        }
        return false;
    }

    /** {@code {call p(?)}} and {@code {? = call f(?)}}: procedures may write. */
    private static Classification jdbcEscape(TokenCursor cursor) {
        if (cursor.isChar('?')) {
            cursor.advance();
            if (cursor.isChar('=')) {
                cursor.advance();
            }
        }
        return cursor.isWord("CALL") ? OPAQUE_WRITE : null;
    }

    private static Classification set(TokenCursor cursor) {
        if (cursor.isAnyWord("SESSION", "LOCAL", "GLOBAL", "PERSIST", "PERSIST_ONLY")) {
            cursor.advance();
        }
        if (cursor.accept("CHARACTERISTICS")) {
            cursor.accept("AS");
        }
        return cursor.isWord("TRANSACTION") ? SESSION_BY_ACCESS[access(cursor).ordinal()] : SESSION;
    }

    /** COPY t FROM ... loads data; COPY t TO / COPY (query) TO only reads, but streams on this connection. */
    private static Classification copy(TokenCursor cursor) {
        int depth = 0;
        for (; !cursor.atEnd(); cursor.advance()) {
            if (cursor.isChar('(')) {
                depth++;
            } else if (cursor.isChar(')')) {
                depth--;
            } else if (depth == 0 && cursor.isWord("FROM")) {
                return OPAQUE_WRITE;
            } else if (depth == 0 && cursor.isWord("TO")) {
                return PRIMARY_UTILITY;
            }
        }
        return OPAQUE_WRITE;
    }

    private static Classification create(TokenCursor cursor) {
        if (cursor.accept("OR")) {
            cursor.accept("REPLACE");
        }
        if (cursor.isAnyWord("GLOBAL", "LOCAL")) {
            cursor.advance();
        }
        return cursor.isAnyWord("TEMPORARY", "TEMP") ? TEMPORARY_SCHEMA_CHANGE : SCHEMA_CHANGE;
    }

    /** The last READ ONLY / READ WRITE among the remaining tokens (READ COMMITTED is an isolation level). */
    private static TransactionAccess access(TokenCursor cursor) {
        TransactionAccess access = TransactionAccess.UNSPECIFIED;
        while (!cursor.atEnd()) {
            if (cursor.accept("READ")) {
                if (cursor.isWord("ONLY")) {
                    access = TransactionAccess.READ_ONLY;
                } else if (cursor.isWord("WRITE")) {
                    access = TransactionAccess.READ_WRITE;
                }
            } else {
                cursor.advance();
            }
        }
        return access;
    }

    private static Classification[] byAccess(Classification base) {
        TransactionAccess[] modes = TransactionAccess.values();
        Classification[] result = new Classification[modes.length];
        for (TransactionAccess mode : modes) {
            result[mode.ordinal()] = base.withAccess(mode);
        }
        return result;
    }
}
