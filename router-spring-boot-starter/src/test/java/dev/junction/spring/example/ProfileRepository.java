package dev.junction.spring.example;

import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

public interface ProfileRepository extends JpaRepository<Profile, Long> {

  /** The port of the PostgreSQL server that ran this query: tells the primary from each replica. */
  @Query(value = "SELECT inet_server_port()", nativeQuery = true)
  int serverPort();
}
