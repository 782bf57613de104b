package dev.junction.classify;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.Function;
import net.sf.jsqlparser.expression.NextValExpression;
import net.sf.jsqlparser.expression.VariableAssignment;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.ParenthesedStatement;
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
 * <p>It extends JSqlParser's {@link TablesNamesFinder}, which already descends into every
 * subquery, join, CTE and expression, and only adds checks at the nodes that matter: locking
 * clauses on every (sub)select, configured side-effect functions (also as table functions and in
 * ORDER BY / GROUP BY, which the finder skips), {@code NEXT VALUE FOR}, {@code SELECT INTO},
 * MySQL variable assignment and {@code SQL_CALC_FOUND_ROWS}, and CTEs whose body is DML (the
 * finder would fail on those). Not thread-safe: one instance per statement.
 */
final class ReadSafetyVisitor extends TablesNamesFinder<Void> {

    /** What one walk found. */
    record Findings(List<String> tables, boolean lockingRead, boolean sideEffectFunction,
                    boolean dataModifyingCte, boolean selectInto, boolean sessionState) {
    }

    /**
     * Locks held by the server session until released: the session must keep its primary connection,
     * or the next read on a replica gives that connection (and the lock) back to the pool, where another
     * client gets it and "takes" the lock again (locks are re-entrant within a session). Transaction-scoped
     * locks (pg_advisory_xact_lock) end with the transaction, which already holds its connection.
     */
    private static final Set<String> SESSION_LOCKS = Set.of(
            "pg_advisory_lock", "pg_advisory_lock_shared", "pg_try_advisory_lock", "pg_try_advisory_lock_shared",
            "get_lock");

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
        // MariaDB (Oracle mode) spells sequence access seq.NEXTVAL / seq.CURRVAL.
        if (mariadbSequenceColumns && column.getTable() != null && column.getTable().getName() != null) {
            String name = column.getColumnName().toLowerCase(Locale.ROOT);
            if (name.equals("nextval") || name.equals("currval")) {
                sideEffectFunction = true;
            }
        }
        return super.visit(column, context);
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

    private void checkLocking(Select select) {
        if (select.getForMode() != null) {
            lockingRead = true;
        }
    }

    private void checkFunction(Function function) {
        if (function == null || function.getMultipartName() == null) {
            return;
        }
        List<String> parts = function.getMultipartName();
        String last = Identifiers.normalize(parts.get(parts.size() - 1)).toLowerCase(Locale.ROOT);
        StringBuilder qualified = new StringBuilder();
        for (String part : parts) {
            qualified.append(qualified.length() == 0 ? "" : ".").append(Identifiers.normalize(part));
        }
        if (functions.forcesPrimary(last, qualified.toString().toLowerCase(Locale.ROOT))) {
            sideEffectFunction = true;
            if (SESSION_LOCKS.contains(last)) {
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
