package dev.junction.spring.example;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

/** HTTP Basic for two users; anonymous requests are allowed too (they get header or token scopes). */
@Configuration(proxyBeanMethods = false)
public class SecurityConfiguration {

  @Bean
  SecurityFilterChain securityFilterChain(HttpSecurity http) throws Exception {
    return http.authorizeHttpRequests(auth -> auth.anyRequest().permitAll())
        .httpBasic(Customizer.withDefaults())
        .csrf(csrf -> csrf.disable())
        .build();
  }

  /**
   * Exposed as a plain UserDetailsService: an InMemoryUserDetailsManager bean would also be a
   * UserDetailsPasswordService, and Spring Security would "upgrade" the {noop} passwords to BCrypt
   * on first login, making every later request pay a BCrypt check.
   */
  @Bean
  UserDetailsService users() {
    InMemoryUserDetailsManager users = new InMemoryUserDetailsManager(
        User.withUsername("alice").password("{noop}alice-password").roles("USER").build(),
        User.withUsername("bob").password("{noop}bob-password").roles("USER").build());
    return users::loadUserByUsername;
  }
}
