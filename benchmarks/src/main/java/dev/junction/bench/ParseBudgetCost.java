package dev.junction.bench;

import dev.junction.classify.Classification;
import dev.junction.classify.ClassifierSettings;
import dev.junction.classify.Dialect;
import dev.junction.classify.StatementClassifier;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.Locale;

/**
 * CPU and wall-clock time of classifying one statement without the cache, per call: what the parse
 * budget caps (it counts CPU time, so the wall-clock time on a loaded machine is larger). JMH's
 * SampleTime in {@link ClassifierBenchmark} only sees wall-clock time.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.junction.bench.ParseBudgetCost [budget-ms] [calls] [sql]}
 * (defaults: 50 ms, 10 calls, {@link ClassifierBenchmark#PATHOLOGICAL}).
 */
public final class ParseBudgetCost {

    private ParseBudgetCost() {
    }

    public static void main(String[] args) {
        long budgetMs = args.length > 0 ? Long.parseLong(args[0]) : 50;
        int calls = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        String sql = args.length > 2 ? args[2] : ClassifierBenchmark.PATHOLOGICAL;
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        StatementClassifier classifier = new StatementClassifier(Dialect.POSTGRESQL, ClassifierSettings.defaults()
                .withMaxCachedSqlLength(0).withParseBudget(Duration.ofMillis(budgetMs)));
        System.out.printf(Locale.ROOT, "budget %d ms, %s%n", budgetMs, sql);
        for (int call = 1; call <= calls; call++) {
            long cpu = threads.getCurrentThreadCpuTime();
            long wall = System.nanoTime();
            Classification result = classifier.classify(sql);
            System.out.printf(Locale.ROOT, "call %2d: cpu %7.1f ms, wall %7.1f ms, %s%n", call,
                    (threads.getCurrentThreadCpuTime() - cpu) / 1e6, (System.nanoTime() - wall) / 1e6, result.primaryReason());
        }
        System.out.printf(Locale.ROOT, "over budget: %d of %d%n", classifier.parseBudgetExceededCount(), calls);
    }
}
