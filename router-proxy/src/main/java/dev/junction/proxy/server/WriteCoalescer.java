package dev.junction.proxy.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;

/**
 * Copies the small messages written to a client between two flushes into one buffer, so that a
 * flush hands the socket one buffer instead of one per protocol message.
 *
 * <p>WHY: the relay passes each backend message on as it was decoded (a slice of the read buffer),
 * and the proxy writes its own messages one by one; a select-only transaction is 4 to 6 messages of
 * a few dozen bytes. Each one was an outbound-buffer entry, a reference count kept alive until the
 * socket write, and an element of a gathering write. Copying a few hundred bytes costs less than
 * that; large messages (big rows) pass through unchanged, after what was gathered before them.
 * (Since proxy-perf4 the relay gathers the backend's messages itself, see {@code RelaySession#relay};
 * a lone small write is then held as it is, not copied.)
 *
 * <p>Bounded: at most {@link #MAX_GATHERED} bytes are held back; past that the gathered buffer is
 * written on (not flushed), so the channel's writability, which stops the backend from reading for a
 * client that does not read, still sees everything. Only writes with the void promise are gathered:
 * a write whose outcome someone waits for (a closing FATAL error) first sends what was gathered and
 * then goes through as it is, so order is kept. Nothing is held between a flush and the next write,
 * so an idle client costs nothing here. Sits between the encoder and TLS, so TLS gets fewer records.
 */
final class WriteCoalescer extends ChannelOutboundHandlerAdapter {
  /** Messages up to this size are copied; larger ones pass through. */
  static final int MAX_COPIED = 4 * 1024;
  /** What is held back at most before it is written on. */
  static final int MAX_GATHERED = 16 * 1024;

  private ByteBuf gathered;
  /**
   * The first small write since the last flush, held as it was written: the relay usually hands one
   * buffer per read batch (it gathers the backend's messages itself), and copying that one would
   * only cost an allocation. Never set together with {@link #gathered}.
   */
  private ByteBuf single;

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof ByteBuf buf && promise.isVoid()) {
      int n = buf.readableBytes();
      if (n <= MAX_COPIED) {
        ByteBuf g = gathered;
        if (g == null) {
          ByteBuf first = single;
          if (first == null) {
            single = buf;
            return;
          }
          single = null;
          int m = first.readableBytes();
          g = gathered = ctx.alloc().directBuffer(Math.max(1024, m + n));
          g.writeBytes(first, first.readerIndex(), m);
          first.release();
        }
        g.writeBytes(buf, buf.readerIndex(), n);
        buf.release();
        if (g.readableBytes() >= MAX_GATHERED) {
          gathered = null;
          ctx.write(g, ctx.voidPromise());
        }
        return;
      }
    }
    writeGathered(ctx);
    ctx.write(msg, promise);
  }

  @Override
  public void flush(ChannelHandlerContext ctx) {
    writeGathered(ctx);
    ctx.flush();
  }

  @Override
  public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
    writeGathered(ctx); // unflushed, as it would have been without this handler
    ctx.close(promise);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    ByteBuf g = gathered;
    gathered = null;
    if (g != null) {
      g.release();
    }
    ByteBuf s = single;
    single = null;
    if (s != null) {
      s.release();
    }
  }

  private void writeGathered(ChannelHandlerContext ctx) {
    ByteBuf s = single;
    if (s != null) {
      single = null;
      ctx.write(s, ctx.voidPromise());
      return;
    }
    ByteBuf g = gathered;
    if (g != null) {
      gathered = null;
      ctx.write(g, ctx.voidPromise());
    }
  }
}
