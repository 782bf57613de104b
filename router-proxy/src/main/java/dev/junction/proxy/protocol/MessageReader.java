package dev.junction.proxy.protocol;

import io.netty.buffer.ByteBuf;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Reads the fields of one message body that has already been framed, checking every length and
 * count against the bytes actually present so that malformed input can only ever produce a
 * {@link ProtocolViolation}, never an index exception or an allocation sized by an untrusted number.
 *
 * <p>Strings are decoded as strict UTF-8 (Junction requires client_encoding UTF8): invalid byte
 * sequences are rejected with SQLSTATE 22021 like PostgreSQL does, instead of being silently replaced
 * and forwarded as a different statement.
 */
final class MessageReader {
  private final ByteBuf buf;
  private final String messageName;

  MessageReader(ByteBuf buf, String messageName) {
    this.buf = buf;
    this.messageName = messageName;
  }

  int remaining() {
    return buf.readableBytes();
  }

  ProtocolViolation malformed(String problem) {
    return ProtocolViolation.malformed("malformed " + messageName + ": " + problem);
  }

  private void require(int bytes, String field) {
    if (buf.readableBytes() < bytes) {
      throw malformed(field + " needs " + bytes + " bytes but only " + buf.readableBytes() + " remain");
    }
  }

  // Field names are put together only for an error: these run for every message on the hot path.

  private void require(int bytes, String field, String suffix) {
    if (buf.readableBytes() < bytes) {
      require(bytes, field + suffix);
    }
  }

  private void require(int bytes, String field, int ordinal, String suffix) {
    if (buf.readableBytes() < bytes) {
      require(bytes, field + " " + ordinal + suffix);
    }
  }

  byte readByte(String field) {
    require(1, field);
    return buf.readByte();
  }

  short readInt16(String field) {
    require(2, field);
    return buf.readShort();
  }

  /** A 16-bit count; PostgreSQL treats these as unsigned (pgjdbc sends up to 65535 parameters). */
  int readCount(String field, int minBytesPerItem) {
    return readCount(field, "", minBytesPerItem);
  }

  private int readCount(String field, String suffix, int minBytesPerItem) {
    require(2, field, suffix);
    int count = buf.readUnsignedShort();
    long needed = (long) count * minBytesPerItem;
    if (needed > buf.readableBytes()) {
      throw malformed(field + suffix + " is " + count + " but only " + buf.readableBytes() + " bytes remain");
    }
    return count;
  }

  int readInt32(String field) {
    require(4, field);
    return buf.readInt();
  }

  String readCString(String field) {
    int length = buf.bytesBefore((byte) 0);
    if (length < 0) {
      throw malformed(field + " is not NUL-terminated");
    }
    String value = decodeUtf8(buf, buf.readerIndex(), length, messageName, field);
    buf.skipBytes(length + 1);
    return value;
  }

  byte[] readBytes(int length, String field) {
    if (length < 0) {
      throw malformed(field + " has negative length " + length);
    }
    require(length, field);
    byte[] bytes = new byte[length];
    buf.readBytes(bytes);
    return bytes;
  }

  byte[] readRemaining() {
    return readBytes(buf.readableBytes(), "payload");
  }

  /** A length-prefixed value where length -1 means NULL. */
  byte[] readNullableValue(String field) {
    int length = readInt32(field + " length");
    if (length == -1) {
      return null;
    }
    if (length < -1) {
      throw malformed(field + " length is " + length + " (only -1, meaning NULL, may be negative)");
    }
    return readBytes(length, field);
  }

  /** {@link #readNullableValue(String)} of value number {@code ordinal} ("parameter 3"). */
  private byte[] readNullableValue(String field, int ordinal) {
    require(4, field, ordinal, " length");
    int length = buf.readInt();
    if (length == -1) {
      return null;
    }
    if (length < 0) {
      throw malformed(field + " " + ordinal + " length is " + length + " (only -1, meaning NULL, may be negative)");
    }
    require(length, field, ordinal, "");
    byte[] bytes = new byte[length];
    buf.readBytes(bytes);
    return bytes;
  }

  Format readFormat(String field) {
    short code = readInt16(field);
    Format format = Format.ofCode(code);
    if (format == null) {
      throw malformed(field + " is " + code + " but only 0 (text) and 1 (binary) exist");
    }
    return format;
  }

  private static final List<Format> ONLY_TEXT = List.of(Format.TEXT);
  private static final List<Format> ONLY_BINARY = List.of(Format.BINARY);

  List<Format> readFormats(String field) {
    int count = readCount(field, " count", 2);
    if (count == 0) {
      return List.of();
    }
    if (count == 1) { // the common "all text" / "all binary": shared lists
      Format f = readFormat(field);
      return f == Format.TEXT ? ONLY_TEXT : ONLY_BINARY;
    }
    Format[] formats = new Format[count];
    for (int i = 0; i < count; i++) {
      formats[i] = readFormat(field);
    }
    return List.of(formats);
  }

  List<byte[]> readNullableValues(String field) {
    int count = readCount(field, " count", 4);
    if (count == 0) {
      return List.of();
    }
    List<byte[]> values = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      values.add(readNullableValue(field, i + 1));
    }
    return Collections.unmodifiableList(values);
  }

  void expectEnd() {
    if (buf.isReadable()) {
      throw malformed(buf.readableBytes() + " unexpected trailing bytes");
    }
  }

  /** {@link #decodeUtf8(ByteBuf, int, int, String)} naming "{@code messageName} {@code field}" only on failure. */
  static String decodeUtf8(ByteBuf buf, int index, int length, String messageName, String field) {
    String value = buf.toString(index, length, StandardCharsets.UTF_8);
    if (value.indexOf('\uFFFD') < 0) {
      return value;
    }
    return decodeUtf8(buf, index, length, messageName + " " + field);
  }

  /** Strict UTF-8 decoding; the common all-valid case costs one String construction. */
  static String decodeUtf8(ByteBuf buf, int index, int length, String what) {
    String value = buf.toString(index, length, StandardCharsets.UTF_8);
    if (value.indexOf('\uFFFD') < 0) {
      return value;
    }
    // U+FFFD is either a replacement for invalid input or was really sent (EF BF BD): check strictly.
    try {
      StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(buf.nioBuffer(index, length));
      return value;
    } catch (CharacterCodingException e) {
      throw new ProtocolViolation(SqlStates.CHARACTER_NOT_IN_REPERTOIRE,
          "invalid byte sequence for encoding \"UTF8\" in " + what
              + "; Junction requires client_encoding UTF8");
    }
  }
}
