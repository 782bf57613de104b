package dev.junction.classify;

/**
 * Recognises the {@code /* junction:primary *}{@code /} routing hint.
 *
 * <p>Applications use it for reads that must see their own just-committed writes without a
 * consistency scope. Only comments before the first token count, so a hint inside a string or
 * later in the statement does nothing. Case and whitespace are ignored, and a line comment
 * ({@code -- junction:primary}) works too, because some ORMs can only prepend line comments.
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
