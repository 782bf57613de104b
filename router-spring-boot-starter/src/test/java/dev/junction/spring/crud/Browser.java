package dev.junction.spring.crud;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An anonymous browser: keeps the cookies the servers set (name=value only, as a browser sends
 * them back) and does not follow redirects by itself, so the test sees each step. Requests go to
 * the given instances in turn (round-robin), like a load balancer without sticky sessions.
 */
final class Browser {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final List<String> bases;
  private final Map<String, String> cookies = new LinkedHashMap<>();
  private int next;

  Browser(List<String> bases) {
    this.bases = bases;
  }

  record Page(int status, String location, String body) {}

  Page get(String path) {
    return send(HttpRequest.newBuilder(URI.create(base() + path)).GET());
  }

  Page post(String path, String field, String value) {
    String form = field + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8);
    return send(HttpRequest.newBuilder(URI.create(base() + path))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(form)));
  }

  private String base() {
    String base = bases.get(next);
    next = (next + 1) % bases.size();
    return base;
  }

  private Page send(HttpRequest.Builder request) {
    if (!cookies.isEmpty()) {
      StringBuilder header = new StringBuilder();
      cookies.forEach((k, v) -> header.append(header.length() == 0 ? "" : "; ").append(k).append('=').append(v));
      request.header("Cookie", header.toString());
    }
    try {
      HttpResponse<String> response = HTTP.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
      for (String setCookie : response.headers().allValues("Set-Cookie")) {
        String pair = setCookie.split(";", 2)[0];
        int eq = pair.indexOf('=');
        cookies.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
      }
      return new Page(response.statusCode(), response.headers().firstValue("Location").orElse(null), response.body());
    } catch (IOException e) {
      throw new AssertionError("request failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
