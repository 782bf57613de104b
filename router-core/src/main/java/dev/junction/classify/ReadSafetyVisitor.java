package dev.junction.classify;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import net.sf.jsqlparser.expression.AnalyticExpression;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.Function;
import net.sf.jsqlparser.expression.NextValExpression;
import net.sf.jsqlparser.expression.UserVariable;
import net.sf.jsqlparser.expression.VariableAssignment;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.ParenthesedStatement;
import net.sf.jsqlparser.statement.create.table.ColDataType;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.StatementVisitor;
import net.sf.jsqlparser.statement.select.GroupByElement;
import net.sf.jsqlparser.statement.select.LateralSubSelect;
import net.sf.jsqlparser.statement.select.OrderByElement;
import net.sf.jsqlparser.statement.select.ParenthesedSelect;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.Select;
import net.sf.jsqlparser.statement.select.SetOperationList;
import net.sf.jsqlparser.statement.select.TableFunction;
import net.sf.jsqlparser.statement.select.WithItem;
import net.sf.jsqlparser.util.TablesNamesFinder;

/**
 * Walks a parsed statement once, collecting table names and everything that makes a query unfit
 * for a replica.
 *
 * <p>It extends JSqlParser's {@link TablesNamesFinder} for the table names and adds checks at the
 * nodes that matter: locking clauses on every (sub)select, configured side-effect functions,
 * {@code NEXT VALUE FOR}, {@code SELECT INTO}, MySQL variable assignment and
 * {@code SQL_CALC_FOUND_ROWS}, and CTEs whose body is DML (the finder would fail on those). The finder
 * skips whole clauses (FILTER, OVER, LIMIT, DISTINCT ON ...), so the safety checks run once more on
 * every node {@link AstSweep} reaches; a tree it cannot sweep is unproven. Not thread-safe: one
 * instance per statement.
 */
final class ReadSafetyVisitor extends TablesNamesFinder<Void> {

    /** What one walk found. */
    record Findings(List<String> tables, boolean lockingRead, boolean sideEffectFunction,
                    boolean dataModifyingCte, boolean selectInto, boolean sessionState) {
    }

    /**
     * Functions whose effect or answer belongs to the server session that ran them: the session must
     * keep its primary connection (and the pool must not get it back carrying that state). Session
     * locks: the next read on a replica would give the connection (and the lock) back to the pool,
     * where another client "takes" it again (locks are re-entrant within a session). {@code set_config}
     * sets a session setting (read by row-level security policies: a replica read without it is a
     * wrong answer). currval/lastval/LAST_INSERT_ID/ROW_COUNT/FOUND_ROWS answer about this session's
     * own earlier statements. Transaction-scoped locks end with the transaction, which holds its connection.
     */
    private static final Set<String> SESSION_BOUND = Set.of(
            "pg_advisory_lock", "pg_advisory_lock_shared", "pg_try_advisory_lock", "pg_try_advisory_lock_shared",
            "get_lock", "set_config", "currval", "lastval", "last_insert_id", "row_count", "found_rows");

    /**
     * MySQL/MariaDB system variables that answer about this session's own last statements
     * ({@code @@identity} is LAST_INSERT_ID()): read on another server or connection they are wrong.
     */
    private static final Set<String> SESSION_BOUND_VARIABLES = Set.of(
            "identity", "last_insert_id", "insert_id", "last_gtid", "warning_count", "error_count");

    private final FunctionPolicy functions;
    private final boolean mysql;
    private final boolean mariadbSequenceColumns;
    private final Set<String> tableNames = new LinkedHashSet<>();
    private final Set<String> cteNames = new LinkedHashSet<>();
    private boolean lockingRead;
    private boolean sideEffectFunction;
    private boolean dataModifyingCte;
    private boolean selectInto;
    private boolean sessionState;

    ReadSafetyVisitor(Dialect dialect, FunctionPolicy functions) {
        this.functions = functions;
        this.mysql = dialect.isMySqlFamily();
        this.mariadbSequenceColumns = dialect == Dialect.MARIADB;
    }

    Findings inspect(Statement statement) {
        init(false);
        statement.accept((StatementVisitor<Void>) this, null);
        if (!AstSweep.sweep(statement, this::checkNode)) {
            throw new IllegalStateException("the statement's tree could not be swept"); // unproven: primary
        }
        tableNames.removeAll(cteNames);
        return new Findings(List.copyOf(tableNames), lockingRead, sideEffectFunction, dataModifyingCte,
                selectInto, sessionState);
    }

    @Override
    public <S> Void visit(Table table, S context) {
        String name = Identifiers.qualified(table.getSchemaName(), table.getName());
        if (!(mysql && name.equals("dual"))) {
            tableNames.add(name);
        }
        return super.visit(table, context);
    }

    @Override
    public <S> Void visit(Function function, S context) {
        checkFunction(function);
        return super.visit(function, context);
    }

    @Override
    public <S> Void visit(TableFunction tableFunction, S context) {
        checkFunction(tableFunction.getFunction());
        return super.visit(tableFunction, context);
    }

    @Override
    public <S> Void visit(NextValExpression nextVal, S context) {
        sideEffectFunction = true;
        return super.visit(nextVal, context);
    }

    @Override
    public <S> Void visit(VariableAssignment assignment, S context) {
        // SELECT @n := @n + 1 changes the session's user variables. JSqlParser also reads
        // SELECT @a = @b as an assignment (SQL Server's SELECT @v = expr), but in MySQL and MariaDB
        // '=' in a select list compares: only ':=' assigns there. Reading a user variable is a read
        // (see docs/architecture.md: every way of setting one is replayed or pins the session).
        if (!(mysql && "=".equals(assignment.getOperation()))) {
            sessionState = true;
        }
        return super.visit(assignment, context);
    }

    @Override
    public <S> Void visit(Column column, S context) {
        checkSequenceColumn(column);
        return super.visit(column, context);
    }

    /** MariaDB (Oracle mode) spells sequence access seq.NEXTVAL / seq.CURRVAL. */
    private void checkSequenceColumn(Column column) {
        if (mariadbSequenceColumns && column.getTable() != null && column.getTable().getName() != null
                && column.getColumnName() != null) {
            String name = column.getColumnName().toLowerCase(Locale.ROOT);
            if (name.equals("nextval") || name.equals("currval")) {
                sideEffectFunction = true;
                sessionState |= name.equals("currval"); // this session's last nextval
            }
        }
    }

    @Override
    public <S> Void visit(PlainSelect select, S context) {
        checkLocking(select);
        if (select.getIntoTables() != null && !select.getIntoTables().isEmpty() || select.getIntoTempTable() != null) {
            selectInto = true;
        }
        if (select.getMySqlSqlCalcFoundRows()) {
            sessionState = true; // feeds a later FOUND_ROWS() on the same session
        }
        super.visit(select, context);
        GroupByElement groupBy = select.getGroupBy();
        if (groupBy != null && groupBy.getGroupByExpressionList() != null) {
            visitAll(groupBy.getGroupByExpressionList(), context);
        }
        visitOrderBy(select.getOrderByElements(), context);
        return null;
    }

    @Override
    public <S> Void visit(SetOperationList select, S context) {
        checkLocking(select);
        super.visit(select, context);
        visitOrderBy(select.getOrderByElements(), context);
        return null;
    }

    @Override
    public <S> Void visit(ParenthesedSelect select, S context) {
        checkLocking(select);
        return super.visit(select, context);
    }

    @Override
    public <S> Void visit(LateralSubSelect select, S context) {
        checkLocking(select);
        return super.visit(select, context);
    }

    @Override
    public <S> Void visit(WithItem<?> withItem, S context) {
        if (withItem.getAlias() != null) {
            cteNames.add(Identifiers.normalize(withItem.getAlias().getName()));
        }
        ParenthesedStatement body = withItem.getParenthesedStatement();
        if (body instanceof ParenthesedSelect) {
            return super.visit(withItem, context);
        }
        dataModifyingCte = true;
        body.accept((StatementVisitor<Void>) this, context);
        return null;
    }

    /**
     * The safety checks on every node of the tree (see {@link AstSweep}), also in clauses the base
     * finder never visits: locking (sub)selects, side-effect functions under any name form, sequences
     * and variable assignments.
     */
    private void checkNode(Object node) {
        if (node instanceof Function function) {
            checkFunction(function);
        } else if (node instanceof AnalyticExpression analytic) {
            checkFunctionName(List.of(analytic.getName()));
        } else if (node instanceof Select select) {
            checkLocking(select);
            if (select instanceof PlainSelect plain && plain.getMySqlSqlCalcFoundRows()) {
                sessionState = true;
            }
        } else if (node instanceof ColDataType type && type.getDataType() != null) {
            // MariaDB CONVERT(GET_LOCK('x', 1), CHAR) parses with the call as the target type's name
            String name = Identifiers.normalize(type.getDataType().trim()).toLowerCase(Locale.ROOT);
            if (functions.listedSideEffect(name)) {
                sideEffectFunction = true;
                sessionState |= SESSION_BOUND.contains(name);
            }
        } else if (node instanceof UserVariable variable && variable.isDoubleAdd() && mysql) {
            String name = variable.getName().toLowerCase(Locale.ROOT);
            if (SESSION_BOUND_VARIABLES.contains(name.substring(name.lastIndexOf('.') + 1))) {
                sessionState = true;
            }
        } else if (node instanceof Column column) {
            checkSequenceColumn(column);
        } else if (node instanceof NextValExpression) {
            sideEffectFunction = true;
        } else if (node instanceof VariableAssignment assignment) {
            if (!(mysql && "=".equals(assignment.getOperation()))) {
                sessionState = true;
            }
        }
    }

    private void checkLocking(Select select) {
        if (select.getForMode() != null) {
            lockingRead = true;
        }
    }

    private void checkFunction(Function function) {
        if (function == null || function.getMultipartName() == null) {
            return;
        }
        checkFunctionName(function.getMultipartName());
    }

    private void checkFunctionName(List<String> parts) {
        if (parts == null || parts.isEmpty() || parts.get(parts.size() - 1) == null) {
            return;
        }
        String last = Identifiers.normalize(parts.get(parts.size() - 1)).toLowerCase(Locale.ROOT);
        StringBuilder qualified = new StringBuilder();
        for (String part : parts) {
            qualified.append(qualified.length() == 0 ? "" : ".").append(Identifiers.normalize(part));
        }
        if (functions.forcesPrimary(last, qualified.toString().toLowerCase(Locale.ROOT))) {
            sideEffectFunction = true;
            if (SESSION_BOUND.contains(last)) {
                sessionState = true;
            }
        }
    }

    private <S> void visitOrderBy(List<OrderByElement> elements, S context) {
        if (elements != null) {
            for (OrderByElement element : elements) {
                element.getExpression().accept(this, context);
            }
        }
    }

    private <S> void visitAll(List<? extends Expression> expressions, S context) {
        for (Expression expression : expressions) {
            expression.accept(this, context);
        }
    }
}
