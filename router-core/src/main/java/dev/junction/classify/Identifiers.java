package dev.junction.classify;

import java.util.Locale;

/**
 * Normalises identifiers the way the servers resolve them, so that the sharding layer can match
 * table names without knowing how the application spelled them.
 *
 * <p>Unquoted identifiers fold to lower case (PostgreSQL folds them so, and MySQL table names are
 * compared case-insensitively on most installations); quoted ones ({@code "Foo"}, {@code `Foo`})
 * keep their case with the quotes removed, because PostgreSQL treats {@code "Foo"} and
 * {@code foo} as different tables.
 */
final class Identifiers {

    private Identifiers() {
    }

    static String normalize(String identifier) {
        int length = identifier.length();
        if (length >= 2) {
            char first = identifier.charAt(0);
            char last = identifier.charAt(length - 1);
            if ((first == '"' && last == '"') || (first == '`' && last == '`')) {
                String quote = String.valueOf(first);
                return identifier.substring(1, length - 1).replace(quote + quote, quote);
            }
            if (first == '[' && last == ']') {
                return identifier.substring(1, length - 1);
            }
        }
        return identifier.toLowerCase(Locale.ROOT);
    }

    /** {@code schema.name}, or {@code name} when unqualified; a database/catalog prefix is dropped. */
    static String qualified(String schema, String name) {
        String normalizedName = normalize(name);
        return schema == null || schema.isEmpty() ? normalizedName : normalize(schema) + "." + normalizedName;
    }
}
