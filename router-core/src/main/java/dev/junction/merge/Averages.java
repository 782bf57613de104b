package dev.junction.merge;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Turns a combined (sum, count) pair back into the value AVG would have returned on one database.
 *
 * <ul>
 *   <li>Double sums (AVG over double columns) give a {@code Double}, like PostgreSQL's
 *       {@code avg(float8)} and MySQL's AVG over DOUBLE. The summation order differs from a single
 *       database, so the last bits may differ. A {@code Float} sum (PostgreSQL's {@code sum(real)})
 *       is refused: it accumulated in real, where {@code avg(real)} accumulates in double precision
 *       (it overflows at 3e38 + 3e38 and drops digits long before).
 *   <li>Exact sums give a {@link BigDecimal}. PostgreSQL: the scale its {@code numeric} division
 *       picks ({@code select_div_scale}: at least 16 significant digits, never fewer decimals than
 *       either input), rounded half away from zero — {@code avg(1, 2)} is {@code 1.5000000000000000}.
 *       MySQL/MariaDB: the sum's scale plus {@code div_precision_increment} (assumed to be the
 *       default 4), rounded half up — {@code AVG(int)} gives {@code 1.5000}.
 *   <li>A count of 0 (or a NULL sum) gives NULL.
 * </ul>
 */
final class Averages {

  /** PostgreSQL's NUMERIC_MIN_SIG_DIGITS, DEC_DIGITS and NUMERIC_MAX_DISPLAY_SCALE. */
  private static final int PG_MIN_SIG_DIGITS = 16;
  private static final int PG_DEC_DIGITS = 4;
  private static final int PG_MAX_DISPLAY_SCALE = 1000;
  /** MySQL's default div_precision_increment and maximum DECIMAL scale. */
  private static final int MYSQL_DIV_PRECISION_INCREMENT = 4;
  private static final int MYSQL_MAX_SCALE = 30;
  private static final int MARIADB_MAX_SCALE = 38;

  private Averages() {}

  static Object average(Object sum, Object count, MergeDialect dialect) {
    if (sum == null || count == null) {
      return null;
    }
    long n = ((Number) count).longValue();
    if (n == 0) {
      return null;
    }
    if (sum instanceof Float && dialect == MergeDialect.POSTGRESQL) {
      throw UnmergeableValueException.averageOfReal();
    }
    if (SqlValues.isFloating(sum)) {
      return ((Number) sum).doubleValue() / n;
    }
    if (!(sum instanceof Number s)) {
      throw new IncomparableValuesException("an AVG partial sum must be a number, got " + sum.getClass().getName());
    }
    BigDecimal total = SqlValues.toBigDecimal(s);
    BigDecimal divisor = BigDecimal.valueOf(n);
    return switch (dialect) {
      case POSTGRESQL -> total.divide(divisor, postgresDivScale(total, divisor), RoundingMode.HALF_UP);
      case MYSQL -> total.divide(divisor, mysqlScale(total, MYSQL_MAX_SCALE), RoundingMode.HALF_UP);
      case MARIADB -> total.divide(divisor, mysqlScale(total, MARIADB_MAX_SCALE), RoundingMode.HALF_UP);
    };
  }

  private static int mysqlScale(BigDecimal sum, int max) {
    return Math.min(Math.max(sum.scale(), 0) + MYSQL_DIV_PRECISION_INCREMENT, max);
  }

  /**
   * PostgreSQL's {@code select_div_scale}: estimate the quotient's weight from the leading base-10000
   * digits of both operands, then keep enough decimals for 16 significant digits.
   */
  static int postgresDivScale(BigDecimal num, BigDecimal den) {
    long[] n = weightAndFirstDigit(num);
    long[] d = weightAndFirstDigit(den);
    long qweight = n[0] - d[0];
    if (n[1] <= d[1]) {
      qweight--;
    }
    long rscale = PG_MIN_SIG_DIGITS - qweight * PG_DEC_DIGITS;
    rscale = Math.max(rscale, Math.max(num.scale(), 0));
    rscale = Math.max(rscale, Math.max(den.scale(), 0));
    rscale = Math.max(rscale, 0);
    return (int) Math.min(rscale, PG_MAX_DISPLAY_SCALE);
  }

  /** Weight (power of 10000) and value of the leading non-zero base-10000 digit; (0, 0) for zero. */
  private static long[] weightAndFirstDigit(BigDecimal v) {
    if (v.signum() == 0) {
      return new long[] {0, 0};
    }
    BigDecimal abs = v.abs();
    long exponent = (long) abs.precision() - abs.scale() - 1; // abs = d.ddd * 10^exponent
    long weight = Math.floorDiv(exponent, PG_DEC_DIGITS);
    long first = abs.movePointLeft((int) (weight * PG_DEC_DIGITS)).longValue();
    return new long[] {weight, first};
  }
}
