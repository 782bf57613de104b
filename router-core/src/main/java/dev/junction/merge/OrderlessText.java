package dev.junction.merge;

/**
 * A text value of a column whose type the merge cannot order: PostgreSQL hands an enum (and other
 * types it reads as text) to Java as a String, but the database orders an enum by its declaration,
 * not by code point. Such a value groups by its text (an enum label is equal only to itself), and
 * ORDER BY, MIN and MAX over it are refused; the application still gets the driver's String.
 */
public final class OrderlessText {
  private final String text;
  private final String typeName;

  public OrderlessText(String text, String typeName) {
    this.text = text;
    this.typeName = typeName;
  }

  /** The driver's value, handed out unchanged. */
  public String text() {
    return text;
  }

  String typeName() {
    return typeName;
  }

  @Override
  public String toString() {
    return text;
  }
}
