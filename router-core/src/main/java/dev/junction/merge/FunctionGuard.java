package dev.junction.merge;

import java.sql.SQLFeatureNotSupportedException;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import net.sf.jsqlparser.expression.AnalyticExpression;
import net.sf.jsqlparser.expression.Function;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.util.TablesNamesFinder;

/**
 * Refuses a multi-shard SELECT that calls an aggregate the planner does not know (a user-defined,
 * extension or newer built-in aggregate: the planner would merge it as a scalar, one shard's
 * partial), or, where the catalog lists every function (PostgreSQL), a function the catalog did not
 * list when the data source started: it may be an aggregate created since. Anywhere in the
 * statement, subqueries included: an aggregate in a subquery runs over one shard's rows too.
 */
final class FunctionGuard {

  /** PostgreSQL functions that are grammar, not pg_proc entries, as JSqlParser reports them. */
  private static final Set<String> POSTGRES_GRAMMAR = Set.of("coalesce", "nullif", "greatest", "least", "xmlconcat",
      "xmlelement", "xmlexists", "xmlforest", "xmlparse", "xmlpi", "xmlroot", "xmlserialize");

  private FunctionGuard() {}

  static void check(Statement statement, ServerFunctions catalog, MergeDialect dialect)
      throws SQLFeatureNotSupportedException {
    if (catalog == ServerFunctions.UNCHECKED) {
      return;
    }
    Set<String> called;
    try {
      called = calledNames(statement);
    } catch (RuntimeException e) { // the finder does not walk every construct: what it cannot list is not proven
      throw Unsupported.of("this statement's function calls",
          "Junction could not list them (" + e.getMessage() + ") to tell aggregates from scalar functions",
          Unsupported.ROUTE_TO_ONE_SHARD);
    }
    for (String name : called) {
      if (AggregateCalls.isAggregateName(name)) {
        continue; // known to the planner: merged or refused by AggregateCalls
      }
      if (catalog.aggregates().contains(name)) {
        throw Unsupported.of("the aggregate " + name,
            "the shards' catalog lists it as an aggregate, and its per-shard results cannot be combined",
            Unsupported.ROUTE_TO_ONE_SHARD + ", or select the rows and aggregate them in the application");
      }
      boolean unlisted = catalog.functions() != null && !catalog.functions().contains(name)
          && !(dialect == MergeDialect.POSTGRESQL && POSTGRES_GRAMMAR.contains(name));
      if (unlisted) {
        throw Unsupported.of("the function " + name,
            catalog.problem() != null
                ? "the shards' function catalog could not be read (" + catalog.problem() + "), so Junction cannot tell"
                    + " it from an aggregate, whose per-shard results would be merged as one shard's"
                : "the shards' catalog did not list it when the data source started, so Junction cannot tell it from an"
                    + " aggregate created since, whose per-shard results would be merged as one shard's",
            Unsupported.ROUTE_TO_ONE_SHARD + ", or restart the data source after creating functions");
      }
    }
  }

  /** Simple names of every function called in the statement, lower case, quotes removed. */
  static Set<String> calledNames(Statement statement) {
    Set<String> names = new LinkedHashSet<>();
    new TablesNamesFinder<Void>() {
      @Override
      public <S> Void visit(Function function, S context) {
        add(function.getName());
        return super.visit(function, context);
      }

      @Override
      public <S> Void visit(AnalyticExpression analytic, S context) {
        if (!ExpressionScan.isWindow(analytic)) { // a window call is refused (or kept on one shard) as a window
          add(analytic.getName());
        }
        return super.visit(analytic, context);
      }

      private void add(String name) {
        if (name != null) {
          int dot = name.lastIndexOf('.');
          names.add((dot < 0 ? name : name.substring(dot + 1)).replace("\"", "").replace("`", "").toLowerCase(Locale.ROOT));
        }
      }
    }.getTables(statement);
    return names;
  }
}
