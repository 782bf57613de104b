package dev.junction.admin;

import java.util.Collection;
import java.util.Map;

/**
 * A minimal JSON writer for the status snapshot: strings, numbers, booleans, null, lists, maps and
 * records of those. The admin page is meant to add no dependency to the applications that serve
 * it, so no JSON library; the snapshot is small and written once per request.
 */
final class Json {
  private Json() {}

  static String write(Object value) {
    StringBuilder out = new StringBuilder(1024);
    write(value, out);
    return out.toString();
  }

  private static void write(Object value, StringBuilder out) {
    if (value == null) {
      out.append("null");
    } else if (value instanceof String s) {
      string(s, out);
    } else if (value instanceof Boolean || value instanceof Integer || value instanceof Long) {
      out.append(value);
    } else if (value instanceof Double d) {
      out.append(Double.isFinite(d) ? Double.toString(d) : "null");
    } else if (value instanceof Enum<?> e) {
      string(e.name().toLowerCase(java.util.Locale.ROOT), out);
    } else if (value instanceof Map<?, ?> map) {
      out.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (!first) {
          out.append(',');
        }
        first = false;
        string(String.valueOf(e.getKey()), out);
        out.append(':');
        write(e.getValue(), out);
      }
      out.append('}');
    } else if (value instanceof Collection<?> list) {
      out.append('[');
      boolean first = true;
      for (Object item : list) {
        if (!first) {
          out.append(',');
        }
        first = false;
        write(item, out);
      }
      out.append(']');
    } else if (value instanceof long[] longs) {
      out.append('[');
      for (int i = 0; i < longs.length; i++) {
        out.append(i == 0 ? "" : ",").append(longs[i]);
      }
      out.append(']');
    } else if (value instanceof Record record) {
      out.append('{');
      var components = record.getClass().getRecordComponents();
      for (int i = 0; i < components.length; i++) {
        if (i > 0) {
          out.append(',');
        }
        string(components[i].getName(), out);
        out.append(':');
        try {
          write(components[i].getAccessor().invoke(record), out);
        } catch (ReflectiveOperationException e) {
          throw new IllegalStateException("cannot read " + components[i].getName(), e);
        }
      }
      out.append('}');
    } else {
      throw new IllegalArgumentException("not serialisable to JSON: " + value.getClass().getName());
    }
  }

  static void string(String s, StringBuilder out) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        // '<' escaped so that a value can never close a <script> element if the JSON is ever inlined
        case '<' -> out.append("\\u003c");
        default -> {
          if (c < 0x20 || c == 0x2028 || c == 0x2029) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
