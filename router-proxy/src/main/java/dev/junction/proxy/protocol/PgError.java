package dev.junction.proxy.protocol;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * The content of an ErrorResponse or NoticeResponse: severity, SQLSTATE and message are mandatory
 * (clients such as pgjdbc and libpq rely on S, C and M), every other field is optional. Kept as a
 * value so errors from the router, the auth layer and relayed backend errors all reach the wire the
 * same way.
 */
public record PgError(Severity severity, String sqlState, String message, Map<Field, String> fields) {

  /** Severity; {@link #isError()} decides whether it belongs in an ErrorResponse or a NoticeResponse. */
  public enum Severity {
    ERROR(true), FATAL(true), PANIC(true),
    WARNING(false), NOTICE(false), DEBUG(false), INFO(false), LOG(false);

    private final boolean error;

    Severity(boolean error) {
      this.error = error;
    }

    public boolean isError() {
      return error;
    }
  }

  /** The optional fields, in the order they are written, with their protocol field codes. */
  public enum Field {
    DETAIL('D'), HINT('H'), POSITION('P'), INTERNAL_POSITION('p'), INTERNAL_QUERY('q'), WHERE('W'),
    SCHEMA_NAME('s'), TABLE_NAME('t'), COLUMN_NAME('c'), DATA_TYPE_NAME('d'), CONSTRAINT_NAME('n'),
    FILE('F'), LINE('L'), ROUTINE('R');

    private final char code;

    Field(char code) {
      this.code = code;
    }

    public char code() {
      return code;
    }
  }

  public PgError {
    Objects.requireNonNull(severity, "severity");
    Objects.requireNonNull(message, "message");
    if (sqlState == null || sqlState.length() != 5) {
      throw new IllegalArgumentException("SQLSTATE must be 5 characters, got " + sqlState);
    }
    EnumMap<Field, String> copy = new EnumMap<>(Field.class);
    if (fields != null) {
      fields.forEach((k, v) -> copy.put(Objects.requireNonNull(k), Objects.requireNonNull(v, "value of " + k)));
    }
    fields = Collections.unmodifiableMap(copy);
  }

  public static PgError of(Severity severity, String sqlState, String message) {
    return new PgError(severity, sqlState, message, Map.of());
  }

  /** An ERROR: the statement failed, the session continues. */
  public static PgError error(String sqlState, String message) {
    return of(Severity.ERROR, sqlState, message);
  }

  /** A FATAL error: the server closes the connection after sending it. */
  public static PgError fatal(String sqlState, String message) {
    return of(Severity.FATAL, sqlState, message);
  }

  /** A copy with one optional field set (or replaced). */
  public PgError with(Field field, String value) {
    EnumMap<Field, String> copy = new EnumMap<>(Field.class);
    copy.putAll(fields);
    copy.put(field, value);
    return new PgError(severity, sqlState, message, copy);
  }

  public PgError withDetail(String detail) {
    return with(Field.DETAIL, detail);
  }

  public PgError withHint(String hint) {
    return with(Field.HINT, hint);
  }

  /** The 1-based character position in the query string the error refers to. */
  public PgError withPosition(int position) {
    if (position < 1) {
      throw new IllegalArgumentException("position is 1-based, got " + position);
    }
    return with(Field.POSITION, Integer.toString(position));
  }

  public String field(Field field) {
    return fields.get(field);
  }
}
