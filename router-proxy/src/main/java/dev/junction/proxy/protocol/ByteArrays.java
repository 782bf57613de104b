package dev.junction.proxy.protocol;

import java.util.Arrays;
import java.util.List;

/** Value equality and log-safe rendering for the byte arrays carried by message records. */
final class ByteArrays {
  private ByteArrays() {
  }

  static boolean equal(List<byte[]> a, List<byte[]> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (!Arrays.equals(a.get(i), b.get(i))) {
        return false;
      }
    }
    return true;
  }

  static int hash(List<byte[]> values) {
    int h = 1;
    for (byte[] v : values) {
      h = 31 * h + Arrays.hashCode(v);
    }
    return h;
  }

  /** Sizes only: message values may be passwords or personal data and must not reach logs. */
  static String describe(List<byte[]> values) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < values.size(); i++) {
      if (i > 0) {
        sb.append(", ");
      }
      byte[] v = values.get(i);
      sb.append(v == null ? "NULL" : "<" + v.length + " bytes>");
    }
    return sb.append(']').toString();
  }
}
