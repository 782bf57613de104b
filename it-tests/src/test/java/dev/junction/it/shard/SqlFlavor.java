package dev.junction.it.shard;

import dev.junction.classify.Dialect;

/**
 * The few places where the differential schema and queries must be spelled differently per
 * database, so that everything else is written once and runs on both.
 */
public enum SqlFlavor {
  POSTGRESQL(Dialect.POSTGRESQL),
  MARIADB(Dialect.MARIADB);

  private final Dialect dialect;

  SqlFlavor(Dialect dialect) {
    this.dialect = dialect;
  }

  public Dialect dialect() {
    return dialect;
  }

  public String timestampType() {
    return this == POSTGRESQL ? "timestamp" : "datetime";
  }

  /**
   * MariaDB tables get a binary collation: the merger orders and groups text by code point (see
   * {@code SqlValues}), so a case-insensitive default collation would be a configuration error.
   */
  public String tableOptions() {
    return this == POSTGRESQL ? "" : " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin";
  }

  /** Only PostgreSQL accepts {@code NULLS FIRST/LAST}. */
  public boolean hasNullsClause() {
    return this == POSTGRESQL;
  }

  public String label() {
    return this == POSTGRESQL ? "PG" : "MariaDB";
  }
}
