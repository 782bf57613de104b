package dev.junction.spring.jpa;

import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceException;
import java.sql.Connection;
import java.sql.SQLException;
import org.hibernate.engine.spi.SessionImplementor;
import org.springframework.orm.jpa.vendor.HibernateJpaDialect;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.TransactionException;

/**
 * Makes {@code @Transactional(readOnly = true)} reach the JDBC connection in every Hibernate setup,
 * because that flag is what sends a transaction to a replica.
 *
 * <p>Spring's {@link HibernateJpaDialect} calls {@link Connection#setReadOnly(boolean)} only when
 * Hibernate holds its connection for the whole session (connection handling mode
 * {@code DELAYED_ACQUISITION_AND_HOLD}, Spring's default). With
 * {@code hibernate.connection.handling_mode=DELAYED_ACQUISITION_AND_RELEASE_AFTER_TRANSACTION}
 * (or {@code prepareConnection=false}) the flag is silently dropped and read-only transactions
 * run on the primary. This dialect marks the connection read-only right after the transaction
 * began; Junction picks a transaction's target at its first statement, so that is still in time.
 */
public class ReadOnlyRoutingHibernateJpaDialect extends HibernateJpaDialect {

  @Override
  public Object beginTransaction(EntityManager entityManager, TransactionDefinition definition)
      throws PersistenceException, SQLException, TransactionException {
    Object data = super.beginTransaction(entityManager, definition);
    if (!definition.isReadOnly()) {
      return data;
    }
    Connection connection = entityManager.unwrap(SessionImplementor.class).getJdbcCoordinator()
        .getLogicalConnection().getPhysicalConnection();
    if (connection.isReadOnly()) {
      return data; // Spring prepared it already
    }
    connection.setReadOnly(true);
    return new MarkedReadOnly(data, connection);
  }

  @Override
  public void cleanupTransaction(Object transactionData) {
    if (transactionData instanceof MarkedReadOnly marked) {
      super.cleanupTransaction(marked.delegate());
      marked.reset();
    } else {
      super.cleanupTransaction(transactionData);
    }
  }

  /** Spring's own transaction data plus the connection this dialect marked read-only. */
  private record MarkedReadOnly(Object delegate, Connection connection) {
    void reset() {
      try {
        if (!connection.isClosed()) {
          connection.setReadOnly(false);
        }
      } catch (SQLException ignored) {
        // the connection is on its way back to the pool, or broken; either way nothing to reset
      }
    }
  }
}
