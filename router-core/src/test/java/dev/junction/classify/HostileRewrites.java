package dev.junction.classify;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns a plain read into statements that must never reach a replica: the read with a locking
 * clause appended, followed by a {@code DELETE}, behind a data-modifying CTE, and with a
 * side-effect function in its select list. Each is built on a new line so that a trailing line
 * comment in the read cannot swallow the hostile part.
 */
final class HostileRewrites {

    private HostileRewrites() {
    }

    static List<String> of(String read, Dialect dialect) {
        List<String> out = new ArrayList<>(5);
        out.add(read + "\nFOR UPDATE");
        out.add(read + "\nFOR SHARE");
        out.add(read + "\n\n\nFOR UPDATE"); // JSqlParser takes a blank-line run for a statement separator
        out.add(read + "\n; DELETE FROM junction_victim");
        out.add(dataModifyingCte(read));
        String sideEffect = dialect.isMySqlFamily() ? "get_lock('junction', 0)" : "nextval('junction_seq')";
        String withFunction = afterFirstSelect(read, sideEffect + ",\n", dialect);
        if (withFunction != null) {
            out.add(withFunction);
        }
        if (dialect.isMySqlFamily()) {
            out.add(read + "\nLOCK IN SHARE MODE");
            out.add(read + "\n\n\nINTO OUTFILE '/tmp/junction'");
        }
        return out;
    }

    private static String dataModifyingCte(String read) {
        String cte = "junction_dm AS (DELETE FROM junction_victim RETURNING 1)";
        String trimmed = read.stripLeading();
        if (startsWithWord(trimmed, "WITH")) {
            int at = 4;
            String rest = trimmed.substring(at).stripLeading();
            if (startsWithWord(rest, "RECURSIVE")) {
                return "WITH RECURSIVE " + cte + ",\n" + rest.substring(9);
            }
            return "WITH " + cte + ",\n" + rest;
        }
        if (startsWithWord(trimmed, "SELECT")) {
            return "WITH " + cte + "\n" + trimmed;
        }
        return "WITH " + cte + "\nSELECT * FROM (\n" + trimmed + "\n) junction_q";
    }

    /** The read with {@code insert} placed right after its first SELECT keyword outside literals and comments. */
    private static String afterFirstSelect(String read, String insert, Dialect dialect) {
        SqlLexer lexer = new SqlLexer(dialect);
        int end = read.length();
        int pos = lexer.skipTrivia(read, 0, end);
        while (pos < end) {
            int tokenEnd = lexer.tokenEnd(read, pos, end);
            if (tokenEnd - pos == 6 && read.regionMatches(true, pos, "SELECT", 0, 6)) {
                return read.substring(0, tokenEnd) + "\n" + insert + read.substring(tokenEnd);
            }
            pos = lexer.skipTrivia(read, tokenEnd, end);
        }
        return null;
    }

    private static boolean startsWithWord(String s, String word) {
        return s.regionMatches(true, 0, word, 0, word.length())
                && (s.length() == word.length() || !Character.isLetterOrDigit(s.charAt(word.length())));
    }
}
