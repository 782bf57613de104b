package dev.junction.proxy.admin;

import dev.junction.admin.AdminAssets;
import dev.junction.admin.AdminStatus;
import dev.junction.jdbc.RoutingDataSource;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * The live admin page of {@code router-admin} on the proxy's admin port, at {@code /admin/}: the same
 * HTML, script and stylesheet as the Spring Boot starter serves, and {@code status.json} from an
 * {@link AdminStatus} of the proxy's data source. Mounting it here means an operator of the sidecar
 * can look at the topology the proxy routes by without a second process. The headers match the
 * starter's servlet: a strict Content-Security-Policy (the page loads nothing from elsewhere), no
 * caching, no content sniffing. The admin port's bearer token (if configured) applies to the page too.
 */
public final class AdminPage implements AutoCloseable {
  /** Where the page lives on the admin port. */
  public static final String PATH = "/admin/";
  static final String CONTENT_SECURITY_POLICY =
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'";

  private final AdminStatus status;

  private AdminPage(AdminStatus status) {
    this.status = status;
  }

  /** Routes {@code /admin}, {@code /admin/} and its files on {@code server}; {@link #close()} stops the sampler. */
  public static AdminPage mount(AdminServer server, RoutingDataSource dataSource) {
    AdminPage page = new AdminPage(new AdminStatus(dataSource));
    // without the trailing slash the page's relative URLs (admin.js, status.json) would resolve one level up
    server.route("/admin", () -> {
      FullHttpResponse redirect = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.MOVED_PERMANENTLY);
      redirect.headers().set(HttpHeaderNames.LOCATION, PATH).setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
      return redirect;
    });
    for (String name : new String[] {"", "index.html", "admin.js", "admin.css"}) {
      AdminAssets.Asset asset = AdminAssets.get(name);
      server.route(PATH + name, () -> response(asset.body(), asset.contentType()));
    }
    server.route(PATH + "status.json",
        () -> response(page.status.json().getBytes(StandardCharsets.UTF_8), AdminAssets.JSON_TYPE));
    return page;
  }

  private static FullHttpResponse response(byte[] body, String contentType) {
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(body));
    response.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, contentType)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
        .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
        .set("X-Content-Type-Options", "nosniff")
        .set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    return response;
  }

  @Override
  public void close() {
    status.close();
  }
}
