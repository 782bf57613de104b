package dev.junction.bench.library;

/**
 * One way for an application to reach the database: a data source plus the contender's own idiom
 * for marking work read-only (nothing, a thread-local, a read-only transaction). Every contender
 * runs the same JDBC calls, so the difference between them is the routing layer alone.
 */
public interface Contender extends AutoCloseable {
  String name();

  /** Borrows a connection the way this contender's users do for a read, runs {@code work}, returns it. */
  <T> T read(SqlWork<T> work) throws Exception;

  /** As {@link #read} for a write. */
  <T> T write(SqlWork<T> work) throws Exception;

  @Override
  void close() throws Exception;
}
