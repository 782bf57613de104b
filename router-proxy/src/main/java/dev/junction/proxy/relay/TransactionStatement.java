package dev.junction.proxy.relay;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A transaction-control statement recognised exactly as PostgreSQL's grammar accepts it, or not at
 * all. The sharded relay answers a lone {@code BEGIN} itself (and {@code COMMIT}/{@code ROLLBACK} of a
 * transaction that touched no shard yet); it may do so only for a statement the server would accept,
 * else the client is told its transaction began while PostgreSQL would have refused it, and its later
 * {@code ROLLBACK} cannot undo what it wrote meanwhile. Anything this class does not recognise (an
 * invalid mode, a comment, several statements) goes to a server, which answers for itself.
 *
 * <p>The grammar (PostgreSQL's {@code TransactionStmt}): {@code BEGIN [WORK | TRANSACTION] [mode [[,]
 * mode] ...]}, {@code START TRANSACTION [mode ...]}, mode = {@code ISOLATION LEVEL {SERIALIZABLE |
 * REPEATABLE READ | READ COMMITTED | READ UNCOMMITTED} | READ WRITE | READ ONLY | [NOT] DEFERRABLE}
 * (the last of each kind counts, as in the server); {@code COMMIT | END | ROLLBACK | ABORT [WORK |
 * TRANSACTION] [AND [NO] CHAIN]}; one optional trailing semicolon.
 */
record TransactionStatement(Kind kind, boolean readOnly, boolean serializable, boolean chain) {
  enum Kind { BEGIN, COMMIT, ROLLBACK }

  /** The statement, or null if it is not exactly one of the forms above. */
  static TransactionStatement parse(String sql) {
    List<String> w = words(sql);
    if (w == null || w.isEmpty()) {
      return null;
    }
    int i = 1;
    switch (w.get(0)) {
      case "begin" -> {
        if (i < w.size() && (w.get(i).equals("work") || w.get(i).equals("transaction"))) {
          i++;
        }
        return modes(w, i);
      }
      case "start" -> {
        return w.size() > 1 && w.get(1).equals("transaction") ? modes(w, 2) : null;
      }
      case "commit", "end", "rollback", "abort" -> {
        Kind kind = w.get(0).equals("commit") || w.get(0).equals("end") ? Kind.COMMIT : Kind.ROLLBACK;
        if (i < w.size() && (w.get(i).equals("work") || w.get(i).equals("transaction"))) {
          i++;
        }
        boolean chain = false;
        if (i < w.size() && w.get(i).equals("and")) {
          if (i + 1 < w.size() && w.get(i + 1).equals("chain")) {
            chain = true;
            i += 2;
          } else if (i + 2 < w.size() && w.get(i + 1).equals("no") && w.get(i + 2).equals("chain")) {
            i += 3;
          } else {
            return null;
          }
        }
        return i == w.size() ? new TransactionStatement(kind, false, false, chain) : null;
      }
      default -> {
        return null;
      }
    }
  }

  private static TransactionStatement modes(List<String> w, int i) {
    boolean readOnly = false;
    boolean serializable = false;
    boolean first = true;
    while (i < w.size()) {
      if (!first && w.get(i).equals(",")) {
        i++;
        if (i == w.size()) {
          return null;
        }
      }
      first = false;
      String a = w.get(i);
      String b = i + 1 < w.size() ? w.get(i + 1) : "";
      if (a.equals("isolation") && b.equals("level")) {
        String c = i + 2 < w.size() ? w.get(i + 2) : "";
        String d = i + 3 < w.size() ? w.get(i + 3) : "";
        if (c.equals("serializable")) {
          serializable = true;
          i += 3;
        } else if (c.equals("repeatable") && d.equals("read")
            || c.equals("read") && (d.equals("committed") || d.equals("uncommitted"))) {
          serializable = false;
          i += 4;
        } else {
          return null;
        }
      } else if (a.equals("read") && (b.equals("only") || b.equals("write"))) {
        readOnly = b.equals("only");
        i += 2;
      } else if (a.equals("deferrable")) {
        i++;
      } else if (a.equals("not") && b.equals("deferrable")) {
        i += 2;
      } else {
        return null;
      }
    }
    return new TransactionStatement(Kind.BEGIN, readOnly, serializable, false);
  }

  /** Lower-case words and commas; null when the text holds anything else (quotes, comments, a second statement). */
  private static List<String> words(String sql) {
    String s = sql.strip();
    if (s.endsWith(";")) {
      s = s.substring(0, s.length() - 1).strip();
    }
    List<String> out = new ArrayList<>();
    int i = 0;
    int n = s.length();
    while (i < n) {
      char c = s.charAt(i);
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
        i++;
      } else if (c == ',') {
        out.add(",");
        i++;
      } else if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
        int start = i;
        while (i < n && (s.charAt(i) >= 'a' && s.charAt(i) <= 'z' || s.charAt(i) >= 'A' && s.charAt(i) <= 'Z')) {
          i++;
        }
        out.add(s.substring(start, i).toLowerCase(Locale.ROOT));
      } else {
        return null;
      }
    }
    return out;
  }
}
