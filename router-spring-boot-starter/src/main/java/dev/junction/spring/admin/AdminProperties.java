package dev.junction.spring.admin;

/**
 * {@code junction.admin.*}: the live admin page ({@code router-admin}). Off unless enabled, because
 * it shows the database topology (endpoint names, lag, connection errors); secure its path like
 * any other operator page.
 */
public class AdminProperties {
  /** Serve the admin page and its status.json (needs dev.junction:router-admin on the classpath). */
  private boolean enabled;

  /** Where the page is served; status.json is at {path}/status.json. */
  private String path = "/junction/admin";

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public String getPath() {
    return path;
  }

  public void setPath(String path) {
    this.path = path;
  }
}
