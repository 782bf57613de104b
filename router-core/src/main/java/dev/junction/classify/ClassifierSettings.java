package dev.junction.classify;

import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Tuning and policy for a {@link StatementClassifier}.
 *
 * <p>The side-effect function list is policy, not code, because applications add their own
 * (an audit function called from a SELECT must not land on a replica). Names are matched
 * case-insensitively against both the function's last name part and its fully qualified name,
 * so {@code nextval} matches {@code pg_catalog.nextval(...)}, while an entry
 * {@code app.touch} matches only that qualified call.
 *
 * @param cacheMaximumSize    classifications kept in the parse cache (exact texts, and as many shapes);
 *                            it also sizes the cache of repeated literal-bearing texts, by weight
 *                            ({@link #literalTextCacheMaximumWeight()}); 0 disables caching
 * @param maxNestingDepth     deepest parenthesis nesting handed to the parser; deeper statements
 *                            go to the primary as {@link PrimaryReason#TOO_DEEP} (JSqlParser
 *                            recurses per level and its cost grows steeply with depth)
 * @param maxCachedSqlLength  longer SQL is classified but never cached, so one-off bulk
 *                            statements cannot evict the hot set or pin megabytes of heap
 * @param sideEffectFunctions functions that make a query primary-only, lower-cased
 * @param parseBudget         CPU time one statement's parse may take; a statement whose parse takes
 *                            longer goes to the primary as {@link PrimaryReason#UNPARSEABLE}, is
 *                            cached as such and counted ({@code junction.classifier.parse.budget.exceeded}).
 *                            A parse is stopped once it has used the budget of CPU time (or ten times the
 *                            budget of wall-clock time), so such a statement costs about the budget once per
 *                            text. JSqlParser's retries on a parse failure can cost hundreds of
 *                            milliseconds, and one pathological statement must not cost more than this.
 * @param unknownFunctions    where a call of a function that is neither a side-effect function nor in
 *                            {@code readOnlyFunctions} sends its statement ({@link UnknownFunctions})
 * @param readOnlyFunctions   functions known to be read-only, lower-cased; consulted only with
 *                            {@link UnknownFunctions#PRIMARY} (see {@link FunctionPolicy} for the matching)
 */
public record ClassifierSettings(
        int cacheMaximumSize,
        int maxNestingDepth,
        int maxCachedSqlLength,
        Set<String> sideEffectFunctions,
        Duration parseBudget,
        UnknownFunctions unknownFunctions,
        Set<String> readOnlyFunctions) {

    public static final int DEFAULT_CACHE_MAXIMUM_SIZE = 10_000;
    public static final int DEFAULT_MAX_NESTING_DEPTH = 64;
    public static final int DEFAULT_MAX_CACHED_SQL_LENGTH = 16 * 1024;
    /**
     * Weight one literal-bearing text may take on average in the literal-text cache: the bound is
     * {@code cacheMaximumSize} times this (2,560,000 with the defaults, about 2.5-5 MB of text and
     * entries), so a cache sized for N statements holds N texts of up to 192 chars, or fewer longer ones.
     */
    public static final int LITERAL_TEXT_WEIGHT_PER_ENTRY = 256;
    /** Weight charged per literal-text entry on top of its length: the cache node, key and String headers. */
    public static final int LITERAL_TEXT_ENTRY_OVERHEAD = 64;
    /** Depths above this risk a StackOverflowError inside the parser, whatever the stack size. */
    public static final int MAX_ALLOWED_NESTING_DEPTH = 256;
    /**
     * About a hundred times a typical uncached parse (0.1-0.5 ms on a loaded 2-core machine), and
     * below the 154-280 ms a failing parse with retries was measured at (issue #14).
     */
    public static final Duration DEFAULT_PARSE_BUDGET = Duration.ofMillis(50);

    /**
     * Functions that change state or read primary-only or session-only state. One list serves all
     * dialects: the names do not collide, and a call the server rejects costs nothing extra on the
     * primary. {@code sleep}/{@code pg_sleep} are deliberately absent: slow but harmless on a replica.
     */
    public static final Set<String> DEFAULT_SIDE_EFFECT_FUNCTIONS = Set.of(
            // PostgreSQL sequences and transaction identity
            "nextval", "setval", "currval", "lastval",
            "txid_current", "txid_current_if_assigned", "pg_current_xact_id", "pg_current_xact_id_if_assigned",
            // PostgreSQL advisory locks (session- or transaction-scoped)
            "pg_advisory_lock", "pg_advisory_lock_shared", "pg_advisory_xact_lock", "pg_advisory_xact_lock_shared",
            "pg_try_advisory_lock", "pg_try_advisory_lock_shared",
            "pg_try_advisory_xact_lock", "pg_try_advisory_xact_lock_shared",
            "pg_advisory_unlock", "pg_advisory_unlock_shared", "pg_advisory_unlock_all",
            // PostgreSQL session, server and cross-database side effects
            "pg_notify", "set_config", "pg_terminate_backend", "pg_cancel_backend",
            "pg_current_wal_lsn", "pg_current_wal_insert_lsn", "pg_current_wal_flush_lsn",
            "pg_switch_wal", "pg_create_restore_point", "pg_reload_conf", "pg_logical_emit_message",
            "dblink", "dblink_exec", "dblink_send_query",
            // PostgreSQL promotion, replication slots (a logical slot's get_changes consumes them) and statistics resets
            "pg_promote", "pg_create_physical_replication_slot", "pg_create_logical_replication_slot",
            "pg_drop_replication_slot", "pg_copy_physical_replication_slot", "pg_copy_logical_replication_slot",
            "pg_replication_slot_advance", "pg_logical_slot_get_changes", "pg_logical_slot_get_binary_changes",
            "pg_stat_reset", "pg_stat_reset_shared", "pg_stat_reset_single_table_counters",
            "pg_stat_reset_single_function_counters", "pg_stat_reset_slru", "pg_stat_reset_replication_slot",
            "pg_stat_reset_subscription_stats",
            // PostgreSQL large-object writes
            "lo_create", "lo_creat", "lo_import", "lo_unlink", "lo_put", "lo_from_bytea",
            "lowrite", "lo_truncate", "lo_truncate64",
            // MySQL / MariaDB named locks and session-derived results
            "get_lock", "release_lock", "release_all_locks", "is_used_lock", "is_free_lock",
            "last_insert_id", "row_count", "found_rows");

    /**
     * Built-in functions of PostgreSQL and MySQL/MariaDB that only read their arguments or the data
     * (aggregates, window functions, string, number, date/time, JSON and array functions). Used only
     * with {@link UnknownFunctions#PRIMARY}; kept short on purpose: a function missing here costs a
     * replica read, a wrong entry would send a write to a replica.
     */
    public static final Set<String> DEFAULT_READ_ONLY_FUNCTIONS = Set.of(
            // aggregates and window functions
            "count", "sum", "avg", "min", "max", "bool_and", "bool_or", "every", "array_agg", "string_agg",
            "json_agg", "jsonb_agg", "json_object_agg", "jsonb_object_agg", "group_concat", "stddev", "stddev_pop",
            "stddev_samp", "variance", "var_pop", "var_samp", "percentile_cont", "percentile_disc", "mode",
            "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead",
            "first_value", "last_value", "nth_value", "grouping",
            // conditionals
            "coalesce", "nullif", "greatest", "least", "ifnull", "if", "isnull", "nvl",
            // strings
            "lower", "upper", "length", "char_length", "character_length", "octet_length", "bit_length",
            "substring", "substr", "trim", "ltrim", "rtrim", "btrim", "concat", "concat_ws", "left", "right",
            "lpad", "rpad", "position", "strpos", "split_part", "initcap", "reverse", "repeat", "translate",
            "starts_with", "format", "md5", "regexp_replace", "regexp_matches", "regexp_match", "regexp_like",
            "regexp_substr", "locate", "instr", "ascii", "chr", "char", "hex", "unhex", "quote_ident", "quote_literal",
            // numbers
            "abs", "round", "floor", "ceil", "ceiling", "trunc", "truncate", "mod", "power", "pow", "sqrt", "exp",
            "ln", "log", "log10", "sign", "div",
            // date and time
            "now", "date_trunc", "date_part", "to_char", "to_date", "to_timestamp", "to_number", "age",
            "make_date", "make_timestamp", "date_format", "date_add", "date_sub", "datediff", "timestampdiff",
            "str_to_date", "unix_timestamp", "from_unixtime", "curdate", "curtime", "date", "year", "month", "day",
            "hour", "minute", "second", "dayofweek", "week",
            // JSON and arrays
            "json_build_object", "jsonb_build_object", "json_build_array", "jsonb_build_array", "to_json", "to_jsonb",
            "json_extract", "json_unquote", "json_object", "json_array", "jsonb_array_elements",
            "json_array_elements", "jsonb_extract_path", "jsonb_extract_path_text", "json_extract_path_text",
            "array_length", "cardinality", "unnest", "generate_series", "array_position", "array_to_string",
            "string_to_array");

    public ClassifierSettings {
        if (cacheMaximumSize < 0) {
            throw new IllegalArgumentException("cacheMaximumSize is " + cacheMaximumSize
                    + "; use 0 to disable the parse cache or a positive entry count (default "
                    + DEFAULT_CACHE_MAXIMUM_SIZE + ")");
        }
        if (maxNestingDepth < 1 || maxNestingDepth > MAX_ALLOWED_NESTING_DEPTH) {
            throw new IllegalArgumentException("maxNestingDepth is " + maxNestingDepth + "; choose 1.."
                    + MAX_ALLOWED_NESTING_DEPTH + " (default " + DEFAULT_MAX_NESTING_DEPTH
                    + "); deeper statements are sent to the primary unparsed");
        }
        if (maxCachedSqlLength < 0) {
            throw new IllegalArgumentException("maxCachedSqlLength is " + maxCachedSqlLength
                    + "; use 0 to cache nothing or a length in chars (default " + DEFAULT_MAX_CACHED_SQL_LENGTH + ")");
        }
        sideEffectFunctions = normalize(sideEffectFunctions, "sideEffectFunctions");
        if (unknownFunctions == null) {
            throw new IllegalArgumentException("unknownFunctions is null; use UnknownFunctions.REPLICA (the default) or PRIMARY");
        }
        readOnlyFunctions = normalize(readOnlyFunctions, "readOnlyFunctions");
        if (parseBudget == null || parseBudget.isNegative() || parseBudget.isZero()) {
            throw new IllegalArgumentException("parseBudget is " + parseBudget
                    + "; give a positive duration (default " + DEFAULT_PARSE_BUDGET.toMillis() + " ms)");
        }
    }

    /**
     * Bound of the cache of repeated literal-bearing texts (a statement with an inlined literal seen
     * again verbatim), as a weight: chars of SQL plus {@link #LITERAL_TEXT_ENTRY_OVERHEAD} per entry.
     * Derived from {@code cacheMaximumSize} ({@link #LITERAL_TEXT_WEIGHT_PER_ENTRY} per entry), so one
     * setting sizes all the classifier's caches and 0 still disables them.
     */
    public long literalTextCacheMaximumWeight() {
        return (long) cacheMaximumSize * LITERAL_TEXT_WEIGHT_PER_ENTRY;
    }

    /** The weight of one literal-text entry (see {@link #literalTextCacheMaximumWeight()}). */
    static int literalTextWeight(String sql) {
        return LITERAL_TEXT_ENTRY_OVERHEAD + sql.length();
    }

    /** Settings with the {@link #DEFAULT_PARSE_BUDGET}. */
    public ClassifierSettings(int cacheMaximumSize, int maxNestingDepth, int maxCachedSqlLength,
                              Set<String> sideEffectFunctions) {
        this(cacheMaximumSize, maxNestingDepth, maxCachedSqlLength, sideEffectFunctions, DEFAULT_PARSE_BUDGET);
    }

    /** Settings where unknown functions may go to a replica ({@link UnknownFunctions#REPLICA}). */
    public ClassifierSettings(int cacheMaximumSize, int maxNestingDepth, int maxCachedSqlLength,
                              Set<String> sideEffectFunctions, Duration parseBudget) {
        this(cacheMaximumSize, maxNestingDepth, maxCachedSqlLength, sideEffectFunctions, parseBudget,
                UnknownFunctions.REPLICA, DEFAULT_READ_ONLY_FUNCTIONS);
    }

    /**
     * 10,000 cached statements, nesting depth 64, statements up to 16 KiB cached, the default function
     * list, a 50 ms parse budget.
     */
    public static ClassifierSettings defaults() {
        return new ClassifierSettings(DEFAULT_CACHE_MAXIMUM_SIZE, DEFAULT_MAX_NESTING_DEPTH,
                DEFAULT_MAX_CACHED_SQL_LENGTH, DEFAULT_SIDE_EFFECT_FUNCTIONS, DEFAULT_PARSE_BUDGET,
                UnknownFunctions.REPLICA, DEFAULT_READ_ONLY_FUNCTIONS);
    }

    public ClassifierSettings withCacheMaximumSize(int size) {
        return new ClassifierSettings(size, maxNestingDepth, maxCachedSqlLength, sideEffectFunctions, parseBudget, unknownFunctions, readOnlyFunctions);
    }

    public ClassifierSettings withMaxNestingDepth(int depth) {
        return new ClassifierSettings(cacheMaximumSize, depth, maxCachedSqlLength, sideEffectFunctions, parseBudget, unknownFunctions, readOnlyFunctions);
    }

    public ClassifierSettings withMaxCachedSqlLength(int length) {
        return new ClassifierSettings(cacheMaximumSize, maxNestingDepth, length, sideEffectFunctions, parseBudget, unknownFunctions, readOnlyFunctions);
    }

    public ClassifierSettings withParseBudget(Duration budget) {
        return new ClassifierSettings(cacheMaximumSize, maxNestingDepth, maxCachedSqlLength, sideEffectFunctions, budget, unknownFunctions, readOnlyFunctions);
    }

    /** Replaces the function list; start from {@link #DEFAULT_SIDE_EFFECT_FUNCTIONS} to extend it. */
    public ClassifierSettings withSideEffectFunctions(Collection<String> functions) {
        return new ClassifierSettings(cacheMaximumSize, maxNestingDepth, maxCachedSqlLength, Set.copyOf(functions), parseBudget,
                unknownFunctions, readOnlyFunctions);
    }

    /** Adds application functions (e.g. {@code audit.touch}) to the current list. */
    public ClassifierSettings withAdditionalSideEffectFunctions(Collection<String> functions) {
        Set<String> all = new LinkedHashSet<>(sideEffectFunctions);
        all.addAll(functions);
        return withSideEffectFunctions(all);
    }

    /** Sets where calls of functions not known to be read-only go ({@link UnknownFunctions}). */
    public ClassifierSettings withUnknownFunctions(UnknownFunctions mode) {
        return new ClassifierSettings(cacheMaximumSize, maxNestingDepth, maxCachedSqlLength, sideEffectFunctions, parseBudget,
                mode, readOnlyFunctions);
    }

    /** Adds application functions known to be read-only (consulted with {@link UnknownFunctions#PRIMARY}). */
    public ClassifierSettings withAdditionalReadOnlyFunctions(Collection<String> functions) {
        Set<String> all = new LinkedHashSet<>(readOnlyFunctions);
        all.addAll(functions);
        return new ClassifierSettings(cacheMaximumSize, maxNestingDepth, maxCachedSqlLength, sideEffectFunctions, parseBudget,
                unknownFunctions, Set.copyOf(all));
    }

    private static Set<String> normalize(Set<String> functions, String what) {
        if (functions == null) {
            throw new IllegalArgumentException(what + " is null; pass ClassifierSettings.DEFAULT_"
                    + (what.startsWith("side") ? "SIDE_EFFECT" : "READ_ONLY") + "_FUNCTIONS or an empty set");
        }
        Set<String> normalized = new LinkedHashSet<>();
        for (String name : functions) {
            if (name == null || name.isBlank() || name.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("function name '" + name
                        + "' is invalid; give a bare name like nextval or a qualified one like audit.touch");
            }
            normalized.add(name.toLowerCase(Locale.ROOT));
        }
        return Set.copyOf(normalized);
    }
}
