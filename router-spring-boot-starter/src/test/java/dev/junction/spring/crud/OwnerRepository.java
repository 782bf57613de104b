package dev.junction.spring.crud;

import org.springframework.data.jpa.repository.JpaRepository;

/** Spring Data's defaults: {@code findById} runs in a read-only transaction (a replica), {@code save} on the primary. */
public interface OwnerRepository extends JpaRepository<Owner, Long> {}
