package dev.junction.config;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A stand-in for a third-party exception whose message may hold a secret (a JDBC driver or pool
 * library echoing the URL it was given): same class name in {@link #toString()}, same stack trace,
 * same cause chain and suppressed exceptions, but every message passed through a scrubbing function.
 *
 * <p>Why not just drop the cause: a startup failure without its stack trace is hard to diagnose.
 * Why not keep the original: {@code getCause()} chains, loggers and Spring Boot's failure report
 * print every message of the chain, so one raw message is enough to leak the password.
 */
public final class RedactedCause extends RuntimeException {
  private static final int MAX_DEPTH = 32;
  private final String originalClass;

  private RedactedCause(String originalClass, String message) {
    super(message);
    this.originalClass = originalClass;
  }

  /** A copy of {@code t} and its whole chain with every message scrubbed; null stays null. */
  public static RedactedCause of(Throwable t, UnaryOperator<String> scrub) {
    return copy(t, scrub, new IdentityHashMap<>(), 0);
  }

  private static RedactedCause copy(Throwable t, UnaryOperator<String> scrub, Map<Throwable, RedactedCause> seen, int depth) {
    if (t == null || depth > MAX_DEPTH) {
      return null;
    }
    RedactedCause known = seen.get(t);
    if (known != null) {
      return known; // a cycle: Throwable refuses self-causation, so stop here
    }
    String name = t instanceof RedactedCause r ? r.originalClass : t.getClass().getName();
    RedactedCause copy = new RedactedCause(name, scrub.apply(t.getMessage()));
    seen.put(t, copy);
    copy.setStackTrace(t.getStackTrace());
    RedactedCause cause = t.getCause() == t ? null : copy(t.getCause(), scrub, seen, depth + 1);
    if (cause != null && cause != copy) {
      copy.initCause(cause);
    }
    for (Throwable s : t.getSuppressed()) {
      RedactedCause sc = copy(s, scrub, seen, depth + 1);
      if (sc != null && sc != copy) {
        copy.addSuppressed(sc);
      }
    }
    return copy;
  }

  /** The class name of the exception this copies, e.g. {@code java.lang.RuntimeException}. */
  public String originalClass() {
    return originalClass;
  }

  /** As the original would print itself, so stack traces read the same: {@code <class>: <scrubbed message>}. */
  @Override
  public String toString() {
    String m = getLocalizedMessage();
    return m == null ? originalClass : originalClass + ": " + m;
  }
}
