package dev.junction.classify;

import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.delete.Delete;
import net.sf.jsqlparser.statement.insert.Insert;
import net.sf.jsqlparser.statement.merge.Merge;
import net.sf.jsqlparser.statement.select.Select;
import net.sf.jsqlparser.statement.truncate.Truncate;
import net.sf.jsqlparser.statement.update.Update;
import net.sf.jsqlparser.statement.upsert.Upsert;

/**
 * Classifies a statement that the keyword pre-check left to the parser: queries and DML.
 *
 * <p>Anything the parser accepts but that is neither is reported as
 * {@link PrimaryReason#UNPARSEABLE}: the keyword layer already handles every statement type the
 * router understands, so an unexpected type means the classifier does not know what it does.
 */
final class AstClassifier {

    static final Classification UNPARSEABLE = Classification.of(StatementKind.UNKNOWN, PrimaryReason.UNPARSEABLE);
    /** A parse over the budget: the same routing as UNPARSEABLE, a distinct instance so it can be counted. */
    static final Classification OVER_BUDGET = new Classification(StatementKind.UNKNOWN, PrimaryReason.UNPARSEABLE,
            List.of(), false);
    /** MySQL SELECT ... INTO @var (which the parser does not read): session state, so the session is pinned. */
    static final Classification USER_VARIABLE_INTO = Classification.of(StatementKind.READ, PrimaryReason.SESSION_STATE);
    /** A read proven by {@link TokenReadProof}; its tables are unknown. */
    static final Classification PROVEN_READ = Classification.of(StatementKind.READ, PrimaryReason.NONE);

    private final Dialect dialect;
    private final FunctionPolicy functions;
    private final StatementParser parser;
    private final TokenReadProof proof;
    private final LongAdder overBudget;

    AstClassifier(Dialect dialect, ClassifierSettings settings, SqlLexer lexer, LongAdder overBudget) {
        this.dialect = dialect;
        this.functions = new FunctionPolicy(settings);
        this.parser = new StatementParser(lexer, settings.parseBudget().toNanos());
        this.proof = new TokenReadProof(lexer, functions);
        this.overBudget = overBudget;
    }

    Classification classify(String sql, int depth, boolean escapeStrings) {
        StatementParser.Parsed parsed = parser.parse(sql, depth, escapeStrings);
        if (parsed.overBudget()) {
            overBudget.increment();
            return OVER_BUDGET;
        }
        Statement statement = parsed.statement();
        if (statement == null) {
            return proveRead(sql);
        }
        if (statement instanceof Select) {
            Classification query = classifyQuery(statement, sql);
            return query == UNPARSEABLE ? proveRead(sql) : query;
        }
        if (statement instanceof Insert || statement instanceof Update || statement instanceof Delete
                || statement instanceof Merge || statement instanceof Upsert) {
            return Classification.of(StatementKind.WRITE, PrimaryReason.WRITE, tablesOf(statement));
        }
        if (statement instanceof Truncate) {
            return Classification.of(StatementKind.DDL, PrimaryReason.DDL, tablesOf(statement));
        }
        return proveRead(sql);
    }

    private Classification proveRead(String sql) {
        if (proof.isPlainRead(sql, 0, sql.length())) {
            return PROVEN_READ;
        }
        return proof.assignsUserVariable(sql, 0, sql.length()) ? USER_VARIABLE_INTO : UNPARSEABLE;
    }

    private Classification classifyQuery(Statement query, String sql) {
        ReadSafetyVisitor.Findings found = inspect(query);
        if (found == null) {
            return UNPARSEABLE; // a tree the visitor cannot walk: safety unproven
        }
        if (found.dataModifyingCte()) {
            return Classification.of(StatementKind.WRITE, PrimaryReason.DATA_MODIFYING_CTE, found.tables());
        }
        if (found.selectInto() && proof.assignsUserVariable(sql, 0, sql.length())) {
            return USER_VARIABLE_INTO;
        }
        if (found.selectInto()) {
            return Classification.of(StatementKind.WRITE, PrimaryReason.SELECT_INTO, found.tables());
        }
        if (found.lockingRead()) {
            return Classification.of(StatementKind.READ, PrimaryReason.LOCKING_READ, found.tables());
        }
        if (dialect == Dialect.POSTGRESQL && unicodeEscapedIdentifier(sql)) {
            // U&"\0070g_advisory_lock" names any function by escapes the parser does not decode (it reads
            // U & "..."): no function name of the statement is proven, so it runs as session-bound would
            return Classification.of(StatementKind.READ, PrimaryReason.SESSION_STATE, found.tables());
        }
        if (found.sessionState()) { // before side effects: a session lock is both, and it must pin
            return Classification.of(StatementKind.READ, PrimaryReason.SESSION_STATE, found.tables());
        }
        if (found.sideEffectFunction()) {
            return Classification.of(StatementKind.READ, PrimaryReason.SIDE_EFFECT_FUNCTION, found.tables());
        }
        return Classification.of(StatementKind.READ, PrimaryReason.NONE, found.tables());
    }

    /** {@code U&"} anywhere (also in a literal: a rare false positive costs a primary read). */
    private static boolean unicodeEscapedIdentifier(String sql) {
        for (int i = sql.indexOf('&'); i > 0 && i + 1 < sql.length(); i = sql.indexOf('&', i + 1)) {
            if ((sql.charAt(i - 1) | 0x20) == 'u' && sql.charAt(i + 1) == '"') {
                return true;
            }
        }
        return false;
    }

    /** Tables of a write; a tree the visitor cannot walk leaves them empty but the statement a write. */
    private List<String> tablesOf(Statement statement) {
        ReadSafetyVisitor.Findings found = inspect(statement);
        return found == null ? List.of() : found.tables();
    }

    /** The visitor's findings, or null if it failed on an unexpected node or a very deep tree. */
    private ReadSafetyVisitor.Findings inspect(Statement statement) {
        try {
            return new ReadSafetyVisitor(dialect, functions).inspect(statement);
        } catch (RuntimeException e) {
            return null;
        } catch (StackOverflowError e) {
            // "a + a + ... " with tens of thousands of terms parses iteratively but is walked
            // recursively; parenthesis depth does not bound it. The stack has unwound here.
            return null;
        }
    }
}
