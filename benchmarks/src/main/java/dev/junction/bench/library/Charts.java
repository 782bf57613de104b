package dev.junction.bench.library;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Grouped bar charts through gnuplot, one panel per figure row. Each panel reads a CSV whose first
 * column labels the group and whose other columns are the series. Without gnuplot, the script is
 * still written so the PNG can be rendered elsewhere.
 */
final class Charts {
  /** One panel: its data file, title, y label, series titles, log scale, and a reference line (NaN: none). */
  record Panel(Path data, String title, String ylabel, List<String> series, boolean log, double reference) {}

  private Charts() {}

  static void render(Path png, int width, int height, List<Panel> panels) throws Exception {
    Files.createDirectories(png.getParent());
    String name = png.getFileName().toString().replace(".png", ".gp");
    Path script = panels.get(0).data().resolveSibling(name);
    List<String> lines = new ArrayList<>(List.of(
        "set terminal pngcairo size " + width + "," + height + " font 'sans,9'",
        "set output '" + png + "'",
        "set datafile separator ','",
        "set style data histograms",
        "set style histogram clustered gap 1",
        "set style fill solid 0.85 border -1",
        "set key outside right top",
        "set grid ytics",
        "set xtics rotate by -25"));
    if (panels.size() > 1) {
      lines.add("set multiplot layout " + panels.size() + ",1");
    }
    for (Panel p : panels) {
      lines.add(p.log() ? "set logscale y" : "unset logscale y");
      lines.add(p.log() ? "set yrange [*:*]" : "set yrange [0:*]");
      lines.add("set title \"" + p.title() + "\"");
      lines.add("set ylabel \"" + p.ylabel() + "\"");
      StringBuilder plot = new StringBuilder("plot ");
      for (int i = 0; i < p.series().size(); i++) {
        if (i > 0) {
          plot.append(", ");
        }
        plot.append(i == 0 ? "'" + p.data() + "'" : "''")
            .append(" every ::1 using ").append(i + 2);
        if (i == 0) {
          plot.append(":xtic(1)");
        }
        plot.append(" title '").append(p.series().get(i)).append("'");
      }
      if (!Double.isNaN(p.reference())) {
        plot.append(", ").append(p.reference()).append(" with lines lw 2 lc rgb 'black' dt 2 title 'baseline'");
      }
      lines.add(plot.toString());
    }
    if (panels.size() > 1) {
      lines.add("unset multiplot");
    }
    lines.add("");
    Files.writeString(script, String.join("\n", lines));
    Path gnuplot = Path.of("/usr/bin/gnuplot");
    if (!Files.isExecutable(gnuplot)) {
      System.out.println("gnuplot not installed: wrote " + script + " only (apt-get install -y gnuplot-nox)");
      return;
    }
    Process proc = new ProcessBuilder(gnuplot.toString(), script.toString()).inheritIO().start();
    if (proc.waitFor() != 0) {
      throw new IllegalStateException("gnuplot failed on " + script);
    }
    System.out.println("wrote " + png);
  }
}
