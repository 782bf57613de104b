package dev.junction.shard;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.sql.SQLException;
import java.util.Set;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.util.TablesNamesFinder;
import net.sf.jsqlparser.expression.AnyComparisonExpression;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.ExpressionVisitorAdapter;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.ParenthesedStatement;
import net.sf.jsqlparser.statement.delete.Delete;
import net.sf.jsqlparser.statement.delete.ParenthesedDelete;
import net.sf.jsqlparser.statement.insert.Insert;
import net.sf.jsqlparser.statement.insert.ParenthesedInsert;
import net.sf.jsqlparser.statement.select.FromItem;
import net.sf.jsqlparser.statement.select.Join;
import net.sf.jsqlparser.statement.select.OrderByElement;
import net.sf.jsqlparser.statement.select.ParenthesedFromItem;
import net.sf.jsqlparser.statement.select.ParenthesedSelect;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.Select;
import net.sf.jsqlparser.statement.select.SelectItem;
import net.sf.jsqlparser.statement.select.SetOperationList;
import net.sf.jsqlparser.statement.select.Values;
import net.sf.jsqlparser.statement.select.WithItem;
import net.sf.jsqlparser.statement.update.ParenthesedUpdate;
import net.sf.jsqlparser.statement.update.Update;
import net.sf.jsqlparser.statement.update.UpdateSet;

/**
 * Finds every table reference of a statement — FROM, JOINs, subqueries in any clause, CTEs,
 * INSERT/UPDATE/DELETE targets, USING — and groups them into {@link QueryScope}s with the
 * conditions that constrain them. CTE names are not tables; the CTE bodies are collected as scopes
 * of their own.
 */
final class TableCollector {

  private final ShardingRules rules;
  final List<TableRef> refs = new ArrayList<>();
  final List<QueryScope> scopes = new ArrayList<>();
  /** Tables the statement writes (INSERT/UPDATE/DELETE targets, SELECT INTO). */
  final List<TableRef> targets = new ArrayList<>();

  TableCollector(ShardingRules rules) {
    this.rules = rules;
  }

  QueryScope newScope(QueryScope parent) {
    QueryScope scope = new QueryScope(parent);
    scopes.add(scope);
    return scope;
  }

  TableRef addTable(Table table, QueryScope scope, Set<String> ctes) {
    if (table == null) {
      return null;
    }
    String name = TableRef.normalize(table.getName());
    if (name == null || (table.getSchemaName() == null && ctes.contains(name))) {
      return null;
    }
    String alias = table.getAlias() == null ? null : TableRef.normalize(table.getAlias().getName());
    TableRef ref = new TableRef(refs.size(), name, alias, rules.sharded(name), rules.isBroadcast(name), scope);
    refs.add(ref);
    scope.refs.add(ref);
    return ref;
  }

  /**
   * Collects the bodies of a WITH list and returns the names visible after it. A non-recursive body
   * sees only the items before it (PostgreSQL, MariaDB): {@code WITH orders AS (SELECT * FROM orders)}
   * reads the real table; a RECURSIVE list sees all its names, its own included.
   */
  Set<String> withItems(List<WithItem<?>> items, Set<String> ctes) {
    if (items == null || items.isEmpty()) {
      return ctes;
    }
    Set<String> visible = new HashSet<>(ctes);
    boolean recursive = items.stream().anyMatch(WithItem::isRecursive);
    if (recursive) {
      items.forEach(item -> visible.add(TableRef.normalize(item.getAliasName())));
    }
    for (WithItem<?> item : items) {
      Set<String> seen = Set.copyOf(visible);
      ParenthesedStatement body = item.getParenthesedStatement();
      if (body instanceof ParenthesedSelect ps) {
        select(ps.getSelect(), null, seen);
      } else if (body instanceof ParenthesedInsert pi) {
        insertTarget(pi.getInsert());
        if (pi.getInsert().getSelect() != null) {
          select(pi.getInsert().getSelect(), null, seen);
        }
      } else if (body instanceof ParenthesedUpdate pu) {
        update(pu.getUpdate(), seen);
      } else if (body instanceof ParenthesedDelete pd) {
        delete(pd.getDelete(), seen);
      }
      visible.add(TableRef.normalize(item.getAliasName()));
    }
    return visible;
  }

  void select(Select select, QueryScope parent, Set<String> ctes) {
    if (select == null) {
      return;
    }
    Set<String> visible = withItems(select.getWithItemsList(), ctes);
    if (select instanceof PlainSelect ps) {
      plainSelect(ps, parent, visible);
    } else if (select instanceof SetOperationList ops) {
      for (Select branch : ops.getSelects()) {
        select(branch, parent, visible);
      }
      orderBy(select.getOrderByElements(), parent, visible);
    } else if (select instanceof ParenthesedSelect ps) {
      select(ps.getSelect(), parent, visible);
    } else if (select instanceof Values values) {
      scan(values.getExpressions(), newScope(parent), visible);
    }
  }

  private void plainSelect(PlainSelect ps, QueryScope parent, Set<String> ctes) {
    QueryScope scope = newScope(parent);
    fromItem(ps.getFromItem(), scope, ctes);
    joins(ps.getJoins(), scope, ctes);
    if (ps.getWhere() != null) {
      scope.restricting.add(ps.getWhere());
    }
    if (ps.getIntoTables() != null) {
      for (Table into : ps.getIntoTables()) {
        if (into.getName() != null && !into.getName().startsWith("@")) {
          TableRef ref = addTable(into, newScope(null), Set.of());
          if (ref != null) {
            targets.add(ref);
          }
        }
      }
    }
    for (SelectItem<?> item : ps.getSelectItems()) {
      scan(item.getExpression(), scope, ctes);
    }
    scan(ps.getWhere(), scope, ctes);
    scan(ps.getHaving(), scope, ctes);
    if (ps.getGroupBy() != null) {
      scan(ps.getGroupBy().getGroupByExpressionList(), scope, ctes);
    }
    orderBy(ps.getOrderByElements(), scope, ctes);
  }

  private void orderBy(List<OrderByElement> elements, QueryScope scope, Set<String> ctes) {
    if (elements != null) {
      for (OrderByElement e : elements) {
        scan(e.getExpression(), scope, ctes);
      }
    }
  }

  void fromItem(FromItem item, QueryScope scope, Set<String> ctes) {
    if (item instanceof Table table) {
      addTable(table, scope, ctes);
    } else if (item instanceof ParenthesedSelect ps) {
      select(ps.getSelect(), scope, ctes); // includes LATERAL subqueries
    } else if (item instanceof ParenthesedFromItem pf) {
      fromItem(pf.getFromItem(), scope, ctes);
      joins(pf.getJoins(), scope, ctes);
    } else if (item instanceof Select s) {
      select(s, scope, ctes);
    }
  }

  void joins(List<Join> joins, QueryScope scope, Set<String> ctes) {
    if (joins == null) {
      return;
    }
    for (Join join : joins) {
      int before = scope.refs.size();
      fromItem(join.getFromItem(), scope, ctes);
      if (join.getUsingColumns() != null && scope.refs.size() == before + 1) {
        usingJoin(join.getUsingColumns(), scope, before);
      }
      Collection<Expression> on = join.getOnExpressions();
      if (on == null) {
        continue;
      }
      boolean outer = join.isLeft() || join.isRight() || join.isFull() || join.isOuter() || join.isApply();
      for (Expression e : on) {
        (outer ? scope.joining : scope.restricting).add(e);
        scan(e, scope, ctes);
      }
    }
  }

  /** {@code JOIN r USING (key)} co-locates r with every earlier sharded reference of that key. */
  private static void usingJoin(List<Column> columns, QueryScope scope, int rightIndex) {
    TableRef right = scope.refs.get(rightIndex);
    for (Column column : columns) {
      String name = TableRef.normalize(column.getColumnName());
      if (right.sharded == null || !right.sharded.keyColumn().equals(name)) {
        continue;
      }
      for (TableRef left : scope.refs.subList(0, rightIndex)) {
        if (left.sharded != null && left.sharded.keyColumn().equals(name)) {
          scope.usingJoins.add(new TableRef[] {left, right});
        }
      }
    }
  }

  /** UPDATE: the target, UPDATE ... FROM / MySQL multi-table joins, WHERE; the SET list is checked by the caller. */
  QueryScope update(Update update, Set<String> ctes) {
    Set<String> visible = withItems(update.getWithItemsList(), ctes);
    QueryScope scope = newScope(null);
    // a single-table UPDATE's target is a real table, never a CTE; MySQL's multi-table form lists references
    boolean multiTable = update.getStartJoins() != null && !update.getStartJoins().isEmpty();
    TableRef target = addTable(update.getTable(), scope, multiTable ? visible : Set.of());
    if (target != null) {
      targets.add(target);
    }
    joins(update.getStartJoins(), scope, visible);
    fromItem(update.getFromItem(), scope, visible);
    joins(update.getJoins(), scope, visible);
    if (update.getWhere() != null) {
      scope.restricting.add(update.getWhere());
      scan(update.getWhere(), scope, visible);
    }
    for (UpdateSet set : update.getUpdateSets()) {
      scan(set.getValues(), scope, visible);
    }
    return scope;
  }

  /** DELETE: the target(s), PostgreSQL USING, MySQL multi-table joins, WHERE. */
  QueryScope delete(Delete delete, Set<String> ctes) {
    Set<String> visible = withItems(delete.getWithItemsList(), ctes);
    QueryScope scope = newScope(null);
    List<Table> named = delete.getTables();
    boolean multiTable = named != null && !named.isEmpty();
    // a single-table DELETE's target is a real table, never a CTE
    TableRef main = delete.getTable() == null ? null : addTable(delete.getTable(), scope, multiTable ? visible : Set.of());
    if (delete.getUsingList() != null) {
      for (Table using : delete.getUsingList()) {
        addTable(using, scope, visible);
      }
    }
    joins(delete.getJoins(), scope, visible);
    if (multiTable) {
      for (Table t : named) { // MySQL "DELETE o, i FROM ...": aliases or names of joined tables
        String qualifier = TableRef.normalize(t.getName());
        scope.refs.stream().filter(r -> r.answersTo(qualifier) || r.name.equals(qualifier)).findFirst()
            .ifPresentOrElse(targets::add, () -> {
              TableRef ref = addTable(t, scope, visible);
              if (ref != null) {
                targets.add(ref);
              }
            });
      }
    } else if (main != null) {
      targets.add(main);
    }
    if (delete.getWhere() != null) {
      scope.restricting.add(delete.getWhere());
      scan(delete.getWhere(), scope, visible);
    }
    return scope;
  }

  /** The target of an INSERT inside a WITH clause, in a scope of its own. */
  TableRef insertTarget(Insert insert) {
    TableRef target = addTable(insert.getTable(), newScope(null), Set.of());
    if (target != null) {
      targets.add(target);
    }
    return target;
  }

  /**
   * Fails if JSqlParser's own table finder sees a sharded or broadcast table this collector did
   * not: a construct the planner does not analyse must not be routed as if the table were absent.
   */
  void checkComplete(Statement statement, Set<String> routedTables) throws SQLException {
    Set<String> found;
    try {
      found = new TablesNamesFinder<Void>().getTables(statement);
    } catch (RuntimeException e) {
      return; // the finder does not support every statement type; the collector's view stands
    }
    Set<String> seen = new HashSet<>();
    refs.forEach(r -> seen.add(r.name));
    for (String qualified : found) {
      String name = TableRef.normalize(qualified.substring(qualified.lastIndexOf('.') + 1));
      if (routedTables.contains(name) && !seen.contains(name)) {
        throw PlannerErrors.unsupported("the table " + name + " is used in a part of the statement Junction does not"
            + " analyse for shard keys", "Rewrite that part (e.g. as a join or a simple subquery), "
            + PlannerErrors.HINT_ADVICE);
      }
    }
  }

  /** Collects the subqueries inside an expression, as scopes nested in {@code scope}. */
  void scan(Expression expression, QueryScope scope, Set<String> ctes) {
    if (expression != null) {
      expression.accept(new SubqueryFinder(), new Context(scope, ctes));
    }
  }

  private record Context(QueryScope scope, Set<String> ctes) {}

  private final class SubqueryFinder extends ExpressionVisitorAdapter<Void> {
    @Override
    public <S> Void visit(ParenthesedSelect select, S context) {
      Context c = (Context) context;
      select(select.getSelect(), c.scope(), c.ctes());
      return null;
    }

    @Override
    public <S> Void visit(AnyComparisonExpression any, S context) {
      Context c = (Context) context;
      select(any.getSelect(), c.scope(), c.ctes());
      return null;
    }

    @Override
    public <S> Void visit(Select select, S context) {
      Context c = (Context) context;
      select(select, c.scope(), c.ctes());
      return null;
    }
  }
}
