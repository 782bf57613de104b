package dev.junction.reshard;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** Primary-key values as one line of text (percent-encoded, comma-separated; NULL never occurs in a key). */
final class PkText {
  private PkText() {}

  static String encode(String[] values) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < values.length; i++) {
      out.append(i == 0 ? "" : ",").append(URLEncoder.encode(values[i], StandardCharsets.UTF_8));
    }
    return out.toString();
  }

  static String[] decode(String text) {
    String[] parts = text.split(",", -1);
    for (int i = 0; i < parts.length; i++) {
      parts[i] = URLDecoder.decode(parts[i], StandardCharsets.UTF_8);
    }
    return parts;
  }
}
