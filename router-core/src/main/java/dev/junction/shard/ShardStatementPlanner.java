package dev.junction.shard;

import dev.junction.classify.Dialect;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.operators.relational.ExpressionList;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.DescribeStatement;
import net.sf.jsqlparser.statement.ExplainStatement;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.alter.Alter;
import net.sf.jsqlparser.statement.comment.Comment;
import net.sf.jsqlparser.statement.create.index.CreateIndex;
import net.sf.jsqlparser.statement.create.table.CreateTable;
import net.sf.jsqlparser.statement.delete.Delete;
import net.sf.jsqlparser.statement.drop.Drop;
import net.sf.jsqlparser.statement.insert.Insert;
import net.sf.jsqlparser.statement.merge.Merge;
import net.sf.jsqlparser.statement.select.Select;
import net.sf.jsqlparser.statement.select.Values;
import net.sf.jsqlparser.statement.truncate.Truncate;
import net.sf.jsqlparser.statement.update.Update;
import net.sf.jsqlparser.statement.update.UpdateSet;
import net.sf.jsqlparser.statement.upsert.Upsert;

/**
 * Decides which shards a statement runs on, so the JDBC layer can execute sharded SQL without the
 * application naming shards. {@link #plan} does the expensive analysis once per SQL text; the
 * returned {@link ShardPlan} turns parameter values into a {@link ShardRoute} cheaply.
 *
 * <h2>Design notes</h2>
 *
 * <ul>
 *   <li><b>Order of decisions.</b> A leading {@code /* junction:shard=NAME *}{@code /} hint wins
 *       outright; session statements go to the default shard; then the statement is parsed with
 *       JSqlParser on the calling thread ({@link StatementReader}). Text the parser rejects is
 *       refused if it mentions a sharded or broadcast table (guessing could write to the wrong
 *       shard) and otherwise goes to the default shard, where unsharded tables live.</li>
 *   <li><b>Tables.</b> {@link TableCollector} finds every table reference and groups them by query
 *       block ({@link QueryScope}). Broadcast writes go everywhere and must touch only broadcast
 *       tables; reads of broadcast tables alone go anywhere; statements without sharded tables go
 *       to the default shard.</li>
 *   <li><b>Keys.</b> {@link KeyPredicates} reads only top-level AND-conjuncts: equality/IN/OR
 *       against literals or {@code ?} pins a reference to shards, and key-to-key equality
 *       co-locates references ({@link EquivalenceClasses}). Anything else is ignored, which can
 *       only widen a route, never misroute it. Keys resolve within one query block: a subquery's
 *       tables are classes of their own, because a predicate under {@code NOT EXISTS} restricts
 *       the subquery, not the outer rows. Several classes must land on one shard.</li>
 *   <li><b>Nothing unseen.</b> After collecting, JSqlParser's own table finder cross-checks the
 *       statement: a sharded or broadcast table in a construct the collector does not walk is a
 *       refusal, not a table silently left out of the route.</li>
 *   <li><b>Bind is cheap.</b> Literal keys are hashed at plan time; parameter keys are remembered
 *       by position ({@link KeyClass}), so binding is a few hash lookups and no parsing. A multi-row
 *       INSERT is cut into text pieces at plan time ({@link InsertRows}) and spliced per shard.</li>
 *   <li><b>Refusals</b> are {@code SQLFeatureNotSupportedException} (0A000) whose message says what
 *       to change; a plan never silently drops rows or sends a write to a shard that lacks the
 *       table.</li>
 * </ul>
 *
 * <p>Pure and thread-safe; the caller caches plans by SQL text.
 */
public final class ShardStatementPlanner {

  private static final String HINT_PREFIX = "junction:shard=";

  private static final Set<String> SESSION_WORDS = Set.of(
      "set", "show", "begin", "start", "commit", "rollback", "savepoint", "release", "end", "abort",
      "use", "reset", "discard", "deallocate", "xa", "listen", "unlisten");

  private final ShardingRules rules;
  private final Dialect dialect;
  private final Set<String> routedTables;

  public ShardStatementPlanner(ShardingRules rules, Dialect dialect) {
    this.rules = rules;
    this.dialect = dialect;
    Set<String> names = new HashSet<>(rules.tables().keySet());
    rules.tables().values().forEach(t -> names.add(t.name()));
    names.addAll(rules.broadcastTables());
    this.routedTables = Set.copyOf(names);
  }

  /** Pure and thread-safe; the caller caches plans by SQL text. */
  public ShardPlan plan(String sql) throws SQLException {
    SqlTokens lexed = new SqlTokens(sql, dialect);
    ShardPlan hinted = hinted(sql, lexed);
    if (hinted != null) {
      return hinted;
    }
    List<SqlTokens.Token> tokens = lexed.tokens();
    if (tokens.isEmpty() || SESSION_WORDS.contains(String.valueOf(lexed.identifier(tokens.get(0))))) {
      return defaultPlan(sql, -1, "session or empty statement: default shard");
    }
    StatementReader.Parsed parsed = StatementReader.read(lexed);
    if (parsed == null || executesHiddenTables(sql, lexed)) {
      if (parsed != null || mentionsRoutedTable(lexed)) {
        throw PlannerErrors.unparseable(parsed != null ? "it hides a sharded table in an executable comment"
            : StatementReader.whyUnreadable(lexed));
      }
      return defaultPlan(sql, lexed.parameterCount(), "unparsed statement naming no sharded or broadcast table: default shard");
    }
    return plan(parsed.statement(), sql, lexed, parsed.positionalParameters());
  }

  // ------------------------------------------------------------------ hint and lexical decisions

  private ShardPlan hinted(String sql, SqlTokens lexed) throws SQLException {
    for (SqlTokens.Comment comment : lexed.leadingComments()) {
      String body = sql.substring(comment.start(), comment.end());
      if (!body.startsWith("/*")) {
        continue;
      }
      body = body.substring(2, body.endsWith("*/") ? body.length() - 2 : body.length()).trim();
      if (body.regionMatches(true, 0, HINT_PREFIX, 0, HINT_PREFIX.length())) {
        String name = body.substring(HINT_PREFIX.length()).trim();
        if (!rules.ring().containsShard(name)) {
          throw new SQLException("unknown shard '" + name + "' in /* junction:shard=" + name + " */; use one of: "
              + String.join(", ", rules.ring().shardIds()), "42704");
        }
        int shard = rules.ring().indexOf(name);
        return new FixedPlan(ShardRoute.Opcode.SINGLE, new int[] {shard}, sql, lexed.parameterCount(),
            "hint junction:shard=" + name);
      }
    }
    return null;
  }

  /** True if a MySQL executable comment, which the parser skips, names a sharded or broadcast table. */
  private boolean executesHiddenTables(String sql, SqlTokens lexed) {
    for (SqlTokens.Comment c : lexed.executableComments()) {
      if (mentionsRoutedTable(new SqlTokens(sql.substring(c.start() + 2, c.end()), dialect))) {
        return true;
      }
    }
    return false;
  }

  private boolean mentionsRoutedTable(SqlTokens lexed) {
    for (SqlTokens.Token t : lexed.tokens()) {
      String id = lexed.identifier(t);
      if (id != null && routedTables.contains(id)) {
        return true;
      }
    }
    return false;
  }

  private FixedPlan defaultPlan(String sql, int parameterCount, String explanation) {
    return new FixedPlan(ShardRoute.Opcode.DEFAULT, new int[] {rules.defaultShard()}, sql, parameterCount, explanation);
  }

  // ------------------------------------------------------------------ by statement type

  private ShardPlan plan(Statement statement, String sql, SqlTokens lexed, int parameterCount) throws SQLException {
    TableCollector tables = new TableCollector(rules);
    Table described = statement instanceof DescribeStatement d ? d.getTable()
        : statement instanceof ExplainStatement e && e.getStatement() == null ? e.getTable() : null;
    if (described != null) {
      String name = TableRef.normalize(described.getName());
      return routedTables.contains(name)
          ? new FixedPlan(ShardRoute.Opcode.ANY, new int[] {rules.defaultShard()}, sql, parameterCount,
              "DESCRIBE " + name + ": every shard has the table, default " + rules.ring().shardId(rules.defaultShard()))
          : defaultPlan(sql, parameterCount, "DESCRIBE of an unsharded table: default shard");
    }
    if (statement instanceof ExplainStatement explain && explain.getStatement() != null) {
      statement = explain.getStatement(); // EXPLAIN goes where the statement would go
    }
    if (statement instanceof Select select) {
      tables.select(select, null, Set.of());
      tables.checkComplete(statement, routedTables);
      return route(tables, tables.targets.isEmpty(), sql, parameterCount);
    }
    if (statement instanceof Insert insert) {
      ShardPlan plan = insert(InsertShape.of(insert), tables, sql, lexed, parameterCount);
      tables.checkComplete(statement, routedTables);
      return plan;
    }
    if (statement instanceof Update update) {
      QueryScope scope = tables.update(update, Set.of());
      for (UpdateSet set : update.getUpdateSets()) {
        for (Column column : set.getColumns()) {
          if (scope.mayBeKey(column)) {
            throw PlannerErrors.unsupported("the UPDATE sets the shard-key column " + column
                + ", and moving a row between shards is not supported", "DELETE the row and INSERT it with the new key");
          }
        }
      }
      tables.checkComplete(statement, routedTables);
      return route(tables, false, sql, parameterCount);
    }
    if (statement instanceof Delete delete) {
      tables.delete(delete, Set.of());
      tables.checkComplete(statement, routedTables);
      return route(tables, false, sql, parameterCount);
    }
    if (statement instanceof Merge merge) {
      return merge(merge, tables, sql, parameterCount);
    }
    if (statement instanceof Upsert upsert) {
      ShardPlan plan = insert(InsertShape.of(upsert), tables, sql, lexed, parameterCount);
      tables.checkComplete(statement, routedTables);
      return plan;
    }
    List<Table> ddlTables = ddlTables(statement);
    if (ddlTables != null) {
      return ddl(ddlTables, sql, parameterCount);
    }
    if (mentionsRoutedTable(lexed)) {
      throw PlannerErrors.unsupported("Junction does not know which shards a "
          + lexed.text(lexed.tokens().get(0)).toUpperCase(Locale.ROOT) + " statement naming a sharded or broadcast table belongs to",
          "Run it on each shard with /* junction:shard=NAME */");
    }
    return defaultPlan(sql, parameterCount, "statement naming no sharded or broadcast table: default shard");
  }

  /** The general decision once the tables are known: broadcast, any, default, or keyed. */
  private ShardPlan route(TableCollector tables, boolean read, String sql, int parameterCount) throws SQLException {
    List<TableRef> sharded = tables.refs.stream().filter(r -> r.sharded != null).toList();
    String unsharded = names(tables.refs.stream().filter(TableRef::isUnsharded).toList());
    boolean broadcastWrite = tables.targets.stream().anyMatch(r -> r.broadcast);
    if (broadcastWrite) {
      List<TableRef> others = tables.refs.stream().filter(r -> !r.broadcast).toList();
      if (!others.isEmpty()) {
        throw PlannerErrors.unsupported("a write to broadcast table(s) " + names(tables.targets)
                + " runs on every shard, but it also uses " + names(others) + ", which is not on every shard",
            "Write broadcast tables using only broadcast tables, or compute the values first and write them as literals");
      }
      return new FixedPlan(ShardRoute.Opcode.BROADCAST, FixedPlan.allShards(rules.shardCount()), sql, parameterCount,
          "write to broadcast table(s) " + names(tables.targets) + ": every shard");
    }
    if (sharded.isEmpty()) {
      if (read && unsharded == null) {
        String what = tables.refs.isEmpty() ? "no table" : "only broadcast table(s) " + names(tables.refs);
        return new FixedPlan(ShardRoute.Opcode.ANY, new int[] {rules.defaultShard()}, sql, parameterCount,
            "read of " + what + ": any shard, default " + rules.ring().shardId(rules.defaultShard()));
      }
      return defaultPlan(sql, parameterCount, unsharded == null ? "no sharded table: default shard"
          : "only unsharded table(s) " + unsharded + ": default shard");
    }
    List<TableRef> targetsSharded = tables.targets.stream().filter(r -> r.sharded != null).toList();
    if (!read && !targetsSharded.isEmpty() && tables.targets.size() > targetsSharded.size()) {
      throw PlannerErrors.unsupported("one statement writes both sharded and unsharded tables (" + names(tables.targets) + ")",
          "Write them in separate statements");
    }
    return new KeyedPlan(rules, sql, parameterCount, keyClasses(tables, sharded), unsharded).checked();
  }

  private List<KeyClass> keyClasses(TableCollector tables, List<TableRef> sharded) throws SQLException {
    EquivalenceClasses classes = new EquivalenceClasses(tables.refs.size());
    KeyPredicates predicates = new KeyPredicates(classes);
    predicates.read(tables.scopes);
    List<KeyClass> out = new ArrayList<>();
    for (List<TableRef> group : classes.groups(sharded)) {
      int root = classes.find(group.get(0).id);
      List<KeyClass.BoundPin> pins = new ArrayList<>();
      for (KeyPredicates.Pin pin : predicates.pins) {
        if (classes.find(pin.ref().id) == root) {
          pins.add(bind(pin));
        }
      }
      out.add(new KeyClass(KeyClass.describe(group), pins));
    }
    return out;
  }

  private KeyClass.BoundPin bind(KeyPredicates.Pin pin) throws SQLException {
    ShardedTable table = pin.ref().sharded;
    BitSet literals = new BitSet();
    List<Integer> parameters = new ArrayList<>();
    for (KeyValue value : pin.values()) {
      if (value instanceof KeyValue.Parameter p) {
        if (!parameters.contains(p.index())) {
          parameters.add(p.index());
        }
      } else if (((KeyValue.Literal) value).value() != null) {
        literals.set(rules.shardOf(table, ((KeyValue.Literal) value).value()));
      }
    }
    return new KeyClass.BoundPin(table, literals, parameters.stream().mapToInt(Integer::intValue).toArray());
  }

  // ------------------------------------------------------------------ INSERT

  private ShardPlan insert(InsertShape insert, TableCollector tables, String sql, SqlTokens lexed, int parameterCount)
      throws SQLException {
    Set<String> ctes = tables.withItems(insert.withItems(), Set.of());
    TableRef target = tables.addTable(insert.table(), tables.newScope(null), Set.of());
    if (target != null) {
      tables.targets.add(target);
    }
    Select source = insert.source();
    boolean values = source instanceof Values && (source.getWithItemsList() == null || source.getWithItemsList().isEmpty());
    if (values) {
      tables.scan(((Values) source).getExpressions(), tables.newScope(null), ctes);
    } else {
      tables.select(source, null, ctes);
    }
    List<UpdateSet> conflictSets = new ArrayList<>(insert.updates());
    if (insert.setForm() != null) {
      conflictSets.addAll(insert.setForm());
    }
    for (UpdateSet set : conflictSets) {
      tables.scan(set.getValues(), tables.newScope(null), ctes);
    }
    conflictSets.removeAll(insert.setForm() == null ? List.of() : insert.setForm());
    if (target == null || target.sharded == null) {
      return route(tables, false, sql, parameterCount);
    }
    ShardedTable table = target.sharded;
    for (UpdateSet set : conflictSets) {
      for (Column column : set.getColumns()) {
        if (TableRef.normalize(column.getColumnName()).equals(table.keyColumn())) {
          throw PlannerErrors.unsupported("the upsert into " + table.name() + " would update the shard-key column "
                  + table.keyColumn() + ", and moving a row between shards is not supported",
              "Leave " + table.keyColumn() + " out of the ON CONFLICT / ON DUPLICATE KEY UPDATE list");
        }
      }
    }
    List<TableRef> others = tables.refs.stream().filter(r -> r != target && !r.broadcast).toList();
    if (!others.isEmpty() || (!values && insert.setForm() == null)) {
      throw PlannerErrors.unsupported(insert.verb() + " into the sharded table " + table.name()
              + (values ? " reads " + names(others) + " in its VALUES" : " takes its rows from a query")
              + ", so its rows' shards are not known before it runs",
          "Select the rows first and INSERT them with VALUES, " + PlannerErrors.HINT_ADVICE);
    }
    List<Expression> keys = insert.setForm() != null ? List.of(setKey(insert.setForm(), table))
        : rowKeys(insert.columns(), (Values) source, table);
    int[] rowKeys = new int[keys.size()];
    for (int r = 0; r < keys.size(); r++) {
      KeyValue value = KeyValue.of(keys.get(r));
      if (value == null) {
        throw PlannerErrors.unsupported("the shard key " + table.keyColumn() + " of row " + (r + 1) + " of the INSERT into "
                + table.name() + " is the expression " + keys.get(r) + ", whose value is only known to the database",
            "Pass the key as a literal or a ? parameter (a CAST of one is fine)");
      }
      if (value instanceof KeyValue.Parameter p) {
        rowKeys[r] = -(p.index() + 1);
      } else if (((KeyValue.Literal) value).value() == null) {
        throw PlannerErrors.badKey("row " + (r + 1) + " of the INSERT into " + table.name() + " has NULL as its shard key "
            + table.keyColumn() + "; a sharded row needs a non-NULL key");
      } else {
        rowKeys[r] = rules.shardOf(table, ((KeyValue.Literal) value).value());
      }
    }
    InsertRows pieces = null;
    if (rowKeys.length > 1) {
      pieces = InsertRows.cut(sql, lexed);
      if (pieces == null || pieces.rows.size() != rowKeys.length || lexed.parameterCount() != parameterCount) {
        throw PlannerErrors.unsupported("Junction could not split the rows of this multi-row INSERT into "
            + table.name() + " by shard", "Insert one row per statement, " + PlannerErrors.HINT_ADVICE);
      }
    }
    return new InsertPlan(rules, table, sql, parameterCount, rowKeys, pieces);
  }

  private static List<Expression> rowKeys(List<Column> columns, Values values, ShardedTable table) throws SQLException {
    int key = keyPosition(columns, table);
    List<Expression> keys = new ArrayList<>();
    ExpressionList<?> all = values.getExpressions();
    boolean oneRow = columns.size() > 1 && !all.stream().allMatch(r -> r instanceof ExpressionList<?>);
    List<? extends Expression> rows = oneRow ? List.of(all) : all;
    for (Expression row : rows) {
      if (columns.size() == 1) {
        row = KeyPredicates.unwrap(row);
      }
      Expression value = row instanceof ExpressionList<?> list ? (key < list.size() ? list.get(key) : null)
          : (key == 0 ? row : null);
      if (value == null) {
        throw PlannerErrors.unsupported("a VALUES row of the INSERT into " + table.name() + " has fewer values than columns",
            "Give every row one value per named column");
      }
      keys.add(value);
    }
    return keys;
  }

  private static Expression setKey(List<UpdateSet> setForm, ShardedTable table) throws SQLException {
    for (UpdateSet set : setForm) {
      for (int i = 0; i < set.getColumns().size(); i++) {
        if (TableRef.normalize(set.getColumns().get(i).getColumnName()).equals(table.keyColumn())) {
          return set.getValues().get(i);
        }
      }
    }
    throw missingKeyColumn(table);
  }

  private static int keyPosition(List<Column> columns, ShardedTable table) throws SQLException {
    if (columns != null) {
      for (int i = 0; i < columns.size(); i++) {
        if (TableRef.normalize(columns.get(i).getColumnName()).equals(table.keyColumn())) {
          return i;
        }
      }
    }
    throw missingKeyColumn(table);
  }

  private static SQLException missingKeyColumn(ShardedTable table) {
    return PlannerErrors.unsupported("an INSERT into the sharded table " + table.name()
            + " must name its columns, including the shard key " + table.keyColumn() + ", to be routed",
        "Write INSERT INTO " + table.name() + " (" + table.keyColumn() + ", ...) VALUES (...)");
  }

  // ------------------------------------------------------------------ MERGE and DDL

  private ShardPlan merge(Merge merge, TableCollector tables, String sql, int parameterCount) throws SQLException {
    Set<String> ctes = tables.withItems(merge.getWithItemsList(), Set.of());
    QueryScope scope = tables.newScope(null);
    TableRef target = tables.addTable(merge.getTable(), scope, ctes);
    if (target != null) {
      tables.targets.add(target);
    }
    tables.fromItem(merge.getFromItem(), scope, ctes);
    tables.checkComplete(merge, routedTables);
    if (target != null && target.sharded != null) {
      throw PlannerErrors.unsupported("MERGE into the sharded table " + target.name + " is not supported",
          "Use INSERT ... ON CONFLICT / ON DUPLICATE KEY UPDATE, or UPDATE/DELETE with a shard-key predicate, "
              + PlannerErrors.HINT_ADVICE);
    }
    return route(tables, false, sql, parameterCount);
  }

  /** The tables a DDL statement names, or null if the statement is not DDL the planner routes. */
  private static List<Table> ddlTables(Statement statement) {
    if (statement instanceof CreateTable s) {
      return List.of(s.getTable());
    }
    if (statement instanceof Alter s) {
      return List.of(s.getTable());
    }
    if (statement instanceof Truncate s) {
      return s.getTables() != null && !s.getTables().isEmpty() ? s.getTables() : List.of(s.getTable());
    }
    if (statement instanceof CreateIndex s) {
      return List.of(s.getTable());
    }
    if (statement instanceof Comment s) {
      Table t = s.getTable() != null ? s.getTable() : s.getColumn() != null ? s.getColumn().getTable() : s.getView();
      return t == null ? List.of() : List.of(t);
    }
    if (statement instanceof Drop s) {
      String type = s.getType() == null ? "" : s.getType().toUpperCase(Locale.ROOT);
      if (type.equals("TABLE")) {
        return List.of(s.getName());
      }
      if (type.equals("INDEX")) {
        List<String> on = s.getParameters() == null ? List.of() : s.getParameters();
        for (int i = 0; i + 1 < on.size(); i++) {
          if (on.get(i).equalsIgnoreCase("ON")) {
            return List.of(new Table(on.get(i + 1)));
          }
        }
        return List.of();
      }
    }
    return null;
  }

  private ShardPlan ddl(List<Table> named, String sql, int parameterCount) throws SQLException {
    Set<String> routed = new LinkedHashSet<>();
    Set<String> other = new LinkedHashSet<>();
    for (Table t : named) {
      if (t == null || t.getName() == null) {
        continue;
      }
      String name = TableRef.normalize(t.getName());
      (rules.sharded(name) != null || rules.isBroadcast(name) ? routed : other).add(name);
    }
    if (routed.isEmpty()) {
      return defaultPlan(sql, parameterCount, "DDL on unsharded table(s): default shard");
    }
    if (!other.isEmpty()) {
      throw PlannerErrors.unsupported("the DDL names sharded or broadcast tables " + routed + ", which exist on every shard,"
          + " and unsharded tables " + other + ", which exist only on the default shard", "Split it into one statement per table");
    }
    return new FixedPlan(ShardRoute.Opcode.BROADCAST, FixedPlan.allShards(rules.shardCount()), sql, parameterCount,
        "DDL on " + String.join(", ", routed) + ": every shard");
  }

  private static String names(List<TableRef> refs) {
    if (refs.isEmpty()) {
      return null;
    }
    return refs.stream().map(r -> r.name).distinct().collect(Collectors.joining(", "));
  }
}
