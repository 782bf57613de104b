/**
 * Junction's JDBC library: {@link dev.junction.jdbc.RoutingDataSource}, the data source whose
 * connections route each statement to the primary or a replica (and, with sharding, to its shards),
 * and {@link dev.junction.jdbc.JunctionDriver} for tools that only take a {@code jdbc:junction:} URL.
 *
 * <p>Only {@code dev.junction.jdbc} is exported. {@code dev.junction.jdbc.internal} holds the
 * implementation (pools, logical connections, statements, result wrappers, the ring watcher); the
 * proxy and the resharding tool reach it from the class path, applications never need to.
 *
 * <p>The JDBC drivers are optional ({@code requires static}): Junction reads the server's transaction
 * state through pgjdbc's or Connector/J's own classes when they are present. Put the driver on the
 * module path too: from the class path a named module cannot read it, and Junction would fall back
 * to parsing the SQL for that state.
 */
module dev.junction.jdbc {
  requires transitive java.sql;
  requires transitive dev.junction.core;
  requires transitive micrometer.core; // RoutingDataSource.create(config, MeterRegistry)
  requires com.github.benmanes.caffeine;
  requires com.zaxxer.hikari;
  requires org.slf4j;
  requires static org.postgresql.jdbc;
  // Connector/J has no module name of its own: this is the one derived from its jar's file name (stable for
  // mysql-connector-j-<version>.jar). Maven warns about filename-based names; it is the only name there is.
  requires static mysql.connector.j;

  exports dev.junction.jdbc;

  provides java.sql.Driver with dev.junction.jdbc.JunctionDriver;
}
