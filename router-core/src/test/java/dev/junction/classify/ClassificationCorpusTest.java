package dev.junction.classify;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The public-test-suite corpus ({@code classify/corpus/}, sources and licences in its README):
 * at least 99% of the reads go to a replica, and no write, locking read, other non-read, or hostile
 * rewrite of a read (appended FOR UPDATE / FOR SHARE / LOCK IN SHARE MODE, a {@code ; DELETE}, a
 * data-modifying CTE, a side-effect function in the select list) ever does. A generous parse budget
 * keeps the figures independent of the machine's load; CorpusReport measures with the default one.
 *
 * <p>Each file is checked on its own, so that the small ORM-generated files (Hibernate ORM and jOOQ, see
 * the corpus README) cannot hide behind the public suites' volume.
 */
class ClassificationCorpusTest {

    static Stream<Arguments> files() {
        return CorpusReport.FILES.entrySet().stream()
                .flatMap(e -> e.getValue().stream().map(file -> Arguments.of(e.getKey(), file)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("files")
    void readsReachReplicasAndNothingElseDoes(Dialect dialect, String file) {
        StatementClassifier classifier = new StatementClassifier(dialect,
                ClassifierSettings.defaults().withCacheMaximumSize(0).withParseBudget(java.time.Duration.ofSeconds(30)));

        // Hostile rewrites of every 5th query read of the public suites (about 17,000 statements for PostgreSQL):
        // failing parses are JSqlParser's slow path. Every query read of the small ORM files is rewritten.
        // CorpusReport (docs/architecture.md) rewrites every read.
        boolean orm = file.contains("/hibernate-") || file.contains("/jooq-");
        CorpusReport.Figures figures = CorpusReport.measure(dialect, CorpusReport.load(file), classifier, orm ? 1 : 5);
        System.out.println(file + ": " + figures.summary());

        assertThat(figures.reads()).as("reads in the corpus").isGreaterThan(orm ? 300 : 1000);
        assertThat(figures.othersToReplica()).as("non-reads routed to a replica").isEmpty();
        assertThat(figures.hostileToReplica()).as("hostile rewrites routed to a replica").isEmpty();
        assertThat(figures.readShare()).as(figures.summary()).isGreaterThanOrEqualTo(0.99);
    }

}
