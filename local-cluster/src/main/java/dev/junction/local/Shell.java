package dev.junction.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the server tools (initdb, pg_ctl, mariadb-install-db, ...) as short-lived commands.
 *
 * <p>PostgreSQL refuses to run as root, so when this JVM is root its commands run through
 * {@code runuser -u postgres --}. Output goes to a log file next to the data so that a failure
 * message can quote it.
 */
final class Shell {
  private Shell() {}

  static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  /** Prefixes {@code command} so it runs as {@code user} when we are root. */
  static List<String> as(String user, List<String> command) {
    if (!isRoot() || user == null) {
      return command;
    }
    List<String> wrapped = new ArrayList<>(List.of("runuser", "-u", user, "--"));
    wrapped.addAll(command);
    return wrapped;
  }

  /** Runs a command to completion; throws with its output when it fails or overruns. */
  static String run(List<String> command, Path log, Duration timeout) {
    try {
      Files.createDirectories(log.getParent());
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      pb.environment().put("LC_ALL", "C");
      long offset = Files.exists(log) ? Files.size(log) : 0;
      Process process = pb.start();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("timed out after " + timeout + ": " + String.join(" ", command)
            + "\n" + tail(log, offset));
      }
      String output = tail(log, offset);
      if (process.exitValue() != 0) {
        throw new IllegalStateException("exit code " + process.exitValue() + " from: "
            + String.join(" ", command) + "\n" + output);
      }
      return output;
    } catch (IOException e) {
      throw new IllegalStateException("could not run " + String.join(" ", command) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + String.join(" ", command), e);
    }
  }

  static String tail(Path log, long fromOffset) {
    try {
      if (!Files.exists(log)) {
        return "";
      }
      byte[] all = Files.readAllBytes(log);
      int from = (int) Math.max(fromOffset, all.length - 4000L);
      return new String(all, from, all.length - from, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(log unreadable: " + e.getMessage() + ")";
    }
  }

  /** Makes {@code dir} owned by {@code user} (root only; elsewhere we already own it). */
  static void chown(Path dir, String user) {
    if (isRoot() && user != null) {
      run(List.of("chown", "-R", user, dir.toString()), dir.resolveSibling("chown.log"), Duration.ofSeconds(30));
    }
  }
}
