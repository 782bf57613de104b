package dev.junction.classify;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import net.sf.jsqlparser.parser.CCJSqlParser;
import net.sf.jsqlparser.parser.CCJSqlParserConstants;
import net.sf.jsqlparser.parser.ParseException;
import net.sf.jsqlparser.parser.StringProvider;
import net.sf.jsqlparser.parser.Token;
import net.sf.jsqlparser.statement.Statement;

/**
 * Runs JSqlParser on the calling thread, within a time budget, and turns every failure into a value.
 *
 * <p>{@code CCJSqlParserUtil.parse} is avoided on purpose: it hands each parse to an executor
 * thread to enforce its timeout and logs on fallback, which costs a thread hop per cache miss.
 * Here the parse stays on the caller's thread and the budget is enforced twice: the CPU time the
 * thread spent parsing is compared with the budget after each attempt (CPU time, so that a loaded
 * machine that deschedules the thread does not push ordinary statements over), and a shared
 * watchdog thread stops the parse once it, all attempts together, has used the budget of the parsing
 * thread's CPU time (or, as a backstop, ten times the budget of wall-clock time). The watchdog first
 * wakes after the remaining budget of wall-clock time (CPU time never runs faster than the wall
 * clock), reads the parsing thread's CPU time, and sleeps again for what is left; an ordinary parse
 * finishes first and cancels it. Before this the parse was only interrupted at ten times the budget,
 * and softly, so a statement whose "complex parsing" retry took 120-300 ms of CPU (PostgreSQL
 * {@code '%'||?||'%'} in an UPDATE, issue #14) paid all of it on every uncached call although its
 * result was already "over budget"; now it costs the budget and a few milliseconds (see
 * {@link #halt} for how, and docs/benchmarks.md for the figures). Deep nesting is also rejected up
 * front (the caller's depth guard), and the complex-parsing retry is only attempted for shallow
 * statements and while budget remains.
 */
final class StatementParser {

    /** Complex-parsing retries above this parenthesis depth could take seconds. */
    static final int COMPLEX_PARSING_MAX_DEPTH = 5;
    /** The wall-clock backstop, as a multiple of the CPU budget. */
    static final int WATCHDOG_FACTOR = 10;

    /** A parse result: the statement (null if it could not be parsed) or the budget ran out. */
    record Parsed(Statement statement, boolean overBudget) {
        static final Parsed FAILED = new Parsed(null, false);
        static final Parsed OVER_BUDGET = new Parsed(null, true);
    }

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final boolean CPU_TIME = cpuTimeAvailable();
    private static final ScheduledThreadPoolExecutor WATCHDOG = watchdog();

    private final SqlLexer lexer;
    private final long budgetNanos;

    StatementParser(SqlLexer lexer, long budgetNanos) {
        this.lexer = lexer;
        this.budgetNanos = budgetNanos;
    }

    /**
     * @param sql           one statement, without a trailing semicolon
     * @param depth         its parenthesis nesting depth
     * @param escapeStrings it contains PostgreSQL {@code E'...'} literals
     */
    Parsed parse(String sql, int depth, boolean escapeStrings) {
        long start = now();
        long wallDeadline = System.nanoTime() + saturatedMultiply(budgetNanos, WATCHDOG_FACTOR);
        boolean backslashEscapes = lexer.isMySqlFamily() || escapeStrings;
        sql = separatePlaceholderFromBars(sql);
        Statement statement = tryParse(sql, false, backslashEscapes, start, wallDeadline);
        if (statement == null && depth <= COMPLEX_PARSING_MAX_DEPTH && !spent(start)) {
            statement = tryParse(sql, true, backslashEscapes, start, wallDeadline);
        }
        if (statement == null && lexer.isMySqlFamily() && !spent(start)) {
            String rewritten = rewriteLockInShareMode(sql);
            if (rewritten != null) {
                statement = tryParse(rewritten, false, backslashEscapes, start, wallDeadline);
            }
        }
        if (spent(start)) {
            return Parsed.OVER_BUDGET;
        }
        return statement == null ? Parsed.FAILED : new Parsed(statement, false);
    }

    /**
     * {@code ?||} becomes {@code ? ||} outside literals and comments (the input is the lexer's
     * {@link SqlLexer#parserInput parser input}, comments already blanked), unless the {@code ?} follows
     * another {@code ?} (JDBC's {@code ??} escape).
     *
     * <p>Why: JSqlParser reads {@code ?|} as PostgreSQL's jsonb operator, so a placeholder concatenated
     * without spaces, {@code LIKE ('%'||?||'%')}, fails to parse; that is how Hibernate renders
     * {@code like concat('%', :x, '%')} and {@code contains}-style patterns on PostgreSQL. The failure
     * then costs the slow complex-parsing retry on every uncached text, which on a loaded machine runs
     * over the parse budget (the read then goes to the primary, and is cached so). Measured on the
     * ORM corpus, docs/architecture.md "Classification corpus".
     *
     * <p>Safe: only whitespace is inserted between two operator tokens, never inside a literal, quoted
     * identifier or comment, so the tables, functions, locking clauses, INTO and CTE bodies the tree
     * walk checks are the same tokens as before. Whether {@code ?||} means a placeholder and a
     * concatenation (as JDBC drivers send it) or some operator, it is an expression either way.
     */
    String separatePlaceholderFromBars(String sql) {
        return lexer.separatePlaceholderFromBars(sql);
    }

    private boolean spent(long start) {
        return now() - start > budgetNanos;
    }

    private Statement tryParse(String sql, boolean complex, boolean backslashEscapes, long start, long wallDeadline) {
        CCJSqlParser parser = new CCJSqlParser(new StringProvider(sql))
                .withAllowComplexParsing(complex)
                .withBackslashEscapeCharacter(backslashEscapes);
        Watch watch = new Watch(parser, Thread.currentThread().getId(), start, wallDeadline);
        watch.arm(Math.max(0, budgetNanos - (now() - start)));
        try {
            Statement statement = parser.Statement();
            // Statement() stops at a blank-line run or a lone "/" or "GO" line, which JSqlParser takes
            // for statement separators but the server does not: "SELECT * FROM t\n\n\nFOR UPDATE" is
            // one locking read. Only a parse that consumed the whole text counts.
            boolean whole = parser.getNextToken().kind == CCJSqlParserConstants.EOF;
            if (watch.fired() || System.nanoTime() - wallDeadline >= 0 || spent(start)) {
                // Possibly stopped: whatever the parser made of poisoned tokens proves nothing. Checked
                // after the last token read and with the caller's own clocks too (the watchdog stops a
                // parse only when one of them has run out, and both are monotonic), so no
                // memory-ordering subtlety can let a truncated parse through.
                return null;
            }
            return whole ? statement : null;
        } catch (ParseException | RuntimeException e) { // incl. TokenMgrException and parser-internal bugs
            return null;
        } catch (StackOverflowError e) {
            // Deep recursion without parentheses (long operator chains); the stack has unwound.
            return null;
        } finally {
            watch.stop();
        }
    }

    /**
     * Stops one attempt ({@link #halt}) once the whole parse has used its CPU budget, or at the
     * wall-clock backstop. Runs on the watchdog thread; re-arms itself while budget is left.
     */
    private final class Watch implements Runnable {
        private final CCJSqlParser parser;
        private final long threadId;
        private final long start;
        private final long wallDeadline;
        private volatile boolean stopped;
        private volatile boolean fired;
        private volatile ScheduledFuture<?> pending;

        Watch(CCJSqlParser parser, long threadId, long start, long wallDeadline) {
            this.parser = parser;
            this.threadId = threadId;
            this.start = start;
            this.wallDeadline = wallDeadline;
        }

        void arm(long delayNanos) {
            pending = WATCHDOG.schedule(this, delayNanos, TimeUnit.NANOSECONDS);
            if (stopped) {
                pending.cancel(false); // stop() ran between schedule() and the assignment
            }
        }

        @Override
        public void run() {
            if (stopped) {
                return;
            }
            long used = CPU_TIME ? THREADS.getThreadCpuTime(threadId) - start : System.nanoTime() - start;
            long wallLeft = wallDeadline - System.nanoTime();
            long budgetLeft = budgetNanos - used;
            if (budgetLeft <= 0 || wallLeft <= 0) {
                fired = true;
                halt(parser);
            } else if (used >= 0 || !CPU_TIME) {
                arm(Math.min(budgetLeft, wallLeft));
            } else {
                arm(wallLeft); // the thread's CPU time is unreadable (-1): only the backstop remains
            }
        }

        boolean fired() {
            return fired;
        }

        void stop() {
            stopped = true;
            ScheduledFuture<?> last = pending;
            if (last != null) {
                last.cancel(false);
            }
        }
    }

    /**
     * Stops a running parse from the watchdog thread. JSqlParser's {@code interrupted} flag alone is a
     * soft stop: it only switches off some lookahead alternatives, and on some statements the parse then
     * takes longer (measured: 240-350 ms instead of 130-150 ms of CPU). So every token from the parser's
     * position on is also turned into end-of-input: each lookahead and each consume then fails at its
     * first token and the parse unwinds with a ParseException within microseconds. The caller discards
     * whatever the parse returns ({@link Watch#fired()}), so a truncated parse can never be trusted.
     * The fields are written without synchronisation; the parser thread sees them at its next token
     * read on every JVM this runs on, and the flag remains as the fallback.
     */
    private static void halt(CCJSqlParser parser) {
        parser.interrupted = true;
        for (Token token = parser.token; token != null; token = token.next) {
            token.kind = CCJSqlParserConstants.EOF;
        }
    }

    /**
     * JSqlParser 5.x does not know MySQL's legacy {@code LOCK IN SHARE MODE}; MySQL documents it as
     * the older spelling of {@code FOR SHARE}, so parse that instead. Returns null if absent.
     */
    private String rewriteLockInShareMode(String sql) {
        TokenCursor cursor = new TokenCursor(sql, lexer, 0, sql.length());
        while (!cursor.atEnd()) {
            if (cursor.isWord("LOCK")) {
                int lockStart = cursor.tokenStart();
                if (cursor.advance().accept("IN") && cursor.accept("SHARE") && cursor.isWord("MODE")) {
                    return sql.substring(0, lockStart) + "FOR SHARE" + sql.substring(cursor.tokenEnd());
                }
            } else {
                cursor.advance();
            }
        }
        return null;
    }

    /**
     * Loads and JIT-warms the parser once per JVM, so that the first statements an application sends
     * are not charged the class loading (hundreds of milliseconds) against their parse budget.
     */
    static void warmUp() {
        Warm.DONE.hashCode();
    }

    private static final class Warm {
        static final Boolean DONE = run();

        private static Boolean run() {
            StatementParser parser = new StatementParser(new SqlLexer(Dialect.POSTGRESQL), Long.MAX_VALUE / 4);
            String[] statements = {
                "SELECT a, count(*) FROM t JOIN u ON u.id = t.id WHERE t.x = ? AND t.y IN (1, 2) GROUP BY a ORDER BY 2 DESC LIMIT 10",
                "WITH w AS (SELECT * FROM t) SELECT * FROM w WHERE EXISTS (SELECT 1 FROM u WHERE u.id = w.id) FOR UPDATE",
                "UPDATE t SET a = a + 1 WHERE id = ?", "INSERT INTO t (a, b) VALUES (?, ?)", "DELETE FROM t WHERE id = 1",
                "SELECT * FROM t WHERE a ~~ 'x' garbage"};
            for (int round = 0; round < 20; round++) {
                for (String sql : statements) {
                    parser.parse(sql, 2, false);
                }
            }
            return Boolean.TRUE;
        }
    }

    private static long now() {
        return CPU_TIME ? THREADS.getCurrentThreadCpuTime() : System.nanoTime();
    }

    private static boolean cpuTimeAvailable() {
        try {
            return THREADS.isCurrentThreadCpuTimeSupported() && THREADS.isThreadCpuTimeEnabled()
                    && THREADS.getCurrentThreadCpuTime() >= 0;
        } catch (UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    private static ScheduledThreadPoolExecutor watchdog() {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "junction-parse-watchdog");
            thread.setDaemon(true);
            return thread;
        });
        executor.setRemoveOnCancelPolicy(true);
        return executor;
    }

    private static long saturatedMultiply(long a, int b) {
        long result = a * b;
        return result / b == a ? result : Long.MAX_VALUE / 2;
    }
}
