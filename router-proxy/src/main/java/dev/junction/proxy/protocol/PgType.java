package dev.junction.proxy.protocol;

import java.sql.Types;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The PostgreSQL types the proxy encodes and decodes itself, with their OIDs (fixed in pg_type since
 * forever), typlen for RowDescription and the java.sql.Types code to use with
 * {@code PreparedStatement#setObject(int, Object, int)}.
 *
 * <p>{@link #forColumn(int, String)} maps a backend column (as described by JDBC metadata) to the
 * type announced to the client; anything not listed travels as {@link #TEXT}, which every client can
 * read.
 */
public enum PgType {
  BOOL(16, "bool", 1, Types.BOOLEAN),
  BYTEA(17, "bytea", -1, Types.BINARY),
  INT8(20, "int8", 8, Types.BIGINT),
  INT2(21, "int2", 2, Types.SMALLINT),
  INT4(23, "int4", 4, Types.INTEGER),
  TEXT(25, "text", -1, Types.VARCHAR),
  OID(26, "oid", 4, Types.BIGINT),
  JSON(114, "json", -1, Types.OTHER),
  FLOAT4(700, "float4", 4, Types.REAL),
  FLOAT8(701, "float8", 8, Types.DOUBLE),
  BPCHAR(1042, "bpchar", -1, Types.CHAR),
  VARCHAR(1043, "varchar", -1, Types.VARCHAR),
  DATE(1082, "date", 4, Types.DATE),
  TIME(1083, "time", 8, Types.TIME),
  TIMESTAMP(1114, "timestamp", 8, Types.TIMESTAMP),
  TIMESTAMPTZ(1184, "timestamptz", 8, Types.TIMESTAMP_WITH_TIMEZONE),
  NUMERIC(1700, "numeric", -1, Types.NUMERIC),
  UUID(2950, "uuid", 16, Types.OTHER),
  JSONB(3802, "jsonb", -1, Types.OTHER);

  /** Parse's "let the server infer the type". */
  public static final int UNSPECIFIED_OID = 0;

  private static final Map<Integer, PgType> BY_OID = new HashMap<>();
  private static final Map<String, PgType> BY_NAME = new HashMap<>();

  static {
    for (PgType type : values()) {
      BY_OID.put(type.oid, type);
      BY_NAME.put(type.typeName, type);
    }
    // SQL-standard spellings, pg_type aliases and what JDBC drivers report as column type names.
    alias(BOOL, "boolean");
    alias(INT2, "smallint", "smallserial", "tinyint");
    alias(INT4, "integer", "int", "serial", "mediumint");
    alias(INT8, "bigint", "bigserial");
    alias(FLOAT4, "real");
    alias(FLOAT8, "double precision", "double", "float");
    alias(NUMERIC, "decimal");
    alias(VARCHAR, "character varying");
    alias(BPCHAR, "character", "char");
    // bit strings have no codec here; their text form ("0101") passes through unchanged.
    alias(TEXT, "longtext", "mediumtext", "tinytext", "clob", "bit", "varbit", "bit varying");
    alias(BYTEA, "blob", "longblob", "mediumblob", "tinyblob", "binary", "varbinary");
    alias(TIMESTAMP, "timestamp without time zone", "datetime");
    alias(TIMESTAMPTZ, "timestamp with time zone");
    alias(TIME, "time without time zone");
  }

  private static void alias(PgType type, String... names) {
    for (String name : names) {
      BY_NAME.put(name, type);
    }
  }

  private final int oid;
  private final String typeName;
  private final int typeSize;
  private final int jdbcType;

  PgType(int oid, String typeName, int typeSize, int jdbcType) {
    this.oid = oid;
    this.typeName = typeName;
    this.typeSize = typeSize;
    this.jdbcType = jdbcType;
  }

  public int oid() {
    return oid;
  }

  /** The pg_type.typname. */
  public String typeName() {
    return typeName;
  }

  /** pg_type.typlen: the fixed size in bytes, or -1 for variable length. */
  public int typeSize() {
    return typeSize;
  }

  /** The java.sql.Types code to pass to {@code setObject} with a value decoded for this type. */
  public int jdbcType() {
    return jdbcType;
  }

  /** The type with this OID, or {@code null} if the proxy has no codec for it. */
  public static PgType ofOid(int oid) {
    return BY_OID.get(oid);
  }

  /** The type with this name or alias (case-insensitive, e.g. "int4", "INTEGER", "serial"), or {@code null}. */
  public static PgType ofName(String name) {
    return name == null ? null : BY_NAME.get(name.trim().toLowerCase(Locale.ROOT));
  }

  /**
   * The type to announce for a backend column: by type name first (precise: tells json from text and
   * timestamptz from timestamp), then by java.sql.Types code, else {@link #TEXT}.
   */
  public static PgType forColumn(int jdbcType, String typeName) {
    PgType byName = ofName(typeName);
    if (byName != null) {
      return byName;
    }
    return switch (jdbcType) {
      case Types.BIT, Types.BOOLEAN -> BOOL;
      case Types.TINYINT, Types.SMALLINT -> INT2;
      case Types.INTEGER -> INT4;
      case Types.BIGINT -> INT8;
      case Types.REAL -> FLOAT4;
      case Types.FLOAT, Types.DOUBLE -> FLOAT8;
      case Types.NUMERIC, Types.DECIMAL -> NUMERIC;
      case Types.CHAR, Types.NCHAR -> BPCHAR;
      case Types.VARCHAR, Types.NVARCHAR -> VARCHAR;
      case Types.BINARY, Types.VARBINARY, Types.LONGVARBINARY, Types.BLOB -> BYTEA;
      case Types.DATE -> DATE;
      case Types.TIME -> TIME;
      case Types.TIMESTAMP -> TIMESTAMP;
      case Types.TIMESTAMP_WITH_TIMEZONE -> TIMESTAMPTZ;
      default -> TEXT;
    };
  }
}
