package dev.junction.classify;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import net.sf.jsqlparser.parser.CCJSqlParser;
import net.sf.jsqlparser.parser.StringProvider;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The golden files of SQL the parser cannot handle ({@code classify/unparseable/<dialect>.tsv}): each
 * row's route and reason, and that JSqlParser still fails on it, so the files keep describing what
 * the token-level proof (not the parser) decides.
 */
class UnparseableGoldenTest {

    /** The routes, not the parse budget, are under test here (a loaded machine must not change them). */
    static final ClassifierSettings GENEROUS_BUDGET =
            ClassifierSettings.defaults().withParseBudget(java.time.Duration.ofSeconds(30));

    record Row(int line, Dialect dialect, boolean replica, PrimaryReason reason, String sql) {
    }

    static Stream<Arguments> rows() throws IOException {
        List<Row> rows = new ArrayList<>();
        load(rows, "/classify/unparseable/postgresql.tsv", Dialect.POSTGRESQL);
        load(rows, "/classify/unparseable/mysql.tsv", Dialect.MYSQL);
        load(rows, "/classify/unparseable/mysql.tsv", Dialect.MARIADB);
        return rows.stream().map(r -> Arguments.of(Named.of(r.dialect() + ":" + r.line() + " " + r.sql(), r)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void routesAsExpected(Row row) {
        Classification c = new StatementClassifier(row.dialect(), GENEROUS_BUDGET).classify(row.sql());

        assertThat(c.replicaEligible()).as("replica-eligible").isEqualTo(row.replica());
        assertThat(c.primaryReason()).as("primary reason").isEqualTo(row.reason());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void parserStillFails(Row row) {
        String sql = row.sql();
        if (sql.contains(";") || sql.startsWith("/*!")) {
            return; // split or rejected before the parser
        }
        String input = new SqlLexer(row.dialect()).parserInput(sql, 0, sql.length());
        boolean parsed;
        try {
            new CCJSqlParser(new StringProvider(input)).withAllowComplexParsing(true)
                    .withBackslashEscapeCharacter(row.dialect().isMySqlFamily()).Statement();
            parsed = true;
        } catch (Exception | Error e) {
            parsed = false;
        }
        assertThat(parsed).as("JSqlParser now parses this row; move it to classification-cases.tsv").isFalse();
    }

    static void load(List<Row> rows, String resource, Dialect dialect) throws IOException {
        try (InputStream in = UnparseableGoldenTest.class.getResourceAsStream(resource)) {
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            int number = 0;
            for (String line; (line = reader.readLine()) != null; ) {
                number++;
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split("\t", 3);
                String sql = f[2].replace("\\n", "\n").replace("\\t", "\t").replace("\\\\", "\\");
                rows.add(new Row(number, dialect, f[0].equals("replica"), PrimaryReason.valueOf(f[1]), sql));
            }
        }
    }
}
