package dev.junction.classify;

/**
 * Recognises the {@code /* junction:primary *}{@code /} routing hint.
 *
 * <p>Applications use it for reads that must see their own just-committed writes without a
 * consistency scope. A comment anywhere in the text counts, before, inside or after the statement,
 * because ORMs and query builders append their comments (sqlcommenter, Hibernate's
 * {@code use_sql_comments}); a hint inside a string literal does nothing. Case and whitespace are
 * ignored, and a line comment ({@code -- junction:primary}) works too. The comment must hold only
 * the hint: {@code /* junction:primary, route=x *}{@code /} is not one.
 */
final class RoutingHint {

    private static final String HINT = "junction:primary";

    private RoutingHint() {
    }

    /** True if the comment occupying {@code [start, stop)} is the hint. */
    static boolean isHint(String sql, int start, int stop) {
        int bodyStart;
        int bodyEnd = stop;
        if (sql.startsWith("/*", start)) {
            bodyStart = start + 2;
            if (stop - start >= 4 && sql.startsWith("*/", stop - 2)) {
                bodyEnd = stop - 2;
            }
        } else if (sql.startsWith("--", start)) {
            bodyStart = start + 2;
        } else {
            bodyStart = start + 1; // MySQL '#'
        }
        int matched = 0;
        for (int i = bodyStart; i < bodyEnd; i++) {
            char c = sql.charAt(i);
            if (Character.isWhitespace(c)) {
                continue;
            }
            if (matched == HINT.length() || Character.toLowerCase(c) != HINT.charAt(matched)) {
                return false;
            }
            matched++;
        }
        return matched == HINT.length();
    }
}
