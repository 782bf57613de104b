package dev.junction.jdbc.internal;

import java.sql.SQLException;

/** A JDBC call on a physical object, replayable on another target when a replica read fails. */
@FunctionalInterface
interface SqlFunction<A, R> {
  R apply(A argument) throws SQLException;
}
