package dev.junction.bench.proxy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code --perf-syscalls}: {@code perf stat} attached to a pooler process (all its threads) for the length of
 * one measured pgbench run, counting its system calls by kind and its context switches. WHY: /proc/PID/io
 * counts only read(2)/write(2)-family calls, not the sendto/recvfrom/epoll calls both poolers make, and the
 * relay's question is how often it sleeps and wakes per transaction. Needs perf (linux-perf) and root or
 * {@code kernel.perf_event_paranoid} &lt;= 1; without it the columns stay empty.
 */
final class PerfStat {
  static final String[] EVENTS = {"raw_syscalls:sys_enter", "syscalls:sys_enter_sendto", "syscalls:sys_enter_recvfrom",
      "syscalls:sys_enter_epoll_wait", "syscalls:sys_enter_epoll_pwait", "syscalls:sys_enter_epoll_pwait2",
      "syscalls:sys_enter_epoll_ctl", "syscalls:sys_enter_futex", "context-switches"};

  private final Process process;
  private final Path output;

  private PerfStat(Process process, Path output) {
    this.process = process;
    this.output = output;
  }

  static PerfStat start(long pid, Path work) {
    try {
      Path out = Files.createTempFile(work, "perf", ".csv");
      Process p = new ProcessBuilder("perf", "stat", "-x", ",", "-o", out.toString(), "-e", String.join(",", EVENTS),
          "-p", Long.toString(pid)).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      Thread.sleep(300); // attached before pgbench starts
      return new PerfStat(p, out);
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** Stops counting; the raw perf output (event,count lines). */
  String stop() {
    try {
      new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).start().waitFor();
      process.waitFor();
      String text = Files.readString(output);
      Files.deleteIfExists(output);
      return text;
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  static String header() {
    StringBuilder s = new StringBuilder();
    for (String e : EVENTS) {
      s.append(s.length() == 0 ? "" : ",").append("perf_").append(e.replaceAll(".*sys_enter_?", "").isEmpty() ? "syscalls"
          : e.replaceAll(".*sys_enter_", "").replace("context-switches", "cs")).append("_per_tx");
    }
    return s.toString();
  }

  /** Each event's count divided by {@code tx}, in {@link #EVENTS} order; empty where perf gave none. */
  static String perTransaction(String perfOutput, double tx) {
    Map<String, Double> counts = new LinkedHashMap<>();
    for (String line : perfOutput.lines().toList()) {
      List<String> f = List.of(line.split(","));
      if (f.size() >= 3 && !line.startsWith("#")) {
        try {
          counts.put(f.get(2), Double.parseDouble(f.get(0)));
        } catch (NumberFormatException notCounted) {
          // <not supported> or <not counted>
        }
      }
    }
    StringBuilder s = new StringBuilder();
    for (String e : EVENTS) {
      Double v = counts.get(e);
      s.append(s.length() == 0 && e == EVENTS[0] ? "" : ",").append(v == null ? "" : String.format(Locale.ROOT, "%.3f", v / tx));
    }
    return s.toString();
  }
}
