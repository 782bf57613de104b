package dev.junction.classify;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The cache of repeated literal-bearing texts: a repeat is served from it, and it stays within its
 * weight bound however many one-off texts pass, without evicting a frequent text or any literal-free
 * statement (those live in the exact-text cache, which literal texts never enter).
 */
class LiteralTextCacheTest {

    private static final ClassifierSettings SMALL = ClassifierSettings.defaults().withCacheMaximumSize(100);
    private static final String FREQUENT = "select id, status from orders where status = 'A' order by id limit 50";
    private static final String LITERAL_FREE = "select id, name from users where id = ?";

    @Test
    void aRepeatedLiteralTextIsServedByItsExactText() {
        StatementClassifier classifier = new StatementClassifier(Dialect.POSTGRESQL, SMALL);
        Classification first = classifier.classify(FREQUENT);   // analysed, cached by shape
        assertThat(classifier.literalTextCached(FREQUENT)).isFalse();
        Classification second = classifier.classify(FREQUENT);  // shape hit: the text is cached too
        assertThat(classifier.literalTextCached(FREQUENT)).isTrue();
        Classification third = classifier.classify(FREQUENT);   // literal-text hit

        assertThat(second).isSameAs(first);
        assertThat(third).isSameAs(first);
        assertThat(classifier.cacheStats().hitCount()).isEqualTo(2);
        assertThat(classifier.cacheStats().missCount()).isEqualTo(1);
    }

    @Test
    void oneOffTextsStayWithinTheWeightBoundAndEvictNeitherTheFrequentTextNorLiteralFreeStatements() {
        StatementClassifier classifier = new StatementClassifier(Dialect.POSTGRESQL, SMALL);
        long bound = SMALL.literalTextCacheMaximumWeight();
        assertThat(bound).isEqualTo(100L * ClassifierSettings.LITERAL_TEXT_WEIGHT_PER_ENTRY);
        classifier.classify(LITERAL_FREE);
        for (int i = 0; i < 20; i++) {
            classifier.classify(FREQUENT);
        }
        // 50,000 texts of one shape, each seen twice and never again (so each is put, past the doorkeeper:
        // the stream that most tests the admission); the frequent text keeps being used at 1 in 100.
        String padding = "x".repeat(200);
        for (int i = 0; i < 50_000; i++) {
            String sql = "select id from orders where note = '" + padding + "' and id = " + i;
            classifier.classify(sql);
            classifier.classify(sql);
            if (i % 100 == 0) {
                classifier.classify(FREQUENT);
            }
            if (i % 5_000 == 0) {
                assertThat(classifier.literalTextCacheWeight()).as("weight after %d one-offs", i).isLessThanOrEqualTo(bound);
            }
        }
        assertThat(classifier.literalTextCacheWeight()).isLessThanOrEqualTo(bound);
        assertThat(classifier.literalTextCached(FREQUENT)).as("frequent text still cached").isTrue();

        long misses = classifier.cacheStats().missCount();
        classifier.classify(LITERAL_FREE);
        classifier.classify(FREQUENT);
        assertThat(classifier.cacheStats().missCount()).as("both answered from the caches").isEqualTo(misses);
    }

    @Test
    void aTextSeenOnceIsNotPut() {
        StatementClassifier classifier = new StatementClassifier(Dialect.POSTGRESQL, SMALL);
        classifier.classify("select id from orders where id = 1"); // the shape
        for (int i = 2; i < 1_000; i++) {
            classifier.classify("select id from orders where id = " + i);
        }
        assertThat(classifier.literalTextCacheWeight()).as("one-off texts pass the doorkeeper only by hash collision")
                .isLessThan(20L * ClassifierSettings.literalTextWeight("select id from orders where id = 999"));
    }

    @Test
    void longTextsCannotPinMoreThanTheBound() {
        StatementClassifier classifier = new StatementClassifier(Dialect.POSTGRESQL, SMALL);
        String padding = "y".repeat(8_000); // under maxCachedSqlLength, about a third of the bound each
        for (int i = 0; i < 200; i++) {
            String sql = "select id from docs where body = '" + padding + "' and id = " + i;
            classifier.classify(sql);
            classifier.classify(sql); // seen twice: a candidate a frequency-based admission might keep
        }
        assertThat(classifier.literalTextCacheWeight()).isLessThanOrEqualTo(SMALL.literalTextCacheMaximumWeight());
    }

    @Test
    void aZeroSizedCacheCachesNoLiteralText() {
        StatementClassifier classifier = new StatementClassifier(Dialect.POSTGRESQL,
                ClassifierSettings.defaults().withCacheMaximumSize(0));
        for (int i = 0; i < 3; i++) {
            classifier.classify(FREQUENT);
        }
        assertThat(classifier.literalTextCacheWeight()).isZero();
    }
}
