package dev.junction.proxy.relay;

import dev.junction.classify.Classification;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Named prepared statements across pooled backends, as PgBouncer 1.21+ and PgDog do it: every
 * distinct (query text, parameter types) gets one proxy-wide server-side name {@code junction_N};
 * each client maps its own statement names to these; each backend remembers which it has prepared
 * (see {@link BackendConnection}) and the proxy re-sends the Parse on a backend that has not seen
 * it before the client's Bind or Describe.
 *
 * <p>Also keyed by the client's session settings: PostgreSQL reads a statement's literals when it parses
 * it, under that session's settings ({@code '2024-03-04 00:00'::timestamptz} under its TimeZone, a date
 * under its DateStyle), and keeps what it read. A statement prepared by a client in UTC and executed for
 * one in Asia/Tokyo would answer (or write) the UTC instant; PgBouncer shares it anyway. Clients with equal
 * settings, the usual case, still share.
 *
 * <p>The registry is bounded: past {@code maxEntries} distinct statements it starts afresh (statements
 * in use keep their entries; a later Parse of the same text gets a new name and is prepared again).
 */
final class PreparedStatements {
  /** One distinct statement; immutable. */
  static final class Statement {
    final long id;
    final String serverName;
    final String sql;
    final List<Integer> parameterTypes;
    final Classification classification;
    /** {@link RelaySession#sessionBound} of the text, scanned once. */
    final boolean sessionBound;
    /**
     * A server answered a client's Parse of this statement with ParseComplete: a later Parse-only unit
     * of it is answered by the proxy without a backend (see {@link RelaySession}). Set once, never cleared.
     */
    volatile boolean accepted;

    Statement(long id, String sql, List<Integer> parameterTypes, Classification classification) {
      this.id = id;
      this.serverName = "junction_" + id;
      this.sql = sql;
      this.parameterTypes = parameterTypes;
      this.classification = classification;
      this.sessionBound = RelaySession.sessionBound(sql);
    }
  }

  private record Key(String sql, List<Integer> types, Settings settings) {}

  private final ConcurrentHashMap<Key, Statement> statements = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private final int maxEntries;
  private final Function<String, Classification> classifier;

  PreparedStatements(int maxEntries, Function<String, Classification> classifier) {
    this.maxEntries = maxEntries;
    this.classifier = classifier;
  }

  /** The statement {@code sql} with {@code parameterTypes} as parsed under {@code settings} (see the class notes). */
  Statement intern(String sql, List<Integer> parameterTypes, Settings settings) {
    Key key = new Key(sql, parameterTypes, settings);
    Statement s = statements.get(key);
    if (s != null) {
      return s;
    }
    if (statements.size() >= maxEntries) {
      statements.clear();
    }
    return statements.computeIfAbsent(key, k -> new Statement(ids.incrementAndGet(), sql, List.copyOf(parameterTypes),
        Objects.requireNonNull(classifier.apply(sql))));
  }

  int size() {
    return statements.size();
  }
}
