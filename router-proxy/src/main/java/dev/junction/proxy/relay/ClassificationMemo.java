package dev.junction.proxy.relay;

import dev.junction.classify.Classification;
import dev.junction.classify.PrimaryReason;
import java.util.function.Function;

/**
 * A small memo in front of the classifier, one per event loop (so no locks), for the statement texts
 * the relay sees again and again: the same text (an extended-protocol client's Parse, BEGIN, COMMIT),
 * or the same statement with other numbers in it (a simple-protocol client inlining its values:
 * {@code ... WHERE aid = 17}, then {@code ... WHERE aid = 42}).
 *
 * <p>WHY: every unit of a client is classified, and the classifier's own caches cost more per call than
 * the relay's whole Java path per message: a text with literals is a lexer pass, a new shape string and
 * three Caffeine lookups, and every 16th read of a Caffeine cache hands a maintenance task to the common
 * fork-join pool (a thread wake-up). Here a hit is one pass over the text to hash it and one to compare.
 *
 * <p>Why a hit answers what the classifier would:
 * <ul>
 *   <li>The same text: the classifier's answer for a text is deterministic (its own caches return the
 *       one they stored), so the answer it gave before is an answer it gives.</li>
 *   <li>Other numbers: the classifier answers a single data statement with literals by its shape (the
 *       text with every literal replaced by {@code ?}, {@code StatementShape}), so two texts with one
 *       shape get one answer. A remembered text counts for others only when it is plain enough to prove,
 *       without the lexer, that they have its shape: it starts with a data keyword (SELECT, WITH, INSERT,
 *       UPDATE, DELETE, VALUES, TABLE, MERGE), is ASCII, has no comment, quoted identifier, dollar quote,
 *       backslash or second statement, and its strings are plain ones ({@code '...'}, not {@code E''},
 *       {@code B''}, {@code X''} or {@code U&''}) that all end. Another text then matches it when the two
 *       differ only inside runs of digits, and each run that differs starts a literal in both: the
 *       character before it cannot continue a name or a parameter (not a letter, digit, {@code _},
 *       {@code $}, {@code .}, {@code "}). Outside the runs the texts are equal, so the lexer is in the same
 *       state at each run, which is then inside a string literal or starts a number: a literal either
 *       way, {@code ?} in both shapes. {@code t1} against {@code t2}, {@code $1} against {@code $2}, or
 *       digits in a comment never match.</li>
 *   <li>Answers for unparseable SQL are not kept: the classifier counts each such call.</li>
 * </ul>
 * The classifier's cache statistics no longer count the calls answered here.
 *
 * <p>Each answer also carries {@link RelaySession#sessionBound}, a scan of the text that ran on every
 * statement: texts that differ only inside runs of digits contain the same words, so it is one answer.
 * The last text asked is kept by identity too: an unnamed Parse and its Bind ask with one string.
 */
final class ClassificationMemo {
  static final int SLOTS = 256;
  /** Longer texts go to the classifier each time (and keep no memory here). */
  static final int MAX_LENGTH = 1024;
  private static final String[] DATA_KEYWORDS = {"select", "with", "insert", "update", "delete", "values", "table", "merge"};

  private final Function<String, Classification> classifier;
  private final String[] texts = new String[SLOTS];
  private final Classified[] answers = new Classified[SLOTS];
  /** Whether the text in the slot also answers texts that differ from it in numbers only. */
  private final boolean[] shaped = new boolean[SLOTS];

  /** The last text asked and its answer, compared by identity. */
  private String lastText;
  private Classified lastAnswer;

  /** The classifier's answer for a statement text, and whether the statement binds the client to its backend. */
  record Classified(Classification classification, boolean sessionBound) {}

  ClassificationMemo(Function<String, Classification> classifier) {
    this.classifier = classifier;
  }

  Classification classify(String sql) {
    return lookup(sql).classification();
  }

  Classified lookup(String sql) {
    if (sql == lastText) {
      return lastAnswer;
    }
    if (sql.length() > MAX_LENGTH) {
      return new Classified(classifier.apply(sql), RelaySession.sessionBound(sql));
    }
    int slot = slot(sql);
    String known = texts[slot];
    Classified answer;
    if (known != null && (known.equals(sql) || shaped[slot] && sameShape(known, sql))) {
      answer = answers[slot];
    } else {
      Classification c = classifier.apply(sql);
      answer = new Classified(c, RelaySession.sessionBound(sql));
      if (c.primaryReason() == PrimaryReason.UNPARSEABLE) {
        return answer;
      }
      texts[slot] = sql;
      answers[slot] = answer;
      shaped[slot] = plain(sql);
    }
    lastText = sql;
    lastAnswer = answer;
    return answer;
  }

  /** A hash in which every run of digits counts as one '0': texts that differ only in numbers share a slot. */
  static int slot(String sql) {
    int h = 0;
    boolean inRun = false;
    for (int i = 0, n = sql.length(); i < n; i++) {
      char c = sql.charAt(i);
      if (c >= '0' && c <= '9') {
        if (!inRun) {
          h = 31 * h + '0';
          inRun = true;
        }
      } else {
        h = 31 * h + c;
        inRun = false;
      }
    }
    h ^= h >>> 16;
    return h & (SLOTS - 1);
  }

  /**
   * Whether {@code sql} differs from {@code known} (a {@link #plain} text) only inside runs of digits,
   * each differing run starting a literal (see the class notes).
   */
  static boolean sameShape(String known, String sql) {
    int i = 0;
    int j = 0;
    int n = known.length();
    int m = sql.length();
    while (i < n && j < m) {
      char a = known.charAt(i);
      char b = sql.charAt(j);
      boolean da = a >= '0' && a <= '9';
      boolean db = b >= '0' && b <= '9';
      if (da != db) {
        return false;
      }
      if (!da) {
        if (a != b) {
          return false;
        }
        i++;
        j++;
        continue;
      }
      int runA = i;
      int runB = j;
      while (i < n && isDigit(known.charAt(i))) {
        i++;
      }
      while (j < m && isDigit(sql.charAt(j))) {
        j++;
      }
      if (i - runA != j - runB || !known.regionMatches(runA, sql, runB, i - runA)) {
        if (runA == 0 || !startsLiteral(known.charAt(runA - 1))) {
          return false;
        }
      }
    }
    return i == n && j == m;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  /** Whether a run of digits after {@code before} starts a number or lies in a string: it cannot continue a name. */
  private static boolean startsLiteral(char before) {
    return switch (before) {
      case ' ', '\t', '\n', '\r', '\f', '(', ',', '=', '<', '>', '+', '-', '*', '/', '%', '[', '\'' -> true;
      default -> false;
    };
  }

  /** Whether {@code sql} is plain enough to answer texts that differ from it in numbers (see the class notes). */
  static boolean plain(String sql) {
    int n = sql.length();
    int start = 0;
    while (start < n && isSpace(sql.charAt(start))) {
      start++;
    }
    if (!startsWithDataKeyword(sql, start)) {
      return false;
    }
    boolean inString = false;
    for (int i = start; i < n; i++) {
      char c = sql.charAt(i);
      if (c >= 0x80) {
        return false;
      }
      switch (c) {
        case '"', '$', '\\', '`', '#', '{', '}' -> {
          return false;
        }
        case '\'' -> {
          if (!inString && !startsLiteral(sql.charAt(i - 1))) {
            return false; // a prefixed string (E'', B'', X'', U&''), or a quote after a name
          }
          inString = !inString;
        }
        case '-' -> {
          if (i + 1 < n && sql.charAt(i + 1) == '-') {
            return false;
          }
        }
        case '/' -> {
          if (i + 1 < n && sql.charAt(i + 1) == '*') {
            return false;
          }
        }
        case ';' -> {
          if (inString) {
            continue;
          }
          for (int k = i + 1; k < n; k++) {
            if (!isSpace(sql.charAt(k))) {
              return false; // a second statement (or a second semicolon)
            }
          }
        }
        default -> { }
      }
    }
    return !inString;
  }

  private static boolean startsWithDataKeyword(String sql, int start) {
    for (String k : DATA_KEYWORDS) {
      int end = start + k.length();
      if (end < sql.length() && sql.regionMatches(true, start, k, 0, k.length())) {
        char next = sql.charAt(end);
        if (isSpace(next) || next == '(') {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0B;
  }
}
