package dev.junction.reshard.cli;

import dev.junction.config.ConfigException;
import dev.junction.config.JunctionConfig;
import dev.junction.config.RedactedCause;
import dev.junction.config.Redaction;
import dev.junction.config.YamlConfigLoader;
import dev.junction.jdbc.internal.EndpointConnector;
import dev.junction.reshard.Progress;
import dev.junction.reshard.ReshardException;
import dev.junction.reshard.ReshardJob;
import dev.junction.reshard.ReshardOptions;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code ./junction.sh reshard <command> --config <target.yaml>}: the resharding workflow from a
 * shell. Every command is safe to run again; {@code run} does every step from wherever the shards
 * say the resharding stands, so after a crash the same command resumes it.
 */
public final class ReshardCli {
  static final String USAGE = String.join("\n",
      "usage: ./junction.sh reshard <command> --config <target.yaml> [--max-rows-per-second N] [--chunk-rows N] [--copy-page-rows N]",
      "  plan      what moves, per arc, table and shard (changes nothing)",
      "  start     tables on the new owners, change capture on the old owners (phase COPYING)",
      "  copy      copy the moving rows, page by page (resumes after a crash)",
      "  catch-up  copy again the keys changed since they were copied",
      "  verify    compare counts and checksums of every moving arc; list differing rows",
      "  cutover   switch every router to the target ring (phases FENCED, SWITCHED)",
      "  cleanup   delete the moved rows from their old owners (phase STABLE on the target ring)",
      "  rollback  back to the recorded source ring with nothing lost (before cleanup)",
      "  status    phase, copy progress and captured changes per source",
      "  run       start, copy, catch-up, verify, cutover and cleanup",
      "  init      record the configured ring in shards that record none (adopting ring records)",
      "The current ring is the one the shards record (table junction_ring); --config describes the target.");

  private ReshardCli() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs one command; returns the process exit code (0 ok, 1 failed, 2 usage). */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("help")) {
      out.println(USAGE);
      return args.length == 0 ? 2 : 0;
    }
    String command = args[0];
    Path config = null;
    ReshardOptions options = ReshardOptions.defaults();
    for (int i = 1; i < args.length; i++) {
      String a = args[i];
      if (i + 1 >= args.length) {
        err.println("reshard: " + a + " needs a value\n" + USAGE);
        return 2;
      }
      String v = args[++i];
      try {
        switch (a) {
          case "--config" -> config = Path.of(v);
          case "--max-rows-per-second" -> options = options.withMaxRowsPerSecond(Long.parseLong(v));
          case "--chunk-rows" -> options = options.withChunkRows(Integer.parseInt(v));
          case "--copy-page-rows" -> options = options.withCopyPageRows(Integer.parseInt(v));
          default -> {
            err.println("reshard: unknown option " + a + "\n" + USAGE);
            return 2;
          }
        }
      } catch (NumberFormatException e) {
        err.println("reshard: " + a + " needs a number, got " + v);
        return 2;
      } catch (IllegalArgumentException e) {
        err.println("reshard: " + e.getMessage());
        return 2;
      }
    }
    if (config == null) {
      err.println("reshard: --config <target.yaml> is required\n" + USAGE);
      return 2;
    }
    JunctionConfig target = null;
    try {
      target = YamlConfigLoader.load(config);
      if (command.equals("init")) {
        ReshardJob.init(target);
        out.println("recorded " + target.sharding().ring(target.shards()) + " in every shard that had no ring record");
        return 0;
      }
      Progress progress = new Progress(new Bar(err));
      try (ReshardJob job = ReshardJob.open(target, options, progress)) {
        switch (command) {
          case "plan" -> out.print(job.plan().render());
          case "start" -> {
            job.start();
            out.println("started: phase " + job.phase() + "; next: reshard copy");
          }
          case "copy" -> {
            progress.estimateFrom(job.plan());
            job.copy();
            err.println();
            out.println(String.format(Locale.ROOT, "copied %,d rows (%s); next: reshard catch-up, verify", progress.rowsCopied(),
                Progress.bytesText(progress.bytesCopied())));
          }
          case "catch-up" -> out.println("re-copied " + job.catchUp() + " changed keys");
          case "verify" -> {
            ReshardJob.VerifyReport report = job.verify();
            out.print(report.render());
            out.println(report.ok() ? "verify: every moving arc is equal on both sides"
                : "verify: DIFFERENCES (above); nothing is switched while they remain");
            return report.ok() ? 0 : 1;
          }
          case "cutover" -> out.println("switched: " + job.cutover());
          case "cleanup" -> {
            job.cleanup();
            out.println("cleaned up: the shards record " + job.to() + " as stable");
          }
          case "rollback" -> {
            job.rollback();
            out.println("rolled back: the shards record " + job.from() + " as stable");
          }
          case "status" -> out.print(job.status());
          case "run" -> {
            ReshardJob.CutoverReport cut = job.run();
            err.println();
            out.println("done: " + job.to() + " is stable; cut-over " + cut);
          }
          default -> {
            err.println("reshard: unknown command " + command + "\n" + USAGE);
            return 2;
          }
        }
      }
      return 0;
    } catch (ConfigException | ReshardException e) {
      err.println();
      err.println("reshard " + command + " failed: " + scrub(e.getMessage(), target));
      return 1;
    } catch (RuntimeException e) {
      // not one of ours: keep the stack trace for a bug report, but with every message scrubbed
      JunctionConfig loaded = target;
      err.println();
      err.println("reshard " + command + " failed: " + e.getClass().getName() + ": " + scrub(e.getMessage(), loaded));
      RedactedCause.of(e, m -> scrub(m, loaded)).printStackTrace(err);
      return 1;
    }
  }

  /**
   * A message about to be printed, with every configured password, URL user-info and secret parameter
   * masked. Connection failures are already scrubbed where they are raised ({@link EndpointConnector});
   * this is the last line of defence for a message that quotes a driver some other way.
   */
  static String scrub(String message, JunctionConfig config) {
    return Redaction.redact(EndpointConnector.maskSecrets(message, config));
  }

  /** Redraws the progress line on the terminal at most five times a second. */
  private static final class Bar implements java.util.function.Consumer<Progress> {
    private final PrintStream err;
    private long last;

    Bar(PrintStream err) {
      this.err = err;
    }

    @Override
    public void accept(Progress p) {
      long now = System.nanoTime();
      if (now - last > 200_000_000L) {
        last = now;
        err.print("\r" + p.line());
        err.flush();
      }
    }
  }
}
