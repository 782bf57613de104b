package dev.junction.merge;

import java.sql.SQLException;
import java.sql.SQLSyntaxErrorException;
import java.util.ArrayList;
import java.util.List;
import net.sf.jsqlparser.expression.Alias;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.LongValue;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.statement.select.AllColumns;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.SelectItem;

/**
 * The shard statement's select list while it is being planned: the visible items as written, plus
 * hidden items appended for the merger. Resolves ORDER BY, GROUP BY and HAVING references to
 * columns — by position, by alias, by identical expression, by output name — so the planner can
 * reuse a column instead of adding one.
 *
 * <p>With a {@code *} in the list the number of visible columns is unknown until rows arrive, so
 * only items before the first star can be referenced by index; hidden columns are then addressed
 * from the end of the row.
 */
final class ShardColumns {

  /** A column: visible index, or index among the hidden columns. */
  record Ref(int index, boolean hidden) {}

  static final String HIDDEN_ALIAS = "_jx_h";

  private final MergeDialect dialect;
  private final List<SelectItem<?>> items;
  private final int visible;
  private final String[] itemText;
  private final int[] itemPosition;
  private final boolean star;
  private final List<Expression> hidden = new ArrayList<>();
  private final List<String> hiddenText = new ArrayList<>();

  ShardColumns(PlainSelect ps, MergeDialect dialect) {
    this.dialect = dialect;
    this.items = List.copyOf(ps.getSelectItems());
    this.visible = items.size();
    this.itemText = new String[items.size()];
    this.itemPosition = new int[items.size()];
    boolean seenStar = false;
    for (int i = 0; i < items.size(); i++) {
      Expression e = items.get(i).getExpression();
      boolean isStar = e instanceof AllColumns; // AllTableColumns extends AllColumns
      seenStar |= isStar;
      itemText[i] = isStar ? null : ExpressionText.of(e);
      itemPosition[i] = seenStar ? -1 : i;
    }
    this.star = seenStar;
  }

  boolean hasStar() {
    return star;
  }

  /** Visible columns, or -1 when a {@code *} makes the count unknown. */
  int visibleCount() {
    return star ? -1 : visible;
  }

  int itemCount() {
    return items.size();
  }

  SelectItem<?> item(int i) {
    return items.get(i);
  }

  int hiddenCount() {
    return hidden.size();
  }

  /** Absolute index in the shard row; only without a star. */
  int absolute(Ref ref) {
    if (star) {
      throw new IllegalStateException("absolute column indexes are unknown with SELECT *");
    }
    return ref.hidden() ? visible + ref.index() : ref.index();
  }

  /** Appends a hidden column computing {@code e}; it matches later references to {@code matchText}. */
  Ref addHidden(Expression e, String matchText) {
    hidden.add(e);
    hiddenText.add(matchText);
    return new Ref(hidden.size() - 1, true);
  }

  Ref addHidden(Expression e) {
    return addHidden(e, ExpressionText.of(e));
  }

  /** Adds the hidden columns to the shard statement's select list, aliased {@code _jx_h0, _jx_h1, ...}. */
  void appendHiddenTo(PlainSelect ps) {
    for (int j = 0; j < hidden.size(); j++) {
      ps.addSelectItem(hidden.get(j), new Alias(HIDDEN_ALIAS + j, true));
    }
  }

  /**
   * A select-list position ({@code ORDER BY 2}), or null when {@code e} is not an integer literal.
   *
   * @throws SQLSyntaxErrorException when the position is outside the select list
   */
  Ref position(Expression e, String clause) throws SQLException {
    if (!(e instanceof LongValue v)) {
      return null;
    }
    long p = v.getValue();
    if (p < 1 || (!star && p > items.size())) {
      throw new SQLSyntaxErrorException(clause + " position " + p + " is not in select list", "42P10");
    }
    return new Ref((int) (p - 1), false);
  }

  /** The visible item whose alias is the bare name {@code e}, if exactly one. */
  Ref byAlias(Expression e) {
    if (!ExpressionText.isBareColumn(e)) {
      return null;
    }
    String name = ((Column) e).getColumnName();
    Ref found = null;
    for (int i = 0; i < items.size(); i++) {
      Alias alias = items.get(i).getAlias();
      if (alias != null && itemPosition[i] >= 0 && ExpressionText.sameName(alias.getName(), name, dialect)) {
        if (found != null && !ExpressionText.same(itemText[found.index()], itemText[i])) {
          return null; // ambiguous: leave it to the database
        }
        if (found == null) {
          found = new Ref(i, false);
        }
      }
    }
    return found;
  }

  /** Does a bare name inside {@code e} refer to a select alias of a different expression? */
  String aliasReferencedIn(Expression e) {
    for (Column c : ExpressionScan.of(e).columns) {
      if (!ExpressionText.isBareColumn(c)) {
        continue;
      }
      for (int i = 0; i < items.size(); i++) {
        Alias alias = items.get(i).getAlias();
        if (alias != null && ExpressionText.sameName(alias.getName(), c.getColumnName(), dialect)
            && !(items.get(i).getExpression() instanceof Column own
                && ExpressionText.sameName(own.getColumnName(), c.getColumnName(), dialect))) {
          return c.getColumnName();
        }
      }
    }
    return null;
  }

  /** A column computing the same expression, visible first. */
  Ref byText(Expression e) {
    String text = ExpressionText.of(e);
    for (int i = 0; i < items.size(); i++) {
      if (itemPosition[i] >= 0 && ExpressionText.same(itemText[i], text)) {
        return new Ref(i, false);
      }
    }
    for (int j = 0; j < hidden.size(); j++) {
      if (ExpressionText.same(hiddenText.get(j), text)) {
        return new Ref(j, true);
      }
    }
    return null;
  }

  /**
   * The unaliased visible column whose output name is the bare name {@code e} ({@code ORDER BY
   * name} for {@code SELECT u.name}), if exactly one.
   */
  Ref byOutputName(Expression e) {
    if (!ExpressionText.isBareColumn(e)) {
      return null;
    }
    String name = ((Column) e).getColumnName();
    Ref found = null;
    for (int i = 0; i < items.size(); i++) {
      SelectItem<?> item = items.get(i);
      if (item.getAlias() == null && itemPosition[i] >= 0 && item.getExpression() instanceof Column c
          && ExpressionText.sameName(c.getColumnName(), name, dialect)) {
        if (found != null) {
          return null;
        }
        found = new Ref(i, false);
      }
    }
    return found;
  }

  /** The text the item was written as (before any rewrite); null for a star. */
  String itemText(int i) {
    return itemText[i];
  }
}
