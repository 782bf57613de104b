package dev.junction.proxy.protocol;

import static dev.junction.proxy.protocol.FrontendWriter.body;
import static dev.junction.proxy.protocol.FrontendWriter.cstring;
import static dev.junction.proxy.protocol.FrontendWriter.encode;
import static dev.junction.proxy.protocol.FrontendWriter.encodeAll;
import static dev.junction.proxy.protocol.FrontendWriter.startup;
import static dev.junction.proxy.protocol.FrontendWriter.typed;
import static dev.junction.proxy.protocol.FrontendWriter.typedWithLength;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.junction.proxy.protocol.FrontendDecoder.Phase;
import dev.junction.proxy.protocol.FrontendMessage.Bind;
import dev.junction.proxy.protocol.FrontendMessage.CancelRequest;
import dev.junction.proxy.protocol.FrontendMessage.Close;
import dev.junction.proxy.protocol.FrontendMessage.CopyData;
import dev.junction.proxy.protocol.FrontendMessage.CopyDone;
import dev.junction.proxy.protocol.FrontendMessage.CopyFail;
import dev.junction.proxy.protocol.FrontendMessage.Describe;
import dev.junction.proxy.protocol.FrontendMessage.Execute;
import dev.junction.proxy.protocol.FrontendMessage.Flush;
import dev.junction.proxy.protocol.FrontendMessage.FunctionCall;
import dev.junction.proxy.protocol.FrontendMessage.GssEncRequest;
import dev.junction.proxy.protocol.FrontendMessage.Parse;
import dev.junction.proxy.protocol.FrontendMessage.PasswordMessage;
import dev.junction.proxy.protocol.FrontendMessage.Query;
import dev.junction.proxy.protocol.FrontendMessage.SslRequest;
import dev.junction.proxy.protocol.FrontendMessage.StartupMessage;
import dev.junction.proxy.protocol.FrontendMessage.Sync;
import dev.junction.proxy.protocol.FrontendMessage.Target;
import dev.junction.proxy.protocol.FrontendMessage.Terminate;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class FrontendDecoderTest {

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** One of every typed message of the normal phase, with edge values. */
  static List<FrontendMessage> typedMessages() {
    return List.of(
        new Query("SELECT 1"),
        new Query(""),
        new Query("SELECT 'żółw 🐢' AS \"ünïcödé\""),
        new Parse("s1", "SELECT $1, $2", List.of(23, 0)),
        new Parse("", "SELECT 1", List.of()),
        new Parse("big-oid", "SELECT $1", List.of(-1)), // OIDs are unsigned 32-bit
        new Bind("p1", "s1", List.of(Format.TEXT, Format.BINARY), Arrays.asList(utf8("42"), null),
            List.of(Format.BINARY)),
        new Bind("", "", List.of(), List.of(), List.of()),
        new Bind("", "s", List.of(Format.BINARY), Arrays.asList(new byte[0], null, new byte[] {0, 0, 0, 7}),
            List.of(Format.TEXT, Format.BINARY)),
        new Describe(Target.STATEMENT, "s1"),
        new Describe(Target.PORTAL, ""),
        new Execute("", 0),
        new Execute("p1", 100),
        new Close(Target.STATEMENT, "s1"),
        new Close(Target.PORTAL, ""),
        Sync.INSTANCE,
        Flush.INSTANCE,
        new CopyData(new byte[] {1, 2, 3, 0, (byte) 0xFF}),
        new CopyData(new byte[0]),
        CopyDone.INSTANCE,
        new CopyFail("client gave up"),
        new FunctionCall(1598, List.of(Format.BINARY), Arrays.asList(new byte[] {0, 0, 0, 1}, null), Format.TEXT),
        new FunctionCall(42, List.of(), List.of(), Format.BINARY));
  }

  static Stream<FrontendMessage> typedMessageStream() {
    return typedMessages().stream();
  }

  @Nested
  class RoundTrips {
    @ParameterizedTest
    @MethodSource("dev.junction.proxy.protocol.FrontendDecoderTest#typedMessageStream")
    void decodesEachTypedMessageWhole(FrontendMessage message) {
      DecoderHarness h = DecoderHarness.ready();
      h.feed(encode(message));
      assertThat(h.drain()).containsExactly(message);
    }

    @ParameterizedTest
    @MethodSource("dev.junction.proxy.protocol.FrontendDecoderTest#typedMessageStream")
    void decodesEachTypedMessageByteByByte(FrontendMessage message) {
      DecoderHarness h = DecoderHarness.ready();
      h.feedByteByByte(encode(message));
      assertThat(h.drain()).containsExactly(message);
    }

    @Test
    void decodesManyMessagesFromOneBuffer() {
      DecoderHarness h = DecoderHarness.ready();
      List<FrontendMessage> all = new ArrayList<>(typedMessages());
      all.add(Terminate.INSTANCE);
      h.feed(encodeAll(all));
      assertThat(h.drain()).containsExactlyElementsOf(all);
      assertThat(h.decoder.phase()).isEqualTo(Phase.CLOSED);
    }

    @Test
    void decodesAStreamSplitAtArbitraryPoints() {
      byte[] stream = encodeAll(typedMessages());
      for (int[] chunks : new int[][] {{1}, {2}, {3, 7}, {5, 1, 64}, {4096}}) {
        DecoderHarness h = DecoderHarness.ready();
        h.feedInChunks(stream, chunks);
        assertThat(h.drain()).as("chunks %s", Arrays.toString(chunks)).containsExactlyElementsOf(typedMessages());
      }
    }

    @Test
    void fullStartupThroughQueryByteByByte() {
      DecoderHarness h = new DecoderHarness();
      h.feedByteByByte(encode(SslRequest.INSTANCE));
      assertThat(h.drain()).containsExactly(SslRequest.INSTANCE);
      h.feedByteByByte(startup(Map.of("user", "bob", "database", "shop")));
      StartupMessage startup = (StartupMessage) h.drain().get(0);
      assertThat(startup.user()).isEqualTo("bob");
      assertThat(h.decoder.phase()).isEqualTo(Phase.AUTHENTICATION);
      PasswordMessage password = new PasswordMessage(body(out -> cstring(out, "secret")));
      h.feedByteByByte(encode(password));
      assertThat(h.drain()).containsExactly(password);
      h.decoder.authenticationSucceeded();
      h.feedByteByByte(encode(new Query("SELECT 1")));
      assertThat(h.drain()).containsExactly(new Query("SELECT 1"));
    }
  }

  @Nested
  class StartupPhase {
    @Test
    void decodesStartupParametersInOrderAndSeparatesProtocolOptions() {
      Map<String, String> params = new LinkedHashMap<>();
      params.put("user", "alice");
      params.put("database", "shop");
      params.put("application_name", "psql");
      params.put("_pq_.compression", "on");
      params.put("client_encoding", "UTF8");
      DecoderHarness h = new DecoderHarness();
      h.feed(startup(params));
      StartupMessage s = (StartupMessage) h.drain().get(0);
      assertThat(s.version()).isEqualTo(ProtocolVersion.V3_0);
      assertThat(s.parameters()).containsExactly(Map.entry("user", "alice"), Map.entry("database", "shop"),
          Map.entry("application_name", "psql"), Map.entry("client_encoding", "UTF8"));
      assertThat(s.protocolOptions()).containsExactly(Map.entry("_pq_.compression", "on"));
      assertThat(s.database()).isEqualTo("shop");
      assertThat(s.negotiation()).contains(new BackendMessage.NegotiateProtocolVersion(ProtocolVersion.V3_0,
          List.of("_pq_.compression")));
    }

    @Test
    void databaseDefaultsToUserAndPlain30NeedsNoNegotiation() {
      DecoderHarness h = new DecoderHarness();
      h.feed(startup(Map.of("user", "alice")));
      StartupMessage s = (StartupMessage) h.drain().get(0);
      assertThat(s.database()).isEqualTo("alice");
      assertThat(s.negotiation()).isEmpty();
    }

    @Test
    void newerMinorVersionIsAcceptedWithNegotiationTo30() {
      DecoderHarness h = new DecoderHarness();
      h.feed(startup(3 << 16 | 2, Map.of("user", "alice")));
      StartupMessage s = (StartupMessage) h.drain().get(0);
      assertThat(s.version()).isEqualTo(new ProtocolVersion(3, 2));
      assertThat(s.negotiation()).contains(
          new BackendMessage.NegotiateProtocolVersion(ProtocolVersion.V3_0, List.of()));
    }

    @Test
    void gssThenSslThenStartupIsAllowed() {
      DecoderHarness h = new DecoderHarness();
      h.feed(encode(GssEncRequest.INSTANCE));
      h.feed(encode(SslRequest.INSTANCE));
      h.feed(startup(Map.of("user", "alice")));
      assertThat(h.drain()).hasSize(3).first().isEqualTo(GssEncRequest.INSTANCE);
    }

    @Test
    void cancelRequestIsDecodedAndEndsTheConnection() {
      DecoderHarness h = new DecoderHarness();
      h.feed(encode(new CancelRequest(1234, -99)));
      assertThat(h.drain()).containsExactly(new CancelRequest(1234, -99));
      assertThat(h.decoder.phase()).isEqualTo(Phase.CLOSED);
      h.feed(encode(new Query("ignored")));
      assertThat(h.drain()).isEmpty();
    }

    @Test
    void protocol2IsRejectedClearly() {
      DecoderHarness h = new DecoderHarness();
      assertViolation(() -> h.feed(startup(2 << 16, Map.of("user", "a"))), SqlStates.FEATURE_NOT_SUPPORTED,
          "unsupported frontend protocol 2.0: Junction speaks 3.0");
    }

    @Test
    void missingUserIsRejected() {
      DecoderHarness h = new DecoderHarness();
      assertViolation(() -> h.feed(startup(Map.of("database", "x"))), SqlStates.INVALID_AUTHORIZATION_SPECIFICATION,
          "no PostgreSQL user name");
    }

    @Test
    void duplicateSslRequestIsRejected() {
      DecoderHarness h = new DecoderHarness();
      h.feed(encode(SslRequest.INSTANCE));
      assertViolation(() -> h.feed(encode(SslRequest.INSTANCE)), SqlStates.PROTOCOL_VIOLATION, "duplicate SSLRequest");
    }

    @Test
    void bytesPipelinedAfterSslRequestAreRejected() {
      DecoderHarness h = new DecoderHarness();
      byte[] both = FrontendWriter.concatBytes(encode(SslRequest.INSTANCE), startup(Map.of("user", "a")));
      assertViolation(() -> h.feed(both), SqlStates.PROTOCOL_VIOLATION, "unencrypted data after SSLRequest");
    }

    @Test
    void startupLengthsAreChecked() {
      assertViolation(() -> new DecoderHarness().feed(new byte[] {0, 0, 0, 7, 0, 0, 0, 0}),
          SqlStates.PROTOCOL_VIOLATION, "invalid length of startup packet");
      // Rejected from the 4-byte length alone: the decoder does not wait for 10,001 bytes.
      assertViolation(() -> new DecoderHarness().feed(new byte[] {0, 0, 0x27, 0x11}),
          SqlStates.PROGRAM_LIMIT_EXCEEDED, "exceeds the limit of 10000 bytes");
      assertViolation(() -> new DecoderHarness().feed(FrontendWriter.untyped(80877103, new byte[4])),
          SqlStates.PROTOCOL_VIOLATION, "SSLRequest: it must be exactly 8 bytes");
      assertViolation(() -> new DecoderHarness().feed(FrontendWriter.untyped(80877102, new byte[4])),
          SqlStates.PROTOCOL_VIOLATION, "CancelRequest");
    }

    @Test
    void directTlsHandshakeGetsAHelpfulError() {
      assertViolation(() -> new DecoderHarness().feed(new byte[] {0x16, 0x03, 0x01}),
          SqlStates.PROTOCOL_VIOLATION, "sslnegotiation=postgres");
    }

    @Test
    void startupParametersMustBeTerminated() {
      byte[] noTerminator = FrontendWriter.untyped(196608, body(out -> {
        cstring(out, "user");
        cstring(out, "alice");
      }));
      assertViolation(() -> new DecoderHarness().feed(noTerminator), SqlStates.PROTOCOL_VIOLATION,
          "not NUL-terminated");
      byte[] trailing = FrontendWriter.untyped(196608, body(out -> {
        cstring(out, "user");
        cstring(out, "alice");
        out.writeByte(0);
        out.writeByte(7);
      }));
      assertViolation(() -> new DecoderHarness().feed(trailing), SqlStates.PROTOCOL_VIOLATION, "trailing");
    }
  }

  @Nested
  class Phases {
    @Test
    void onlyPasswordAndTerminateDuringAuthentication() {
      DecoderHarness h = new DecoderHarness();
      h.feed(startup(Map.of("user", "a")));
      h.drain();
      assertViolation(() -> h.feed(encode(new Query("SELECT 1"))), SqlStates.PROTOCOL_VIOLATION,
          "expected a password message during authentication, got message type 'Q'");
    }

    @Test
    void authenticationMessagesAreLimitedTo64KiB() {
      DecoderHarness h = new DecoderHarness();
      h.feed(startup(Map.of("user", "a")));
      h.drain();
      assertViolation(() -> h.feed(typedWithLength('p', 65_536, new byte[0])), SqlStates.PROTOCOL_VIOLATION,
          "at most 65535 bytes");
    }

    @Test
    void passwordMessageAfterAuthenticationIsRejected() {
      DecoderHarness h = DecoderHarness.ready();
      assertViolation(() -> h.feed(encode(new PasswordMessage(new byte[] {0}))), SqlStates.PROTOCOL_VIOLATION,
          "authentication is already complete");
    }

    @Test
    void authenticationSucceededOnlyAfterStartup() {
      FrontendDecoder decoder = new FrontendDecoder();
      assertThatThrownBy(decoder::authenticationSucceeded).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("only valid after the StartupMessage");
    }

    @Test
    void afterAViolationAllInputIsDiscarded() {
      DecoderHarness h = DecoderHarness.ready();
      assertThatThrownBy(() -> h.feed(typed('?', new byte[0]))).isInstanceOf(ProtocolViolation.class);
      assertThat(h.decoder.phase()).isEqualTo(Phase.FAILED);
      h.feed(encode(new Query("SELECT 1")));
      assertThat(h.drain()).isEmpty();
    }
  }

  @Nested
  class Violations {
    @Test
    void lengthBelowFour() {
      assertViolation(() -> DecoderHarness.ready().feed(typedWithLength('Q', 3, new byte[0])),
          SqlStates.PROTOCOL_VIOLATION, "invalid length 3 of Query");
      assertViolation(() -> DecoderHarness.ready().feed(typedWithLength('Q', -5, new byte[0])),
          SqlStates.PROTOCOL_VIOLATION, "invalid length -5");
    }

    @Test
    void oversizedMessageIsRejectedFromItsHeaderAlone() {
      DecoderHarness h = new DecoderHarness(new DecoderLimits(4096, 10_000));
      h.feed(startup(Map.of("user", "a")));
      h.drain();
      h.decoder.authenticationSucceeded();
      assertViolation(() -> h.feed(typedWithLength('Q', 4097, new byte[0])), SqlStates.PROGRAM_LIMIT_EXCEEDED,
          "exceeds the proxy's limit of 4096 bytes");
      assertViolation(() -> DecoderHarness.ready().feed(typedWithLength('B', Integer.MAX_VALUE, new byte[0])),
          SqlStates.PROGRAM_LIMIT_EXCEEDED, "Bind message of 2147483647 bytes");
    }

    @Test
    void controlMessagesHaveTheSmallLimit() {
      assertViolation(() -> DecoderHarness.ready().feed(typedWithLength('D', 10_001, new byte[0])),
          SqlStates.PROTOCOL_VIOLATION, "at most 10000 bytes");
    }

    @Test
    void bodylessMessagesMustHaveLengthFour() {
      assertViolation(() -> DecoderHarness.ready().feed(typed('S', new byte[] {1})),
          SqlStates.PROTOCOL_VIOLATION, "Sync message must have no body");
    }

    @Test
    void unknownType() {
      assertViolation(() -> DecoderHarness.ready().feed(new byte[] {'z'}), SqlStates.PROTOCOL_VIOLATION,
          "invalid frontend message type 'z' (0x7a)");
      assertViolation(() -> DecoderHarness.ready().feed(new byte[] {0}), SqlStates.PROTOCOL_VIOLATION,
          "invalid frontend message type 0x00");
    }

    @Test
    void stringWithoutTerminator() {
      assertViolation(() -> DecoderHarness.ready().feed(typed('Q', utf8("SELECT 1"))), SqlStates.PROTOCOL_VIOLATION,
          "malformed Query message: query string is not NUL-terminated");
    }

    @Test
    void countExceedingRemainingBytes() {
      byte[] parse = typed('P', body(out -> {
        cstring(out, "");
        cstring(out, "SELECT $1");
        out.writeShort(0xFFFF);
        out.writeInt(23);
      }));
      assertViolation(() -> DecoderHarness.ready().feed(parse), SqlStates.PROTOCOL_VIOLATION,
          "parameter type count is 65535 but only 4 bytes remain");
    }

    @Test
    void negativeValueLengthOtherThanNull() {
      byte[] bind = typed('B', body(out -> {
        cstring(out, "");
        cstring(out, "");
        out.writeShort(0);
        out.writeShort(1);
        out.writeInt(-2);
        out.writeShort(0);
      }));
      assertViolation(() -> DecoderHarness.ready().feed(bind), SqlStates.PROTOCOL_VIOLATION,
          "parameter 1 length is -2");
    }

    @Test
    void valueLengthBeyondTheMessage() {
      byte[] bind = typed('B', body(out -> {
        cstring(out, "");
        cstring(out, "");
        out.writeShort(0);
        out.writeShort(1);
        out.writeInt(1_000_000);
        out.writeShort(0);
      }));
      assertViolation(() -> DecoderHarness.ready().feed(bind), SqlStates.PROTOCOL_VIOLATION,
          "parameter 1 needs 1000000 bytes");
    }

    @Test
    void formatCountMustMatch() {
      byte[] bind = encode(new Bind("", "", List.of(), List.of(new byte[0], new byte[0], new byte[0]), List.of()));
      // patch: 2 formats for 3 parameters
      byte[] bad = typed('B', body(out -> {
        cstring(out, "");
        cstring(out, "");
        out.writeShort(2);
        out.writeShort(0);
        out.writeShort(1);
        out.write(Arrays.copyOfRange(bind, 5 + 2 + 2, bind.length));
      }));
      assertViolation(() -> DecoderHarness.ready().feed(bad), SqlStates.PROTOCOL_VIOLATION,
          "2 parameter formats but 3 parameters");
    }

    @Test
    void invalidFormatCode() {
      byte[] bind = typed('B', body(out -> {
        cstring(out, "");
        cstring(out, "");
        out.writeShort(1);
        out.writeShort(2);
        out.writeShort(0);
        out.writeShort(0);
      }));
      assertViolation(() -> DecoderHarness.ready().feed(bind), SqlStates.PROTOCOL_VIOLATION,
          "is 2 but only 0 (text) and 1 (binary) exist");
    }

    @Test
    void invalidDescribeTarget() {
      byte[] describe = typed('D', body(out -> {
        out.writeByte('X');
        cstring(out, "");
      }));
      assertViolation(() -> DecoderHarness.ready().feed(describe), SqlStates.PROTOCOL_VIOLATION,
          "must be 'S' (statement) or 'P' (portal)");
    }

    @Test
    void trailingGarbage() {
      byte[] execute = typed('E', body(out -> {
        cstring(out, "");
        out.writeInt(0);
        out.writeByte(1);
      }));
      assertViolation(() -> DecoderHarness.ready().feed(execute), SqlStates.PROTOCOL_VIOLATION,
          "1 unexpected trailing bytes");
    }

    @Test
    void invalidUtf8() {
      byte[] query = typed('Q', new byte[] {'S', (byte) 0xC3, (byte) 0x28, 0});
      assertViolation(() -> DecoderHarness.ready().feed(query), SqlStates.CHARACTER_NOT_IN_REPERTOIRE,
          "invalid byte sequence for encoding \"UTF8\"");
    }

    @Test
    void realReplacementCharacterIsAccepted() {
      DecoderHarness h = DecoderHarness.ready();
      h.feed(encode(new Query("SELECT '\uFFFD'")));
      assertThat(h.drain()).containsExactly(new Query("SELECT '\uFFFD'"));
    }
  }

  @Nested
  class PasswordMessages {
    @Test
    void readsCleartextPassword() {
      assertThat(new PasswordMessage(utf8("s3cret\0")).password()).isEqualTo("s3cret");
    }

    @Test
    void readsSaslInitialResponseWithAndWithoutData() {
      byte[] withData = body(out -> {
        cstring(out, "SCRAM-SHA-256");
        out.writeInt(3);
        out.write(utf8("abc"));
      });
      assertThat(new PasswordMessage(withData).saslInitialResponse())
          .isEqualTo(new SaslInitialResponse("SCRAM-SHA-256", utf8("abc")));
      byte[] without = body(out -> {
        cstring(out, "SCRAM-SHA-256");
        out.writeInt(-1);
      });
      assertThat(new PasswordMessage(without).saslInitialResponse().data()).isNull();
    }

    @Test
    void malformedPayloadsRaiseProtocolViolations() {
      assertThatThrownBy(() -> new PasswordMessage(utf8("nonul")).password()).isInstanceOf(ProtocolViolation.class);
      assertThatThrownBy(() -> new PasswordMessage(utf8("a\0b\0")).password()).isInstanceOf(ProtocolViolation.class)
          .hasMessageContaining("trailing");
      byte[] lying = body(out -> {
        cstring(out, "SCRAM-SHA-256");
        out.writeInt(100);
      });
      assertThatThrownBy(() -> new PasswordMessage(lying).saslInitialResponse())
          .isInstanceOf(ProtocolViolation.class);
    }

    @Test
    void toStringNeverShowsSecrets() {
      assertThat(new PasswordMessage(utf8("hunter2\0")).toString()).doesNotContain("hunter2");
      assertThat(new Bind("", "", List.of(), List.of(utf8("4111111111111111")), List.of()).toString())
          .doesNotContain("4111").contains("<16 bytes>");
    }
  }

  static void assertViolation(ThrowingCallable action, String sqlState, String messagePart) {
    assertThatThrownBy(action).isInstanceOfSatisfying(ProtocolViolation.class, v -> {
      assertThat(v.sqlState()).isEqualTo(sqlState);
      assertThat(v.getMessage()).contains(messagePart);
    });
  }
}
