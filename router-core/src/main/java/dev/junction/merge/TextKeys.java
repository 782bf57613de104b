package dev.junction.merge;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import net.sf.jsqlparser.expression.CollateExpression;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.Function;
import net.sf.jsqlparser.expression.Parenthesis;
import net.sf.jsqlparser.expression.operators.relational.ParenthesedExpressionList;
import net.sf.jsqlparser.statement.select.PlainSelect;

/**
 * The shard columns whose values the merger compares or groups — sort keys, GROUP BY keys,
 * DISTINCT columns, MIN/MAX arguments — so a caller that knows the shards' text collations can
 * refuse a merge of text keys it cannot reproduce.
 *
 * <p>Why this exists: {@link CollationGuard} sees only an explicit {@code COLLATE}. A column-level
 * or database-default collation (a PostgreSQL database created with {@code en_US.UTF-8}, MariaDB's
 * default {@code utf8mb4_general_ci}) is invisible in the SQL, yet it decides how each shard sorts
 * and groups, and the merger's code-point order would silently disagree. The JDBC layer reads those
 * collations at startup; when they are not code-point order it refuses the text keys listed here.
 * Columns whose expression carries an explicit code-point {@code COLLATE} are exact anyway and are
 * left out.
 */
public final class TextKeys {

  /** One compared column: its absolute index in the shard row and the construct, for the refusal. */
  public record Use(int column, String construct) {}

  private TextKeys() {}

  /**
   * The compared columns of {@code spec} for shard rows of {@code width} columns (hidden ones
   * included), without the explicitly code-point-collated ones. Cheap: per statement, not per row.
   */
  public static List<Use> of(MergeSpec spec, int width) {
    List<Use> uses = new ArrayList<>();
    Set<Integer> seen = new HashSet<>();
    int visible = width - spec.hiddenColumns();
    for (SortKey k : spec.order()) {
      add(uses, seen, spec, k.resolve(width, spec.hiddenColumns()), "ORDER BY");
    }
    List<ColumnMerge> merges = spec.aggregation();
    for (int i = 0; i < merges.size(); i++) {
      Combine c = merges.get(i).combine();
      if (c == Combine.KEY) {
        add(uses, seen, spec, i, "GROUP BY");
      } else if (c == Combine.MIN || c == Combine.MAX) {
        add(uses, seen, spec, i, c.name().toLowerCase(Locale.ROOT) + "()");
      }
    }
    if (spec.distinct()) {
      for (int i = 0; i < visible; i++) {
        add(uses, seen, spec, i, "DISTINCT");
      }
    }
    return uses;
  }

  private static void add(List<Use> uses, Set<Integer> seen, MergeSpec spec, int column, String construct) {
    if (column >= 0 && !spec.codePointColumns().contains(column) && seen.add(column)) {
      uses.add(new Use(column, construct));
    }
  }

  /**
   * Indexes of the shard select items (hidden ones appended) that are {@code x COLLATE c} or
   * {@code min/max(x COLLATE c)} with a code-point collation {@code c}.
   */
  static Set<Integer> codePointColumns(PlainSelect shardSelect, MergeDialect dialect) {
    Set<Integer> out = new HashSet<>();
    for (int i = 0; i < shardSelect.getSelectItems().size(); i++) {
      Expression e = unwrap(shardSelect.getSelectItems().get(i).getExpression());
      if (e instanceof Function f && f.getName() != null
          && (f.getName().equalsIgnoreCase("min") || f.getName().equalsIgnoreCase("max"))
          && f.getParameters() != null && f.getParameters().size() == 1
          && !f.isDistinct()) {
        e = unwrap((Expression) f.getParameters().get(0));
      }
      if (e instanceof CollateExpression c && CollationGuard.exact(c.getCollate(), dialect)) {
        out.add(i);
      }
    }
    return out;
  }

  private static Expression unwrap(Expression e) {
    while (e instanceof Parenthesis p) {
      e = p.getExpression();
    }
    if (e instanceof ParenthesedExpressionList<?> l && l.size() == 1) {
      return unwrap(l.get(0));
    }
    return e;
  }
}
