package dev.junction.spring.example;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;

/** A row every test bumps and reads back: its revision shows whether a read saw the latest write. */
@Entity
public class Profile {
  @Id
  private Long id;

  private String name;

  private long revision;

  protected Profile() {}

  public Long getId() {
    return id;
  }

  public String getName() {
    return name;
  }

  public long getRevision() {
    return revision;
  }

  public void bump() {
    revision++;
  }
}
