package dev.junction.reshard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.BatchUpdateException;
import java.sql.SQLException;
import java.sql.SQLTransactionRollbackException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Which failures a step runs again: the SQLSTATEs and error codes the servers and drivers report. */
class RetryTest {
  @Test
  void deadlocksSerializationFailuresAndLockWaitsAreConflicts() {
    assertThat(Retry.classify(new SQLException("ERROR: deadlock detected", "40P01"))).isEqualTo(Retry.Kind.CONFLICT);
    assertThat(Retry.classify(new SQLException("could not serialize access", "40001"))).isEqualTo(Retry.Kind.CONFLICT);
    assertThat(Retry.classify(new SQLException("canceling statement due to lock timeout", "55P03")))
        .isEqualTo(Retry.Kind.CONFLICT);
    assertThat(Retry.classify(new SQLTransactionRollbackException("Deadlock found when trying to get lock", "40001", 1213)))
        .isEqualTo(Retry.Kind.CONFLICT);
    assertThat(Retry.classify(new SQLException("Lock wait timeout exceeded; try restarting transaction", "HY000", 1205)))
        .isEqualTo(Retry.Kind.CONFLICT);
    assertThat(Retry.classify(new SQLException("Record has changed since last read", "HY000", 1020)))
        .isEqualTo(Retry.Kind.CONFLICT);
  }

  @Test
  void aConflictInsideABatchOrACauseIsFound() {
    BatchUpdateException batch = new BatchUpdateException("batch entry 3 failed", "", 0, new int[0]);
    batch.setNextException(new SQLException("ERROR: deadlock detected", "40P01"));
    assertThat(Retry.classify(batch)).isEqualTo(Retry.Kind.CONFLICT);
    SQLException wrapped = new SQLException("write failed", "HY000", 0,
        new SQLTransactionRollbackException("Deadlock found", "40001", 1213));
    assertThat(Retry.classify(wrapped)).isEqualTo(Retry.Kind.CONFLICT);
  }

  @Test
  void junctionRefusalsAndOrdinaryErrorsAreNotRetried() {
    assertThat(Retry.classify(new SQLException("Junction: this session routes by an older ring version", "40001", 1644)))
        .isEqualTo(Retry.Kind.OTHER);
    assertThat(Retry.classify(new SQLException("ERROR: Junction: this session routes by ring version 1", "40001")))
        .isEqualTo(Retry.Kind.OTHER);
    assertThat(Retry.classify(new SQLException("duplicate key", "23505"))).isEqualTo(Retry.Kind.OTHER);
    assertThat(Retry.classify(new SQLException("Connection refused", "08001"))).isEqualTo(Retry.Kind.CONNECTION);
    assertThat(Retry.classify(new SQLException("terminating connection due to administrator command", "57P01")))
        .isEqualTo(Retry.Kind.CONNECTION);
  }

  @Test
  void aTransactionRunsAgainAfterConflictsAndTheLastOneIsReportedWithTheCount() throws Exception {
    Progress progress = new Progress(null);
    AtomicInteger runs = new AtomicInteger();
    int result = Retry.onConflict("t", progress, () -> {
      if (runs.incrementAndGet() < 3) {
        throw new SQLException("ERROR: deadlock detected", "40P01");
      }
      return 42;
    });
    assertThat(result).isEqualTo(42);
    assertThat(runs).hasValue(3);
    assertThat(progress.retries()).isEqualTo(2);

    AtomicInteger always = new AtomicInteger();
    assertThatThrownBy(() -> Retry.onConflictDo("drain a batch of s0", progress, () -> {
      always.incrementAndGet();
      throw new SQLException("Deadlock found when trying to get lock", "40001", 1213);
    })).isInstanceOf(Retry.Exhausted.class).hasMessageContaining("drain a batch of s0")
        .hasMessageContaining(Retry.CONFLICT_ATTEMPTS + " attempts");
    assertThat(always).hasValue(Retry.CONFLICT_ATTEMPTS);

    AtomicInteger other = new AtomicInteger();
    assertThatThrownBy(() -> Retry.onConflictDo("t", progress, () -> {
      other.incrementAndGet();
      throw new SQLException("duplicate key", "23505");
    })).hasMessage("duplicate key");
    assertThat(other).hasValue(1);
  }
}
