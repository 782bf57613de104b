package dev.junction.proxy.protocol;

import static dev.junction.proxy.protocol.FrontendWriter.body;
import static dev.junction.proxy.protocol.FrontendWriter.cstring;
import static dev.junction.proxy.protocol.FrontendWriter.typed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.junction.proxy.protocol.BackendMessage.AuthenticationCleartextPassword;
import dev.junction.proxy.protocol.BackendMessage.AuthenticationMd5Password;
import dev.junction.proxy.protocol.BackendMessage.AuthenticationOk;
import dev.junction.proxy.protocol.BackendMessage.AuthenticationSasl;
import dev.junction.proxy.protocol.BackendMessage.AuthenticationSaslContinue;
import dev.junction.proxy.protocol.BackendMessage.AuthenticationSaslFinal;
import dev.junction.proxy.protocol.BackendMessage.BackendKeyData;
import dev.junction.proxy.protocol.BackendMessage.CommandComplete;
import dev.junction.proxy.protocol.BackendMessage.DataRow;
import dev.junction.proxy.protocol.BackendMessage.Empty;
import dev.junction.proxy.protocol.BackendMessage.EncryptionResponse;
import dev.junction.proxy.protocol.BackendMessage.ErrorResponse;
import dev.junction.proxy.protocol.BackendMessage.NegotiateProtocolVersion;
import dev.junction.proxy.protocol.BackendMessage.NoticeResponse;
import dev.junction.proxy.protocol.BackendMessage.ParameterDescription;
import dev.junction.proxy.protocol.BackendMessage.ParameterStatus;
import dev.junction.proxy.protocol.BackendMessage.ReadyForQuery;
import dev.junction.proxy.protocol.BackendMessage.RowDescription;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class BackendEncoderTest {

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static Stream<Arguments> goldenMessages() {
    PgError error = PgError.error("42P01", "relation \"t\" does not exist").withPosition(15).withHint("check it")
        .withDetail("details");
    return Stream.of(
        Arguments.of(AuthenticationOk.INSTANCE, typed('R', new byte[] {0, 0, 0, 0})),
        Arguments.of(AuthenticationCleartextPassword.INSTANCE, typed('R', new byte[] {0, 0, 0, 3})),
        Arguments.of(new AuthenticationMd5Password(new byte[] {1, 2, 3, 4}), typed('R', new byte[] {0, 0, 0, 5, 1, 2, 3, 4})),
        Arguments.of(new AuthenticationSasl(List.of("SCRAM-SHA-256")), typed('R', body(out -> {
          out.writeInt(10);
          cstring(out, "SCRAM-SHA-256");
          out.writeByte(0);
        }))),
        Arguments.of(new AuthenticationSaslContinue(utf8("r=abc,s=xyz,i=4096")), typed('R', body(out -> {
          out.writeInt(11);
          out.write(utf8("r=abc,s=xyz,i=4096"));
        }))),
        Arguments.of(new AuthenticationSaslFinal(utf8("v=sig")), typed('R', body(out -> {
          out.writeInt(12);
          out.write(utf8("v=sig"));
        }))),
        Arguments.of(new ParameterStatus("server_version", "15.0"), typed('S', body(out -> {
          cstring(out, "server_version");
          cstring(out, "15.0");
        }))),
        Arguments.of(new BackendKeyData(42, -7), typed('K', body(out -> {
          out.writeInt(42);
          out.writeInt(-7);
        }))),
        Arguments.of(ReadyForQuery.IDLE, typed('Z', new byte[] {'I'})),
        Arguments.of(ReadyForQuery.IN_TRANSACTION, typed('Z', new byte[] {'T'})),
        Arguments.of(ReadyForQuery.FAILED, typed('Z', new byte[] {'E'})),
        Arguments.of(new RowDescription(List.of(
            new FieldDescription("id", 16384, 1, 23, 4, -1, Format.BINARY),
            FieldDescription.of("naïve", PgType.TEXT, Format.TEXT))), typed('T', body(out -> {
              out.writeShort(2);
              cstring(out, "id");
              out.writeInt(16384);
              out.writeShort(1);
              out.writeInt(23);
              out.writeShort(4);
              out.writeInt(-1);
              out.writeShort(1);
              cstring(out, "naïve");
              out.writeInt(0);
              out.writeShort(0);
              out.writeInt(25);
              out.writeShort(-1);
              out.writeInt(-1);
              out.writeShort(0);
            }))),
        Arguments.of(new DataRow(Arrays.asList(utf8("1"), null, new byte[0])), typed('D', body(out -> {
          out.writeShort(3);
          out.writeInt(1);
          out.write('1');
          out.writeInt(-1);
          out.writeInt(0);
        }))),
        Arguments.of(new CommandComplete("INSERT 0 1"), typed('C', body(out -> cstring(out, "INSERT 0 1")))),
        Arguments.of(Empty.EMPTY_QUERY_RESPONSE, typed('I', new byte[0])),
        Arguments.of(Empty.PARSE_COMPLETE, typed('1', new byte[0])),
        Arguments.of(Empty.BIND_COMPLETE, typed('2', new byte[0])),
        Arguments.of(Empty.CLOSE_COMPLETE, typed('3', new byte[0])),
        Arguments.of(Empty.NO_DATA, typed('n', new byte[0])),
        Arguments.of(Empty.PORTAL_SUSPENDED, typed('s', new byte[0])),
        Arguments.of(new ParameterDescription(List.of(23, 25, 0)), typed('t', body(out -> {
          out.writeShort(3);
          out.writeInt(23);
          out.writeInt(25);
          out.writeInt(0);
        }))),
        Arguments.of(new NegotiateProtocolVersion(ProtocolVersion.V3_0, List.of("_pq_.a", "_pq_.b")),
            typed('v', body(out -> {
              out.writeInt(196608);
              out.writeInt(2);
              cstring(out, "_pq_.a");
              cstring(out, "_pq_.b");
            }))),
        Arguments.of(new ErrorResponse(error), typed('E', body(out -> {
          out.writeByte('S');
          cstring(out, "ERROR");
          out.writeByte('V');
          cstring(out, "ERROR");
          out.writeByte('C');
          cstring(out, "42P01");
          out.writeByte('M');
          cstring(out, "relation \"t\" does not exist");
          out.writeByte('D'); // fields in protocol order, regardless of the order they were set
          cstring(out, "details");
          out.writeByte('H');
          cstring(out, "check it");
          out.writeByte('P');
          cstring(out, "15");
          out.writeByte(0);
        }))),
        Arguments.of(new NoticeResponse(PgError.of(PgError.Severity.WARNING, "01000", "careful")),
            typed('N', body(out -> {
              out.writeByte('S');
              cstring(out, "WARNING");
              out.writeByte('V');
              cstring(out, "WARNING");
              out.writeByte('C');
              cstring(out, "01000");
              out.writeByte('M');
              cstring(out, "careful");
              out.writeByte(0);
            }))),
        Arguments.of(EncryptionResponse.DECLINED, new byte[] {'N'}),
        Arguments.of(EncryptionResponse.SSL_ACCEPTED, new byte[] {'S'}),
        Arguments.of(EncryptionResponse.GSS_ACCEPTED, new byte[] {'G'}));
  }

  @ParameterizedTest
  @MethodSource("goldenMessages")
  void encodesExactlyAsTheProtocolDocumentsIt(BackendMessage message, byte[] expected) {
    EmbeddedChannel channel = new EmbeddedChannel(new BackendEncoder());
    channel.writeOutbound(message);
    ByteBuf out = channel.readOutbound();
    try {
      assertThat(ByteBufUtil.hexDump(out)).isEqualTo(ByteBufUtil.hexDump(expected));
    } finally {
      out.release();
    }
  }

  @Test
  void manyMessagesInOneBufferSplitBackIntoFrames() {
    ByteBuf buf = Unpooled.buffer();
    AuthenticationOk.INSTANCE.writeTo(buf);
    new ParameterStatus("TimeZone", "UTC").writeTo(buf);
    new BackendKeyData(1, 2).writeTo(buf);
    ReadyForQuery.IDLE.writeTo(buf);
    List<BackendReader.Frame> frames = BackendReader.frames(ByteBufUtil.getBytes(buf));
    assertThat(frames).extracting(BackendReader.Frame::type).containsExactly('R', 'S', 'K', 'Z');
  }

  @Test
  void dataRowWriterMatchesTheRecordAndEncodesUtf8InPlace() {
    ByteBuf viaWriter = Unpooled.buffer();
    DataRowWriter writer = new DataRowWriter();
    writer.begin(viaWriter, 4).writeText("żółw").writeNull().writeBytes(new byte[] {0, 1}).writeText("").end();
    writer.begin(viaWriter, 0).end(); // the writer is reusable
    ByteBuf viaRecord = Unpooled.buffer();
    new DataRow(Arrays.asList(utf8("żółw"), null, new byte[] {0, 1}, new byte[0])).writeTo(viaRecord);
    new DataRow(List.of()).writeTo(viaRecord);
    assertThat(ByteBufUtil.hexDump(viaWriter)).isEqualTo(ByteBufUtil.hexDump(viaRecord));
  }

  @Test
  void dataRowWriterRejectsMisuseClearly() {
    DataRowWriter writer = new DataRowWriter();
    ByteBuf buf = Unpooled.buffer();
    assertThatThrownBy(writer::writeNull).isInstanceOf(IllegalStateException.class).hasMessageContaining("begin()");
    writer.begin(buf, 1).writeNull();
    assertThatThrownBy(writer::writeNull).hasMessageContaining("declared 1 columns");
    assertThatThrownBy(() -> writer.begin(buf, 1)).hasMessageContaining("call end()");
    writer.end();
    writer.begin(buf, 2).writeNull();
    assertThatThrownBy(writer::end).hasMessageContaining("declared 2 columns but 1 were written");
  }

  @Test
  void invalidMessagesAreRefusedAtConstruction() {
    assertThatThrownBy(() -> new ErrorResponse(PgError.of(PgError.Severity.NOTICE, "00000", "x")))
        .hasMessageContaining("send a NoticeResponse instead");
    assertThatThrownBy(() -> new NoticeResponse(PgError.error("XX000", "x")))
        .hasMessageContaining("send an ErrorResponse instead");
    assertThatThrownBy(() -> PgError.error("123", "x")).hasMessageContaining("5 characters");
    assertThatThrownBy(() -> new AuthenticationMd5Password(new byte[3])).hasMessageContaining("4 bytes");
    assertThatThrownBy(() -> new CommandComplete("a\0b").writeTo(Unpooled.buffer()))
        .hasMessageContaining("cannot contain NUL");
    assertThatThrownBy(() -> new AuthenticationSasl(List.of())).hasMessageContaining("at least one");
  }

  @Test
  void protocolViolationBecomesFatalError() {
    PgError error = new ProtocolViolation(SqlStates.PROTOCOL_VIOLATION, "bad").toError();
    assertThat(error.severity()).isEqualTo(PgError.Severity.FATAL);
    assertThat(error.sqlState()).isEqualTo("08P01");
    assertThat(error.fields()).isEqualTo(Map.of());
  }
}
