package dev.junction.proxy.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

/** Writes {@link BackendMessage}s to the channel. Stateless, so one instance serves all connections. */
@Sharable
public final class BackendEncoder extends MessageToByteEncoder<BackendMessage> {
  public BackendEncoder() {
    super(BackendMessage.class);
  }

  @Override
  protected void encode(ChannelHandlerContext ctx, BackendMessage msg, ByteBuf out) {
    msg.writeTo(out);
  }
}
