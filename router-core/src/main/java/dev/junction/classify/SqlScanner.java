package dev.junction.classify;

import java.util.ArrayList;
import java.util.List;

/**
 * One pass over a SQL string that finds its statements and the facts needed before parsing.
 *
 * <p>Splitting happens here, not in the parser, so that every part of {@code BEGIN; UPDATE ...}
 * gets the keyword pre-check and so that one unparseable part does not hide the others. A
 * {@code ;} splits only outside literals, comments and parentheses. A {@code CREATE ... BEGIN}
 * (a MySQL routine, trigger or event body, or a PostgreSQL {@code BEGIN ATOMIC} function body)
 * swallows the rest of the string, since its body legitimately contains semicolons.
 */
final class SqlScanner {

    /** A statement occupying {@code [start, end)} whose parentheses nest {@code maxDepth} deep. */
    record Segment(int start, int end, int maxDepth) {
    }

    /**
     * @param segments          the non-empty statements, in order
     * @param routingHint       a comment anywhere in the text is the {@code junction:primary} hint
     * @param executableComment MySQL/MariaDB {@code /*! ... *}{@code /} code hidden in a comment
     * @param escapeStrings     a PostgreSQL {@code E'...'} literal appears (parser needs backslash escapes)
     */
    record ScannedSql(List<Segment> segments, boolean routingHint, boolean executableComment, boolean escapeStrings) {
    }

    private final SqlLexer lexer;

    SqlScanner(SqlLexer lexer) {
        this.lexer = lexer;
    }

    ScannedSql scan(String sql) {
        int end = sql.length();
        List<Segment> segments = new ArrayList<>(1);
        boolean hint = false;
        boolean executable = false;
        boolean escapeStrings = false;

        int segmentStart = 0;
        boolean segmentHasToken = false;
        boolean segmentIsCreate = false;
        boolean swallowRest = false;
        int depth = 0;
        int maxDepth = 0;

        int pos = 0;
        while (pos < end) {
            char c = sql.charAt(pos);
            if (Character.isWhitespace(c)) {
                pos++;
                continue;
            }
            int commentEnd = lexer.commentEnd(sql, pos, end);
            if (commentEnd >= 0) {
                executable |= lexer.isExecutableComment(sql, pos, end);
                if (RoutingHint.isHint(sql, pos, commentEnd)) {
                    hint = true;
                }
                pos = commentEnd;
                continue;
            }
            int tokenEnd = lexer.tokenEnd(sql, pos, end);
            if (c == ';' && depth == 0 && !swallowRest) {
                if (segmentHasToken) {
                    segments.add(new Segment(segmentStart, pos, maxDepth));
                }
                segmentStart = pos + 1;
                segmentHasToken = false;
                segmentIsCreate = false;
                maxDepth = 0;
            } else {
                if (c == '(') {
                    maxDepth = Math.max(maxDepth, ++depth);
                } else if (c == ')') {
                    depth = Math.max(0, depth - 1);
                } else if (lexer.isEscapeString(sql, pos, tokenEnd)) {
                    escapeStrings = true;
                } else if (!segmentHasToken) {
                    segmentIsCreate = isWord(sql, pos, tokenEnd, "CREATE");
                } else if (segmentIsCreate && isWord(sql, pos, tokenEnd, "BEGIN")) {
                    swallowRest = true;
                }
                segmentHasToken = true;
            }
            pos = tokenEnd;
        }
        if (segmentHasToken) {
            segments.add(new Segment(segmentStart, end, maxDepth));
        }
        return new ScannedSql(segments, hint, executable, escapeStrings);
    }

    private static boolean isWord(String sql, int start, int stop, String keyword) {
        return stop - start == keyword.length() && sql.regionMatches(true, start, keyword, 0, keyword.length());
    }
}
