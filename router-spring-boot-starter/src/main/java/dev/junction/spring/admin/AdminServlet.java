package dev.junction.spring.admin;

import dev.junction.admin.AdminAssets;
import dev.junction.admin.AdminStatus;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Serves the admin page, its two static files and {@code status.json}, read-only (GET and HEAD).
 * A plain servlet, so the page needs neither Spring MVC nor a template engine.
 */
final class AdminServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  /** The page loads only its own script, stylesheet and status.json. */
  static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'";

  private final transient AdminStatus status;

  AdminServlet(AdminStatus status) {
    this.status = status;
  }

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
    String path = request.getPathInfo();
    if (path == null) {
      // without the trailing slash the page's relative URLs would resolve one level up
      response.sendRedirect(request.getRequestURI() + "/");
      return;
    }
    response.setHeader("X-Content-Type-Options", "nosniff");
    response.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    response.setHeader("Cache-Control", "no-store");
    String name = path.substring(1);
    if (name.equals("status.json")) {
      write(response, status.json().getBytes(StandardCharsets.UTF_8), AdminAssets.JSON_TYPE);
      return;
    }
    AdminAssets.Asset asset = AdminAssets.get(name);
    if (asset == null) {
      response.sendError(HttpServletResponse.SC_NOT_FOUND);
      return;
    }
    write(response, asset.body(), asset.contentType());
  }

  private static void write(HttpServletResponse response, byte[] body, String contentType) throws IOException {
    response.setContentType(contentType);
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
  }
}
