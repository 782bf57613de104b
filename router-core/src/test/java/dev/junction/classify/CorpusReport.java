package dev.junction.classify;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs the public-test-suite corpus ({@code classify/corpus/*.tsv}, see its README) through a
 * classifier and counts where each labelled statement would go.
 *
 * <p>Shared by {@link ClassificationCorpusTest} (which asserts the thresholds) and {@link #main}
 * (which prints the figures, so that one command can measure another JSqlParser jar on the
 * classpath: see docs/architecture.md).
 */
final class CorpusReport {

    /** One corpus row: the independent label (read, write, locking, unsafe, other) and the statement. */
    record Row(String label, String sql) {
        boolean read() {
            return label.equals("read");
        }

        /** Reads that are queries (not SHOW/EXPLAIN), which the hostile rewrites apply to. */
        boolean query() {
            if (!read()) {
                return false;
            }
            String s = sql.stripLeading();
            while (s.startsWith("(")) {
                s = s.substring(1).stripLeading();
            }
            String first = s.split("[\\s(]", 2)[0].toUpperCase(Locale.ROOT);
            return first.equals("SELECT") || first.equals("WITH") || first.equals("VALUES") || first.equals("TABLE");
        }
    }

    /** The figures for one dialect. */
    record Figures(Dialect dialect, int reads, int readsToReplica, int others, List<Row> othersToReplica,
                   int hostile, List<String> hostileToReplica, List<Row> readsToPrimary) {
        double readShare() {
            return reads == 0 ? 1.0 : (double) readsToReplica / reads;
        }

        String summary() {
            return String.format(Locale.ROOT,
                    "%s: reads to replica %d/%d (%.2f%%); non-reads to replica %d/%d; hostile rewrites to replica %d/%d",
                    dialect, readsToReplica, reads, 100.0 * readShare(), othersToReplica.size(), others,
                    hostileToReplica.size(), hostile);
        }
    }

    static final Map<Dialect, String> FILES = new LinkedHashMap<>();

    static {
        FILES.put(Dialect.POSTGRESQL, "/classify/corpus/postgresql.tsv");
        FILES.put(Dialect.MYSQL, "/classify/corpus/mysql.tsv");
    }

    private CorpusReport() {
    }

    static List<Row> load(String resource) {
        List<Row> rows = new ArrayList<>();
        try (InputStream in = CorpusReport.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + resource);
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = reader.readLine()) != null; ) {
                int tab = line.indexOf('\t');
                if (tab > 0) {
                    rows.add(new Row(line.substring(0, tab), unescape(line.substring(tab + 1))));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return rows;
    }

    static Figures measure(Dialect dialect, List<Row> rows, StatementClassifier classifier) {
        return measure(dialect, rows, classifier, 1);
    }

    /**
     * @param hostileEvery rewrite every Nth query read into hostile variants (1: all of them; 0: none).
     *                     Hostile variants mostly fail to parse, and a failing parse is JSqlParser's
     *                     slowest path, so the unit test samples them; {@link #main} rewrites all.
     */
    static Figures measure(Dialect dialect, List<Row> rows, StatementClassifier classifier, int hostileEvery) {
        int queryReads = 0;
        int reads = 0;
        int readsToReplica = 0;
        int others = 0;
        int hostile = 0;
        List<Row> othersToReplica = new ArrayList<>();
        List<Row> readsToPrimary = new ArrayList<>();
        List<String> hostileToReplica = new ArrayList<>();
        for (Row row : rows) {
            boolean replica = classifier.classify(row.sql()).replicaEligible();
            if (row.read()) {
                reads++;
                if (replica) {
                    readsToReplica++;
                } else {
                    readsToPrimary.add(row);
                }
                if (row.query() && hostileEvery > 0 && queryReads++ % hostileEvery == 0) {
                    for (String rewrite : HostileRewrites.of(row.sql(), dialect)) {
                        hostile++;
                        if (classifier.classify(rewrite).replicaEligible()) {
                            hostileToReplica.add(rewrite);
                        }
                    }
                }
            } else {
                others++;
                if (replica) {
                    othersToReplica.add(row);
                }
            }
        }
        return new Figures(dialect, reads, readsToReplica, others, othersToReplica, hostile, hostileToReplica,
                readsToPrimary);
    }

    private static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char next = s.charAt(++i);
                out.append(next == 'n' ? '\n' : next == 't' ? '\t' : next == 'r' ? '\r' : next);
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /**
     * Prints the figures per dialect; with {@code -v}, also every read that went to the primary.
     * Example (from router-core, after {@code mvn test-compile}):
     * {@code java -cp target/classes:target/test-classes:$(cat cp.txt) dev.junction.classify.CorpusReport}
     */
    public static void main(String[] args) {
        List<String> flags = List.of(args);
        boolean verbose = flags.contains("-v");
        boolean hostile = !flags.contains("--reads-only");
        for (Map.Entry<Dialect, String> file : FILES.entrySet()) {
            List<Row> all = load(file.getValue());
            int every = Integer.getInteger("every", 1); // -Devery=N: every Nth row, for a quick or baseline run
            List<Row> rows = new ArrayList<>();
            for (int i = 0; i < all.size(); i += every) {
                rows.add(all.get(i));
            }
            StatementClassifier classifier = new StatementClassifier(file.getKey(),
                    ClassifierSettings.defaults().withCacheMaximumSize(0));
            long start = System.nanoTime();
            Figures figures = measure(file.getKey(), rows, classifier, hostile ? 1 : 0);
            System.out.printf(Locale.ROOT, "%s: %d statements in %.1f s; parse budget exceeded %d%n", file.getKey(),
                    rows.size(), (System.nanoTime() - start) / 1e9, classifier.parseBudgetExceededCount());
            System.out.println(figures.summary());
            figures.othersToReplica().forEach(r -> System.out.println("  NON-READ TO REPLICA [" + r.label() + "] " + r.sql()));
            figures.hostileToReplica().forEach(r -> System.out.println("  HOSTILE TO REPLICA " + r.replace('\n', ' ')));
            if (verbose) {
                figures.readsToPrimary().forEach(r -> System.out.println("  read to primary ["
                        + classifier.classify(r.sql()).primaryReason() + "] " + r.sql().replace('\n', ' ')));
            }
        }
    }
}
