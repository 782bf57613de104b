package dev.junction.spring.example;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** One running instance of the example application and an HTTP client for it. */
final class ExampleInstance implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final ObjectMapper JSON = new ObjectMapper();

  final ConfigurableApplicationContext context;
  private final String base;

  private ExampleInstance(ConfigurableApplicationContext context) {
    this.context = context;
    this.base = "http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port");
  }

  static ExampleInstance start(Map<String, Object> properties) {
    ConfigurableApplicationContext context = new SpringApplicationBuilder(ExampleApplication.class)
        .properties("spring.config.name=example-app")
        .properties(properties)
        .run();
    return new ExampleInstance(context);
  }

  /** A response: status, headers and body as JSON (or text). */
  record Reply(int status, HttpResponse<String> raw) {
    JsonNode json() {
      try {
        return JSON.readTree(raw.body());
      } catch (IOException e) {
        throw new AssertionError("not JSON (" + status + "): " + raw.body(), e);
      }
    }

    long revision() {
      return json().get("revision").asLong();
    }

    int port() {
      return json().get("port").asInt();
    }

    String header(String name) {
      return raw.headers().firstValue(name).orElse(null);
    }
  }

  Reply get(String path, String... headers) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET(), headers);
  }

  Reply post(String path, String... headers) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).POST(HttpRequest.BodyPublishers.noBody()), headers);
  }

  private static Reply send(HttpRequest.Builder request, String... headers) {
    if (headers.length > 0) {
      request.headers(headers);
    }
    try {
      HttpResponse<String> response = HTTP.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      return new Reply(response.statusCode(), response);
    } catch (IOException e) {
      throw new AssertionError("request failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Override
  public void close() {
    context.close();
  }
}
