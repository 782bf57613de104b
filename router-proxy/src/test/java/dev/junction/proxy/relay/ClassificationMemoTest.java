package dev.junction.proxy.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.classify.Classification;
import dev.junction.classify.ClassifierSettings;
import dev.junction.classify.Dialect;
import dev.junction.classify.PrimaryReason;
import dev.junction.classify.StatementClassifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The relay's per-loop classification memo against the classifier itself: whatever the memo answers
 * for a text must be what an independent classifier, fed the same texts without a memo (the relay
 * before it), answers for it.
 * Functions {@code f2} and {@code g13} are side-effect functions here, so a memo that took
 * {@code f1(...)} and {@code f2(...)} for one shape would send a write to a replica.
 */
class ClassificationMemoTest {
  private static final Set<String> SIDE_EFFECTS = Set.of("f2", "g13", "nextval");

  private static StatementClassifier classifier() {
    return new StatementClassifier(Dialect.POSTGRESQL, new ClassifierSettings(10_000, 64, 16 * 1024, SIDE_EFFECTS,
        Duration.ofSeconds(5)));
  }

  /**
   * Feeds {@code texts} in order through one memo; each answer is checked against the oracle's, and the
   * memo's {@code sessionBound} against the scan of the text itself. Every other text is asked twice,
   * the second time with the same string object (the memo's identity shortcut).
   */
  private static void assertSameAsClassifier(List<String> texts) {
    StatementClassifier behind = classifier();
    ClassificationMemo memo = new ClassificationMemo(behind::classify);
    StatementClassifier oracle = classifier();
    int i = 0;
    for (String sql : texts) {
      Classification expected = oracle.classify(sql);
      for (int ask = 0; ask < (i++ % 2 == 0 ? 1 : 2); ask++) {
        ClassificationMemo.Classified answer = memo.lookup(sql);
        assertThat(answer.classification()).as(sql).isEqualTo(expected);
        assertThat(answer.sessionBound()).as("sessionBound of %s", sql).isEqualTo(RelaySession.sessionBound(sql));
      }
    }
  }

  @Test
  void digitsInNamesAreNotLiterals() {
    assertSameAsClassifier(List.of(
        "SELECT f1(5) FROM t", "SELECT f2(5) FROM t",
        "SELECT a FROM t1 WHERE id = 7", "SELECT a FROM t2 WHERE id = 7",
        "SELECT g1(3)", "SELECT g13(3)",
        "SELECT a FROM s1.t WHERE id = 1", "SELECT a FROM s2.t WHERE id = 1"));
  }

  @Test
  void numbersAndStringsAreLiterals() {
    StatementClassifier behind = classifier();
    AtomicInteger calls = new AtomicInteger();
    ClassificationMemo memo = new ClassificationMemo(sql -> {
      calls.incrementAndGet();
      return behind.classify(sql);
    });
    Classification first = memo.classify("SELECT abalance FROM pgbench_accounts WHERE aid = 17;");
    Classification again = memo.classify("SELECT abalance FROM pgbench_accounts WHERE aid = 123456;");
    memo.classify("UPDATE pgbench_accounts SET abalance = abalance + -4321 WHERE aid = 5;");
    memo.classify("UPDATE pgbench_accounts SET abalance = abalance + -12 WHERE aid = 99;");
    memo.classify("SELECT a FROM t WHERE d = '2024-01-02' AND n IN (1, 22, 333)");
    memo.classify("SELECT a FROM t WHERE d = '2025-11-30' AND n IN (4, 5, 6)");

    assertThat(again).isSameAs(first);
    assertThat(calls).hasValue(3);
  }

  @Test
  void onlyPlainSingleDataStatementsAnswerForOthers() {
    assertThat(ClassificationMemo.plain("SELECT abalance FROM pgbench_accounts WHERE aid = 1;")).isTrue();
    assertThat(ClassificationMemo.plain("  insert into t values (1, 'x')")).isTrue();
    assertThat(ClassificationMemo.plain("SELECT 1 -- 2")).isFalse();
    assertThat(ClassificationMemo.plain("SELECT 1 /* 2 */")).isFalse();
    assertThat(ClassificationMemo.plain("SELECT \"c1\" FROM t")).isFalse();
    assertThat(ClassificationMemo.plain("SELECT $1")).isFalse();
    assertThat(ClassificationMemo.plain("SELECT E'1'")).isFalse();
    assertThat(ClassificationMemo.plain("SELECT B'1'")).isFalse();
    assertThat(ClassificationMemo.plain("SELECT 'unclosed 1")).isFalse();
    assertThat(ClassificationMemo.plain("SELECT 1; DELETE FROM t WHERE id = 1")).isFalse();
    assertThat(ClassificationMemo.plain("SET statement_timeout = 1000")).isFalse();
    assertThat(ClassificationMemo.plain("EXPLAIN SELECT 1")).isFalse();
    assertThat(ClassificationMemo.plain("SELECT 'é1'")).isFalse();
    assertThat(ClassificationMemo.plain("SELECT ';' FROM t")).isTrue();
  }

  @Test
  void textsThatDifferOutsideNumbersDoNotMatch() {
    assertThat(ClassificationMemo.sameShape("SELECT a FROM t WHERE id = 1", "SELECT a FROM t WHERE id = 22")).isTrue();
    assertThat(ClassificationMemo.sameShape("SELECT a FROM t WHERE id = 1", "SELECT a FROM t WHERE id = 1 FOR UPDATE")).isFalse();
    assertThat(ClassificationMemo.sameShape("SELECT a FROM t1", "SELECT a FROM t2")).isFalse();
    assertThat(ClassificationMemo.sameShape("SELECT a FROM t1 WHERE x = 1", "SELECT a FROM t1 WHERE x = 2")).isTrue();
    assertThat(ClassificationMemo.sameShape("SELECT 1.5", "SELECT 1.7")).isFalse();
    assertThat(ClassificationMemo.sameShape("SELECT 1", "SELECT 1a")).isFalse();
    assertThat(ClassificationMemo.sameShape("SELECT 1", "SELECT x")).isFalse();
  }

  /** The classifier counts every call answered "unparseable" (a metric): those answers are not kept here. */
  @Test
  void unparseableAnswersAreNotKept() {
    // a parse budget of 1 ns: every parsed statement runs over it and is answered UNPARSEABLE
    StatementClassifier behind = new StatementClassifier(Dialect.POSTGRESQL,
        ClassifierSettings.defaults().withParseBudget(Duration.ofNanos(1)));
    ClassificationMemo memo = new ClassificationMemo(behind::classify);
    String sql = "SELECT a FROM t WHERE id = 1";
    assertThat(memo.classify(sql).primaryReason()).isEqualTo(PrimaryReason.UNPARSEABLE);
    memo.classify(sql);
    memo.classify("SELECT a FROM t WHERE id = 2");
    assertThat(behind.unparseableCount()).isEqualTo(3);
  }

  /**
   * Random statements from a small grammar that puts digits everywhere they can be: in literals, in
   * strings, in table, schema and function names (some of them side-effect functions), in comments,
   * casts and parameters, across many repetitions so the memo's slots are hit and replaced.
   */
  @Test
  void randomStatementsGetTheClassifiersAnswer() {
    Random random = new Random(17);
    List<String> texts = new ArrayList<>();
    String[] templates = {
        "SELECT a FROM t%d WHERE id = %d",
        "SELECT f%d(%d) FROM t",
        "SELECT g%d(%d)",
        "SELECT a FROM t WHERE id = %d AND b = '%d'",
        "select a from s%d.t where id=%d;",
        "SELECT a FROM t WHERE id = %d -- %d",
        "SELECT a /* %d */ FROM t WHERE id = %d",
        "SELECT \"f%d\"(%d)",
        "SELECT a::int%d FROM t WHERE id = %d",
        "SELECT nextval('s%d'), %d",
        "UPDATE t SET a = a + %d WHERE id = %d",
        "INSERT INTO t%d VALUES (%d, now())",
        "WITH x AS (SELECT %d) SELECT f%d() FROM x",
        "SELECT a FROM t WHERE id = $%d OR id = %d",
        "SELECT E'%d', %d",
        "SELECT 1; SELECT f%d(%d)",
        "SELECT a FROM t WHERE id IN (%d, %d) FOR UPDATE",
        "DELETE FROM t WHERE id = %d OR id = %d",
        "SET statement_timeout = %d%d",
        // session-bound words next to numbers: a remembered text must not answer for one that binds the session
        "SELECT pg_advisory_lock(%d), %d",
        "SELECT pg_advisory_xact_lock(%d) FROM t WHERE id = %d",
        "SELECT set_config('a.b', '%d', false) FROM t WHERE id = %d",
        "SELECT a FROM t WHERE note = 'advisory_lock%d' AND id = %d",
        "SELECT a FROM t WHERE note = 'with hold %d' AND id = %d",
    };
    for (int i = 0; i < 20_000; i++) {
      String template = templates[random.nextInt(templates.length)];
      texts.add(String.format(template, pick(random), pick(random)));
    }
    assertSameAsClassifier(texts);
  }

  private static int pick(Random random) {
    return switch (random.nextInt(4)) {
      case 0 -> random.nextInt(3);
      case 1 -> 13;
      case 2 -> random.nextInt(100);
      default -> random.nextInt(1_000_000);
    };
  }
}
