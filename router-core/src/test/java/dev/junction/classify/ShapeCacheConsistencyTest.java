package dev.junction.classify;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A classification served from a cache (by shape, or by the exact literal-bearing text put there on a
 * shape hit) is the one a full analysis of that exact text gives. Over the golden table, the
 * unparseable golden files and the public corpora: each statement with a shape primes a warm
 * classifier, then each variant (the statement with its literals replaced, including by a literal that
 * reads like {@code ; delete ... for update --}, or holds a blank-line run) is classified twice on it (a shape hit, then a
 * literal-text hit) and once on a classifier that caches nothing, and all three must be equal, so
 * writes, locking reads and side-effect functions route exactly as uncached.
 */
class ShapeCacheConsistencyTest {

    /** A generous budget: a parse cut by the budget under load would differ for reasons other than caching. */
    private static final Duration BUDGET = Duration.ofSeconds(30);
    /** Never caches: every statement is longer than 0 chars, so it bypasses all caches. */
    private static final ClassifierSettings UNCACHED =
            ClassifierSettings.defaults().withMaxCachedSqlLength(0).withParseBudget(BUDGET);
    private static final ClassifierSettings CACHED = ClassifierSettings.defaults().withParseBudget(BUDGET);
    /**
     * Plain-string replacements: none (every literal changed in place, format kept), a string that reads
     * like a write and a locking clause, and one with a blank-line run (which JSqlParser takes for a
     * statement separator outside a literal).
     */
    private static final String[] VARIANTS = {null, "'; delete from t where 1 = 1 for update --'", "'a\n\n\nfor update'"};

    record Statement(String source, Dialect dialect, String sql) {
    }

    @Test
    void goldenTable() throws IOException {
        List<Statement> statements = new ArrayList<>();
        for (ClassificationTableTest.Case c : ClassificationTableTest.loadCases()) {
            statements.add(new Statement("classification-cases.tsv:" + c.line(), c.dialect(), c.sql()));
        }
        assertThat(check(statements)).as("shaped statements compared").isGreaterThan(100);
    }

    @Test
    void unparseableGolden() throws IOException {
        List<UnparseableGoldenTest.Row> rows = new ArrayList<>();
        UnparseableGoldenTest.load(rows, "/classify/unparseable/postgresql.tsv", Dialect.POSTGRESQL);
        UnparseableGoldenTest.load(rows, "/classify/unparseable/mysql.tsv", Dialect.MYSQL);
        UnparseableGoldenTest.load(rows, "/classify/unparseable/mysql.tsv", Dialect.MARIADB);
        List<Statement> statements = new ArrayList<>();
        for (UnparseableGoldenTest.Row row : rows) {
            statements.add(new Statement("unparseable:" + row.line(), row.dialect(), row.sql()));
        }
        assertThat(check(statements)).as("shaped statements compared").isGreaterThan(10);
    }

    @Test
    void publicCorpora() {
        List<Statement> statements = new ArrayList<>();
        for (Map.Entry<Dialect, List<String>> files : CorpusReport.FILES.entrySet()) {
            for (String file : files.getValue()) {
                List<CorpusReport.Row> rows = CorpusReport.load(file);
                // Every 10th row of the PostgreSQL suite (about 3,400) and every 2nd row of the others keep the
                // run to a couple of minutes on a loaded 2-core machine (five parses per shaped statement).
                int every = file.endsWith("/postgresql.tsv") ? 10 : 2;
                for (int i = 0; i < rows.size(); i += every) {
                    statements.add(new Statement(file + ":" + (i + 1), files.getKey(), rows.get(i).sql()));
                }
            }
        }
        assertThat(check(statements)).as("shaped statements compared").isGreaterThan(1000);
    }

    /** Compares cached and uncached answers for every shaped statement; returns how many were compared. */
    private static int check(List<Statement> statements) {
        Map<Dialect, StatementClassifier> warm = new EnumMap<>(Dialect.class);
        Map<Dialect, StatementClassifier> cold = new EnumMap<>(Dialect.class);
        List<String> mismatches = new ArrayList<>();
        int compared = 0;
        int literalTextHits = 0;
        for (Statement s : statements) {
            SqlLexer lexer = new SqlLexer(s.dialect());
            if (StatementShape.of(s.sql(), lexer) == null) {
                continue;
            }
            StatementClassifier cached = warm.computeIfAbsent(s.dialect(), d -> new StatementClassifier(d, CACHED));
            StatementClassifier uncached = cold.computeIfAbsent(s.dialect(), d -> new StatementClassifier(d, UNCACHED));
            compared++;
            Classification primed = cached.classify(s.sql());
            compare(s, s.sql(), "first sight", primed, uncached.classify(s.sql()), mismatches);
            for (String plainString : VARIANTS) {
                String variant = vary(s.sql(), lexer, plainString);
                if (!StatementShape.of(s.sql(), lexer).equals(StatementShape.of(variant, lexer))) {
                    mismatches.add(s.source() + ": variant has another shape (test generator): " + variant);
                }
                Classification expected = uncached.classify(variant);
                compare(s, variant, "shape hit", cached.classify(variant), expected, mismatches);
                compare(s, variant, "literal-text hit", cached.classify(variant), expected, mismatches);
                if (cached.literalTextCached(variant)) {
                    literalTextHits++;
                }
            }
        }
        System.out.printf("shape-cache consistency: %d shaped statements of %d, %d variants x 2 cached lookups, %d in the literal-text cache%n",
                compared, statements.size(), compared * VARIANTS.length, literalTextHits);
        assertThat(mismatches).as("cached classifications that differ from a full analysis").isEmpty();
        assertThat(literalTextHits).as("variants served from the literal-text cache").isGreaterThan(compared / 2);
        return compared;
    }

    private static void compare(Statement s, String sql, String path, Classification actual, Classification expected,
                                List<String> mismatches) {
        if (!actual.equals(expected) && mismatches.size() < 50) {
            mismatches.add(s.source() + " (" + s.dialect() + ", " + path + "): " + sql + "\n   cached:   " + actual
                    + "\n   uncached: " + expected);
        }
    }

    /**
     * {@code sql} with each literal the shape replaces by {@code ?} changed. The server-valid format is
     * kept wherever it matters: digits swap 0 and 1, letters rotate within a-f and within g-z (so hex
     * {@code x'1F'}, bit strings, dates in {@code {ts '...'}} and {@code DATE '...'} stay valid), and a
     * plain string (not glued to a prefix such as {@code x}, {@code N} or {@code E}) becomes
     * {@code plainString} when that is given, else is rotated likewise.
     */
    static String vary(String sql, SqlLexer lexer, String plainString) {
        StringBuilder out = new StringBuilder(sql.length() + 16);
        int end = sql.length();
        int pos = 0;
        while (pos < end) {
            char c = sql.charAt(pos);
            if (Character.isWhitespace(c)) {
                out.append(c);
                pos++;
                continue;
            }
            int commentEnd = lexer.commentEnd(sql, pos, end);
            int tokenEnd = commentEnd >= 0 ? commentEnd : lexer.tokenEnd(sql, pos, end);
            String token = sql.substring(pos, tokenEnd);
            if (commentEnd < 0 && StatementShape.isLiteral(sql, pos, tokenEnd, lexer)) {
                boolean glued = pos > 0 && Character.isLetterOrDigit(sql.charAt(pos - 1));
                boolean odbcEscape = sql.lastIndexOf('{', pos) > sql.lastIndexOf('}', pos);
                if (c == '\'' && plainString != null && !glued && !odbcEscape) {
                    out.append(plainString);
                } else {
                    out.append(rotate(token));
                }
            } else {
                out.append(token);
            }
            pos = tokenEnd;
        }
        return out.toString();
    }

    /**
     * Swaps 0/1 in a number (its letters, as in {@code 0x1F} or {@code 5.8E+5}, kept); in a string, swaps
     * 0/1 and rotates a-f and g-z (case kept) between the quotes, so a prefix ({@code E'}, {@code $tag$})
     * and the quotes are kept.
     */
    private static String rotate(String literal) {
        char first = literal.charAt(0);
        boolean number = first >= '0' && first <= '9';
        int keep = number && literal.length() > 2 && first == '0' && "xXbBoO".indexOf(literal.charAt(1)) >= 0 ? 2 : 0;
        int from;
        int to;
        if (number) {
            from = keep; // 0x1F keeps its 0x
            to = literal.length();
        } else if (first == '$') {
            int tagEnd = literal.indexOf('$', 1) + 1;
            from = tagEnd;
            to = literal.length() - tagEnd;
        } else {
            from = literal.indexOf('\'') + 1;
            to = literal.length() - 1;
        }
        StringBuilder out = new StringBuilder(literal.length()).append(literal, 0, from);
        for (int i = from; i < to; i++) {
            char c = literal.charAt(i);
            if (c == '0' || c == '1') {
                out.append(c == '0' ? '1' : '0');
            } else if (number) {
                out.append(c);
            } else if ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) {
                char base = c >= 'a' ? 'a' : 'A';
                out.append((char) (base + (c - base + 1) % 6));
            } else if ((c >= 'g' && c <= 'z') || (c >= 'G' && c <= 'Z')) {
                char base = c >= 'g' ? 'g' : 'G';
                out.append((char) (base + (c - base + 1) % 20));
            } else {
                out.append(c);
            }
        }
        return out.append(literal, to, literal.length()).toString();
    }
}
