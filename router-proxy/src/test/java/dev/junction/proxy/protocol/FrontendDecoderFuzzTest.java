package dev.junction.proxy.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.junction.proxy.protocol.FrontendMessage.Bind;
import dev.junction.proxy.protocol.FrontendMessage.CopyData;
import dev.junction.proxy.protocol.FrontendMessage.FunctionCall;
import dev.junction.proxy.protocol.FrontendMessage.PasswordMessage;
import dev.junction.proxy.protocol.FrontendMessage.SslRequest;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Feeds random bytes and mutated valid streams to the decoder. The only acceptable outcomes are
 * decoded messages, waiting for more bytes, or a {@link ProtocolViolation} with a known SQLSTATE;
 * per-case heap allocation must stay far below what trusting a corrupted length would cost.
 */
class FrontendDecoderFuzzTest {
  private static final int MAX_MESSAGE = 1024 * 1024;
  private static final DecoderLimits LIMITS = new DecoderLimits(MAX_MESSAGE, 10_000);
  /**
   * A sub-kilobyte input costs ~15 KB (channel, records, exception); trusting a corrupted length up
   * to the 1 MiB limit or a 65535 count would cost far more than this.
   */
  private static final long MAX_ALLOCATION_PER_CASE = 256 * 1024;
  private static final Set<String> EXPECTED_STATES = Set.of(SqlStates.PROTOCOL_VIOLATION,
      SqlStates.PROGRAM_LIMIT_EXCEEDED, SqlStates.CHARACTER_NOT_IN_REPERTOIRE, SqlStates.FEATURE_NOT_SUPPORTED,
      SqlStates.INVALID_AUTHORIZATION_SPECIFICATION);

  private static com.sun.management.ThreadMXBean threads;
  private static byte[] validStream;
  private static List<Integer> frameStarts;

  private boolean measuring;
  private long maxObservedAllocation;
  private int violations;
  private int decodedMessages;

  @BeforeAll
  static void buildValidStream() {
    threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    List<byte[]> frames = new ArrayList<>();
    frames.add(FrontendWriter.startup(Map.of("user", "fuzz", "database", "db", "_pq_.x", "1")));
    frames.add(FrontendWriter.encode(new PasswordMessage("SCRAM-SHA-256\0\0\0\0\3abc".getBytes())));
    for (FrontendMessage m : FrontendDecoderTest.typedMessages()) {
      frames.add(FrontendWriter.encode(m));
    }
    frames.add(FrontendWriter.encode(FrontendMessage.Terminate.INSTANCE));
    frameStarts = new ArrayList<>();
    int pos = 0;
    for (byte[] f : frames) {
      frameStarts.add(pos);
      pos += f.length;
    }
    validStream = FrontendWriter.concatBytes(frames.toArray(new byte[0][]));
  }

  /** Class loading and JIT compilation allocate on the first runs; measure only afterwards. */
  @BeforeEach
  void warmUp() {
    Random random = new Random(99);
    for (int i = 0; i < 3_000; i++) {
      byte[] junk = new byte[random.nextInt(64)];
      random.nextBytes(junk);
      run(i % 2 == 0 ? mutate(validStream, random) : junk, random, i % 3 == 0);
    }
    violations = 0;
    decodedMessages = 0;
    measuring = true;
  }

  @Test
  void unmutatedStreamDecodesCompletely() {
    List<Object> out = run(validStream, new Random(1), false);
    assertThat(out).hasSize(2 + FrontendDecoderTest.typedMessages().size() + 1);
    assertThat(violations).isZero();
  }

  @Test
  void randomBytesInEveryPhase() {
    Random random = new Random(0xC0FFEE);
    for (int i = 0; i < 12_000; i++) {
      byte[] junk = new byte[random.nextInt(300)];
      random.nextBytes(junk);
      switch (i % 3) {
        case 0 -> run(junk, random, false);
        case 1 -> run(FrontendWriter.concatBytes(validStream, junk), random, false);
        default -> {
          byte[] startup = FrontendWriter.startup(Map.of("user", "u"));
          byte[] typedJunk = junk.length > 0 ? junk : new byte[] {'Q'};
          typedJunk[0] = "QPBDECSHXdcfFp".getBytes()[random.nextInt(14)];
          run(FrontendWriter.concatBytes(startup, typedJunk), random, true);
        }
      }
    }
    report("random");
  }

  @Test
  void mutationsOfValidStreams() {
    Random random = new Random(20240611);
    for (int i = 0; i < 30_000; i++) {
      run(mutate(validStream, random), random, i % 2 == 0);
    }
    report("mutations");
    assertThat(violations).as("mutations must actually hit the error paths").isGreaterThan(10_000);
  }

  @Test
  void sslRequestFollowedByMutatedStartup() {
    Random random = new Random(7);
    byte[] ssl = FrontendWriter.encode(SslRequest.INSTANCE);
    for (int i = 0; i < 5_000; i++) {
      byte[] rest = mutate(validStream, random);
      runChunks(List.of(ssl, rest), random, false);
    }
    report("ssl");
  }

  private static byte[] mutate(byte[] valid, Random random) {
    byte[] b = valid.clone();
    int mutations = 1 + random.nextInt(3);
    for (int m = 0; m < mutations; m++) {
      switch (random.nextInt(8)) {
        case 0 -> { // bit flips
          for (int k = 1 + random.nextInt(8); k > 0; k--) {
            int at = random.nextInt(b.length);
            b[at] ^= (byte) (1 << random.nextInt(8));
          }
        }
        case 1 -> b = Arrays.copyOf(b, random.nextInt(b.length + 1)); // truncation
        case 2 -> { // corrupt a frame's length field
          int frame = frameStarts.get(random.nextInt(frameStarts.size()));
          int lengthAt = frame == 0 ? 0 : frame + 1;
          int[] nasty = {0, 3, 4, 5, -1, -4, Integer.MAX_VALUE, Integer.MIN_VALUE, MAX_MESSAGE, MAX_MESSAGE + 1,
              10_000, 10_001, 65_535, 65_536, random.nextInt()};
          if (lengthAt + 4 <= b.length) {
            int value = nasty[random.nextInt(nasty.length)];
            b[lengthAt] = (byte) (value >>> 24);
            b[lengthAt + 1] = (byte) (value >>> 16);
            b[lengthAt + 2] = (byte) (value >>> 8);
            b[lengthAt + 3] = (byte) value;
          }
        }
        case 3 -> { // corrupt a 16-bit count or 32-bit value length anywhere
          int at = random.nextInt(Math.max(1, b.length - 4));
          if (at + 4 <= b.length) {
            int value = random.nextBoolean() ? 0xFFFF_FFFF : random.nextBoolean() ? 0x7FFF_FFFF : 0xFFFE_FFFF;
            int width = random.nextBoolean() ? 2 : 4;
            for (int k = 0; k < width; k++) {
              b[at + k] = (byte) (value >>> (8 * (width - 1 - k)));
            }
          }
        }
        case 4 -> { // remove NUL terminators
          for (int k = 0; k < b.length; k++) {
            if (b[k] == 0 && random.nextInt(4) == 0) {
              b[k] = 'x';
            }
          }
        }
        case 5 -> { // insert random bytes
          int at = random.nextInt(b.length + 1);
          byte[] insert = new byte[1 + random.nextInt(16)];
          random.nextBytes(insert);
          b = FrontendWriter.concatBytes(Arrays.copyOf(b, at), insert,
              Arrays.copyOfRange(b, at, b.length));
        }
        case 6 -> { // delete a slice
          if (b.length > 2) {
            int from = random.nextInt(b.length - 1);
            int to = Math.min(b.length, from + 1 + random.nextInt(16));
            b = FrontendWriter.concatBytes(Arrays.copyOf(b, from), Arrays.copyOfRange(b, to, b.length));
          }
        }
        default -> { // random byte values
          for (int k = 1 + random.nextInt(4); k > 0 && b.length > 0; k--) {
            b[random.nextInt(b.length)] = (byte) random.nextInt(256);
          }
        }
      }
      if (b.length == 0) {
        b = new byte[] {0};
      }
    }
    return b;
  }

  private List<Object> run(byte[] input, Random random, boolean authenticateImmediately) {
    return runChunks(List.of(input), random, authenticateImmediately);
  }

  /** Feeds each part (in random chunks), simulating an authenticator that accepts any password. */
  private List<Object> runChunks(List<byte[]> parts, Random random, boolean authenticateImmediately) {
    FrontendDecoder decoder = new FrontendDecoder(LIMITS);
    List<Object> decoded = new ArrayList<>();
    EmbeddedChannel channel = new EmbeddedChannel(decoder, new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        decoded.add(msg);
        if (decoder.phase() == FrontendDecoder.Phase.AUTHENTICATION
            && (authenticateImmediately || msg instanceof PasswordMessage)) {
          decoder.authenticationSucceeded();
        }
      }
    });
    long before = threads.getCurrentThreadAllocatedBytes();
    try {
      for (byte[] part : parts) {
        int pos = 0;
        while (pos < part.length) {
          int n = random.nextInt(4) == 0 ? 1 + random.nextInt(8) : part.length - pos;
          n = Math.min(n, part.length - pos);
          channel.writeInbound(Unpooled.wrappedBuffer(part, pos, n));
          pos += n;
        }
      }
    } catch (ProtocolViolation v) {
      violations++;
      assertThat(v.sqlState()).isIn(EXPECTED_STATES);
      assertThat(v.getMessage()).isNotBlank();
      assertThat(decoder.phase()).isEqualTo(FrontendDecoder.Phase.FAILED);
    }
    // Any other Throwable propagates and fails the test with the offending input's seed context.
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    if (measuring && allocated >= MAX_ALLOCATION_PER_CASE) {
      // The first visit of a code path allocates for class initialisation; only a warm repeat counts.
      measuring = false;
      long again = threads.getCurrentThreadAllocatedBytes();
      runChunks(parts, new Random(0), authenticateImmediately);
      allocated = threads.getCurrentThreadAllocatedBytes() - again;
      measuring = true;
      assertThat(allocated).as("heap allocated for one (warm) fuzz case").isLessThan(MAX_ALLOCATION_PER_CASE);
    }
    if (measuring) {
      maxObservedAllocation = Math.max(maxObservedAllocation, allocated);
    }
    for (Object m : decoded) {
      assertThat(m).isInstanceOf(FrontendMessage.class);
      assertThat(payloadBytes(m)).isLessThanOrEqualTo(MAX_MESSAGE);
    }
    decodedMessages += decoded.size();
    channel.finishAndReleaseAll();
    return decoded;
  }

  private static long payloadBytes(Object m) {
    if (m instanceof Bind b) {
      return b.parameterValues().stream().mapToLong(v -> v == null ? 0 : v.length).sum();
    }
    if (m instanceof FunctionCall f) {
      return f.arguments().stream().mapToLong(v -> v == null ? 0 : v.length).sum();
    }
    if (m instanceof CopyData d) {
      return d.data().length;
    }
    if (m instanceof PasswordMessage p) {
      return p.payload().length;
    }
    return 0;
  }

  private void report(String name) {
    System.out.printf("fuzz %s: %d violations, %d messages decoded, max allocation per case %d bytes%n", name,
        violations, decodedMessages, maxObservedAllocation);
  }
}
