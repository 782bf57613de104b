package dev.junction.bench.library;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.jdbc.datasource.LazyConnectionDataSourceProxy;
import org.springframework.jdbc.datasource.lookup.AbstractRoutingDataSource;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The read/write split Spring users build themselves: one HikariCP pool per server behind an
 * {@link AbstractRoutingDataSource}, wrapped in a {@link LazyConnectionDataSourceProxy} so that the
 * physical connection is chosen at the first statement, after the read-only hint is known. Reads go
 * round robin over the replicas. Two hints, both common in practice:
 *
 * <ul>
 *   <li>{@link Hint#READ_ONLY_TRANSACTION}: {@code @Transactional(readOnly = true)}, here a read-only
 *       {@link TransactionTemplate}, and the key comes from
 *       {@link TransactionSynchronizationManager#isCurrentTransactionReadOnly()}. Writes run in a
 *       read-write transaction. Each operation therefore also pays BEGIN/COMMIT.
 *   <li>{@link Hint#THREAD_LOCAL}: a thread-local flag set around the read (what a custom
 *       {@code @ReadOnly} aspect does); statements stay in auto-commit like every other contender.
 * </ul>
 */
final class SpringRoutingContender implements Contender {
  enum Hint { READ_ONLY_TRANSACTION, THREAD_LOCAL }

  private static final ThreadLocal<Boolean> READ_ONLY = new ThreadLocal<>();

  private final String name;
  private final Hint hint;
  private final DataSource lazy;
  private final TransactionTemplate readOnlyTx;
  private final TransactionTemplate readWriteTx;
  private final List<HikariDataSource> pools;

  SpringRoutingContender(String name, Hint hint, HikariDataSource primary, List<HikariDataSource> replicas) {
    this.name = name;
    this.hint = hint;
    Map<Object, Object> targets = new HashMap<>();
    targets.put("primary", primary);
    for (int i = 0; i < replicas.size(); i++) {
      targets.put("replica" + i, replicas.get(i));
    }
    ReadWriteRoutingDataSource routing = new ReadWriteRoutingDataSource(hint, replicas.size());
    routing.setTargetDataSources(targets);
    routing.setDefaultTargetDataSource(primary);
    routing.afterPropertiesSet();
    this.lazy = new LazyConnectionDataSourceProxy(routing);
    DataSourceTransactionManager tm = new DataSourceTransactionManager(lazy);
    this.readOnlyTx = new TransactionTemplate(tm);
    readOnlyTx.setReadOnly(true);
    this.readWriteTx = new TransactionTemplate(tm);
    this.pools = new java.util.ArrayList<>(replicas);
    pools.add(primary);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public <T> T read(SqlWork<T> work) throws Exception {
    if (hint == Hint.READ_ONLY_TRANSACTION) {
      return inTransaction(readOnlyTx, work);
    }
    READ_ONLY.set(Boolean.TRUE);
    try (Connection c = lazy.getConnection()) {
      return work.run(c);
    } finally {
      READ_ONLY.remove();
    }
  }

  @Override
  public <T> T write(SqlWork<T> work) throws Exception {
    if (hint == Hint.READ_ONLY_TRANSACTION) {
      return inTransaction(readWriteTx, work);
    }
    try (Connection c = lazy.getConnection()) {
      return work.run(c);
    }
  }

  private <T> T inTransaction(TransactionTemplate tx, SqlWork<T> work) {
    return tx.execute(status -> {
      Connection c = DataSourceUtils.getConnection(lazy);
      try {
        return work.run(c);
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      } finally {
        DataSourceUtils.releaseConnection(c, lazy);
      }
    });
  }

  @Override
  public void close() {
    pools.forEach(HikariDataSource::close);
  }

  /** Primary unless the current work is marked read-only; then the next replica in turn. */
  static final class ReadWriteRoutingDataSource extends AbstractRoutingDataSource {
    private final Hint hint;
    private final int replicas;
    private final AtomicInteger next = new AtomicInteger();

    ReadWriteRoutingDataSource(Hint hint, int replicas) {
      this.hint = hint;
      this.replicas = replicas;
    }

    @Override
    protected Object determineCurrentLookupKey() {
      boolean readOnly = hint == Hint.READ_ONLY_TRANSACTION
          ? TransactionSynchronizationManager.isCurrentTransactionReadOnly()
          : READ_ONLY.get() == Boolean.TRUE;
      if (!readOnly || replicas == 0) {
        return "primary";
      }
      return "replica" + Math.floorMod(next.getAndIncrement(), replicas);
    }
  }
}
