package dev.junction.shard;

import java.util.ArrayList;
import java.util.List;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.schema.Column;

/**
 * The tables one query block (a SELECT, the body of an UPDATE or DELETE) can see, and the
 * conditions that constrain its rows. Key columns resolve only against this block's own tables:
 * a predicate inside a subquery restricts the subquery's rows, not the enclosing query's (think
 * {@code NOT EXISTS (... WHERE o.key = 5)}), so a correlated reference to an outer table is never
 * used as a key; the subquery's tables form classes of their own.
 */
final class QueryScope {

  /** The enclosing block, or null; deliberately not consulted when resolving keys. */
  final QueryScope parent;
  final List<TableRef> refs = new ArrayList<>();
  /** WHERE and INNER JOIN ... ON conditions: their key predicates restrict every row of the block. */
  final List<Expression> restricting = new ArrayList<>();
  /** Outer-join ON conditions: key equalities co-locate tables, but key values do not pin them. */
  final List<Expression> joining = new ArrayList<>();
  /** Pairs of references joined with {@code USING (key)}: co-located like {@code a.key = b.key}. */
  final List<TableRef[]> usingJoins = new ArrayList<>();

  QueryScope(QueryScope parent) {
    this.parent = parent;
  }

  /**
   * The sharded table reference whose shard-key column this is, or null. An unqualified name that
   * several references have is ambiguous (no key) unless they were all joined with
   * {@code USING (key)}, after which the name denotes the merged column.
   */
  TableRef keyOf(Column column) {
    String name = TableRef.normalize(column.getColumnName());
    if (column.getTable() != null && column.getTable().getName() != null) {
      String qualifier = TableRef.normalize(column.getTable().getName());
      for (TableRef ref : refs) {
        if (ref.answersTo(qualifier)) {
          return ref.sharded != null && ref.sharded.keyColumn().equals(name) ? ref : null;
        }
      }
      return null;
    }
    TableRef found = null;
    for (TableRef ref : refs) {
      if (ref.sharded != null && ref.sharded.keyColumn().equals(name)) {
        if (found != null && !(mergedByUsing(found) && mergedByUsing(ref))) {
          return null; // ambiguous: not a usable key
        }
        if (found != null) {
          continue;
        }
        found = ref;
      }
    }
    return found;
  }

  private boolean mergedByUsing(TableRef ref) {
    return usingJoins.stream().anyMatch(pair -> pair[0] == ref || pair[1] == ref);
  }

  /** True if assigning this column could change a shard key (ambiguity counts as yes). */
  boolean mayBeKey(Column column) {
    if (column.getTable() != null && column.getTable().getName() != null) {
      return keyOf(column) != null;
    }
    String name = TableRef.normalize(column.getColumnName());
    return refs.stream().anyMatch(r -> r.sharded != null && r.sharded.keyColumn().equals(name));
  }
}
