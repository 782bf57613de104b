package dev.junction.classify;

/**
 * Finds token and comment boundaries in SQL text without allocating.
 *
 * <p>The classifier needs to know where statements, keywords and parentheses are <em>outside</em>
 * string literals, quoted identifiers and comments, long before (and often instead of) running the
 * parser. The rules are the dialect's: PostgreSQL nests block comments, has dollar quoting and only
 * honours backslash escapes in {@code E'...'}; MySQL/MariaDB treat {@code "..."} as a string, honour
 * backslash escapes, use backticks for identifiers and {@code #} for line comments, and need a space
 * after {@code --}. Unterminated literals and comments simply run to the end of the input: the
 * server will reject the statement, and the classifier only has to stay safe.
 *
 * <p>Public so that other SQL scans (the proxy's placeholder rewrite) use the same quoting rules
 * instead of a copy that drifts (a copy missed backslash escapes in {@code E'...'}).
 */
public final class SqlLexer {

    private final boolean mysql;

    public SqlLexer(Dialect dialect) {
        this.mysql = dialect.isMySqlFamily();
    }

    boolean isMySqlFamily() {
        return mysql;
    }

    /** Index of the next character at or after {@code pos} that is neither whitespace nor comment. */
    int skipTrivia(String s, int pos, int end) {
        while (pos < end) {
            if (Character.isWhitespace(s.charAt(pos))) {
                pos++;
                continue;
            }
            int commentEnd = commentEnd(s, pos, end);
            if (commentEnd < 0) {
                return pos;
            }
            pos = commentEnd;
        }
        return end;
    }

    /** If a comment starts at {@code pos}, the index just after it; otherwise -1. */
    public int commentEnd(String s, int pos, int end) {
        char c = s.charAt(pos);
        char next = pos + 1 < end ? s.charAt(pos + 1) : 0;
        if (c == '-' && next == '-') {
            // MySQL: "--" starts a comment only when followed by whitespace/control char or the end.
            if (mysql && pos + 2 < end && s.charAt(pos + 2) > ' ') {
                return -1;
            }
            return lineEnd(s, pos + 2, end);
        }
        if (c == '#' && mysql) {
            return lineEnd(s, pos + 1, end);
        }
        if (c == '/' && next == '*') {
            return blockCommentEnd(s, pos + 2, end);
        }
        return -1;
    }

    /**
     * The text of {@code [start, end)} as the parser should see it: each comment replaced by a
     * space and each PostgreSQL dollar-quoted literal by {@code ''} (the plain substring when there
     * are none). JSqlParser knows neither nested comments, MySQL's {@code #}, nor tagged dollar
     * quotes, and classification never depends on what a comment or literal says.
     */
    String parserInput(String s, int start, int end) {
        StringBuilder out = null;
        int pos = start;
        while (pos < end) {
            if (Character.isWhitespace(s.charAt(pos))) {
                if (out != null) {
                    out.append(s.charAt(pos));
                }
                pos++;
                continue;
            }
            int commentEnd = commentEnd(s, pos, end);
            int tokenEnd = commentEnd >= 0 ? commentEnd : tokenEnd(s, pos, end);
            boolean dollarQuoted = commentEnd < 0 && !mysql && s.charAt(pos) == '$' && tokenEnd - pos > 1;
            if (commentEnd >= 0 || dollarQuoted) {
                if (out == null) {
                    out = new StringBuilder(end - start).append(s, start, pos);
                }
                out.append(dollarQuoted ? "''" : " ");
            } else if (mysql && s.charAt(pos) == '-' && tokenEnd < end && s.charAt(tokenEnd) == '-') {
                // MySQL: "--1" is minus minus one, but JSqlParser reads it as a comment (which could hide
                // "SELECT a --1, get_lock('x', 1) FROM t" from it); a space keeps the two minus signs.
                if (out == null) {
                    out = new StringBuilder(end - start + 8).append(s, start, pos);
                }
                out.append("- ");
            } else if (out != null) {
                out.append(s, pos, tokenEnd);
            }
            pos = tokenEnd;
        }
        return out == null ? s.substring(start, end) : out.toString();
    }

    /** True if the block comment at {@code pos} is a MySQL/MariaDB executable comment ({@code /*!} or {@code /*M!}). */
    public boolean isExecutableComment(String s, int pos, int end) {
        if (!mysql || pos + 2 >= end || s.charAt(pos) != '/' || s.charAt(pos + 1) != '*') {
            return false;
        }
        char third = s.charAt(pos + 2);
        return third == '!' || ((third == 'M' || third == 'm') && pos + 3 < end && s.charAt(pos + 3) == '!');
    }

    /**
     * End index of the token starting at {@code pos}, which must not be whitespace or a comment.
     * Words, numbers, literals and quoted identifiers are one token each; anything else is a
     * single-character token.
     */
    public int tokenEnd(String s, int pos, int end) {
        char c = s.charAt(pos);
        if (c == '\'') {
            return quotedEnd(s, pos + 1, end, '\'', mysql);
        }
        if (c == '"') {
            return quotedEnd(s, pos + 1, end, '"', mysql);
        }
        if (c == '`' && mysql) {
            return quotedEnd(s, pos + 1, end, '`', false);
        }
        if (c == '$' && !mysql) {
            int dollarEnd = dollarQuotedEnd(s, pos, end);
            if (dollarEnd > 0) {
                return dollarEnd;
            }
            return pos + 1;
        }
        if (isWordStart(c)) {
            if ((c == 'e' || c == 'E') && !mysql && pos + 1 < end && s.charAt(pos + 1) == '\'') {
                return quotedEnd(s, pos + 2, end, '\'', true); // PostgreSQL escape string E'...'
            }
            int i = pos + 1;
            while (i < end && isWordPart(s.charAt(i))) {
                i++;
            }
            return i;
        }
        if (c >= '0' && c <= '9') {
            int i = pos + 1;
            while (i < end && (isWordPart(s.charAt(i)) || s.charAt(i) == '.')) {
                i++;
            }
            return i;
        }
        return pos + 1;
    }

    /**
     * End index of the token at {@code pos} as a JDBC driver reads the text: as {@link #tokenEnd},
     * except that {@code ??} (the JDBC escape for a literal {@code ?}) is one two-character token.
     * {@code ?|} and {@code ?&} are a parameter followed by an operator, as pgjdbc reads them
     * ({@code '%'||?||'%'} binds one value; the jsonb operators must be written {@code ??|} and
     * {@code ??&} in JDBC text). The shard planner counts parameters this way, so it agrees with the
     * driver that executes the shard statements.
     */
    public int jdbcTokenEnd(String s, int pos, int end) {
        if (s.charAt(pos) == '?' && pos + 1 < end && s.charAt(pos + 1) == '?') {
            return pos + 2;
        }
        return tokenEnd(s, pos, end);
    }

    /**
     * {@code ?||} becomes {@code ? ||} outside literals and comments, unless the {@code ?} follows
     * another {@code ?} (JDBC's {@code ??} escape). JSqlParser reads {@code ?|} as PostgreSQL's jsonb
     * operator, while JDBC drivers bind the {@code ?}: {@code LIKE ('%'||?||'%')} is how Hibernate
     * renders {@code like concat('%', :x, '%')}. Only whitespace changes, so every parser of
     * Junction (the classifier, the shard planner's reader, the scatter planner) reads the same tree.
     */
    public String separatePlaceholderFromBars(String sql) {
        int at = sql.indexOf("?||");
        if (at < 0) {
            return sql;
        }
        StringBuilder out = null;
        int end = sql.length();
        int pos = 0;
        int copied = 0;
        while (pos < end) {
            char c = sql.charAt(pos);
            if (Character.isWhitespace(c)) {
                pos++;
                continue;
            }
            int commentEnd = commentEnd(sql, pos, end);
            int tokenEnd = commentEnd >= 0 ? commentEnd : tokenEnd(sql, pos, end);
            if (c == '?' && tokenEnd == pos + 1 && pos + 2 < end && sql.charAt(pos + 1) == '|'
                    && sql.charAt(pos + 2) == '|' && (pos == 0 || sql.charAt(pos - 1) != '?')) {
                if (out == null) {
                    out = new StringBuilder(end + 8);
                }
                out.append(sql, copied, pos + 1).append(' ');
                copied = pos + 1;
            }
            pos = tokenEnd;
        }
        return out == null ? sql : out.append(sql, copied, end).toString();
    }

    /** What a token is, by the dialect's quoting rules. */
    public enum Kind { WORD, QUOTED_IDENT, STRING, NUMBER, PARAMETER, SYMBOL }

    /**
     * The kind of the token {@code [start, stop)} found by {@link #tokenEnd} or {@link #jdbcTokenEnd}:
     * {@code "..."} is a string in MySQL/MariaDB and an identifier in PostgreSQL; backticks quote
     * identifiers only in MySQL/MariaDB; {@code E'...'} and {@code $tag$...$tag$} are PostgreSQL strings;
     * a lone {@code ?} is a parameter; anything else that is not a word or a number is a symbol.
     */
    public Kind kind(String s, int start, int stop) {
        char c = s.charAt(start);
        if (c == '\'') {
            return Kind.STRING;
        }
        if (c == '"') {
            return mysql ? Kind.STRING : Kind.QUOTED_IDENT;
        }
        if (c == '`' && mysql) {
            return Kind.QUOTED_IDENT;
        }
        if (isEscapeString(s, start, stop) || (c == '$' && !mysql && stop - start > 1)) {
            return Kind.STRING;
        }
        if (isWordStart(c)) {
            return Kind.WORD;
        }
        if (c >= '0' && c <= '9') {
            return Kind.NUMBER;
        }
        if (c == '?' && stop == start + 1) {
            return Kind.PARAMETER;
        }
        return Kind.SYMBOL;
    }

    /** True if {@code [start, stop)} is a PostgreSQL escape string, whose backslashes the parser must honour. */
    public boolean isEscapeString(String s, int start, int stop) {
        return !mysql && stop - start >= 2 && (s.charAt(start) == 'e' || s.charAt(start) == 'E') && s.charAt(start + 1) == '\'';
    }

    static boolean isWordStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
    }

    static boolean isWordPart(char c) {
        return isWordStart(c) || (c >= '0' && c <= '9') || c == '$';
    }

    private static int lineEnd(String s, int pos, int end) {
        while (pos < end && s.charAt(pos) != '\n' && s.charAt(pos) != '\r') {
            pos++;
        }
        return pos;
    }

    private int blockCommentEnd(String s, int pos, int end) {
        int depth = 1;
        while (pos < end) {
            char c = s.charAt(pos);
            if (c == '*' && pos + 1 < end && s.charAt(pos + 1) == '/') {
                pos += 2;
                if (--depth == 0) {
                    return pos;
                }
            } else if (c == '/' && !mysql && pos + 1 < end && s.charAt(pos + 1) == '*') {
                depth++; // PostgreSQL nests block comments
                pos += 2;
            } else {
                pos++;
            }
        }
        return end;
    }

    /** Index after the closing quote; a doubled quote is an escaped quote. */
    /**
     * True if the literal token {@code [start, stop)} (from {@link #tokenEnd}) is closed. An unclosed
     * literal runs to the end of the text and must never be treated as a value.
     */
    public boolean isTerminatedLiteral(String s, int start, int stop) {
        char c = s.charAt(start);
        if (c == '\'') {
            return closes(s, start + 1, stop, '\'', mysql);
        }
        if (isEscapeString(s, start, stop)) {
            return closes(s, start + 2, stop, '\'', true);
        }
        if (c == '$' && !mysql) {
            int tagEnd = s.indexOf('$', start + 1) + 1;
            return tagEnd > 0 && stop - start >= 2 * (tagEnd - start) && s.startsWith(s.substring(start, tagEnd), stop - (tagEnd - start));
        }
        return c >= '0' && c <= '9';
    }

    /** Mirrors {@link #quotedEnd}: true when the closing quote is the last character before {@code stop}. */
    private static boolean closes(String s, int pos, int stop, char quote, boolean backslashEscapes) {
        while (pos < stop) {
            char c = s.charAt(pos);
            if (c == '\\' && backslashEscapes) {
                pos += 2;
            } else if (c == quote) {
                if (pos + 1 < stop && s.charAt(pos + 1) == quote) {
                    pos += 2;
                } else {
                    return pos + 1 == stop;
                }
            } else {
                pos++;
            }
        }
        return false;
    }

    private static int quotedEnd(String s, int pos, int end, char quote, boolean backslashEscapes) {
        while (pos < end) {
            char c = s.charAt(pos);
            if (c == '\\' && backslashEscapes) {
                pos += 2;
            } else if (c == quote) {
                if (pos + 1 < end && s.charAt(pos + 1) == quote) {
                    pos += 2;
                } else {
                    return pos + 1;
                }
            } else {
                pos++;
            }
        }
        return end;
    }

    /** For {@code $tag$...$tag$} starting at {@code pos}, the index after the closing tag; 0 if not a dollar quote. */
    private static int dollarQuotedEnd(String s, int pos, int end) {
        int tagEnd = pos + 1;
        if (tagEnd < end && s.charAt(tagEnd) != '$') {
            if (!isWordStart(s.charAt(tagEnd))) {
                return 0; // $1 is a parameter, not a quote
            }
            while (tagEnd < end && isWordPart(s.charAt(tagEnd)) && s.charAt(tagEnd) != '$') {
                tagEnd++;
            }
            if (tagEnd >= end || s.charAt(tagEnd) != '$') {
                return 0;
            }
        }
        if (tagEnd >= end) {
            return 0;
        }
        int tagLength = tagEnd + 1 - pos;
        int close = s.indexOf(s.substring(pos, tagEnd + 1), tagEnd + 1);
        return close < 0 || close + tagLength > end ? end : close + tagLength;
    }
}
