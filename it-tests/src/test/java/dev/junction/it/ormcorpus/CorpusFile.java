package dev.junction.it.ormcorpus;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Collects labelled statements for one corpus file and writes them in the corpus format
 * ({@code label<TAB>sql}, with {@code \n}, {@code \r}, {@code \t} and {@code \\} escaped), deduplicated by
 * exact text in first-seen order.
 *
 * <p>The files are written to {@code target/orm-corpus/}; with {@code -Djunction.corpus.dir=DIR} (the
 * router-core corpus directory, to refresh the committed files) also to {@code DIR}.
 */
final class CorpusFile {
  private final String name;
  private final Map<String, String> labels = new LinkedHashMap<>();
  private final List<String> conflicts = new ArrayList<>();

  CorpusFile(String name) {
    this.name = name;
  }

  synchronized void add(String label, String sql) {
    String previous = labels.putIfAbsent(sql, label);
    if (previous != null && !previous.equals(label)) {
      conflicts.add(previous + "/" + label + ": " + sql);
    }
  }

  synchronized int size() {
    return labels.size();
  }

  synchronized List<String> conflicts() {
    return List.copyOf(conflicts);
  }

  synchronized Map<String, Integer> counts() {
    Map<String, Integer> counts = new LinkedHashMap<>();
    labels.values().forEach(l -> counts.merge(l, 1, Integer::sum));
    return counts;
  }

  synchronized void write() throws IOException {
    StringBuilder out = new StringBuilder();
    labels.forEach((sql, label) -> out.append(label).append('\t').append(escape(sql)).append('\n'));
    List<Path> dirs = new ArrayList<>(List.of(Path.of("target", "orm-corpus")));
    String configured = System.getProperty("junction.corpus.dir");
    if (configured != null && !configured.isBlank()) {
      dirs.add(Path.of(configured));
    }
    for (Path dir : dirs) {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve(name), out, StandardCharsets.UTF_8);
    }
    System.out.printf(Locale.ROOT, "%s: %d statements %s -> %s%n", name, labels.size(), counts(), dirs);
  }

  static String escape(String sql) {
    StringBuilder b = new StringBuilder(sql.length() + 8);
    for (int i = 0; i < sql.length(); i++) {
      char c = sql.charAt(i);
      switch (c) {
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> b.append(c);
      }
    }
    return b.toString();
  }
}
