package dev.junction.shard;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Reads the tab-separated golden files under {@code src/test/resources/shard/}. */
final class TsvResource {

  private TsvResource() {}

  /** Rows of a resource, split on tabs (empty fields kept), skipping blank and '#' lines. */
  static List<String[]> rows(String name) {
    String path = "/shard/" + name;
    try (InputStream in = TsvResource.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("Test resource " + path + " is missing");
      }
      BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      List<String[]> rows = new ArrayList<>();
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        if (!line.isEmpty() && !line.startsWith("#")) {
          rows.add(line.split("\t", -1));
        }
      }
      return rows;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
