package dev.junction.classify;

import java.util.Locale;
import java.util.Set;

/**
 * Proves, from tokens alone, that a statement the parser could not read is a plain read.
 *
 * <p>Why: JSqlParser does not know every dialect construct (index hints, charset introducers,
 * {@code '%'||?||'%'} written without spaces, keywords used as aliases ...), and before this every
 * such read went to the primary. The proof is deliberately narrow: it answers "read" only when
 * everything that could make a query unfit for a replica is <em>absent</em>, so a construct it does
 * not understand can only cost a replica read, never send a write to one. It uses the classifier's
 * own lexer, so literals, quoted identifiers and comments are skipped exactly as elsewhere.
 *
 * <p>A statement is a proven read when it starts with SELECT, WITH, VALUES or TABLE (after any
 * opening parentheses) and contains none of:
 * <ul>
 *   <li>a word that writes or declares a write: INSERT, UPDATE, DELETE, MERGE, REPLACE, UPSERT,
 *       TRUNCATE, CALL, COPY, LOAD, SET, INTO, OUTFILE, DUMPFILE, CREATE, DROP, ALTER, GRANT,
 *       EXECUTE, PREPARE, HANDLER, PROCEDURE (so no data-modifying CTE, no SELECT INTO).
 *       INSERT( and REPLACE( are MySQL/PostgreSQL string functions and are judged as functions;</li>
 *   <li>a locking word: LOCK, SHARE, NOWAIT (FOR UPDATE, FOR [KEY] SHARE, LOCK IN SHARE MODE);</li>
 *   <li>session-state changes: {@code :=}, SQL_CALC_FOUND_ROWS;</li>
 *   <li>sequence access: NEXT / PREVIOUS (NEXT VALUE FOR s), NEXTVAL, CURRVAL, SETVAL, LASTVAL as words;</li>
 *   <li>a call of a configured side-effect function, by last name part or qualified name, quoted
 *       or not: the same list, matched the same way, as the parser path
 *       ({@link ClassifierSettings#sideEffectFunctions()}); with {@link UnknownFunctions#PRIMARY}, a call
 *       of any function not known to be read-only (the same {@link FunctionPolicy} as the parser path);</li>
 *   <li>a {@code ;} (a second statement). JDBC escapes ({@code {fn f()}}, {@code {ts '...'}}) are
 *       judged by their tokens: {@code {call ...}} has CALL, {@code {fn nextval(...)}} a side-effect
 *       function;</li>
 *   <li>a PostgreSQL Unicode-escaped identifier {@code U&"..."}, which could spell a side-effect
 *       function the list would not recognise.</li>
 * </ul>
 * SET is allowed only as MySQL's {@code CHARACTER SET} (in CAST/CONVERT). Quoted identifiers
 * ({@code "..."}, and backticks for MySQL; in MySQL {@code "..."} too, as ANSI_QUOTES may make it
 * one) followed by {@code (} are checked as function names.
 * A word in these lists used as a column name makes the proof fail: the primary, as before.
 */
final class TokenReadProof {

    private static final Set<String> FIRST = Set.of("SELECT", "WITH", "VALUES", "TABLE");
    private static final Set<String> FORBIDDEN = Set.of(
            // writes and statements that can hide one
            "INSERT", "UPDATE", "DELETE", "MERGE", "REPLACE", "UPSERT", "TRUNCATE", "CALL", "COPY", "LOAD",
            "SET", "INTO", "OUTFILE", "DUMPFILE", "CREATE", "DROP", "ALTER", "GRANT", "REVOKE", "EXECUTE",
            "PREPARE", "HANDLER", "PROCEDURE", "DO",
            // locking clauses
            "LOCK", "SHARE", "NOWAIT",
            // session state
            "SQL_CALC_FOUND_ROWS",
            // sequences (NEXT VALUE FOR s, MariaDB s.NEXTVAL)
            "NEXT", "PREVIOUS", "NEXTVAL", "CURRVAL", "SETVAL", "LASTVAL");
    /** Words in FORBIDDEN that are also ordinary functions when a '(' follows. */
    private static final Set<String> ALSO_FUNCTIONS = Set.of("INSERT", "REPLACE");

    private final SqlLexer lexer;
    /**
     * Words that take a parenthesis without being a function call. With {@link UnknownFunctions#PRIMARY}
     * any other {@code name (} not known to be read-only fails the proof; a word missing here only costs
     * a replica read (the statement goes to the primary).
     */
    private static final Set<String> NOT_CALLS = Set.of(
            "select", "with", "values", "table", "from", "join", "lateral", "as", "on", "using", "in", "exists",
            "any", "all", "some", "and", "or", "not", "where", "having", "by", "when", "then", "else", "case",
            "between", "like", "ilike", "is", "union", "except", "intersect", "array", "row", "filter", "within",
            "over", "cast", "limit", "offset", "distinct", "materialized", "rollup", "cube", "sets", "escape");

    private final FunctionPolicy functions;

    TokenReadProof(SqlLexer lexer, FunctionPolicy functions) {
        this.lexer = lexer;
        this.functions = functions;
    }

    /** True only if {@code [start, end)} of {@code sql} is provably a plain read. */
    boolean isPlainRead(String sql, int start, int end) {
        TokenCursor cursor = new TokenCursor(sql, lexer, start, end);
        while (cursor.isChar('(')) {
            cursor.advance();
        }
        if (!cursor.isWord() || !FIRST.contains(cursor.text())) {
            return false;
        }
        StringBuilder qualified = new StringBuilder();
        boolean qualifying = false; // the previous tokens were "name ." so qualified holds a prefix
        boolean afterCharacter = false;
        while (!cursor.atEnd()) {
            int tokenStart = cursor.tokenStart();
            int tokenEnd = cursor.tokenEnd();
            char first = sql.charAt(tokenStart);
            String name = null;
            boolean quoted = false;
            boolean characterSet = afterCharacter;
            afterCharacter = false;
            if (cursor.isWord()) {
                String word = cursor.text();
                if (FORBIDDEN.contains(word) && !(ALSO_FUNCTIONS.contains(word) && cursor.peek().isChar('('))
                        && !(characterSet && word.equals("SET"))) {
                    return false;
                }
                afterCharacter = word.equals("CHARACTER");
                name = word.toLowerCase(Locale.ROOT);
            } else if (tokenEnd - tokenStart == 1 && first == ';') {
                return false;
            } else if (first == ':' && tokenEnd - tokenStart == 1 && cursor.peek().isChar('=')) {
                return false;
            } else if (isQuotedIdentifier(sql, tokenStart, tokenEnd)) {
                if (tokenStart >= 2 && sql.charAt(tokenStart - 1) == '&' && !lexer.isMySqlFamily()) {
                    return false; // U&"..." (the U is a separate word token)
                }
                name = sql.substring(tokenStart + 1, tokenEnd - 1).toLowerCase(Locale.ROOT);
                quoted = true;
            }
            if (name != null) {
                if (!qualifying) {
                    qualified.setLength(0);
                }
                qualified.append(qualifying ? "." : "").append(name);
                TokenCursor next = cursor.peek();
                if (next.isChar('(') && isSideEffect(name, qualified, quoted)) {
                    return false;
                }
                qualifying = next.isChar('.');
                if (qualifying) {
                    cursor.advance(); // onto the '.'
                }
            } else {
                qualifying = false;
            }
            cursor.advance();
        }
        return true;
    }

    /**
     * MySQL {@code SELECT ... INTO @var}: it sets a user variable, so it is session state (the router
     * pins the session, and later reads of the variable follow it to the primary).
     */
    boolean assignsUserVariable(String sql, int start, int end) {
        if (!lexer.isMySqlFamily()) {
            return false;
        }
        TokenCursor cursor = new TokenCursor(sql, lexer, start, end);
        while (!cursor.atEnd()) {
            if (cursor.isWord("INTO") && cursor.advance().isChar('@')) {
                return true;
            }
            if (!cursor.atEnd()) {
                cursor.advance();
            }
        }
        return false;
    }

    private boolean isSideEffect(String last, CharSequence qualified, boolean quoted) {
        String q = qualified.toString();
        if (!quoted && q.equals(last) && NOT_CALLS.contains(last) && functions.unknownIsPrimary()) {
            return false; // IN (, EXISTS (, AS ( ...: syntax, not a call
        }
        return functions.forcesPrimary(last, q);
    }

    private boolean isQuotedIdentifier(String sql, int start, int stop) {
        char c = sql.charAt(start);
        boolean quoted = c == '`' && lexer.isMySqlFamily() || c == '"';
        return quoted && stop - start >= 2 && sql.charAt(stop - 1) == c;
    }
}
