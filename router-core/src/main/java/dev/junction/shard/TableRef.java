package dev.junction.shard;

import java.util.Locale;

/**
 * One reference to a table in a statement (the same table twice is two references), with what the
 * rules say about it and the name columns use to qualify it.
 */
final class TableRef {

  final int id;
  final String name;
  final String alias;
  final ShardedTable sharded;
  final boolean broadcast;
  final QueryScope scope;

  TableRef(int id, String name, String alias, ShardedTable sharded, boolean broadcast, QueryScope scope) {
    this.id = id;
    this.name = name;
    this.alias = alias;
    this.sharded = sharded;
    this.broadcast = broadcast;
    this.scope = scope;
  }

  boolean isUnsharded() {
    return sharded == null && !broadcast;
  }

  /** The name columns qualify this reference with: its alias if it has one, else the table name. */
  boolean answersTo(String qualifier) {
    return alias != null ? alias.equals(qualifier) : name.equals(qualifier);
  }

  @Override
  public String toString() {
    return alias == null || alias.equals(name) ? name : name + " " + alias;
  }

  /** Strips identifier quotes and folds case: tables and columns match rules case-insensitively. */
  static String normalize(String identifier) {
    if (identifier == null) {
      return null;
    }
    String s = identifier;
    if (s.length() >= 2) {
      char first = s.charAt(0);
      char last = s.charAt(s.length() - 1);
      if ((first == '"' && last == '"') || (first == '`' && last == '`') || (first == '[' && last == ']')) {
        s = s.substring(1, s.length() - 1);
      }
    }
    return s.toLowerCase(Locale.ROOT);
  }
}
