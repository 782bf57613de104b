package dev.junction.proxy.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the backend message splitter: valid streams cut at random points must come out as exactly
 * the messages that went in (byte for byte, so relaying them is exact); random bytes must end in
 * messages or a {@link DecoderException}, never anything else, and never buffer past the limit.
 */
class BackendDecoderFuzzTest {
  private static final int LIMIT = 1 << 16;

  @Test
  void validStreamsSplitAnywhereComeOutAsTheSameMessages() {
    Random random = new Random(20261204);
    for (int round = 0; round < 3000; round++) {
      List<byte[]> messages = new ArrayList<>();
      ByteArrayOutputStream stream = new ByteArrayOutputStream();
      int count = 1 + random.nextInt(20);
      for (int i = 0; i < count; i++) {
        byte[] body = new byte[random.nextInt(round % 10 == 0 ? 5000 : 40)];
        random.nextBytes(body);
        byte[] m = new byte[5 + body.length];
        m[0] = (byte) "DTCZE12snNSAGHdc".charAt(random.nextInt(16));
        int length = 4 + body.length;
        m[1] = (byte) (length >>> 24);
        m[2] = (byte) (length >>> 16);
        m[3] = (byte) (length >>> 8);
        m[4] = (byte) length;
        System.arraycopy(body, 0, m, 5, body.length);
        messages.add(m);
        stream.writeBytes(m);
      }
      byte[] all = stream.toByteArray();
      EmbeddedChannel ch = new EmbeddedChannel(new BackendDecoder(LIMIT, null));
      int at = 0;
      while (at < all.length) {
        int n = Math.min(all.length - at, 1 + random.nextInt(random.nextBoolean() ? 7 : 700));
        ch.writeInbound(Unpooled.wrappedBuffer(all, at, n));
        at += n;
      }
      List<byte[]> out = new ArrayList<>();
      ByteBuf m;
      while ((m = ch.readInbound()) != null) {
        out.add(ByteBufUtil.getBytes(m));
        m.release();
      }
      assertThat(out).hasSize(messages.size());
      for (int i = 0; i < out.size(); i++) {
        assertThat(out.get(i)).isEqualTo(messages.get(i));
      }
      ch.finishAndReleaseAll();
    }
  }

  @Test
  void randomBytesGiveMessagesOrADecoderExceptionAndNothingElse() {
    Random random = new Random(7);
    int failures = 0;
    for (int round = 0; round < 20000; round++) {
      byte[] junk = new byte[1 + random.nextInt(64)];
      random.nextBytes(junk);
      if (random.nextBoolean() && junk.length >= 5) { // plausible small lengths half of the time
        junk[1] = 0;
        junk[2] = 0;
        junk[3] = 0;
      }
      EmbeddedChannel ch = new EmbeddedChannel(new BackendDecoder(LIMIT, null));
      try {
        ch.writeInbound(Unpooled.wrappedBuffer(junk));
        ByteBuf m;
        while ((m = ch.readInbound()) != null) {
          int length = m.getInt(1);
          assertThat(length).isBetween(4, LIMIT);
          assertThat(m.readableBytes()).isEqualTo(length + 1);
          m.release();
        }
      } catch (DecoderException e) {
        failures++;
        assertThat(e.getMessage()).contains("invalid backend message length");
      } finally {
        ch.finishAndReleaseAll();
      }
    }
    assertThat(failures).as("random lengths are mostly rejected").isGreaterThan(1000);
  }
}
