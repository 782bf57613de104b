package dev.junction.bench.proxy;

import java.nio.file.Files;
import java.nio.file.Path;

/** Renders the proxy CSV as a grouped bar chart with gnuplot (skipped with a message when absent). */
final class Plot {
  private Plot() {}

  static void render(Path csv, Path png) throws Exception {
    Path script = csv.resolveSibling("proxy.gp");
    Files.createDirectories(png.getParent());
    Files.writeString(script, String.join("\n",
        "set terminal pngcairo size 1400,500 font 'sans,10'",
        "set output '" + png.toAbsolutePath() + "'",
        "set datafile separator ','",
        "set datafile commentschars '#'",
        "set style data histograms",
        "set style histogram clustered gap 1",
        "set style fill solid 0.85 border -1",
        "set key top left",
        "set ylabel 'transactions per second'",
        "set title 'pgbench through the Junction proxy vs PgBouncer (transaction pooling) vs direct, same servers, one run'",
        "set xtics rotate by -20",
        "plot '" + csv.toAbsolutePath() + "' every ::1 using 4:xtic(sprintf('%s %s c=%s', stringcolumn(1), stringcolumn(2), stringcolumn(3))) title 'direct', \\",
        "     '' every ::1 using 5 title 'PgBouncer', \\",
        "     '' every ::1 using 6 title 'Junction proxy'",
        ""));
    Path gnuplot = Path.of("/usr/bin/gnuplot");
    if (!Files.isExecutable(gnuplot)) {
      System.out.println("gnuplot not installed: wrote " + script + " only (apt-get install -y gnuplot-nox)");
      return;
    }
    Process p = new ProcessBuilder(gnuplot.toString(), script.toString()).inheritIO().start();
    if (p.waitFor() != 0) {
      throw new IllegalStateException("gnuplot failed on " + script);
    }
    System.out.println("wrote " + png);
  }
}
