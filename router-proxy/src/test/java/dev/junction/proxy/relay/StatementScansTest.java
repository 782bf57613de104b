package dev.junction.proxy.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The relay's per-statement text scans, rewritten for speed (proxy-perf4), against the forms they
 * replaced as oracles, on generated statements made of the words they look for, their near misses
 * and their case and spacing variants.
 */
class StatementScansTest {
  private static final List<String> PIECES = List.of("set_config", "SET_CONFIG", "Set_Config", "set_confi", "set config",
      "advisory_lock", "ADVISORY_LOCK", "advisory_xact_lock", "pg_advisory_xact_lock_shared", "pg_try_advisory_lock",
      "advisory_", "advisory_loc", "advisory_xact_loc", "with hold", "WITH HOLD", "with  hold", "withhold", "with hol",
      "SET", "set", "Show", "SHOW", "junction.fence", "junction.fence = 'x'", " TO ", "'", ";", " ", "\t", "\n", "\u000B",
      "\f", "\r", "\u00A0", "ſet_config", "S", "s", "a", "w", "select 1", "(", ")", "é", "\u017Fhow",
      "WITH\tHOLD", "with\n hold", "with\u00A0hold", "pg_temp", "PG_TEMP.t", "pg_tem", "into temp", "INTO  TEMPORARY",
      "into local temp", "into GLOBAL\ntemp", "into temp_t", "into tempo", "into unlogged", "DO", "do", "do $$", "DOT", "d",
      "o", "$", "_", "1", "-- c\n", "/* c */", "holdings", "pg_temp_3", "pg_temp.", "pg_temp .", "temp.t", "pinto temp ",
      "INSERT", "insert into temp ", "set_config('a', 'b', true)", "SET_CONFIG ( 'a' , $1 , TRUE )", "set_config('a', 'b', false)",
      "set_config(x, 'b', true)");

  private static final String WS = "[ \t\n\r\f\u000B]";
  private static final Pattern WITH_HOLD = Pattern.compile("with" + WS + "+hold(?![A-Za-z0-9_$\\u0080-\\uFFFF])", Pattern.CASE_INSENSITIVE);
  private static final Pattern INTO_TEMP = Pattern.compile("(?<![A-Za-z0-9_$\\u0080-\\uFFFF])into" + WS + "+((local|global)" + WS
      + "+)?temp(orary)?" + WS, Pattern.CASE_INSENSITIVE);
  private static final Pattern PG_TEMP = Pattern.compile("pg_temp" + WS + "*\\.", Pattern.CASE_INSENSITIVE);
  private static final Pattern SET_CONFIG = Pattern.compile("set_config", Pattern.CASE_INSENSITIVE);
  private static final Pattern LOCAL_SET_CONFIG = Pattern.compile("set_config" + WS + "*\\(" + WS + "*'([^']|'')*'" + WS + "*,"
      + WS + "*('([^']|'')*'|\\$[0-9]+|[A-Za-z0-9_.]+)(::[A-Za-z]+)?" + WS + "*," + WS + "*true" + WS + "*\\)", Pattern.CASE_INSENSITIVE);
  private static final Pattern INSERT_OR_MERGE = Pattern.compile("^" + WS + "*(insert|merge)(?![A-Za-z0-9_$\\u0080-\\uFFFF])",
      Pattern.CASE_INSENSITIVE);
  private static final Pattern DO = Pattern.compile("(?s)^([ \t\n\r\f\u000B]|/\\*.*?\\*/|--[^\n]*(\n|$))*[dD][oO]"
      + "(?![A-Za-z0-9_$\u0080-\uFFFF])");

  /**
   * The implementation before proxy-perf4 (three scans), plus the forms added since: a cursor WITH HOLD
   * after any whitespace, temporary tables made by SELECT INTO or in pg_temp, DO blocks.
   */
  private static boolean sessionBoundOracle(String sql) {
    return sessionSetConfig(sql) || (containsIgnoreCase(sql, "advisory_lock")
        && !containsIgnoreCase(sql, "advisory_xact_lock")) || WITH_HOLD.matcher(sql).find()
        || PG_TEMP.matcher(sql).find() || INTO_TEMP.matcher(sql).find() && !INSERT_OR_MERGE.matcher(sql).find()
        || DO.matcher(sql).find();
  }

  /** Some set_config call is not a transaction-local one (literal true as its third argument). */
  private static boolean sessionSetConfig(String sql) {
    java.util.regex.Matcher m = SET_CONFIG.matcher(sql);
    while (m.find()) {
      if (!LOCAL_SET_CONFIG.matcher(sql).region(m.start(), sql.length()).lookingAt()) {
        return true;
      }
    }
    return false;
  }

  private static boolean containsIgnoreCase(String text, String word) {
    int n = word.length();
    char first = word.charAt(0);
    for (int i = 0, last = text.length() - n; i <= last; i++) {
      if ((text.charAt(i) | 0x20) == first && text.regionMatches(true, i + 1, word, 1, n - 1)) {
        return true;
      }
    }
    return false;
  }

  @Test
  void sessionBoundAnswersAsTheThreeScansDid() {
    Random random = new Random(17);
    int bound = 0;
    for (int round = 0; round < 200_000; round++) {
      String sql = generate(random);
      boolean expected = sessionBoundOracle(sql);
      assertThat(RelaySession.sessionBound(sql)).as("%s", sql).isEqualTo(expected);
      bound += expected ? 1 : 0;
    }
    assertThat(bound).as("the generator reaches both answers").isBetween(1000, 199_000);
  }

  @Test
  void theFenceCommandPrecheckNeverHidesAFenceCommand() {
    Random random = new Random(4);
    int matched = 0;
    for (int round = 0; round < 200_000; round++) {
      String sql = generate(random);
      if (RelaySession.FENCE_COMMAND.matcher(sql).matches()) {
        matched++;
        assertThat(RelaySession.mayBeFenceCommand(sql)).as("%s", sql).isTrue();
      }
    }
    for (String sql : List.of("SET junction.fence = 'abc'", " \t\n\u000B\f\rshow junction.fence;", "set session junction.fence to ''")) {
      assertThat(RelaySession.FENCE_COMMAND.matcher(sql).matches()).as(sql).isTrue();
      assertThat(RelaySession.mayBeFenceCommand(sql)).as(sql).isTrue();
      matched++;
    }
    assertThat(matched).isPositive();
    assertThat(RelaySession.mayBeFenceCommand("SELECT abalance FROM pgbench_accounts WHERE aid = 1;")).isFalse();
    assertThat(RelaySession.mayBeFenceCommand("\u00A0SET junction.fence = 'x'")).isFalse(); // not \s for the regex either
    assertThat(RelaySession.FENCE_COMMAND.matcher("\u00A0SET junction.fence = 'x'").matches()).isFalse();
    assertThat(RelaySession.mayBeFenceCommand("")).isFalse();
  }

  @Test
  void settingsEqualByTheirStatementsInOrder() {
    Settings a = Settings.EMPTY.withParameter("application_name", "pgbench").withParameter("DateStyle", "ISO");
    Settings b = Settings.EMPTY.withParameter("application_name", "pgbench").withParameter("DateStyle", "ISO");
    assertThat(a).isNotSameAs(b).isEqualTo(b).hasSameHashCodeAs(b);
    assertThat(a).isNotEqualTo(Settings.EMPTY.withParameter("application_name", "psql").withParameter("DateStyle", "ISO"));
    assertThat(a).isNotEqualTo(Settings.EMPTY.withParameter("application_name", "pgbench"));
  }

  private static String generate(Random random) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0, n = random.nextInt(6); i < n; i++) {
      sb.append(PIECES.get(random.nextInt(PIECES.size())));
    }
    return sb.toString();
  }
}
