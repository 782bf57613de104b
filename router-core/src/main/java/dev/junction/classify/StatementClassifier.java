package dev.junction.classify;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * Decides where each SQL statement may run: on a replica, or only on the primary, and why.
 *
 * <p>This sits on the path of every statement the router sees, so a repeated statement costs one
 * cache lookup, and unknown or unparseable SQL always ends on the primary rather than failing.
 * Instances are thread-safe; create one per dialect and share it.
 */
public final class StatementClassifier implements MeterBinder {

    /*
     * Implementation notes
     *
     * Hit path. classify() is a length check, one Caffeine getIfPresent keyed by the SQL string
     * itself, and a reference comparison for the unparseable counter. Caffeine's read path records
     * the hit in a striped counter and the access in a lossy ring buffer, so nothing is allocated;
     * String caches its hash. The returned Classification is the cached instance.
     *
     * Miss path. The SQL is analysed and put in the cache. getIfPresent + put, rather than
     * get(key, loader), keeps a slow parse from holding a lock on the cache's hash bin; two threads
     * missing on the same new statement may both analyse it, which is harmless because analysis is
     * deterministic. Statements longer than maxCachedSqlLength bypass the cache entirely (no
     * lookup, no stats) so one-off bulk statements neither evict the hot set nor pin memory.
     *
     * Shapes. On an exact-text miss, a single data statement with literals is looked up by its
     * shape (StatementShape: literals replaced by ?), so simple-protocol traffic that inlines values
     * is one lexer pass and a lookup instead of a parse. Shaped statements are cached only by shape,
     * so unique literal texts do not churn the exact-text cache.
     *
     * Analysis. SqlScanner makes one pass over the text, splitting it at top-level semicolons and
     * noting parenthesis depth, the routing hint and MySQL executable comments. Each statement then
     * goes through KeywordClassifier (transaction control, session, utility and DDL statements never
     * reach the parser), EXPLAIN unwrapping, a depth guard, and finally JSqlParser, called directly
     * on this thread (see StatementParser for why), with ReadSafetyVisitor walking the tree.
     * MultiStatementMerger folds the parts of a multi-statement string.
     *
     * Safety. Every path that cannot prove a statement harmless answers UNKNOWN/UNPARSEABLE or
     * TOO_DEEP, which the router sends to the primary. Parser and visitor failures are caught
     * as values, never thrown to the caller.
     */

    private final Dialect dialect;
    private final ClassifierSettings settings;
    private final int maxCachedSqlLength;
    private final Cache<String, Classification> cache;
    private final Cache<String, Classification> shapes;
    private final LongAdder shapeHits = new LongAdder();
    private final SqlLexer lexer;
    private final SqlScanner scanner;
    private final SegmentClassifier segments;
    private final LongAdder unparseable = new LongAdder();
    private final LongAdder overBudget = new LongAdder();

    public StatementClassifier(Dialect dialect, ClassifierSettings settings) {
        this.dialect = Objects.requireNonNull(dialect, "dialect is null; pass the Dialect of the servers behind the router");
        this.settings = Objects.requireNonNull(settings, "settings is null; use ClassifierSettings.defaults()");
        this.maxCachedSqlLength = settings.maxCachedSqlLength();
        this.cache = Caffeine.newBuilder()
                .maximumSize(settings.cacheMaximumSize())
                .recordStats()
                .build();
        this.shapes = Caffeine.newBuilder().maximumSize(settings.cacheMaximumSize()).build();
        this.lexer = new SqlLexer(dialect);
        this.scanner = new SqlScanner(lexer);
        this.segments = new SegmentClassifier(dialect, settings, lexer, overBudget);
        StatementParser.warmUp();
    }

    /** A classifier with {@link ClassifierSettings#defaults()}. */
    public StatementClassifier(Dialect dialect) {
        this(dialect, ClassifierSettings.defaults());
    }

    /**
     * Classifies SQL text: one statement or several separated by semicolons.
     *
     * @param sql the text exactly as it will be sent to the server
     * @return a shared, immutable classification; never null, never an exception for bad SQL
     */
    public Classification classify(String sql) {
        if (sql == null) {
            throw new NullPointerException("sql is null; pass the statement text exactly as it will be sent to the server");
        }
        Classification result;
        if (sql.length() <= maxCachedSqlLength) {
            result = cache.getIfPresent(sql);
            if (result == null) {
                String shape = StatementShape.of(sql, lexer);
                if (shape == null) {
                    result = analyse(sql);
                    cache.put(sql, result);
                } else {
                    result = shapes.getIfPresent(shape);
                    if (result == null) {
                        result = analyse(sql);
                        shapes.put(shape, result);
                    } else {
                        shapeHits.increment();
                    }
                }
            }
        } else {
            result = analyse(sql);
        }
        if (result.primaryReason() == PrimaryReason.UNPARSEABLE) {
            unparseable.increment();
        }
        return result;
    }

    /**
     * Parse-cache statistics since construction. A statement answered by its shape (same text but for
     * literals) counts as a hit; only statements that had to be analysed count as misses.
     */
    public CacheStats cacheStats() {
        CacheStats exact = cache.stats();
        long byShape = shapeHits.sum();
        return CacheStats.of(exact.hitCount() + byShape, Math.max(0, exact.missCount() - byShape), exact.loadSuccessCount(),
                exact.loadFailureCount(), exact.totalLoadTime(), exact.evictionCount() + shapes.stats().evictionCount(),
                exact.evictionWeight());
    }

    /** Approximate number of cached classifications (exact texts and shapes). */
    public long estimatedCacheSize() {
        return cache.estimatedSize() + shapes.estimatedSize();
    }

    /** Statements (cache hits included) sent to the primary because they could not be analysed. */
    public long unparseableCount() {
        return unparseable.sum();
    }

    /**
     * Statements whose parse ran over {@link ClassifierSettings#parseBudget()} since construction; each
     * is counted once, when analysed (its cached classification then sends it to the primary).
     */
    public long parseBudgetExceededCount() {
        return overBudget.sum();
    }

    public Dialect dialect() {
        return dialect;
    }

    public ClassifierSettings settings() {
        return settings;
    }

    /** Registers the {@code junction.classifier.*} meters, tagged with the dialect. */
    @Override
    public void bindTo(MeterRegistry registry) {
        bindTo(registry, Tags.empty());
    }

    /** As {@link #bindTo(MeterRegistry)}, with extra tags to tell several classifiers apart. */
    public void bindTo(MeterRegistry registry, Iterable<Tag> tags) {
        ClassifierMetrics.bind(this, Objects.requireNonNull(registry, "registry"), tags);
    }

    private Classification analyse(String sql) {
        SqlScanner.ScannedSql scanned = scanner.scan(sql);
        Classification result;
        if (scanned.executableComment()) {
            result = AstClassifier.UNPARSEABLE; // MySQL runs /*! ... */ content the classifier cannot see
        } else if (scanned.segments().isEmpty()) {
            result = KeywordClassifier.HARMLESS_UTILITY; // empty or comment-only: the server just acknowledges it
        } else if (scanned.segments().size() == 1) {
            result = segments.classify(sql, scanned.segments().get(0), scanned.escapeStrings());
        } else {
            List<Classification> parts = new ArrayList<>(scanned.segments().size());
            for (SqlScanner.Segment segment : scanned.segments()) {
                parts.add(segments.classify(sql, segment, scanned.escapeStrings()));
            }
            result = MultiStatementMerger.merge(parts);
        }
        return scanned.routingHint() ? result.withHint() : result;
    }
}
