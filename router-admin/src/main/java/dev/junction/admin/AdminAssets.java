package dev.junction.admin;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

/**
 * The admin page's static files (one HTML page, one script, one stylesheet; no build toolchain,
 * no third-party code), for whichever server mounts the page. Paths are relative to the page's
 * mount point: {@code ""} or {@code index.html}, {@code admin.js}, {@code admin.css}; the page
 * fetches {@code status.json} from the same directory.
 */
public final class AdminAssets {
  private static final Map<String, String> TYPES = Map.of(
      "index.html", "text/html; charset=utf-8",
      "admin.js", "text/javascript; charset=utf-8",
      "admin.css", "text/css; charset=utf-8");

  /** A static file: its bytes and content type. */
  public record Asset(byte[] body, String contentType) {}

  private AdminAssets() {}

  /** The file at {@code path} (relative, without leading slash), or null when there is none. */
  public static Asset get(String path) {
    String name = path == null || path.isEmpty() ? "index.html" : path;
    String type = TYPES.get(name);
    if (type == null) {
      return null;
    }
    try (InputStream in = AdminAssets.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("admin asset " + name + " missing from the router-admin jar");
      }
      return new Asset(in.readAllBytes(), type);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read admin asset " + name, e);
    }
  }

  /** The content type of {@code status.json}. */
  public static final String JSON_TYPE = "application/json; charset=utf-8";
}
