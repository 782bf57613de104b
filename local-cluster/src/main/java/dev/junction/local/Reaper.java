package dev.junction.local;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Stops a cluster's servers when this JVM dies without running its shutdown hooks (SIGKILL, a crash,
 * a build tool killing a hung fork).
 *
 * <p>PostgreSQL is started by {@code pg_ctl} and is not a child of this JVM; MariaDB and Redis are,
 * but Linux does not end children with their parent. So each cluster starts a small {@code sh}
 * watchdog that polls this JVM's pid. If the JVM disappears while the cluster's directory still
 * exists, it signals every server whose pid file lies under that directory (PostgreSQL
 * {@code postmaster.pid}: SIGQUIT, an immediate shutdown; MariaDB {@code mysqld.pid} and Redis
 * {@code redis.pid}: SIGKILL), but only a process whose command line or working directory lies in
 * that directory (Redis rewrites its command line; its working directory is its {@code --dir}), so a stale
 * pid file never hits an unrelated process, and then deletes the directory (unless
 * {@code junction.local.keep}). A cluster closed normally ends its watchdog itself.
 */
final class Reaper {
  private static final String SCRIPT = String.join("\n",
      "jvm=$1; base=$2; keep=$3",
      "while kill -0 \"$jvm\" 2>/dev/null && [ -d \"$base\" ]; do sleep 1; done",
      "[ -d \"$base\" ] || exit 0",
      "for f in \"$base\"/*/*/postmaster.pid \"$base\"/*/mysqld.pid \"$base\"/*/redis.pid; do",
      "  [ -f \"$f\" ] || continue",
      "  pid=$(head -n 1 \"$f\")",
      "  case \"$pid\" in ''|*[!0-9]*) continue ;; esac",
      "  if { tr '\\0' ' ' < /proc/\"$pid\"/cmdline; readlink /proc/\"$pid\"/cwd; } 2>/dev/null | grep -q -F \"$base\"; then",
      "    case \"$f\" in */postmaster.pid) kill -QUIT \"$pid\" ;; *) kill -KILL \"$pid\" ;; esac",
      "  fi",
      "done",
      "sleep 2",
      "[ \"$keep\" = true ] || rm -rf \"$base\"",
      "");

  private Reaper() {}

  /** Starts the watchdog for {@code baseDir}; null when it cannot (the shutdown hook still covers orderly exits). */
  static Process watch(Path baseDir) {
    try {
      return new ProcessBuilder("sh", "-c", SCRIPT, "local-cluster-reaper", Long.toString(ProcessHandle.current().pid()),
          baseDir.toString(), Boolean.toString(Boolean.getBoolean("junction.local.keep")))
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    } catch (IOException e) {
      System.err.println("[local-cluster] no watchdog for " + baseDir + " (servers may outlive a killed JVM): " + e.getMessage());
      return null;
    }
  }

  /** Ends a watchdog whose cluster was torn down in order. */
  static void stop(Process watchdog) {
    if (watchdog != null) {
      watchdog.destroy();
    }
  }
}
