package dev.junction.spring.example;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A plain Spring Boot application (Spring Data JPA, JdbcTemplate, Spring Security, Actuator) that
 * uses Junction only through the starter and its {@code junction.*} properties: no Junction type
 * appears in its code. Its configuration is {@code example-app.yml}.
 */
@SpringBootApplication
public class ExampleApplication {
  public static void main(String[] args) {
    SpringApplication.run(ExampleApplication.class, "--spring.config.name=example-app");
  }
}
