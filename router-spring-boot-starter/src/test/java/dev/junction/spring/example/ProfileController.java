package dev.junction.spring.example;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

@RestController
public class ProfileController {
  private final ProfileService service;
  private final ProfileRepository profiles;
  private final JdbcTemplate jdbc;

  public ProfileController(ProfileService service, ProfileRepository profiles, JdbcTemplate jdbc) {
    this.service = service;
    this.profiles = profiles;
    this.jdbc = jdbc;
  }

  @GetMapping("/profiles/{id}")
  public ProfileService.Snapshot read(@PathVariable long id) {
    return service.read(id);
  }

  @PostMapping("/profiles/{id}/bump")
  public ProfileService.Snapshot bump(@PathVariable long id) {
    return service.bump(id);
  }

  /** Writes, then streams a body far larger than the response buffer: the fence token must still arrive. */
  @PostMapping("/profiles/{id}/bump-and-stream")
  public void bumpAndStream(@PathVariable long id, HttpServletResponse response) throws IOException {
    ProfileService.Snapshot s = service.bump(id);
    response.setContentType("text/plain");
    byte[] line = ("revision " + s.revision() + "\n").getBytes(StandardCharsets.UTF_8);
    OutputStream out = response.getOutputStream();
    for (int written = 0; written < 256 * 1024; written += line.length) {
      out.write(line);
    }
    out.flush();
  }

  /** The server a Spring Data query method runs on. */
  @GetMapping("/server/repository")
  public Map<String, Integer> repositoryServer() {
    return Map.of("port", profiles.serverPort());
  }

  /** The server a JdbcTemplate query outside any transaction runs on. */
  @GetMapping("/server/jdbc")
  public Map<String, Integer> jdbcServer() {
    return Map.of("port", jdbc.queryForObject("SELECT inet_server_port()", Integer.class));
  }
}
