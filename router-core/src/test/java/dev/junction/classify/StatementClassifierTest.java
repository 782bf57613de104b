package dev.junction.classify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.github.benmanes.caffeine.cache.stats.CacheStats;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class StatementClassifierTest {

    private static final String SELECT_BY_PK = "select id, name from users where id = ?";

    @Test
    void cacheHitReturnsTheIdenticalInstance() {
        StatementClassifier classifier = new StatementClassifier(Dialect.POSTGRESQL);

        Classification first = classifier.classify(SELECT_BY_PK);
        Classification second = classifier.classify(new String(SELECT_BY_PK.toCharArray())); // equal, not identical, key

        assertThat(second).isSameAs(first);
        assertThat(classifier.cacheStats().hitCount()).isEqualTo(1);
    }

    @Test
    void missChangesOnlyTheCacheStatistics() {
        StatementClassifier classifier = new StatementClassifier(Dialect.MYSQL);

        Classification result = classifier.classify(SELECT_BY_PK);

        CacheStats stats = classifier.cacheStats();
        assertThat(result.replicaEligible()).isTrue();
        assertThat(stats.missCount()).isEqualTo(1);
        assertThat(stats.hitCount()).isZero();
        assertThat(stats.loadCount()).as("classification is not a Caffeine load").isZero();
        assertThat(stats.evictionCount()).isZero();
        assertThat(classifier.unparseableCount()).isZero();
        assertThat(classifier.estimatedCacheSize()).isEqualTo(1);
    }

    @Test
    void sqlLongerThanTheCacheLimitIsClassifiedButNeverCached() {
        StatementClassifier classifier = new StatementClassifier(Dialect.POSTGRESQL,
                ClassifierSettings.defaults().withMaxCachedSqlLength(30));
        String longSql = "select * from t where a = 1 and b = 2 and c = 3";

        Classification first = classifier.classify(longSql);
        Classification second = classifier.classify(longSql);

        assertThat(first).isEqualTo(second).isNotSameAs(second);
        assertThat(first.tables()).containsExactly("t");
        assertThat(classifier.cacheStats().requestCount()).isZero();
        assertThat(classifier.estimatedCacheSize()).isZero();
    }

    @Test
    void zeroSizedCacheStillClassifies() {
        StatementClassifier classifier = new StatementClassifier(Dialect.POSTGRESQL,
                ClassifierSettings.defaults().withCacheMaximumSize(0));

        assertThat(classifier.classify("update t set a = 1").kind()).isEqualTo(StatementKind.WRITE);
        assertThat(classifier.classify("update t set a = 1").kind()).isEqualTo(StatementKind.WRITE);
    }

    @Test
    void unparseableStatementsAreCountedOnEveryOccurrenceButOtherFallbacksAreNot() {
        StatementClassifier classifier = new StatementClassifier(Dialect.POSTGRESQL,
                ClassifierSettings.defaults().withMaxNestingDepth(2));

        classifier.classify("this is not sql");
        classifier.classify("this is not sql");
        classifier.classify("select (((1)))");
        classifier.classify("select * from t for update");

        assertThat(classifier.classify("select (((1)))").primaryReason()).isEqualTo(PrimaryReason.TOO_DEEP);
        assertThat(classifier.unparseableCount()).isEqualTo(2);
    }

    @Test
    void parsesOverTheBudgetGoToThePrimaryAreCachedAndCounted() {
        // A 1 ns budget: every parse is over it (time is only compared, never asserted).
        StatementClassifier classifier = new StatementClassifier(Dialect.POSTGRESQL,
                ClassifierSettings.defaults().withParseBudget(Duration.ofNanos(1)));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        classifier.bindTo(registry);

        Classification first = classifier.classify(SELECT_BY_PK);
        Classification again = classifier.classify(SELECT_BY_PK);
        Classification keyword = classifier.classify("begin");

        assertThat(first.replicaEligible()).isFalse();
        assertThat(first.primaryReason()).isEqualTo(PrimaryReason.UNPARSEABLE);
        assertThat(again).as("cached as primary").isSameAs(first);
        assertThat(keyword.kind()).as("keyword statements are not parsed").isEqualTo(StatementKind.TX_BEGIN);
        assertThat(classifier.parseBudgetExceededCount()).as("counted once, when analysed").isEqualTo(1);
        assertThat(registry.get("junction.classifier.parse.budget.exceeded").functionCounter().count()).isEqualTo(1);
        assertThat(new StatementClassifier(Dialect.POSTGRESQL).classify(SELECT_BY_PK).replicaEligible())
                .as("the default budget").isTrue();
    }

    @Test
    void parseBudgetMustBePositive() {
        assertThatThrownBy(() -> ClassifierSettings.defaults().withParseBudget(Duration.ZERO))
                .hasMessageContaining("parseBudget");
        assertThat(ClassifierSettings.defaults().parseBudget()).isEqualTo(ClassifierSettings.DEFAULT_PARSE_BUDGET);
    }

    @Test
    void nestingLimitIsConfigurable() {
        StatementClassifier classifier = new StatementClassifier(Dialect.MARIADB,
                ClassifierSettings.defaults().withMaxNestingDepth(3));

        assertThat(classifier.classify("select (((1)))").replicaEligible()).isTrue();
        assertThat(classifier.classify("select ((((1))))").primaryReason()).isEqualTo(PrimaryReason.TOO_DEEP);
    }

    @Test
    void pathologicalInputReturnsQuickly() {
        StatementClassifier classifier = new StatementClassifier(Dialect.POSTGRESQL);
        String veryDeep = "select " + "(".repeat(100_000) + "1" + ")".repeat(100_000);
        // (The trailing LOCK keeps the token-level read proof from accepting them.)
        // Fails the fast parse at depth 5, where JSqlParser's complex-parsing retry is still affordable.
        String shallowButBroken = "select " + "(".repeat(5) + "1" + ")".repeat(5) + " from t where x = y zz lock";
        // Fails the fast parse at depth 9, where a complex-parsing retry would take seconds.
        String deeperAndBroken = "select " + "(".repeat(9) + "1" + ")".repeat(9) + " from t where x = y zz lock";

        // Parsed iteratively but walked recursively: the visitor may overflow the stack, which must not escape.
        String longChain = "select " + "a + ".repeat(20_000) + "1 from t";

        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            assertThat(classifier.classify(longChain).primaryReason()).isIn(PrimaryReason.NONE, PrimaryReason.UNPARSEABLE);
            assertThat(classifier.classify(veryDeep).primaryReason()).isEqualTo(PrimaryReason.TOO_DEEP);
            assertThat(classifier.classify(shallowButBroken).primaryReason()).isEqualTo(PrimaryReason.UNPARSEABLE);
            assertThat(classifier.classify(deeperAndBroken).primaryReason()).isEqualTo(PrimaryReason.UNPARSEABLE);
        });
    }

    @Test
    void configuredSideEffectFunctionsExtendOrReplaceTheDefaults() {
        StatementClassifier extended = new StatementClassifier(Dialect.POSTGRESQL, ClassifierSettings.defaults()
                .withAdditionalSideEffectFunctions(List.of("Audit.Touch", "bump_counter")));
        StatementClassifier none = new StatementClassifier(Dialect.POSTGRESQL,
                ClassifierSettings.defaults().withSideEffectFunctions(List.of()));

        assertThat(extended.classify("select audit.touch(1)").primaryReason()).isEqualTo(PrimaryReason.SIDE_EFFECT_FUNCTION);
        assertThat(extended.classify("select other.touch(1)").primaryReason()).isEqualTo(PrimaryReason.NONE);
        assertThat(extended.classify("select app.BUMP_COUNTER()").primaryReason()).isEqualTo(PrimaryReason.SIDE_EFFECT_FUNCTION);
        assertThat(extended.classify("select nextval('s')").primaryReason()).isEqualTo(PrimaryReason.SIDE_EFFECT_FUNCTION);
        assertThat(none.classify("select nextval('s')").primaryReason()).isEqualTo(PrimaryReason.NONE);
        assertThat(none.classify("select next value for s").primaryReason())
                .as("NEXT VALUE FOR is syntax, not a configurable function").isEqualTo(PrimaryReason.SIDE_EFFECT_FUNCTION);
    }

    @Test
    void multiStatementStringsKeepEachPart() {
        StatementClassifier classifier = new StatementClassifier(Dialect.POSTGRESQL);

        Classification result = classifier.classify("begin; update t set a = 1; commit");

        assertThat(result.kind()).isEqualTo(StatementKind.WRITE);
        assertThat(result.multiStatement()).isTrue();
        assertThat(result.parts()).extracting(Classification::kind)
                .containsExactly(StatementKind.TX_BEGIN, StatementKind.WRITE, StatementKind.TX_COMMIT);
        assertThat(classifier.classify("select 1").parts()).isEmpty();
    }

    @Test
    void nullSqlIsRejectedWithGuidance() {
        StatementClassifier classifier = new StatementClassifier(Dialect.POSTGRESQL);

        assertThatThrownBy(() -> classifier.classify(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("pass the statement text");
    }

    @Test
    void bindsMicrometerMeters() {
        StatementClassifier classifier = new StatementClassifier(Dialect.POSTGRESQL);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        classifier.bindTo(registry);

        classifier.classify(SELECT_BY_PK);
        classifier.classify(SELECT_BY_PK);
        classifier.classify(SELECT_BY_PK);
        classifier.classify("not sql at all");

        assertThat(registry.get("junction.classifier.cache.gets").tag("result", "hit").functionCounter().count()).isEqualTo(2);
        assertThat(registry.get("junction.classifier.cache.gets").tag("result", "miss").functionCounter().count()).isEqualTo(2);
        assertThat(registry.get("junction.classifier.cache.hit.ratio").tag("dialect", "postgresql").gauge().value()).isEqualTo(0.5);
        assertThat(registry.get("junction.classifier.unparseable").functionCounter().count()).isEqualTo(1);
        assertThat(registry.get("junction.classifier.cache.evictions").functionCounter().count()).isZero();
        assertThat(registry.get("junction.classifier.cache.size").gauge().value()).isEqualTo(2);
    }

    @Test
    void concurrentCallersGetConsistentAnswers() throws Exception {
        StatementClassifier classifier = new StatementClassifier(Dialect.MYSQL,
                ClassifierSettings.defaults().withCacheMaximumSize(8));
        List<String> statements = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            statements.add(i % 2 == 0 ? "select * from t where id = " + i : "update t set a = " + i + " where id = 1");
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int worker = 0; worker < 4; worker++) {
                results.add(pool.submit(() -> {
                    for (int round = 0; round < 5; round++) {
                        for (int i = 0; i < statements.size(); i++) {
                            StatementKind expected = i % 2 == 0 ? StatementKind.READ : StatementKind.WRITE;
                            if (classifier.classify(statements.get(i)).kind() != expected) {
                                return false;
                            }
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> result : results) {
                assertThat(result.get()).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
