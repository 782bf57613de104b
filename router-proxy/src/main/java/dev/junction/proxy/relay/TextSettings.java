package dev.junction.proxy.relay;

import java.util.Locale;

/**
 * The two session settings that change how PostgreSQL reads a statement's text, which the proxy reads
 * too: {@code client_encoding} (the proxy decodes text as UTF-8) and {@code standard_conforming_strings}
 * (the classifier and the shard-key reader treat a backslash in {@code '...'} as an ordinary character,
 * PostgreSQL's default since 9.1).
 *
 * <p>WHY refuse rather than follow: with {@code standard_conforming_strings = off} the server ends
 * {@code '\', '} where the proxy ends {@code '\'}, so {@code SELECT '\', '; DELETE FROM t; --'} is a read of two
 * literals to the proxy and a SELECT plus a DELETE to the server (sent to a replica: 25006 where PostgreSQL
 * deletes; on a shard, a key read from the wrong literal); with {@code client_encoding = LATIN1} the bytes of a
 * text shard key hash as one string in the proxy and are stored as another. Both are checked where the server
 * reports them (ParameterStatus, at login and after any SET, {@code set_config} or role default), so no way of
 * changing them slips past.
 */
final class TextSettings {
  private TextSettings() {}

  /** Why the proxy cannot serve a session where {@code name} is {@code value}, or null when it can. */
  static String conflict(String name, String value) {
    if (name.equalsIgnoreCase("standard_conforming_strings")) {
      return isOn(value) ? null
          : "Junction: standard_conforming_strings = " + value + " is not supported: the proxy reads string literals as"
              + " PostgreSQL does with it on (the default since 9.1), and with it off would route statements it misreads;"
              + " leave it on and write backslash escapes as E'...'";
    }
    if (name.equalsIgnoreCase("client_encoding")) {
      String enc = value.toUpperCase(Locale.ROOT).replace("-", "").replace("_", "");
      return enc.equals("UTF8") || enc.equals("UNICODE") || enc.equals("SQLASCII") ? null
          : "Junction: client_encoding " + value + " is not supported by the proxy, which reads statement text as UTF-8;"
              + " use UTF8 (the client library converts)";
    }
    return null;
  }

  private static boolean isOn(String value) {
    String v = value.strip().toLowerCase(Locale.ROOT);
    if (v.length() > 1 && v.startsWith("'") && v.endsWith("'")) {
      v = v.substring(1, v.length() - 1);
    }
    return v.equals("on") || v.equals("true") || v.equals("yes") || v.equals("1") || v.equals("t") || v.equals("y");
  }
}
