package dev.junction.proxy.protocol;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** An EmbeddedChannel around a fresh {@link FrontendDecoder}, with delivery helpers. */
final class DecoderHarness {
  final FrontendDecoder decoder;
  final EmbeddedChannel channel;

  DecoderHarness(DecoderLimits limits) {
    decoder = new FrontendDecoder(limits);
    channel = new EmbeddedChannel(decoder);
  }

  DecoderHarness() {
    this(DecoderLimits.defaults());
  }

  /** A decoder past startup and authentication. */
  static DecoderHarness ready() {
    DecoderHarness h = new DecoderHarness();
    h.feed(FrontendWriter.startup(Map.of("user", "alice")));
    h.drain();
    h.decoder.authenticationSucceeded();
    return h;
  }

  void feed(byte[] bytes) {
    channel.writeInbound(Unpooled.wrappedBuffer(bytes));
  }

  void feedByteByByte(byte[] bytes) {
    for (byte b : bytes) {
      channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
    }
  }

  /** Feeds in chunks of the given sizes (cycled). */
  void feedInChunks(byte[] bytes, int... sizes) {
    int pos = 0;
    for (int i = 0; pos < bytes.length; i++) {
      int n = Math.min(sizes[i % sizes.length], bytes.length - pos);
      channel.writeInbound(Unpooled.wrappedBuffer(bytes, pos, n));
      pos += n;
    }
  }

  List<Object> drain() {
    List<Object> out = new ArrayList<>();
    Object m;
    while ((m = channel.readInbound()) != null) {
      out.add(m);
    }
    return out;
  }
}
