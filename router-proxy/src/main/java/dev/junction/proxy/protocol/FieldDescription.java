package dev.junction.proxy.protocol;

import java.util.Objects;

/**
 * One column of a RowDescription. {@code tableOid}/{@code columnNumber} are 0 when the column is not
 * a plain table column (always the case for results merged from several shards); {@code typeSize}
 * is the pg_type.typlen (-1 for variable length) and {@code typeModifier} -1 when unknown.
 */
public record FieldDescription(String name, int tableOid, int columnNumber, int typeOid, int typeSize,
    int typeModifier, Format format) {

  public FieldDescription {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(format, "format");
    checkInt16(columnNumber, "columnNumber");
    checkInt16(typeSize, "typeSize");
  }

  /** A computed column of a known type, e.g. an expression or a merged result column. */
  public static FieldDescription of(String name, PgType type, Format format) {
    return new FieldDescription(name, 0, 0, type.oid(), type.typeSize(), -1, format);
  }

  private static void checkInt16(int value, String what) {
    if (value < Short.MIN_VALUE || value > Short.MAX_VALUE) {
      throw new IllegalArgumentException(what + " must fit in 16 bits, got " + value);
    }
  }
}
