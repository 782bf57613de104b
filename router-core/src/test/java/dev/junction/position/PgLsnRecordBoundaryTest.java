package dev.junction.position;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PgLsnRecordBoundaryTest {
  static final long BLOCK = 8192;
  static final long SEGMENT = 16L << 20;

  private static long boundary(long insert, long block, long segment) {
    return PgLsn.recordBoundary(new PgLsn(insert), block, segment).value();
  }

  @Test
  void anInsertPositionJustPastAPageHeaderIsMovedBackToThePageBoundary() {
    assertThat(boundary(5 * BLOCK + 24, BLOCK, SEGMENT)).isEqualTo(5 * BLOCK);
    assertThat(boundary(3 * SEGMENT + 40, BLOCK, SEGMENT)).isEqualTo(3 * SEGMENT);
  }

  @Test
  void everyOtherPositionIsKept() {
    assertThat(boundary(5 * BLOCK + 40, BLOCK, SEGMENT)).isEqualTo(5 * BLOCK + 40);
    assertThat(boundary(5 * BLOCK + 32, BLOCK, SEGMENT)).isEqualTo(5 * BLOCK + 32);
    assertThat(boundary(5 * BLOCK, BLOCK, SEGMENT)).isEqualTo(5 * BLOCK);
    assertThat(boundary(5 * BLOCK + 24, 0, 0)).isEqualTo(5 * BLOCK + 24);
  }
}
