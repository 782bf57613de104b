package dev.junction.classify;

/**
 * The SQL dialect of the servers behind a classifier.
 *
 * <p>It matters because the lexical rules differ (MySQL treats {@code "..."} and backslashes in
 * literals differently, PostgreSQL nests block comments and has dollar quoting) and because a few
 * statements mean different things: {@code LOCK TABLES} pins a MySQL session, {@code ANALYZE SELECT}
 * executes the statement on MariaDB.
 */
public enum Dialect {
    POSTGRESQL,
    MYSQL,
    MARIADB;

    /** True for MySQL and MariaDB, which share the lexical rules the classifier relies on. */
    public boolean isMySqlFamily() {
        return this != POSTGRESQL;
    }
}
