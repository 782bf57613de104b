package dev.junction.proxy.relay;

import dev.junction.proxy.server.ProxyConfig;
import io.netty.handler.ssl.SslContext;

/** What a relay session needs from the server that accepted it. */
public interface SessionHost {
  ProxyConfig config();

  /** TLS for clients, or null when not configured. */
  SslContext sslContext();

  RelayRuntime runtime();

  /** Registers an authenticated session; false when {@code max-connections} is reached. */
  boolean admit(RelaySession session);

  void unregister(RelaySession session);

  /** Forwards a CancelRequest to the session it names (if the key matches). */
  void cancel(int processId, int secretKey);

  /** Answers a query on the admin console (virtual database {@code junction}); never null. */
  AdminConsole admin();
}
