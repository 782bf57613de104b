package dev.junction.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PostgresDialectTest {
  static final long BLOCK = 8192;
  static final long SEGMENT = 16L << 20;

  @Test
  void anInsertPositionJustPastAPageHeaderIsMovedBackToThePageBoundary() {
    assertThat(PostgresDialect.recordBoundary(5 * BLOCK + 24, BLOCK, SEGMENT)).isEqualTo(5 * BLOCK);
    assertThat(PostgresDialect.recordBoundary(3 * SEGMENT + 40, BLOCK, SEGMENT)).isEqualTo(3 * SEGMENT);
  }

  @Test
  void everyOtherPositionIsKept() {
    assertThat(PostgresDialect.recordBoundary(5 * BLOCK + 40, BLOCK, SEGMENT)).isEqualTo(5 * BLOCK + 40);
    assertThat(PostgresDialect.recordBoundary(5 * BLOCK + 32, BLOCK, SEGMENT)).isEqualTo(5 * BLOCK + 32);
    assertThat(PostgresDialect.recordBoundary(5 * BLOCK, BLOCK, SEGMENT)).isEqualTo(5 * BLOCK);
    assertThat(PostgresDialect.recordBoundary(5 * BLOCK + 24, 0, 0)).isEqualTo(5 * BLOCK + 24);
  }
}
