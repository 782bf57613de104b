package dev.junction.proxy.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.util.List;

/**
 * Writes DataRow messages straight into an outbound buffer: text values are UTF-8 encoded in place
 * and lengths are back-filled, so a row costs no allocation beyond the buffer itself. One reusable
 * instance per connection, used on its event loop:
 *
 * <pre>{@code
 * rows.begin(buf, 3).writeText("42").writeNull().writeBytes(binaryValue).end();
 * }</pre>
 */
public final class DataRowWriter {
  private ByteBuf out;
  private int lengthIndex = -1;
  private int columns;
  private int written;

  /** Starts a row of {@code columnCount} values. */
  public DataRowWriter begin(ByteBuf out, int columnCount) {
    if (lengthIndex >= 0) {
      throw new IllegalStateException("the previous row was not finished; call end() after its last value");
    }
    if (columnCount < 0 || columnCount > 0xFFFF) {
      throw new IllegalArgumentException("a row has 0..65535 columns, got " + columnCount);
    }
    this.out = out;
    this.columns = columnCount;
    this.written = 0;
    this.lengthIndex = Wire.begin(out, 'D');
    out.writeShort(columnCount);
    return this;
  }

  public DataRowWriter writeNull() {
    next();
    out.writeInt(-1);
    return this;
  }

  /** An encoded value (text or binary, as the column's format says); {@code null} writes NULL. */
  public DataRowWriter writeBytes(byte[] value) {
    if (value == null) {
      return writeNull();
    }
    next();
    out.writeInt(value.length);
    out.writeBytes(value);
    return this;
  }

  /** A text-format value, UTF-8 encoded directly into the buffer; {@code null} writes NULL. */
  public DataRowWriter writeText(CharSequence value) {
    if (value == null) {
      return writeNull();
    }
    next();
    int valueLengthIndex = out.writerIndex();
    out.writeInt(0);
    int length = ByteBufUtil.writeUtf8(out, value);
    out.setInt(valueLengthIndex, length);
    return this;
  }

  /** Completes the row by filling in its length. */
  public void end() {
    if (lengthIndex < 0) {
      throw new IllegalStateException("no row in progress; call begin() first");
    }
    if (written != columns) {
      throw new IllegalStateException("row declared " + columns + " columns but " + written + " were written");
    }
    Wire.end(out, lengthIndex);
    lengthIndex = -1;
    out = null;
  }

  private void next() {
    if (lengthIndex < 0) {
      throw new IllegalStateException("no row in progress; call begin() first");
    }
    if (written == columns) {
      throw new IllegalStateException("row declared " + columns + " columns; cannot write another value");
    }
    written++;
  }

  /** Writes a complete DataRow of already encoded values. */
  static void write(ByteBuf out, List<byte[]> values) {
    int n = values.size();
    if (n > 0xFFFF) {
      throw new IllegalArgumentException("a row has at most 65535 columns, got " + n);
    }
    int bodyLength = 4 + 2;
    for (int i = 0; i < n; i++) {
      byte[] v = values.get(i);
      bodyLength += 4 + (v == null ? 0 : v.length);
    }
    out.ensureWritable(1 + bodyLength);
    out.writeByte('D');
    out.writeInt(bodyLength);
    out.writeShort(n);
    for (int i = 0; i < n; i++) {
      byte[] v = values.get(i);
      if (v == null) {
        out.writeInt(-1);
      } else {
        out.writeInt(v.length);
        out.writeBytes(v);
      }
    }
  }
}
