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
     * is one lexer pass and a lookup instead of a parse. Shaped statements never enter the exact-text
     * cache, so unique literal texts (WHERE id = 17, 18, 19, ...) do not churn it.
     *
     * Literal texts. A shape hit costs a lexer pass and a new shape string (about 0.5 KB) on every
     * call, 100-200 times an exact hit, and most literal-bearing statements repeat verbatim (an ORM's
     * inlined LIMIT or enum literal). So on a shape hit the exact text is also put in a third cache,
     * literalTexts, looked up right after the exact cache: the next call of that text is one more
     * getIfPresent. The value put is the shape's cached classification, the very answer the shape path
     * gives, so this cache cannot change a route that the shape cache would not. It is bounded by
     * weight (chars of SQL plus a fixed per-entry overhead, ClassifierSettings
     * literalTextCacheMaximumWeight), not by count, so long texts cannot pin more memory than the
     * bound, and it is separate from the exact-text cache so one-off literal texts can never evict a
     * literal-free statement. Among literal texts, Caffeine's W-TinyLFU admission (a new entry enters
     * the main space only if it has been seen more often than the entry it would evict) keeps a stream
     * of one-off texts from evicting the frequent ones.
     *
     * Doorkeeper. A put is not free: measured at 5-10 µs per one-off text under a stream of them (the
     * eviction work of a full weighted cache), against about 2 µs for the whole shape path. So a text
     * is put only when it is seen a second time: seenTexts is a fixed table of String hash codes (one
     * int slot per cached statement, rounded up to a power of two); every shaped text marks its slot,
     * and a shape hit whose slot already holds its hash puts the text. A one-off text costs one int
     * write. A collision or a lost update between threads (plain int writes, racy on purpose) only
     * makes a put happen early or late; the value put is the same either way.
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
    private final Cache<String, Classification> literalTexts;
    private final LongAdder shapeHits = new LongAdder();
    private final LongAdder literalTextHits = new LongAdder();
    private final int[] seenTexts;
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
        this.shapes = Caffeine.newBuilder().maximumSize(settings.cacheMaximumSize()).recordStats().build();
        this.literalTexts = Caffeine.newBuilder()
                .maximumWeight(settings.literalTextCacheMaximumWeight())
                .weigher((String sql, Classification c) -> ClassifierSettings.literalTextWeight(sql))
                .recordStats()
                .build();
        this.seenTexts = new int[Integer.highestOneBit(Math.max(1, Math.min(settings.cacheMaximumSize(), 1 << 20)) * 2 - 1)];
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
                result = literalTexts.getIfPresent(sql);
                if (result != null) {
                    literalTextHits.increment();
                }
            }
            if (result == null) {
                String shape = StatementShape.of(sql, lexer);
                if (shape == null) {
                    result = analyse(sql);
                    cache.put(sql, result);
                } else {
                    result = shapes.getIfPresent(shape);
                    boolean seenBefore = markSeen(sql);
                    if (result == null) {
                        result = analyse(sql);
                        shapes.put(shape, result);
                    } else {
                        shapeHits.increment();
                        if (seenBefore) {
                            literalTexts.put(sql, result); // the shape's own answer: see "Literal texts"
                        }
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
     * Classifies a JDBC batch ({@code Statement.addBatch}) as the multi-statement string of its
     * statements. WHY: the batch runs on one connection in one round trip, so every statement's
     * effects count, not one statement's: a write anywhere fences later reads, a {@code SET} anywhere
     * pins, a {@code COMMIT} after a write commits it, and a refused setting is refused in any place.
     *
     * @param sqls the batch's statements in order, at least one
     */
    public Classification classifyBatch(List<String> sqls) {
        if (sqls.size() == 1) {
            return classify(sqls.get(0));
        }
        List<Classification> parts = new ArrayList<>(sqls.size());
        boolean hinted = false;
        for (String sql : sqls) {
            Classification c = classify(sql);
            if (c.multiStatement()) {
                parts.addAll(c.parts());
                hinted |= c.primaryReason() == PrimaryReason.HINT;
            } else {
                parts.add(c);
            }
        }
        Classification merged = MultiStatementMerger.merge(parts);
        return hinted ? merged.withHint() : merged;
    }

    /**
     * Parse-cache statistics since construction. A statement answered by its shape (same text but for
     * literals) or by a cached literal text counts as a hit; only statements that had to be analysed
     * count as misses. Evictions are those of all three caches.
     */
    public CacheStats cacheStats() {
        CacheStats exact = cache.stats();
        long byShape = shapeHits.sum();
        long byLiteralText = literalTextHits.sum();
        return CacheStats.of(exact.hitCount() + byShape + byLiteralText,
                Math.max(0, exact.missCount() - byShape - byLiteralText), exact.loadSuccessCount(),
                exact.loadFailureCount(), exact.totalLoadTime(),
                exact.evictionCount() + shapes.stats().evictionCount() + literalTexts.stats().evictionCount(),
                exact.evictionWeight());
    }

    /** Approximate number of cached classifications (exact texts, shapes and literal texts). */
    public long estimatedCacheSize() {
        return cache.estimatedSize() + shapes.estimatedSize() + literalTexts.estimatedSize();
    }

    /** Weight held by the literal-text cache after pending maintenance (tests of its bound). */
    long literalTextCacheWeight() {
        literalTexts.cleanUp();
        return literalTexts.policy().eviction().orElseThrow().weightedSize().orElseThrow();
    }

    /** Whether {@code sql} is in the literal-text cache, without counting as an access (tests). */
    boolean literalTextCached(String sql) {
        return literalTexts.policy().getIfPresentQuietly(sql) != null;
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

    /** Marks {@code sql} as seen; whether its slot held its hash already (see "Doorkeeper"). */
    private boolean markSeen(String sql) {
        int hash = sql.hashCode();
        int slot = (hash ^ (hash >>> 16)) & (seenTexts.length - 1);
        if (seenTexts[slot] == hash) {
            return true;
        }
        seenTexts[slot] = hash;
        return false;
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
