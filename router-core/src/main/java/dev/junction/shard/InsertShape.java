package dev.junction.shard;

import java.util.ArrayList;
import java.util.List;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.insert.Insert;
import net.sf.jsqlparser.statement.select.Select;
import net.sf.jsqlparser.statement.select.WithItem;
import net.sf.jsqlparser.statement.update.UpdateSet;
import net.sf.jsqlparser.statement.upsert.Upsert;

/**
 * What the planner needs of a row-inserting statement, whichever JSqlParser type it parsed to:
 * INSERT, and REPLACE / UPSERT (which JSqlParser 5.1 parses as {@link Upsert}).
 *
 * @param setForm MySQL {@code INSERT ... SET col = v, ...}, else null
 * @param updates the ON CONFLICT DO UPDATE / ON DUPLICATE KEY UPDATE assignments
 */
record InsertShape(String verb, List<WithItem<?>> withItems, Table table, List<Column> columns, Select source,
    List<UpdateSet> setForm, List<UpdateSet> updates) {

  static InsertShape of(Insert insert) {
    List<UpdateSet> updates = new ArrayList<>();
    if (insert.getConflictAction() != null && insert.getConflictAction().getUpdateSets() != null) {
      updates.addAll(insert.getConflictAction().getUpdateSets());
    }
    if (insert.getDuplicateUpdateSets() != null) {
      updates.addAll(insert.getDuplicateUpdateSets());
    }
    return new InsertShape("INSERT", insert.getWithItemsList(), insert.getTable(), insert.getColumns(), insert.getSelect(),
        insert.isUseSet() ? insert.getSetUpdateSets() : null, updates);
  }

  static InsertShape of(Upsert upsert) {
    List<UpdateSet> updates = upsert.getDuplicateUpdateSets() == null ? List.of() : upsert.getDuplicateUpdateSets();
    List<UpdateSet> set = upsert.getUpdateSets() == null || upsert.getUpdateSets().isEmpty() ? null : upsert.getUpdateSets();
    return new InsertShape(upsert.getUpsertType() == null ? "UPSERT" : upsert.getUpsertType().name(), null,
        upsert.getTable(), upsert.getColumns(), upsert.getSelect(), set, updates);
  }
}
