package dev.junction.proxy.protocol;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Answers a {@link ProtocolViolation} the way PostgreSQL does: one FATAL ErrorResponse with the
 * violation's SQLSTATE, then the connection is closed, because after a framing error no later byte
 * can be trusted. Other exceptions are passed on. Place it after the connection handler (closer to the
 * tail of the pipeline). It encodes the error itself, so it needs no {@link BackendEncoder} (the relay
 * removes that once the client is logged in).
 */
@Sharable
public final class ProtocolErrorHandler extends ChannelInboundHandlerAdapter {
  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof ProtocolViolation violation) {
      if (ctx.channel().isActive()) {
        io.netty.buffer.ByteBuf error = ctx.alloc().buffer(128);
        new BackendMessage.ErrorResponse(violation.toError()).writeTo(error);
        ctx.writeAndFlush(error).addListener(ChannelFutureListener.CLOSE);
      }
      return;
    }
    if (cause instanceof java.io.IOException) {
      ctx.close(); // the peer went away (reset, closed channel): nothing to report to it
      return;
    }
    ctx.fireExceptionCaught(cause);
  }
}
