package dev.junction.proxy.relay;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A client's session settings (its startup parameters and the plain {@code SET}s it ran outside a
 * transaction), as the SQL that recreates them on any backend. Immutable and compared by value:
 * a backend connection remembers the settings it carries, and is brought to the client's with
 * {@code RESET ALL} and these statements only when they differ, so clients with the same settings
 * (the usual case) share backends with no extra round trip.
 *
 * <p>Startup parameters are also what PostgreSQL's resets return to: {@code RESET x},
 * {@code SET x TO DEFAULT}, {@code RESET ALL} and {@code DISCARD ALL} give a setting the value the
 * client's startup packet gave it, not the server's default. A backend only ever got them as SETs,
 * so on the backend the same resets reach the server's default: the caller re-applies the startup
 * values after a unit that reset anything ({@link #isReset}, {@link #startupSql}). {@code role} and
 * {@code session_authorization} are never plain settings: {@code RESET ALL} leaves them, so a
 * backend lent on would carry them to the next client.
 */
final class Settings {
  static final Settings EMPTY = new Settings(Map.of(), Map.of());
  /** What a backend carries after a client's reset: equal to no client's settings, so they are applied again. */
  static final Settings UNKNOWN = new Settings(Map.of("", "-- unknown after a reset"), Map.of());

  /** SET [SESSION] name {TO|=} ... ; SET [SESSION] TIME ZONE ...; SET NAMES/SCHEMA/XML OPTION. */
  private static final Pattern SET = Pattern.compile(
      "(?is)\\s*SET\\s+(?:SESSION\\s+)?(?!LOCAL\\b|TRANSACTION\\b|ROLE\\b|SESSION\\b|CONSTRAINTS\\b|AUTHORIZATION\\b|CHARACTERISTICS\\b)"
          + "(TIME\\s+ZONE|NAMES|SCHEMA|XML\\s+OPTION|\"?[A-Za-z_][A-Za-z0-9_.$]*\"?)(\\s*(?:=|\\bTO\\b)\\s*(DEFAULT\\s*;?\\s*(?:--[^\\n]*)?$)?)?.*");
  private static final Pattern RESET =
      Pattern.compile("(?is)\\s*RESET\\s+(TIME\\s+ZONE|\"?[A-Za-z_][A-Za-z0-9_.$]*\"?)\\s*;?\\s*(?:--[^\\n]*)?");
  /** SET TIME ZONE DEFAULT / LOCAL and SET NAMES DEFAULT: resets without TO or =. */
  private static final Pattern RESET_SPELLED_AS_SET =
      Pattern.compile("(?is)\\s*SET\\s+(?:SESSION\\s+)?(TIME\\s+ZONE\\s+(?:DEFAULT|LOCAL)|NAMES\\s+DEFAULT)\\s*;?\\s*(?:--[^\\n]*)?");
  /** All startup parameters (RESET ALL, DISCARD ALL), as {@link #resetKeys} answers it. */
  static final java.util.Set<String> ALL = java.util.Set.of("*");
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.]*");
  private static final Pattern DISCARD_ALL = Pattern.compile("(?is)\\s*DISCARD\\s+ALL\\s*;?\\s*(?:--[^\\n]*)?");

  /** A startup parameter no pooled backend can carry safely: the login is refused (0A000). */
  static final class NotPoolable extends IllegalArgumentException {
    NotPoolable(String message) {
      super(message);
    }
  }

  private final Map<String, String> statements;
  /** The startup parameters' statements by name: the values resets return to. */
  private final Map<String, String> startup;
  private final String sql;
  private final int hash;

  private Settings(Map<String, String> statements, Map<String, String> startup) {
    this.statements = Collections.unmodifiableMap(new LinkedHashMap<>(statements));
    this.startup = startup.isEmpty() ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(startup));
    StringBuilder sb = new StringBuilder("RESET ALL");
    for (String s : this.statements.values()) {
      sb.append(";\n").append(s);
    }
    this.sql = sb.toString();
    this.hash = this.statements.hashCode();
  }

  boolean isEmpty() {
    return statements.isEmpty();
  }

  /** The query that brings a backend from any settings to these. */
  String applySql() {
    return sql;
  }

  /**
   * These settings plus {@code name = value} (a startup parameter). Set with {@code set_config}, which
   * reads the value as the server reads a startup parameter: a list setting such as
   * {@code search_path=a,b} stays a list ({@code SET search_path TO 'a,b'} would name one schema "a,b").
   */
  Settings withParameter(String name, String value) {
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("invalid parameter name \"" + name + "\"");
    }
    String key = name.toLowerCase(java.util.Locale.ROOT);
    if (key.equals("role") || key.equals("session_authorization")) {
      throw new NotPoolable(key + " cannot be a startup parameter through this proxy: RESET ALL, with which"
          + " a backend is handed to the next client, does not undo it. Connect without it and run SET ROLE after"
          + " connecting (that pins the session to one backend)");
    }
    String statement = "SELECT pg_catalog.set_config('" + key + "', '" + value.replace("'", "''") + "', false)";
    Map<String, String> copy = new LinkedHashMap<>(statements);
    copy.remove(key);
    copy.put(key, statement);
    Map<String, String> start = new LinkedHashMap<>(startup);
    start.remove(key);
    start.put(key, statement);
    return new Settings(copy, start);
  }

  /**
   * True when {@code statement} sets anything back to its reset value (RESET, SET ... TO DEFAULT,
   * DISCARD ALL): on a backend that is the server's default, not the client's startup value.
   */
  static boolean isReset(String statement) {
    return resetKeys(statement) != null;
  }

  /**
   * The settings {@code statement} sets back to their reset values: {@link #ALL} for RESET ALL and DISCARD ALL,
   * one lower-case name for RESET x or SET x TO DEFAULT; null when it is no reset.
   */
  static java.util.Set<String> resetKeys(String statement) {
    String trimmed = statement.strip();
    if (DISCARD_ALL.matcher(trimmed).matches()) {
      return ALL;
    }
    Matcher reset = RESET.matcher(trimmed);
    if (reset.matches()) {
      String name = canonical(key(reset.group(1).replaceAll("\\s+", " ")));
      return name.equals("all") ? ALL : java.util.Set.of(name);
    }
    Matcher spelled = RESET_SPELLED_AS_SET.matcher(trimmed);
    if (spelled.matches()) {
      return java.util.Set.of(spelled.group(1).regionMatches(true, 0, "NAMES", 0, 5) ? "client_encoding" : "timezone");
    }
    Matcher set = SET.matcher(trimmed);
    return set.matches() && set.group(3) != null ? java.util.Set.of(canonical(key(set.group(1).replaceAll("\\s+", " ")))) : null;
  }

  /** The startup parameters among {@code keys} ({@link #ALL}: all of them). */
  java.util.Set<String> startupKeysAmong(java.util.Set<String> keys) {
    if (keys == ALL) {
      return startup.isEmpty() ? java.util.Set.of() : ALL;
    }
    java.util.Set<String> out = new java.util.HashSet<>(keys);
    out.retainAll(startup.keySet());
    return out;
  }

  static java.util.Set<String> union(java.util.Set<String> a, java.util.Set<String> b) {
    if (a == ALL || b == ALL) {
      return ALL;
    }
    java.util.Set<String> out = new java.util.HashSet<>(a);
    out.addAll(b);
    return out;
  }

  private static String canonical(String name) {
    return switch (name) {
      case "time zone" -> "timezone";
      case "names" -> "client_encoding";
      case "schema" -> "search_path";
      case "xml option" -> "xmloption";
      default -> name;
    };
  }

  /**
   * The startup values of the startup parameters among {@code keys} ({@link #ALL}: all), as SQL: what the
   * server's reset of them would have given, so a backend on which the client reset them comes back to
   * the client's settings without touching anything else set there (a pinned session's untracked state
   * survives). Null when none of them has a startup value.
   */
  String startupSql(java.util.Set<String> keys) {
    if (startup.isEmpty() || keys == null) {
      return null;
    }
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, String> e : startup.entrySet()) {
      if (keys == ALL || keys.contains(e.getKey())) {
        sb.append(sb.length() == 0 ? "" : ";\n").append(e.getValue());
      }
    }
    return sb.length() == 0 ? null : sb.toString();
  }

  /**
   * The effect of one session statement on the settings, or null when the statement is not a
   * plain setting the proxy can replay (SET ROLE, SET SESSION AUTHORIZATION, SET LOCAL...): the
   * caller then pins the client to its backend.
   */
  Settings after(String statement) {
    String trimmed = statement.strip();
    if (DISCARD_ALL.matcher(trimmed).matches()) {
      return new Settings(startup, startup);
    }
    Matcher spelled = RESET_SPELLED_AS_SET.matcher(trimmed);
    if (spelled.matches()) {
      return reset(resetKeys(trimmed).iterator().next());
    }
    Matcher reset = RESET.matcher(trimmed);
    if (reset.matches()) {
      String name = canonical(key(reset.group(1).replaceAll("\\s+", " ")));
      if (name.equals("all")) {
        return new Settings(startup, startup);
      }
      if (name.equals("role") || name.equals("session") || name.equals("session_authorization")) {
        return null;
      }
      return reset(name);
    }
    Matcher set = SET.matcher(trimmed);
    if (!set.matches()) {
      return null;
    }
    String name = canonical(key(set.group(1).replaceAll("\\s+", " ")));
    if (name.equals("role") || name.equals("session_authorization")) {
      return null; // SET "role" / SET session_authorization: what SET ROLE does, under another spelling
    }
    if (set.group(3) != null) {
      return reset(name);
    }
    Map<String, String> copy = new LinkedHashMap<>(statements);
    copy.remove(name);
    String body = trimmed.endsWith(";") ? trimmed.substring(0, trimmed.length() - 1) : trimmed;
    copy.put(name, body.contains("--") ? body + "\n" : body); // a trailing comment must not swallow the next statement
    return new Settings(copy, startup);
  }

  /** {@code name} back to its startup value, or to the server's default when the client gave none. */
  private Settings reset(String name) {
    Map<String, String> copy = new LinkedHashMap<>(statements);
    copy.remove(name);
    String start = startup.get(name);
    if (start != null) {
      copy.put(name, start);
    }
    return new Settings(copy, startup);
  }

  private static String key(String name) {
    String n = name.startsWith("\"") && name.endsWith("\"") && name.length() > 1 ? name.substring(1, name.length() - 1) : name;
    return n.toLowerCase(java.util.Locale.ROOT);
  }

  /**
   * Same statements in the same order. WHY the text and not the map: every borrow compares the
   * backend's settings with the client's, and clients with equal settings hold equal but distinct
   * instances; one intrinsic string compare costs less than walking two maps. Equal maps built in
   * another order compare unequal, which costs a {@code RESET ALL} round, never a wrong setting.
   */
  @Override
  public boolean equals(Object o) {
    return o == this || (o instanceof Settings s && hash == s.hash && sql.equals(s.sql));
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    return statements.keySet().toString();
  }
}
