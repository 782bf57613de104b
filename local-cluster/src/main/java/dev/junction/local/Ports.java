package dev.junction.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

/** Hands out free loopback ports, never the same one twice in this JVM (servers bind them later). */
public final class Ports {
  private static final Set<Integer> HANDED_OUT = new HashSet<>();

  private Ports() {}

  /** A port that was free a moment ago on 127.0.0.1 and that this JVM has not handed out before. */
  public static synchronized int free() {
    for (int attempt = 0; attempt < 50; attempt++) {
      try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        socket.setReuseAddress(true);
        int port = socket.getLocalPort();
        if (HANDED_OUT.add(port)) {
          return port;
        }
      } catch (IOException e) {
        throw new UncheckedIOException("could not bind an ephemeral loopback port", e);
      }
    }
    throw new IllegalStateException("no free loopback port after 50 attempts");
  }
}
