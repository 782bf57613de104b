package dev.junction.classify;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs the golden table {@code classify/classification-cases.tsv}: one row per SQL string and
 * expected outcome, expanded to every dialect the row names. The table is the specification of
 * the routing rules; add a row for every new rule or bug.
 */
class ClassificationTableTest {

    private static final String RESOURCE = "/classify/classification-cases.tsv";
    private static final Pattern REPEAT = Pattern.compile("\\{\\{(.+?)\\*(\\d+)}}");
    private static final Map<Dialect, StatementClassifier> CLASSIFIERS = new EnumMap<>(Dialect.class);

    static {
        for (Dialect dialect : Dialect.values()) {
            // The table is about the rules; the parse budget has its own tests, and under load a
            // slow parse (deep nesting, complex-parsing retries) must not change an expected row.
            CLASSIFIERS.put(dialect, new StatementClassifier(dialect,
                    ClassifierSettings.defaults().withParseBudget(java.time.Duration.ofSeconds(30))));
        }
    }

    record Case(int line, Dialect dialect, String sql, StatementKind kind, PrimaryReason reason,
                List<String> tables, boolean multiStatement, TransactionAccess access) {
    }

    static Stream<Arguments> cases() throws IOException {
        return loadCases().stream()
                .map(c -> Arguments.of(Named.of(
                        "line " + c.line() + " " + c.dialect() + ": " + abbreviate(c.sql()), c)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void classifies(Case expected) {
        StatementClassifier classifier = CLASSIFIERS.get(expected.dialect());

        Classification actual = classifier.classify(expected.sql());

        assertThat(actual.kind()).as("kind").isEqualTo(expected.kind());
        assertThat(actual.primaryReason()).as("primary reason").isEqualTo(expected.reason());
        assertThat(actual.tables()).as("tables").containsExactlyElementsOf(expected.tables());
        assertThat(actual.multiStatement()).as("multi-statement").isEqualTo(expected.multiStatement());
        assertThat(actual.transactionAccess()).as("transaction access").isEqualTo(expected.access());
        assertThat(actual.replicaEligible()).as("replica eligible")
                .isEqualTo(expected.kind() == StatementKind.READ && expected.reason() == PrimaryReason.NONE);
        assertThat(classifier.classify(expected.sql())).as("second call is a cache hit").isSameAs(actual);
    }

    @Test
    void tableIsLargeAndCoversEveryKindAndReasonForBothDialectFamilies() throws IOException {
        List<Case> cases = loadCases();
        List<Case> postgres = cases.stream().filter(c -> c.dialect() == Dialect.POSTGRESQL).toList();
        List<Case> mysql = cases.stream().filter(c -> c.dialect() == Dialect.MYSQL).toList();

        assertThat(cases.stream().map(Case::line).distinct().count()).as("distinct rows").isGreaterThanOrEqualTo(120);
        assertThat(kinds(postgres)).containsExactlyInAnyOrder(StatementKind.values());
        assertThat(kinds(mysql)).containsExactlyInAnyOrder(StatementKind.values());
        assertThat(reasons(postgres)).containsExactlyInAnyOrder(PrimaryReason.values());
        assertThat(reasons(mysql)).containsAll(EnumSet.complementOf(EnumSet.of(PrimaryReason.DATA_MODIFYING_CTE)));
    }

    private static Set<StatementKind> kinds(List<Case> cases) {
        return cases.stream().map(Case::kind).collect(Collectors.toCollection(() -> EnumSet.noneOf(StatementKind.class)));
    }

    private static Set<PrimaryReason> reasons(List<Case> cases) {
        return cases.stream().map(Case::reason).collect(Collectors.toCollection(() -> EnumSet.noneOf(PrimaryReason.class)));
    }

    static List<Case> loadCases() throws IOException {
        List<Case> cases = new ArrayList<>();
        try (InputStream in = ClassificationTableTest.class.getResourceAsStream(RESOURCE)) {
            assertThat(in).as(RESOURCE + " on the test classpath").isNotNull();
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            int number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] columns = line.split("\t", -1);
                if (columns.length < 5 || columns.length > 6) {
                    throw new IllegalStateException(RESOURCE + " line " + number + " has " + columns.length
                            + " columns; expected dialect, sql, kind, reason, tables[, flags] separated by tabs");
                }
                List<String> flags = columns.length == 6 && !columns[5].isBlank()
                        ? Arrays.asList(columns[5].split(",")) : List.of();
                TransactionAccess access = flags.contains("ro") ? TransactionAccess.READ_ONLY
                        : flags.contains("rw") ? TransactionAccess.READ_WRITE : TransactionAccess.UNSPECIFIED;
                List<String> tables = columns[4].equals("-") ? List.of() : Arrays.asList(columns[4].split(","));
                for (Dialect dialect : dialects(columns[0], number)) {
                    cases.add(new Case(number, dialect, unescape(columns[1]), StatementKind.valueOf(columns[2]),
                            PrimaryReason.valueOf(columns[3]), tables, flags.contains("multi"), access));
                }
            }
        }
        return cases;
    }

    private static List<Dialect> dialects(String column, int line) {
        switch (column) {
            case "all": return List.of(Dialect.values());
            case "my": return List.of(Dialect.MYSQL, Dialect.MARIADB);
            case "pg": return List.of(Dialect.POSTGRESQL);
            case "mysql": return List.of(Dialect.MYSQL);
            case "mariadb": return List.of(Dialect.MARIADB);
            default:
                throw new IllegalStateException(RESOURCE + " line " + line + ": unknown dialect '" + column
                        + "'; use pg, mysql, mariadb, my or all");
        }
    }

    /** Expands {@code {{text*N}}} and the escapes {@code \n}, {@code \t}, {@code \\}. */
    static String unescape(String raw) {
        Matcher repeat = REPEAT.matcher(raw);
        StringBuilder expanded = new StringBuilder();
        while (repeat.find()) {
            repeat.appendReplacement(expanded, Matcher.quoteReplacement(
                    repeat.group(1).repeat(Integer.parseInt(repeat.group(2)))));
        }
        repeat.appendTail(expanded);
        StringBuilder out = new StringBuilder(expanded.length());
        for (int i = 0; i < expanded.length(); i++) {
            char c = expanded.charAt(i);
            if (c == '\\' && i + 1 < expanded.length()) {
                char next = expanded.charAt(++i);
                out.append(next == 'n' ? '\n' : next == 't' ? '\t' : next);
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static String abbreviate(String sql) {
        String oneLine = sql.replace("\n", "\\n").replace("\t", "\\t");
        return oneLine.length() > 90 ? oneLine.substring(0, 87) + "..." : oneLine;
    }
}
