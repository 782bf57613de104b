package dev.junction.proxy.protocol;

/**
 * The PostgreSQL SQLSTATE codes the protocol layer reports, named as in PostgreSQL's errcodes so a
 * client sees exactly the code a real server would send for the same mistake.
 */
public final class SqlStates {
  public static final String PROTOCOL_VIOLATION = "08P01";
  public static final String PROGRAM_LIMIT_EXCEEDED = "54000";
  public static final String FEATURE_NOT_SUPPORTED = "0A000";
  public static final String INVALID_AUTHORIZATION_SPECIFICATION = "28000";
  public static final String INVALID_PASSWORD = "28P01";
  public static final String CHARACTER_NOT_IN_REPERTOIRE = "22021";
  public static final String INVALID_TEXT_REPRESENTATION = "22P02";
  public static final String INVALID_BINARY_REPRESENTATION = "22P03";
  public static final String NUMERIC_VALUE_OUT_OF_RANGE = "22003";
  public static final String DATETIME_FIELD_OVERFLOW = "22008";
  public static final String INVALID_PARAMETER_VALUE = "22023";

  private SqlStates() {
  }
}
