package dev.junction.merge;

import dev.junction.shard.KeyType;
import dev.junction.shard.ShardedTable;
import java.util.Locale;
import java.util.Map;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.Parenthesis;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.select.PlainSelect;

/**
 * Recognises the shard-key column of a scatter SELECT over exactly one sharded table, for
 * {@code COUNT(DISTINCT key)}.
 *
 * <p>Why it is exact: the ring sends every row with a given key value to one shard, so the shards'
 * sets of distinct keys are disjoint and the global distinct count is the sum of the per-shard ones
 * (per group as well: a group's rows with one key all sit on that key's shard). This rests on the
 * same assumption as a scatter {@code COUNT(*)}, that each row is read on exactly one shard: routers
 * refuse every scatter from FENCED until the cleanup, when old owners still hold copies of moved rows.
 *
 * <p>It also needs "equal in SQL" to imply "hashed alike". That holds for {@link KeyType#LONG}
 * (integers) and {@link KeyType#UUID} (parsed to 16 bytes, so case and surrounding blanks do not
 * matter). It does not hold for {@link KeyType#STRING}: the ring hashes the exact UTF-8 bytes, while a
 * case-insensitive or PAD SPACE collation makes {@code 'a'}, {@code 'A'} and {@code 'a '} one
 * value, which the shards would count once each. Text keys are therefore not recognised.
 *
 * <p>Only a FROM of one plain table (no joins) is recognised: there the column reference cannot
 * name anything but that table's column.
 */
final class ShardKeys {

  static final ShardKeys NONE = new ShardKeys(null, null, null, "the planner was not told which tables are sharded");

  private final String key;
  private final String qualifier;
  private final MergeDialect dialect;
  /** When {@link #key} is null: why no column is recognised, for the refusal message. */
  private final String whyNot;

  private ShardKeys(String key, String qualifier, MergeDialect dialect, String whyNot) {
    this.key = key;
    this.qualifier = qualifier;
    this.dialect = dialect;
    this.whyNot = whyNot;
  }

  static ShardKeys of(PlainSelect ps, Map<String, ShardedTable> tables, MergeDialect dialect) {
    if (tables.isEmpty()) {
      return NONE;
    }
    if (!(ps.getFromItem() instanceof Table t) || (ps.getJoins() != null && !ps.getJoins().isEmpty())) {
      return new ShardKeys(null, null, null, "the FROM clause is not one plain sharded table");
    }
    ShardedTable table = tables.get(FromGuard.normalize(t.getName()));
    if (table == null) {
      return new ShardKeys(null, null, null, "the table " + t.getName() + " is not a sharded table");
    }
    if (table.keyType() != KeyType.LONG && table.keyType() != KeyType.UUID) {
      return new ShardKeys(null, null, null, "the shard key " + table.keyColumn() + " of " + table.name()
          + " is text, and a case-insensitive or PAD SPACE collation can make two keys that the ring places on"
          + " different shards one value");
    }
    String qualifier = t.getAlias() != null ? t.getAlias().getName() : t.getName();
    return new ShardKeys(table.keyColumn(), FromGuard.normalize(qualifier), dialect, null);
  }

  /** True when {@code e} is a plain reference to the shard-key column of the query's one table. */
  boolean isKey(Expression e) {
    while (e instanceof Parenthesis p) {
      e = p.getExpression();
    }
    if (key == null || !(e instanceof Column c)) {
      return false;
    }
    if (!sameName(c.getColumnName(), key)) {
      return false;
    }
    Table t = c.getTable();
    if (t == null || t.getName() == null) {
      return true;
    }
    return t.getSchemaName() == null && sameName(t.getName(), qualifier);
  }

  /** Why {@link #isKey} recognises nothing, or null. */
  String whyNot() {
    return whyNot;
  }

  /** The recognised key column, or null. */
  String key() {
    return key;
  }

  /**
   * Whether an identifier as written names {@code lower} (a lower-case name): unquoted and MySQL
   * names compare case-insensitively, PostgreSQL's quoted ones exactly.
   */
  private boolean sameName(String written, String lower) {
    if (written == null) {
      return false;
    }
    if (dialect == MergeDialect.POSTGRESQL && written.startsWith("\"")) {
      return ExpressionText.unquote(written).equals(lower);
    }
    return ExpressionText.unquote(written).toLowerCase(Locale.ROOT).equals(lower);
  }
}
