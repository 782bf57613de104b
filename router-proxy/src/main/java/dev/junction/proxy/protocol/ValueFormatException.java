package dev.junction.proxy.protocol;

/**
 * A Bind parameter's bytes are not a valid value of the declared type. Unlike a
 * {@link ProtocolViolation} this fails only the statement (an ERROR, the session continues), with
 * the SQLSTATE PostgreSQL would use (22P02, 22P03, 22003, 22008, 0A000).
 */
public final class ValueFormatException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String sqlState;

  public ValueFormatException(String sqlState, String message) {
    super(message);
    this.sqlState = sqlState;
  }

  public String sqlState() {
    return sqlState;
  }

  public PgError toError() {
    return PgError.error(sqlState, getMessage());
  }

  static ValueFormatException invalidText(String typeLabel, String text) {
    return new ValueFormatException(SqlStates.INVALID_TEXT_REPRESENTATION,
        "invalid input syntax for type " + typeLabel + ": \"" + abbreviate(text) + "\"");
  }

  static ValueFormatException outOfRange(String typeLabel, String text) {
    return new ValueFormatException(SqlStates.NUMERIC_VALUE_OUT_OF_RANGE,
        "value \"" + abbreviate(text) + "\" is out of range for type " + typeLabel);
  }

  static ValueFormatException invalidBinary(PgType type, String problem) {
    return new ValueFormatException(SqlStates.INVALID_BINARY_REPRESENTATION,
        "incorrect binary data format for type " + type.typeName() + ": " + problem);
  }

  private static String abbreviate(String text) {
    return text.length() <= 100 ? text : text.substring(0, 100) + "...";
  }
}
