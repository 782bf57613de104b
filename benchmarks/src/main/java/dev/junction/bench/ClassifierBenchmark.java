package dev.junction.bench;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.junction.classify.Classification;
import dev.junction.classify.ClassifierSettings;
import dev.junction.classify.Dialect;
import dev.junction.classify.StatementClassifier;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import net.sf.jsqlparser.JSQLParserException;
import net.sf.jsqlparser.parser.CCJSqlParser;
import net.sf.jsqlparser.parser.CCJSqlParserUtil;
import net.sf.jsqlparser.parser.ParseException;
import net.sf.jsqlparser.parser.StringProvider;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of classifying one statement, the step every statement pays before routing, with a baseline
 * measured in the same run so that results read as ratios (the machine is shared and loaded).
 *
 * <p><b>Cached path</b> ({@code cached*}, AverageTime, ns/op): the same SQL text, again and again,
 * against a warm classifier: one Caffeine {@code getIfPresent} on the exact text. Baselines:
 * {@code baselineHashMapGet}, {@code baselineConcurrentHashMapGet} and {@code baselineCaffeineGet}
 * (the same String key, so its hash is cached as it is for the classifier). {@code cachedShapeHit}
 * is a repeated statement that holds a literal ({@code LIMIT 50}): by design it is cached by its
 * shape only, so each call also pays a lexer pass (StatementShape), not an exact hit.
 *
 * <p><b>Uncached path</b> ({@code uncached*}, SampleTime, so JMH reports p50/p90/p99/p99.9/max) per
 * statement shape ({@link Shapes#shape}): a simple select by primary key, a join with a subquery, an
 * ORM-style (Hibernate 6 aliases) select, a write, a read JSqlParser cannot parse that the token-level
 * proof accepts ({@code @?}, the jsonpath operator), and a pathological UPDATE whose failing parse and
 * complex-parsing retry take 120-300 ms of CPU, which the parse budget (default 50 ms of CPU) cuts.
 * To really miss, every invocation classifies a never-seen text: the statement plus a trailing
 * comment holding a counter ({@code /*12345*&#47;}). A comment changes neither the parse nor the
 * route, and it also defeats the shape cache (comments are kept in the shape). The classifier keeps
 * its default 10,000-entry cache, so this is a miss as production sees it: lookup, shape pass,
 * analysis, and a put into a full cache. Building the text is measured alone in
 * {@code uniqueTextOnly} (tens of ns against tens of µs: it does not dominate).
 *
 * <p>Baselines for the uncached path, on the statement itself (JSqlParser caches nothing, and the
 * classifier hands the parser its text with comments blanked, so parsing the unique texts would charge
 * the baselines for a comment the classifier never parses): {@code baselineParseDirect} is
 * JSqlParser on this thread exactly as the classifier calls it ({@code new CCJSqlParser(...).Statement()},
 * and once more with complex parsing if that fails), without a budget, cache or tree walk;
 * {@code baselineParserUtil} is {@code CCJSqlParserUtil.parse(sql, executor, null)}, the library's
 * documented entry point (parse on an executor thread with its 6 s timeout, same retry), with one shared
 * executor so the figure is not a thread start.
 *
 * <p>Run: {@code benchmarks/run-jmh.sh ClassifierBenchmark} (-f 1 -wi 3 -w 1 -i 5 -r 1, -prof gc).
 */
@State(Scope.Benchmark)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ClassifierBenchmark {

    static final String SELECT_BY_PK = "select id, name, email from users where id = ?";
    static final String JOIN_SUBQUERY = "select o.id, o.total, c.name from orders o "
            + "join customers c on c.id = o.customer_id "
            + "where o.created_at > ? and c.region in (select region from regions where active) "
            + "order by o.created_at desc limit ?";
    /** The join as a statement with an inlined literal: a shape hit, not an exact hit. */
    static final String JOIN_WITH_LITERAL = JOIN_SUBQUERY.replace("limit ?", "limit 50");
    /** The join up to its LIMIT value, for never-repeated literal texts of the same shape. */
    static final String JOIN_LIMIT_PREFIX = JOIN_SUBQUERY.replace("limit ?", "limit ");
    static final String ORM = "select u1_0.id,u1_0.name from users u1_0 where u1_0.id=?";
    static final String WRITE = "update orders set total = ?, updated_at = now() where id = ? and version = ?";
    /**
     * JSqlParser 5.2 does not know the {@code @?} jsonpath operator, so the token proof decides this read.
     * (Until the ORM corpus change this was {@code like '%'||?||'%'}, which the parser now reads: see
     * StatementParser.separatePlaceholderFromBars; earlier results in docs/benchmarks.md used that text.)
     */
    static final String TOKEN_PROOF = "select id, name from users where doc @? '$.tags[*]' and lower(email) like ? order by id limit ?";
    /**
     * Failing parse plus complex-parsing retry: 179 ms of CPU with JSqlParser 5.2. JSqlParser reads
     * {@code ?|} as the jsonb operator. (Issue #14's {@code '…'||?||'…'} form, used here before, now parses
     * in about 1 ms.)
     */
    static final String PATHOLOGICAL = "UPDATE t SET a = concat('x'|| ?|'y'|| ?|'z', 'z'|| ?|'w') "
            + "WHERE id IN (SELECT id FROM u WHERE n LIKE '%'|| ?|'%')";

    private StatementClassifier cached;
    private final Map<String, Classification> hashMap = new HashMap<>();
    private final Map<String, Classification> concurrentHashMap = new ConcurrentHashMap<>();
    private final Cache<String, Classification> caffeine = Caffeine.newBuilder().maximumSize(10_000).build();
    private String selectByPk;
    private String orm;
    private String join;
    private String joinWithLiteral;
    private long counter;

    @Setup
    public void setUp() {
        cached = new StatementClassifier(Dialect.POSTGRESQL, ClassifierSettings.defaults());
        // Fresh, equal strings (not interned constants), as a driver would hand them over.
        selectByPk = new String(SELECT_BY_PK.toCharArray());
        orm = new String(ORM.toCharArray());
        join = new String(JOIN_SUBQUERY.toCharArray());
        joinWithLiteral = new String(JOIN_WITH_LITERAL.toCharArray());
        for (String sql : new String[] {selectByPk, orm, join, joinWithLiteral}) {
            Classification c = cached.classify(sql);
            if (!c.replicaEligible()) {
                throw new IllegalStateException("expected a read: " + sql + " -> " + c);
            }
            hashMap.put(sql, c);
            concurrentHashMap.put(sql, c);
            caffeine.put(sql, c);
        }
    }

    // ---- cached path: AverageTime, ns/op ----

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    public Classification cachedExactHitSelectByPk() {
        return cached.classify(selectByPk);
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    public Classification cachedExactHitOrm() {
        return cached.classify(orm);
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    public Classification cachedExactHitJoin() {
        return cached.classify(join);
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    public Classification cachedShapeHit() {
        return cached.classify(joinWithLiteral);
    }

    /** A literal text never seen before, of a known shape: a shape hit (and, since 0.2.0, a put of the text). */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    public Classification cachedShapeHitOneOffLiteral() {
        return cached.classify(JOIN_LIMIT_PREFIX + (counter++ & 0xFFFFFF));
    }

    /** Building the text of {@link #cachedShapeHitOneOffLiteral()} alone. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    public String oneOffLiteralTextOnly() {
        return JOIN_LIMIT_PREFIX + (counter++ & 0xFFFFFF);
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    public Classification baselineHashMapGet() {
        return hashMap.get(selectByPk);
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    public Classification baselineConcurrentHashMapGet() {
        return concurrentHashMap.get(selectByPk);
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    public Classification baselineCaffeineGet() {
        return caffeine.getIfPresent(selectByPk);
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    public String uniqueTextOnly() {
        return unique(SELECT_BY_PK);
    }

    // ---- uncached path: SampleTime, percentiles ----

    /** The statement shapes of the uncached path, with a classifier and an executor per trial. */
    @State(Scope.Benchmark)
    public static class Shapes {
        @Param({"selectByPk", "joinSubquery", "orm", "write", "tokenProof", "pathological"})
        public String shape;

        String sql;
        StatementClassifier classifier;
        ExecutorService executor;
        long counter;

        @Setup(Level.Trial)
        public void setUp() {
            sql = switch (shape) {
                case "selectByPk" -> SELECT_BY_PK;
                case "joinSubquery" -> JOIN_SUBQUERY;
                case "orm" -> ORM;
                case "write" -> WRITE;
                case "tokenProof" -> TOKEN_PROOF;
                case "pathological" -> PATHOLOGICAL;
                default -> throw new IllegalArgumentException(shape);
            };
            classifier = new StatementClassifier(Dialect.POSTGRESQL, ClassifierSettings.defaults());
            executor = Executors.newSingleThreadExecutor();
            Classification c = classifier.classify(sql);
            boolean expectReplica = !shape.equals("write") && !shape.equals("pathological");
            if (c.replicaEligible() != expectReplica) {
                throw new IllegalStateException(shape + ": unexpected classification " + c);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            executor.shutdownNow();
        }

        String next() {
            return sql + " /*" + counter++ + "*/";
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    public Classification uncachedClassify(Shapes s) {
        return s.classifier.classify(s.next());
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    public Object baselineParseDirect(Shapes s) {
        Object parsed = parseOnThisThread(s.sql, false);
        return parsed != null ? parsed : parseOnThisThread(s.sql, true);
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    public Object baselineParserUtil(Shapes s) {
        try {
            return CCJSqlParserUtil.parse(s.sql, s.executor, parser -> { });
        } catch (JSQLParserException e) {
            return e;
        }
    }

    private static Object parseOnThisThread(String sql, boolean complex) {
        try {
            return new CCJSqlParser(new StringProvider(sql)).withAllowComplexParsing(complex).Statement();
        } catch (ParseException | RuntimeException e) {
            return null;
        }
    }

    private String unique(String sql) {
        return sql + " /*" + counter++ + "*/";
    }
}
