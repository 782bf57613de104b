package dev.junction.bench.library;

import static dev.junction.bench.library.Stats.f;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/** Writes the library benchmark's CSVs and renders its two figures. */
final class LibraryReport {
  /** What the run was, for the record next to the numbers. */
  record Meta(Instant started, Instant finished, int rounds, long millis, String postgresVersion, int rows) {}

  private LibraryReport() {}

  static void write(Path out, Path img, List<LibraryBenchmark.Sample> samples, List<LibraryBenchmark.Summary> summaries,
                    Map<String, String> unavailable, List<String> contenders, Meta meta) throws Exception {
    Files.createDirectories(out);
    StringBuilder raw = new StringBuilder("workload,threads,round,contender,ops_per_s,p50_us,p90_us,p99_us\n");
    for (LibraryBenchmark.Sample s : samples) {
      raw.append(String.join(",", s.workload().label, Integer.toString(s.threads()), Integer.toString(s.round()), s.contender(),
          f("%.0f", s.opsPerSecond()), f("%.1f", s.p50()), f("%.1f", s.p90()), f("%.1f", s.p99()))).append('\n');
    }
    Files.writeString(out.resolve("library-rounds.csv"), raw);
    StringBuilder sum = new StringBuilder("workload,threads,contender,ops_per_s,p50_us,p99_us,ops_ratio,p50_ratio,p99_ratio,p50_overhead_us,"
        + "ops_ratio_q1,ops_ratio_q3,p50_ratio_q1,p50_ratio_q3\n");
    for (LibraryBenchmark.Summary s : summaries) {
      sum.append(String.join(",", s.workload().label, Integer.toString(s.threads()), s.contender(), f("%.0f", s.opsPerSecond()),
          f("%.1f", s.p50()), f("%.1f", s.p99()), f("%.3f", s.opsRatio()), f("%.3f", s.p50Ratio()), f("%.3f", s.p99Ratio()),
          f("%.1f", s.p50OverheadMicros()), f("%.3f", s.opsRatioQ1()), f("%.3f", s.opsRatioQ3()), f("%.3f", s.p50RatioQ1()),
          f("%.3f", s.p50RatioQ3()))).append('\n');
    }
    Files.writeString(out.resolve("library.csv"), sum);
    StringBuilder m = new StringBuilder();
    m.append("started ").append(meta.started()).append("\nfinished ").append(meta.finished())
        .append("\nrounds ").append(meta.rounds()).append(" x ").append(meta.millis()).append(" ms per contender and cell")
        .append("\njava ").append(System.getProperty("java.version")).append(' ').append(System.getProperty("java.vm.name"))
        .append("\npostgresql ").append(meta.postgresVersion())
        .append("\nrows ").append(meta.rows())
        .append("\ncores ").append(Runtime.getRuntime().availableProcessors()).append('\n');
    unavailable.forEach((k, v) -> m.append("unavailable ").append(k).append(": ").append(v).append('\n'));
    Files.writeString(out.resolve("library-meta.txt"), m);

    List<String> peers = contenders.stream().filter(c -> !c.equals(Contenders.HIKARI)).toList();
    Path tput = table(out.resolve("library-throughput-ratio.csv"), summaries, peers, LibraryBenchmark.Summary::opsRatio);
    Path p50 = table(out.resolve("library-p50-ratio.csv"), summaries, peers, LibraryBenchmark.Summary::p50Ratio);
    Path p99 = table(out.resolve("library-p99-ratio.csv"), summaries, peers, LibraryBenchmark.Summary::p99Ratio);
    String when = " (" + meta.started().toString().substring(0, 16).replace('T', ' ') + " UTC, median of " + meta.rounds() + " rounds)";
    Charts.render(img.resolve("bench-library-throughput.png"), 1100, 480, List.of(new Charts.Panel(tput,
        "Throughput relative to raw HikariCP in the same rounds" + when, "ops/s ÷ HikariCP ops/s", peers, false, 1.0)));
    Charts.render(img.resolve("bench-library-latency.png"), 1100, 820, List.of(
        new Charts.Panel(p50, "p50 latency relative to raw HikariCP" + when, "p50 ÷ HikariCP p50", peers, false, 1.0),
        new Charts.Panel(p99, "p99 latency relative to raw HikariCP", "p99 ÷ HikariCP p99", peers, false, 1.0)));
  }

  /** One row per workload and thread count, one column per contender. */
  private static Path table(Path file, List<LibraryBenchmark.Summary> summaries, List<String> peers,
                            ToDoubleFunction<LibraryBenchmark.Summary> value) throws Exception {
    StringBuilder b = new StringBuilder("cell," + String.join(",", peers) + "\n");
    List<String> cells = new ArrayList<>();
    for (LibraryBenchmark.Summary s : summaries) {
      String cell = s.workload().label + " c=" + s.threads();
      if (!cells.contains(cell)) {
        cells.add(cell);
      }
    }
    for (String cell : cells) {
      b.append(cell);
      for (String p : peers) {
        double v = summaries.stream().filter(s -> (s.workload().label + " c=" + s.threads()).equals(cell) && s.contender().equals(p))
            .mapToDouble(value).findFirst().orElse(Double.NaN);
        b.append(',').append(f("%.3f", v));
      }
      b.append('\n');
    }
    Files.writeString(file, b);
    return file;
  }
}
