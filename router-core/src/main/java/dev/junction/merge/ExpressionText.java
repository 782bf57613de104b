package dev.junction.merge;

import java.util.Locale;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.schema.Column;

/**
 * Decides whether two expressions are "the same" for matching ORDER BY, GROUP BY and HAVING items
 * to select-list columns. Text equality, relaxed to case-insensitive only when no quotes are
 * involved (so {@code COUNT(*)} matches {@code count(*)} but {@code f('A')} never matches
 * {@code f('a')}). A false "different" only costs a hidden column; a false "same" would sort or
 * group by the wrong value, so the rule errs towards different.
 */
final class ExpressionText {

  private ExpressionText() {}

  static String of(Expression e) {
    return e.toString();
  }

  static boolean same(String a, String b) {
    if (a.equals(b)) {
      return true;
    }
    return a.equalsIgnoreCase(b) && !hasQuotes(a) && !hasQuotes(b);
  }

  private static boolean hasQuotes(String s) {
    return s.indexOf('\'') >= 0 || s.indexOf('"') >= 0 || s.indexOf('`') >= 0;
  }

  /**
   * Identifier equality as the database applies it: MySQL/MariaDB compare column names and aliases
   * case-insensitively; PostgreSQL folds unquoted names to lower case and keeps quoted ones exact.
   */
  static boolean sameName(String a, String b, MergeDialect dialect) {
    if (a == null || b == null) {
      return false;
    }
    if (dialect.isMySqlFamily()) {
      return unquote(a).equalsIgnoreCase(unquote(b));
    }
    return fold(a).equals(fold(b));
  }

  /** The name as PostgreSQL stores it: quoted exactly, unquoted in lower case. */
  static String fold(String name) {
    return isQuoted(name) ? unquote(name) : name.toLowerCase(Locale.ROOT);
  }

  static boolean isQuoted(String name) {
    return name.length() >= 2
        && ((name.charAt(0) == '"' && name.charAt(name.length() - 1) == '"')
            || (name.charAt(0) == '`' && name.charAt(name.length() - 1) == '`'));
  }

  static String unquote(String name) {
    if (!isQuoted(name)) {
      return name;
    }
    char q = name.charAt(0);
    return name.substring(1, name.length() - 1).replace(String.valueOf(q) + q, String.valueOf(q));
  }

  /** An unqualified column reference: could name a select alias. */
  static boolean isBareColumn(Expression e) {
    return e instanceof Column c && (c.getTable() == null || c.getTable().getName() == null);
  }
}
