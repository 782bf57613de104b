package dev.junction.spring.example;

import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Ordinary transactional service code; which server runs it is decided by Junction. */
@Service
public class ProfileService {
  private final ProfileRepository profiles;

  public ProfileService(ProfileRepository profiles) {
    this.profiles = profiles;
  }

  /** What one server said about a profile, and which server said it. */
  public record Snapshot(long id, long revision, int port) {}

  @Transactional
  public Snapshot bump(long id) {
    Profile p = profiles.findById(id).orElseThrow();
    p.bump();
    profiles.flush();
    return new Snapshot(id, p.getRevision(), profiles.serverPort());
  }

  @Transactional(readOnly = true)
  public Snapshot read(long id) {
    Profile p = profiles.findById(id).orElseThrow();
    return new Snapshot(id, p.getRevision(), profiles.serverPort());
  }
}
