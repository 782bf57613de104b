package dev.junction.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The client write path's gathering: order, bounds, and writes whose outcome is awaited. */
class WriteCoalescerTest {

  private static ByteBuf text(String s) {
    return Unpooled.directBuffer().writeBytes(s.getBytes(StandardCharsets.US_ASCII));
  }

  private static List<String> flushed(EmbeddedChannel ch) {
    List<String> out = new ArrayList<>();
    ByteBuf b;
    while ((b = ch.readOutbound()) != null) {
      out.add(b.toString(StandardCharsets.US_ASCII));
      b.release();
    }
    return out;
  }

  @Test
  void smallMessagesBetweenTwoFlushesLeaveAsOneBuffer() {
    EmbeddedChannel ch = new EmbeddedChannel(new WriteCoalescer());
    ByteBuf a = text("T...");
    ByteBuf d = text("D...");
    ch.write(a, ch.voidPromise());
    ch.write(d, ch.voidPromise());
    ch.write(text("Z"), ch.voidPromise());
    assertThat(a.refCnt()).as("copied and released at once").isZero();
    assertThat(d.refCnt()).isZero();
    assertThat(flushed(ch)).as("nothing leaves before the flush").isEmpty();
    ch.flush();
    assertThat(flushed(ch)).containsExactly("T...D...Z");
    ch.flush();
    assertThat(flushed(ch)).as("nothing held after a flush").isEmpty();
    assertThat(ch.finish()).isFalse();
  }

  @Test
  void aLoneSmallWriteLeavesAsItWasWrittenAndKeepsItsPlace() {
    EmbeddedChannel ch = new EmbeddedChannel(new WriteCoalescer());
    ByteBuf only = text("TDCZ");
    ch.write(only, ch.voidPromise());
    assertThat(flushed(ch)).as("held until the flush").isEmpty();
    ch.flush();
    List<ByteBuf> out = new ArrayList<>();
    ByteBuf b;
    while ((b = ch.readOutbound()) != null) {
      out.add(b);
    }
    assertThat(out).as("the same buffer, not a copy").containsExactly(only);
    only.release();
    ByteBuf first = text("a");
    ch.write(first, ch.voidPromise());
    ch.write(text("x".repeat(WriteCoalescer.MAX_COPIED + 1)), ch.voidPromise());
    ch.write(text("b"), ch.voidPromise());
    ch.write(text("c"), ch.voidPromise());
    ch.flush();
    assertThat(flushed(ch)).containsExactly("a", "x".repeat(WriteCoalescer.MAX_COPIED + 1), "bc");
    assertThat(first.refCnt()).as("passed on as it was, released by the transport").isZero();
    ch.finishAndReleaseAll();
  }

  @Test
  void aLargeMessagePassesThroughAfterWhatWasGatheredBeforeIt() {
    EmbeddedChannel ch = new EmbeddedChannel(new WriteCoalescer());
    String big = "x".repeat(WriteCoalescer.MAX_COPIED + 1);
    ByteBuf large = text(big);
    ch.write(text("a"), ch.voidPromise());
    ch.write(large, ch.voidPromise());
    ch.write(text("b"), ch.voidPromise());
    ch.flush();
    assertThat(flushed(ch)).containsExactly("a", big, "b");
    assertThat(large.refCnt()).as("passed on, released by the transport").isZero();
    ch.finishAndReleaseAll();
  }

  @Test
  void anAwaitedWriteKeepsItsPromiseAndItsPlace() {
    EmbeddedChannel ch = new EmbeddedChannel(new WriteCoalescer());
    ch.write(text("relayed"), ch.voidPromise());
    ChannelFuture fatal = ch.writeAndFlush(text("E-fatal"));
    assertThat(fatal.isSuccess()).isTrue();
    assertThat(flushed(ch)).containsExactly("relayed", "E-fatal");
    ch.finishAndReleaseAll();
  }

  @Test
  void atMostSixteenKibibytesAreHeldBackSoWritabilitySeesTheRest() {
    EmbeddedChannel ch = new EmbeddedChannel(new WriteCoalescer());
    ByteBuf row = text("r".repeat(1000));
    int rows = 40; // 40,000 bytes
    for (int i = 0; i < rows; i++) {
      ch.write(row.retainedDuplicate(), ch.voidPromise());
    }
    row.release();
    long pending = ch.unsafe().outboundBuffer().totalPendingWriteBytes();
    assertThat(pending).as("written on, unflushed, in 16 KiB pieces").isGreaterThanOrEqualTo(rows * 1000 - WriteCoalescer.MAX_GATHERED);
    ch.flush();
    assertThat(String.join("", flushed(ch))).hasSize(rows * 1000);
    ch.finishAndReleaseAll();
  }

  @Test
  void closingReleasesWhatWasNotFlushed() {
    EmbeddedChannel ch = new EmbeddedChannel(new WriteCoalescer());
    ByteBuf a = text("unflushed");
    ch.write(a, ch.voidPromise());
    ch.close();
    assertThat(flushed(ch)).isEmpty();
    assertThat(ch.isOpen()).isFalse();
  }
}
