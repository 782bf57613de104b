package dev.junction.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** A Redis server from the local {@code redis-server} binary, without persistence. */
public final class RedisServer extends ChildProcessServer {
  private final Path binary;
  private final Path dir;

  private RedisServer(Path binary, Path dir, int port) {
    super("redis", port, dir.resolve("redis.log"));
    this.binary = binary;
    this.dir = dir;
  }

  static RedisServer start(Path baseDir) {
    Path binary = Binaries.require(Binaries.redisServer(), "redis-server", "redis-server");
    try {
      RedisServer server = new RedisServer(binary, Files.createDirectories(baseDir.resolve("redis")), Ports.free());
      server.start();
      return server;
    } catch (IOException e) {
      throw new IllegalStateException("cannot prepare Redis directory under " + baseDir + ": " + e.getMessage(), e);
    }
  }

  /** A Lettuce-style URI, e.g. {@code redis://127.0.0.1:6390}. */
  public String uri() {
    return "redis://127.0.0.1:" + port();
  }

  @Override
  List<String> command() {
    return List.of(binary.toString(), "--port", Integer.toString(port()), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--daemonize", "no", "--pidfile", dir.resolve("redis.pid").toString(),
        "--protected-mode", "no");
  }

  @Override
  void awaitReady(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if ("+PONG".equals(ping())) {
        return;
      }
      sleep(25);
    }
    throw new IllegalStateException("no PONG from Redis on port " + port() + " within " + timeout);
  }

  /** Sends a raw PING; returns the first reply line, or null when nothing answers. */
  public String ping() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port()), 500);
      socket.setSoTimeout(1000);
      OutputStream out = socket.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      StringBuilder line = new StringBuilder();
      for (int c = in.read(); c != -1 && c != '\r'; c = in.read()) {
        line.append((char) c);
      }
      return line.toString();
    } catch (IOException e) {
      return null;
    }
  }
}
