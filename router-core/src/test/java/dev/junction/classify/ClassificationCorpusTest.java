package dev.junction.classify;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The public-test-suite corpus ({@code classify/corpus/}, sources and licences in its README):
 * at least 99% of the reads go to a replica, and no write, locking read, other non-read, or hostile
 * rewrite of a read (appended FOR UPDATE / FOR SHARE / LOCK IN SHARE MODE, a {@code ; DELETE}, a
 * data-modifying CTE, a side-effect function in the select list) ever does. A generous parse budget
 * keeps the figures independent of the machine's load; CorpusReport measures with the default one.
 */
class ClassificationCorpusTest {

    @ParameterizedTest
    @EnumSource(value = Dialect.class, names = {"POSTGRESQL", "MYSQL"})
    void readsReachReplicasAndNothingElseDoes(Dialect dialect) {
        String file = CorpusReport.FILES.get(dialect);
        StatementClassifier classifier = new StatementClassifier(dialect,
                ClassifierSettings.defaults().withCacheMaximumSize(0).withParseBudget(java.time.Duration.ofSeconds(30)));

        // Hostile rewrites of every 5th query read (about 17,000 statements for PostgreSQL): failing parses
        // are JSqlParser's slow path. CorpusReport (docs/architecture.md) rewrites every read.
        CorpusReport.Figures figures = CorpusReport.measure(dialect, CorpusReport.load(file), classifier, 5);
        System.out.println(figures.summary());

        assertThat(figures.reads()).as("reads in the corpus").isGreaterThan(1000);
        assertThat(figures.othersToReplica()).as("non-reads routed to a replica").isEmpty();
        assertThat(figures.hostileToReplica()).as("hostile rewrites routed to a replica").isEmpty();
        assertThat(figures.readShare()).as(figures.summary()).isGreaterThanOrEqualTo(0.99);
    }

}
