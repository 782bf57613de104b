package dev.junction.proxy.server;

import dev.junction.proxy.protocol.BackendMessage;
import dev.junction.proxy.protocol.DataRowWriter;
import dev.junction.proxy.protocol.FieldDescription;
import dev.junction.proxy.protocol.Format;
import dev.junction.proxy.protocol.PgType;
import dev.junction.proxy.protocol.PgValueCodec;
import io.netty.buffer.ByteBuf;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;

/**
 * Streams a JDBC ResultSet to the client as RowDescription and DataRow messages, written straight
 * into the session's outbound buffer. Integers and text go through {@code getString} (exact in
 * every transfer mode); other known types through the codec, so their text matches PostgreSQL's
 * output; types the proxy has no codec for are announced as text.
 */
final class ResultWriter {
  private final PgValueCodec codec;
  private final DataRowWriter rows = new DataRowWriter();

  ResultWriter(PgValueCodec codec) {
    this.codec = codec;
  }

  /** Column types of a result, computed once per result set. */
  static PgType[] types(ResultSetMetaData md) throws SQLException {
    PgType[] types = new PgType[md.getColumnCount()];
    for (int i = 0; i < types.length; i++) {
      int jdbc = md.getColumnType(i + 1);
      types[i] = switch (jdbc) {
        case Types.INTEGER -> PgType.INT4;
        case Types.BIGINT -> PgType.INT8;
        case Types.SMALLINT, Types.TINYINT -> PgType.INT2;
        case Types.NUMERIC, Types.DECIMAL -> PgType.NUMERIC;
        case Types.REAL -> PgType.FLOAT4;
        case Types.DOUBLE, Types.FLOAT -> PgType.FLOAT8;
        case Types.BIT, Types.BOOLEAN -> PgType.BOOL;
        case Types.DATE -> PgType.DATE;
        case Types.BINARY, Types.VARBINARY, Types.LONGVARBINARY -> PgType.BYTEA;
        // Ambiguous codes (text/varchar, timestamp/timestamptz, uuid/json/other): ask for the type name.
        default -> PgType.forColumn(jdbc, md.getColumnTypeName(i + 1));
      };
    }
    return types;
  }

  static BackendMessage.RowDescription describe(ResultSetMetaData md, PgType[] types, List<Format> formats) throws SQLException {
    List<FieldDescription> fields = new ArrayList<>(types.length);
    for (int i = 0; i < types.length; i++) {
      fields.add(FieldDescription.of(md.getColumnLabel(i + 1), types[i], format(formats, i)));
    }
    return new BackendMessage.RowDescription(fields);
  }

  /** One DataRow for the current row of {@code rs}. */
  void writeRow(ByteBuf out, ResultSet rs, PgType[] types, List<Format> formats) throws SQLException {
    rows.begin(out, types.length);
    for (int i = 0; i < types.length; i++) {
      int column = i + 1;
      PgType type = types[i];
      if (format(formats, i) == Format.BINARY) {
        Object value = rs.getObject(column);
        if (value == null) {
          rows.writeNull();
        } else if (type == PgType.TEXT || type == PgType.VARCHAR || type == PgType.BPCHAR) {
          rows.writeText(rs.getString(column));
        } else {
          rows.writeBytes(codec.encodeBinary(value, type));
        }
        continue;
      }
      String text;
      switch (type) {
        case TEXT, VARCHAR, BPCHAR, INT2, INT4, INT8, OID -> text = rs.getString(column);
        default -> {
          Object value = rs.getObject(column);
          text = value == null ? null : codec.encodeText(value, type);
        }
      }
      if (text == null) {
        rows.writeNull();
      } else {
        rows.writeText(text);
      }
    }
    rows.end();
  }

  /** The format of column {@code i}: none given → text; one → all; else per column. */
  static Format format(List<Format> formats, int i) {
    if (formats == null || formats.isEmpty()) {
      return Format.TEXT;
    }
    return formats.size() == 1 ? formats.get(0) : formats.get(i);
  }
}
