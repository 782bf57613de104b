package dev.junction.classify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The parse budget caps what a pathological statement costs, not only where it is routed (issue #14).
 *
 * <p>Before, the budget was compared after each parse attempt and the watchdog only stopped a parse
 * at ten times the budget of wall-clock time, so a statement whose first attempt fitted in the budget
 * paid JSqlParser's whole "complex parsing" retry on every uncached call. CPU time of the calling
 * thread is measured (the parse runs on it), so a loaded machine does not inflate it.
 */
class ParseBudgetCapTest {

    /**
     * JSqlParser reads {@code ?|} as PostgreSQL's jsonb operator and fails on {@code '…'|| ?|'…'}: the
     * first (simple) attempt takes about 20 ms of CPU, then the complex-parsing retry well over 100 ms
     * more (179 ms of CPU for the whole parse, JSqlParser 5.2, measured 2026-12-05). The issue's own
     * example, {@code '…'||?||'…'}, now parses in about 2 ms ({@link PlaceholderConcatTest}).
     */
    static final String PATHOLOGICAL = "UPDATE t SET a = concat('x'|| ?|'y'|| ?|'z', 'z'|| ?|'w') "
            + "WHERE id IN (SELECT id FROM u WHERE n LIKE '%'|| ?|'%')";

    @Test
    void aStatementOverTheBudgetCostsAboutTheBudgetNotTheWholeRetry() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isCurrentThreadCpuTimeSupported() && threads.isThreadCpuTimeEnabled());
        // The default 50 ms: the first attempt fits, so the complex retry starts, as in the issue.
        StatementClassifier classifier = new StatementClassifier(Dialect.POSTGRESQL, ClassifierSettings.defaults()
                .withMaxCachedSqlLength(0).withParseBudget(Duration.ofMillis(50)));

        long cheapest = Long.MAX_VALUE;
        for (int run = 0; run < 3; run++) { // the first run also pays JIT compilation
            long before = threads.getCurrentThreadCpuTime();
            Classification result = classifier.classify(PATHOLOGICAL);
            cheapest = Math.min(cheapest, threads.getCurrentThreadCpuTime() - before);
            assertThat(result.primaryReason()).isEqualTo(PrimaryReason.UNPARSEABLE);
        }

        assertThat(classifier.parseBudgetExceededCount()).as("uncached: analysed and counted each time").isEqualTo(3);
        // The budget plus the watchdog's reaction (58-69 ms of CPU measured at load average 9 on 2 cores);
        // the old code ran the whole retry: 124-146 ms of CPU, 350-500 ms of wall-clock time.
        assertThat(Duration.ofNanos(cheapest)).isLessThan(Duration.ofMillis(100));
    }
}
