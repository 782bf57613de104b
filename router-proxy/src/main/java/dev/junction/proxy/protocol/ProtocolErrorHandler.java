package dev.junction.proxy.protocol;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Answers a {@link ProtocolViolation} the way PostgreSQL does: one FATAL ErrorResponse with the
 * violation's SQLSTATE, then the connection is closed, because after a framing error no later byte
 * can be trusted. Other exceptions are passed on. Place it after the connection handler and
 * after {@link BackendEncoder} (closer to the tail of the pipeline).
 */
@Sharable
public final class ProtocolErrorHandler extends ChannelInboundHandlerAdapter {
  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof ProtocolViolation violation) {
      if (ctx.channel().isActive()) {
        ctx.writeAndFlush(new BackendMessage.ErrorResponse(violation.toError()))
            .addListener(ChannelFutureListener.CLOSE);
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
