/**
 * Real local database topologies for tests, benchmarks and the demo.
 *
 * <p>Everything here starts genuine servers from the binaries installed on the machine
 * (PostgreSQL streaming replicas made with {@code pg_basebackup -R}, a MariaDB GTID replica,
 * Redis) on free loopback ports under a temporary directory, and removes them afterwards.
 * Nothing is simulated: a test that claims to observe replication lag observes a real standby
 * replaying real WAL.
 */
package dev.junction.local;
