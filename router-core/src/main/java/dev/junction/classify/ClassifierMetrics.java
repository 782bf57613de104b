package dev.junction.classify;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.util.Locale;

/**
 * Publishes a classifier's cache and fallback counts to Micrometer.
 *
 * <p>All meters read the classifier's own counters when scraped, so binding adds nothing to the
 * per-statement path. Names: {@code junction.classifier.cache.gets} (tag {@code result=hit|miss}),
 * {@code junction.classifier.cache.evictions}, {@code junction.classifier.cache.hit.ratio},
 * {@code junction.classifier.cache.size}, {@code junction.classifier.unparseable}, {@code junction.classifier.parse.budget.exceeded}; all tagged
 * with {@code dialect}.
 */
final class ClassifierMetrics {

    private ClassifierMetrics() {
    }

    static void bind(StatementClassifier classifier, MeterRegistry registry, Iterable<Tag> extraTags) {
        Tags tags = Tags.of("dialect", classifier.dialect().name().toLowerCase(Locale.ROOT)).and(extraTags);
        FunctionCounter.builder("junction.classifier.cache.gets", classifier, c -> c.cacheStats().hitCount())
                .tags(tags).tag("result", "hit")
                .description("Statements classified from the parse cache")
                .register(registry);
        FunctionCounter.builder("junction.classifier.cache.gets", classifier, c -> c.cacheStats().missCount())
                .tags(tags).tag("result", "miss")
                .description("Statements that had to be analysed (keyword pre-check or parser)")
                .register(registry);
        FunctionCounter.builder("junction.classifier.cache.evictions", classifier, c -> c.cacheStats().evictionCount())
                .tags(tags)
                .description("Classifications evicted; a high rate means the cache is too small for the statement mix")
                .register(registry);
        Gauge.builder("junction.classifier.cache.hit.ratio", classifier, c -> c.cacheStats().hitRate())
                .tags(tags)
                .description("Fraction of statements answered by the parse cache since start")
                .register(registry);
        Gauge.builder("junction.classifier.cache.size", classifier, StatementClassifier::estimatedCacheSize)
                .tags(tags)
                .description("Approximate number of cached classifications")
                .register(registry);
        FunctionCounter.builder("junction.classifier.unparseable", classifier, StatementClassifier::unparseableCount)
                .tags(tags)
                .description("Statements sent to the primary because they could not be analysed")
                .register(registry);
        FunctionCounter.builder("junction.classifier.parse.budget.exceeded", classifier,
                        StatementClassifier::parseBudgetExceededCount)
                .tags(tags)
                .description("Statements whose parse ran over the parse budget (sent to the primary and cached as such)")
                .register(registry);
    }
}
