package dev.junction.merge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** HAVING evaluation on merged rows: SQL three-valued logic and implicit literal casts. */
class RowFilterTest {

  private static RowFilters.Operand col(int i) {
    return new RowFilters.ColumnOperand(i);
  }

  private static RowFilters.Operand val(Object v) {
    return new RowFilters.ValueOperand(v);
  }

  private static RowFilter cmp(RowFilters.Op op, RowFilters.Operand l, RowFilters.Operand r) {
    return new RowFilters.Comparison(op, l, r);
  }

  @Test
  void comparisonsWithNullAreUnknown() {
    Object[] row = {null, 5L};
    assertThat(cmp(RowFilters.Op.EQ, col(0), val(1)).evaluate(row)).isNull();
    assertThat(new RowFilters.Not(cmp(RowFilters.Op.EQ, col(0), val(1))).evaluate(row)).isNull();
    assertThat(new RowFilters.IsNull(col(0), false).evaluate(row)).isTrue();
  }

  @Test
  void andOrFollowThreeValuedLogic() {
    Object[] row = {null, 5L};
    RowFilter unknown = cmp(RowFilters.Op.GT, col(0), val(1));
    RowFilter yes = cmp(RowFilters.Op.GT, col(1), val(1));
    RowFilter no = cmp(RowFilters.Op.LT, col(1), val(1));
    assertThat(new RowFilters.And(unknown, no).evaluate(row)).isFalse();
    assertThat(new RowFilters.And(unknown, yes).evaluate(row)).isNull();
    assertThat(new RowFilters.Or(unknown, yes).evaluate(row)).isTrue();
    assertThat(new RowFilters.Or(unknown, no).evaluate(row)).isNull();
  }

  @Test
  void inAndBetweenHandleNullsAndNegation() {
    Object[] row = {3L};
    assertThat(new RowFilters.In(col(0), List.of(val(1), val(new BigDecimal("3.0"))), false).evaluate(row)).isTrue();
    assertThat(new RowFilters.In(col(0), List.of(val(1), val(null)), false).evaluate(row)).isNull();
    assertThat(new RowFilters.In(col(0), List.of(val(1), val(2)), true).evaluate(row)).isTrue();
    assertThat(new RowFilters.Between(col(0), val(1), val(3), false).evaluate(row)).isTrue();
    assertThat(new RowFilters.Between(col(0), val(1), val(3), true).evaluate(row)).isFalse();
    assertThat(new RowFilters.Between(col(0), val(null), val(3), false).evaluate(row)).isNull();
  }

  @Test
  void stringLiteralsAreCastToTheColumnType() {
    assertThat(cmp(RowFilters.Op.GT, col(0), val("2.5")).evaluate(new Object[] {3L})).isTrue();
    assertThat(cmp(RowFilters.Op.LT, val("2024-01-01"), col(0)).evaluate(new Object[] {java.sql.Date.valueOf("2024-02-01")})).isTrue();
    assertThatThrownBy(() -> cmp(RowFilters.Op.GT, col(0), val("many")).evaluate(new Object[] {3L}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a valid");
  }

  @Test
  void parametersMustBeBoundBeforeEvaluation() throws SQLException {
    RowFilter f = cmp(RowFilters.Op.GE, col(0), new RowFilters.ParameterOperand(2));
    assertThat(f.isBound()).isFalse();
    RowFilter bound = f.bind(List.of("ignored", 10));
    assertThat(bound.isBound()).isTrue();
    assertThat(bound.evaluate(new Object[] {10L})).isTrue();
    assertThatThrownBy(() -> f.evaluate(new Object[] {10L})).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> f.bind(List.of(1))).isInstanceOf(SQLException.class);
  }
}
