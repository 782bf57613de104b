package dev.junction.spring.tx;

import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import org.springframework.transaction.annotation.Transactional;

/** The same through JPA: native queries on the transaction's EntityManager. */
public class JpaServerPorts {
  @PersistenceContext
  private EntityManager em;

  @Transactional(readOnly = true)
  public int readOnlyTransaction() {
    return port();
  }

  @Transactional
  public int readWriteTransaction() {
    em.createNativeQuery("INSERT INTO note (body) VALUES ('jpa')").executeUpdate();
    return port();
  }

  int port() {
    return ((Number) em.createNativeQuery("SELECT inet_server_port()").getSingleResult()).intValue();
  }
}
