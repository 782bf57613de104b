package dev.junction.proxy.relay;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What the sharded relay may answer itself: exactly what PostgreSQL's grammar accepts (TxControlDifferentialIT checks it against the server). */
class TransactionStatementTest {
  @Test
  void validBeginForms() {
    assertThat(TransactionStatement.parse("BEGIN")).isEqualTo(new TransactionStatement(TransactionStatement.Kind.BEGIN, false, false, false));
    assertThat(TransactionStatement.parse("begin work;")).isNotNull();
    assertThat(TransactionStatement.parse("  START TRANSACTION READ ONLY ")).extracting(TransactionStatement::readOnly).isEqualTo(true);
    assertThat(TransactionStatement.parse("BEGIN ISOLATION LEVEL SERIALIZABLE, READ ONLY, DEFERRABLE").serializable()).isTrue();
    assertThat(TransactionStatement.parse("BEGIN READ ONLY, READ WRITE").readOnly()).isFalse();
    assertThat(TransactionStatement.parse("BEGIN ISOLATION LEVEL SERIALIZABLE ISOLATION LEVEL READ COMMITTED").serializable()).isFalse();
    assertThat(TransactionStatement.parse("begin transaction isolation level repeatable read not deferrable")).isNotNull();
    assertThat(TransactionStatement.parse("BEGIN ISOLATION LEVEL READ UNCOMMITTED")).isNotNull();
  }

  @Test
  void invalidOrUnrecognisedBeginIsNotAnswered() {
    for (String sql : new String[] {"BEGIN ISOLATION LEVEL bogus", "BEGIN bogus", "START TRANSACTION ISOLATION LEVEL READ SOMETHING",
        "BEGIN , READ ONLY", "BEGIN READ ONLY,", "BEGIN READ ONLY,, DEFERRABLE", "BEGIN ISOLATION LEVEL", "START", "BEGIN -- c",
        "/* c */ BEGIN", "BEGIN; SELECT 1", "BEGIN READ", "BEGIN WORK WORK", "BEGIN DEFERRABLE NOT", "BEGIN;;", "BEGINX"}) {
      assertThat(TransactionStatement.parse(sql)).as(sql).isNull();
    }
  }

  @Test
  void commitAndRollbackForms() {
    assertThat(TransactionStatement.parse("COMMIT AND CHAIN").chain()).isTrue();
    assertThat(TransactionStatement.parse("end transaction and no chain").chain()).isFalse();
    assertThat(TransactionStatement.parse("ABORT WORK AND CHAIN").kind()).isEqualTo(TransactionStatement.Kind.ROLLBACK);
    assertThat(TransactionStatement.parse("ROLLBACK;").kind()).isEqualTo(TransactionStatement.Kind.ROLLBACK);
    for (String sql : new String[] {"COMMIT bogus", "COMMIT AND", "ROLLBACK AND NO", "ROLLBACK TO a", "COMMIT PREPARED 'x'",
        "PREPARE TRANSACTION 'x'", "COMMIT AND CHAIN CHAIN"}) {
      assertThat(TransactionStatement.parse(sql)).as(sql).isNull();
    }
  }
}
