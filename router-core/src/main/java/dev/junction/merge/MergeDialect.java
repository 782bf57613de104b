package dev.junction.merge;

/**
 * The SQL dialect of the shards behind a scatter query. The merger must reproduce what each shard
 * decided on its own — where NULLs sort when ORDER BY does not say, how AVG is scaled — and those
 * defaults differ between PostgreSQL and the MySQL family.
 *
 * <p>Kept local to the merge package so the merge algorithms do not depend on the classifier.
 */
public enum MergeDialect {
  POSTGRESQL,
  MYSQL,
  MARIADB;

  /**
   * Where NULL sorts when an ORDER BY item has no NULLS FIRST/LAST. PostgreSQL treats NULL as larger
   * than any value (ASC: last, DESC: first); MySQL and MariaDB treat it as smaller (ASC: first,
   * DESC: last).
   */
  public boolean nullsFirstByDefault(boolean descending) {
    return this == POSTGRESQL ? descending : !descending;
  }

  /** MySQL or MariaDB: backtick quoting, aliases visible in ORDER BY expressions and HAVING. */
  public boolean isMySqlFamily() {
    return this != POSTGRESQL;
  }
}
