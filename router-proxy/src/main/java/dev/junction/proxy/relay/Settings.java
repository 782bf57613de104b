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
 */
final class Settings {
  static final Settings EMPTY = new Settings(Map.of());

  /** SET [SESSION] name {TO|=} ... ; SET [SESSION] TIME ZONE ...; SET NAMES/SCHEMA/XML OPTION. */
  private static final Pattern SET = Pattern.compile(
      "(?is)\\s*SET\\s+(?:SESSION\\s+)?(?!LOCAL\\b|TRANSACTION\\b|ROLE\\b|SESSION\\b|CONSTRAINTS\\b|AUTHORIZATION\\b|CHARACTERISTICS\\b)"
          + "(TIME\\s+ZONE|NAMES|SCHEMA|XML\\s+OPTION|\"?[A-Za-z_][A-Za-z0-9_.$]*\"?)(\\s*(?:=|\\bTO\\b)\\s*(DEFAULT\\s*;?\\s*$)?)?.*");
  private static final Pattern RESET = Pattern.compile("(?is)\\s*RESET\\s+(\"?[A-Za-z_][A-Za-z0-9_.$]*\"?)\\s*;?\\s*");
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.]*");

  private final Map<String, String> statements;
  private final String sql;
  private final int hash;

  private Settings(Map<String, String> statements) {
    this.statements = Collections.unmodifiableMap(new LinkedHashMap<>(statements));
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

  /** These settings plus {@code name = value} (a startup parameter), quoted as a literal. */
  Settings withParameter(String name, String value) {
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("invalid parameter name \"" + name + "\"");
    }
    Map<String, String> copy = new LinkedHashMap<>(statements);
    copy.remove(name.toLowerCase(java.util.Locale.ROOT));
    copy.put(name.toLowerCase(java.util.Locale.ROOT), "SET " + name + " TO '" + value.replace("'", "''") + "'");
    return new Settings(copy);
  }

  /**
   * The effect of one session statement on the settings, or null when the statement is not a
   * plain setting the proxy can replay (SET ROLE, SET SESSION AUTHORIZATION, SET LOCAL...): the
   * caller then pins the client to its backend.
   */
  Settings after(String statement) {
    String trimmed = statement.strip();
    Matcher reset = RESET.matcher(trimmed);
    if (reset.matches()) {
      String name = key(reset.group(1));
      if (name.equals("all")) {
        return EMPTY;
      }
      if (name.equals("role") || name.equals("session")) {
        return null;
      }
      Map<String, String> copy = new LinkedHashMap<>(statements);
      copy.remove(name);
      return new Settings(copy);
    }
    Matcher set = SET.matcher(trimmed);
    if (!set.matches()) {
      return null;
    }
    String name = key(set.group(1).replaceAll("\\s+", " "));
    name = switch (name) {
      case "time zone" -> "timezone";
      case "names" -> "client_encoding";
      case "schema" -> "search_path";
      case "xml option" -> "xmloption";
      default -> name;
    };
    Map<String, String> copy = new LinkedHashMap<>(statements);
    copy.remove(name);
    if (set.group(3) == null) {
      copy.put(name, trimmed.endsWith(";") ? trimmed.substring(0, trimmed.length() - 1) : trimmed);
    }
    return new Settings(copy);
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
