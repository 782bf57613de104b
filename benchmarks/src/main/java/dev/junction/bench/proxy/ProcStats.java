package dev.junction.bench.proxy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A pooler process's counters from /proc, summed over its threads and grouped by what the thread does:
 * CPU time (user + system; for the event loops also the system part alone, {@code loop_system_us}: the
 * kernel's share, mostly the loopback TCP stack, against the pooler's own code), voluntary and involuntary context switches, and the read/write system
 * calls of /proc/PID/io.
 *
 * <p>WHY: on the shared 2-core machine TPS swings from run to run, while a pooler's own work per
 * transaction is steady; the groups tell relay work (the event loop) from the JVM's (JIT compilers,
 * GC) and from the proxy's background work (lag monitor, the common fork-join pool). Threads that
 * ended between two snapshots are lost from the difference; the poolers' threads live as long as the
 * process. {@code syscr}/{@code syscw} count read(2)/write(2)-family calls only: socket calls such as
 * sendto/recvfrom, which both poolers use, are not in them (use {@code --perf-syscalls} for those).
 */
record ProcStats(Map<String, Long> ticksByGroup, long loopSystemTicks, long voluntary, long involuntary, long syscr, long syscw) {
  static final String[] GROUPS = {"loop", "jit", "gc", "lag", "forkjoin", "other"};

  static ProcStats read(long pid) {
    Map<String, Long> ticks = new LinkedHashMap<>();
    for (String g : GROUPS) {
      ticks.put(g, 0L);
    }
    long loopSystem = 0;
    long vol = 0;
    long invol = 0;
    Path tasks = Path.of("/proc/" + pid + "/task");
    try (Stream<Path> list = Files.list(tasks)) {
      for (Path t : list.toList()) {
        try {
          String stat = Files.readString(t.resolve("stat"));
          String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          long cpu = Long.parseLong(f[11]) + Long.parseLong(f[12]);
          String group = group(comm);
          ticks.merge(group, cpu, Long::sum);
          if (group.equals("loop")) {
            loopSystem += Long.parseLong(f[12]);
          }
          for (String line : Files.readAllLines(t.resolve("status"))) {
            if (line.startsWith("voluntary_ctxt_switches:")) {
              vol += Long.parseLong(line.replaceAll("[^0-9]", ""));
            } else if (line.startsWith("nonvoluntary_ctxt_switches:")) {
              invol += Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
          }
        } catch (IOException | RuntimeException gone) {
          // the thread ended while being read
        }
      }
    } catch (IOException e) {
      return new ProcStats(ticks, 0, 0, 0, 0, 0);
    }
    long r = 0;
    long w = 0;
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/io"))) {
        if (line.startsWith("syscr:")) {
          r = Long.parseLong(line.substring(6).strip());
        } else if (line.startsWith("syscw:")) {
          w = Long.parseLong(line.substring(6).strip());
        }
      }
    } catch (IOException | RuntimeException unreadable) {
      // /proc/PID/io needs the same user or root
    }
    return new ProcStats(ticks, loopSystem, vol, invol, r, w);
  }

  /** The group of a thread by its name (Linux keeps the first 15 characters). */
  static String group(String comm) {
    if (comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler") || comm.startsWith("Sweeper")) {
      return "jit";
    }
    if (comm.startsWith("GC ") || comm.startsWith("VM Thread") || comm.startsWith("G1 ") || comm.startsWith("VM Periodic")) {
      return "gc";
    }
    if (comm.startsWith("junction-lag")) {
      return "lag";
    }
    if (comm.startsWith("ForkJoinPool")) {
      return "forkjoin";
    }
    // the relay's Netty event loops (multiThreadIoEventLoopGroup-N-M; the admin server's is an nioEventLoopGroup),
    // and PgBouncer's only thread
    if (comm.startsWith("multiThreadIoEv") || comm.equals("pgbouncer")) {
      return "loop";
    }
    return "other";
  }

  /** The counters from {@code before} to this snapshot, per transaction ({@code tx} transactions). */
  String perTransaction(ProcStats before, double tx, double ticksPerSecond) {
    StringBuilder s = new StringBuilder();
    for (String g : GROUPS) {
      double us = (ticksByGroup.get(g) - before.ticksByGroup.get(g)) * 1e6 / ticksPerSecond / tx;
      s.append(String.format(java.util.Locale.ROOT, "%.1f,", us));
    }
    s.append(String.format(java.util.Locale.ROOT, "%.3f,%.3f,%.3f,%.3f,%.1f", (voluntary - before.voluntary) / tx,
        (involuntary - before.involuntary) / tx, (syscr - before.syscr) / tx, (syscw - before.syscw) / tx,
        (loopSystemTicks - before.loopSystemTicks) * 1e6 / ticksPerSecond / tx));
    return s.toString();
  }

  /**
   * Busy time of the whole machine (all CPUs: user, nice, system, irq, softirq, steal), in clock ticks, from
   * /proc/stat. Over one pgbench run divided by its transactions it is the machine's CPU per transaction:
   * pgbench, the servers, the pooler and the kernel together, so a topology that costs the servers more shows
   * here and not in the pooler's own figure. Other work on the machine counts too: compare targets
   * interleaved in one run.
   */
  static long machineBusyTicks() {
    try {
      String line = Files.readAllLines(Path.of("/proc/stat")).get(0); // "cpu  user nice system idle iowait irq softirq steal ..."
      String[] f = line.trim().split("\\s+");
      long busy = 0;
      for (int i : new int[] {1, 2, 3, 6, 7, 8}) {
        busy += Long.parseLong(f[i]);
      }
      return busy;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  static String header() {
    return "loop_us,jit_us,gc_us,lag_us,forkjoin_us,other_us,vcsw_per_tx,ivcsw_per_tx,syscr_per_tx,syscw_per_tx,loop_system_us";
  }
}
