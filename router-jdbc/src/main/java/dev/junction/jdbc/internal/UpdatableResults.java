package dev.junction.jdbc.internal;

import dev.junction.classify.Classification;
import dev.junction.classify.PrimaryReason;
import dev.junction.classify.StatementKind;
import java.sql.ResultSet;

/**
 * Updatable result sets ({@code CONCUR_UPDATABLE}) write without a write statement: the driver sends
 * an UPDATE, INSERT or DELETE on the connection the query ran on when the application calls
 * {@code updateRow()}, {@code insertRow()} or {@code deleteRow()}. So the query of an updatable
 * statement is routed as a write (the primary, or the open transaction's target, and a read-write
 * transaction counts it as written), and each row written is reported to the connection, which then
 * records the read-your-writes fence as for any committed write (issue #12). Before, the query was a
 * read and went to a replica: PostgreSQL refused the row write (25006), and a MariaDB replica whose
 * user bypasses {@code read_only} took it, on the replica only.
 */
final class UpdatableResults {
  private UpdatableResults() {}

  /** Whether a statement made with {@code concurrency} must be routed by {@link #routed}. */
  static boolean updatable(int concurrency) {
    return concurrency == ResultSet.CONCUR_UPDATABLE;
  }

  /** The classification to route an updatable statement's execution with: a query becomes a write. */
  static Classification routed(Classification c) {
    if (c.kind() != StatementKind.READ) {
      return c;
    }
    return new Classification(StatementKind.WRITE, PrimaryReason.WRITE, c.tables(), c.multiStatement(), c.transactionAccess(),
        c.parts());
  }
}
