package dev.junction.spring.tx;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;

/** The table the transaction tests write to (Spring Data JPA wants at least one entity). */
@Entity
public class Note {
  @Id
  private Integer id;

  private String body;

  protected Note() {}
}
