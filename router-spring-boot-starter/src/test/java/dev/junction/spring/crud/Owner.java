package dev.junction.spring.crud;

import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;

/** PetClinic's owner, reduced to what the tests check: a name, a telephone an edit changes, and a pet count. */
@Entity
public class Owner {
  @Id
  @GeneratedValue(strategy = GenerationType.IDENTITY)
  private Long id;

  private String name;

  private String telephone;

  private int pets;

  protected Owner() {}

  Owner(String name) {
    this.name = name;
    this.telephone = "none";
  }

  public Long getId() {
    return id;
  }

  public String getName() {
    return name;
  }

  public String getTelephone() {
    return telephone;
  }

  public void setTelephone(String telephone) {
    this.telephone = telephone;
  }

  public int getPets() {
    return pets;
  }

  public void addPet() {
    pets++;
  }
}
