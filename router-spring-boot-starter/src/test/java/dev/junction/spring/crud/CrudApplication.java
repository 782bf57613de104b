package dev.junction.spring.crud;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;

/**
 * A small MVC + JPA application with no login, configured with nothing but the {@code junction.*}
 * topology: every consistency setting is the starter's default. Spring Security is present (it is
 * on the test class path) but lets everybody in, so every user is anonymous.
 */
@SpringBootApplication
public class CrudApplication {

  @Bean
  SecurityFilterChain everybodyIn(HttpSecurity http) throws Exception {
    return http.authorizeHttpRequests(auth -> auth.anyRequest().permitAll()).csrf(csrf -> csrf.disable()).build();
  }
}
