package dev.junction.bench;

import dev.junction.classify.Classification;
import dev.junction.classify.ClassifierSettings;
import dev.junction.classify.Dialect;
import dev.junction.classify.StatementClassifier;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of classifying one statement, the step every statement pays before routing.
 *
 * <p>{@code cacheHit*} is the steady state (one Caffeine lookup; run with {@code -prof gc} to see
 * that it allocates nothing). {@code cacheMissUniqueSelect} is a cache miss as production sees it:
 * a never-seen SQL string (built by appending a counter, which adds a few ns) analysed and put
 * into a full cache. {@code analyse*} bypass the cache ({@code maxCachedSqlLength = 0}) to show
 * the analysis cost per statement shape: keyword pre-check only, versus the JSqlParser path.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar ClassifierBenchmark -f 1 -wi 3 -w 1 -i 5 -r 1}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ClassifierBenchmark {

    private static final String SELECT_BY_PK = "select id, name, email from users where id = ?";
    private static final String JOIN_QUERY = "select o.id, o.total, c.name from orders o "
            + "join customers c on c.id = o.customer_id "
            + "where o.created_at > ? and c.region in (select region from regions where active) "
            + "order by o.created_at desc limit 50";
    private static final String INSERT = "insert into orders (id, customer_id, total) values (?, ?, ?)";
    private static final String BEGIN = "BEGIN";

    private StatementClassifier cached;
    private StatementClassifier uncached;
    private long counter;

    @Setup
    public void setUp() {
        cached = new StatementClassifier(Dialect.POSTGRESQL, ClassifierSettings.defaults());
        uncached = new StatementClassifier(Dialect.POSTGRESQL, ClassifierSettings.defaults().withMaxCachedSqlLength(0));
        cached.classify(SELECT_BY_PK);
        cached.classify(JOIN_QUERY);
    }

    @Benchmark
    public Classification cacheHitSelectByPk() {
        return cached.classify(SELECT_BY_PK);
    }

    @Benchmark
    public Classification cacheHitJoinQuery() {
        return cached.classify(JOIN_QUERY);
    }

    @Benchmark
    public Classification cacheMissUniqueSelect() {
        return cached.classify("select id, name, email from users where id = " + counter++);
    }

    @Benchmark
    public Classification analyseSelectByPk() {
        return uncached.classify(SELECT_BY_PK);
    }

    @Benchmark
    public Classification analyseJoinQuery() {
        return uncached.classify(JOIN_QUERY);
    }

    @Benchmark
    public Classification analyseInsert() {
        return uncached.classify(INSERT);
    }

    @Benchmark
    public Classification analyseBeginKeywordOnly() {
        return uncached.classify(BEGIN);
    }
}
