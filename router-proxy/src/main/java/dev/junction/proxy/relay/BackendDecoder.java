package dev.junction.proxy.relay;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderException;
import java.util.List;

/**
 * Splits a backend server's byte stream into whole messages, each a retained slice that still
 * holds its type byte and length, so the proxy can relay it to the client exactly as the server
 * sent it. The single-byte answer to an SSLRequest is the only untyped input; none is expected
 * here (backend TLS is not used).
 *
 * <p>A length below 4 or above {@code maxMessageLength} is a {@link DecoderException}: the
 * connection cannot be trusted any more and is closed.
 *
 * <p>Once the connection is ready, each message goes straight to its {@link BackendConnection}, the
 * next handler, instead of through the pipeline: WHY: a select-only transaction's answer is four
 * messages, and the pipeline's hand-over (the output list, finding the next context, the leak
 * detector's touch) was a visible share of the event loop. Exceptions still reach the connection's
 * {@code exceptionCaught}, as a {@link DecoderException}, as before.
 */
final class BackendDecoder extends ByteToMessageDecoder {
  private final int maxMessageLength;
  private final BackendConnection backend;

  BackendDecoder(int maxMessageLength, BackendConnection backend) {
    this.maxMessageLength = maxMessageLength;
    this.backend = backend;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    while (in.readableBytes() >= 5) {
      int start = in.readerIndex();
      int length = in.getInt(start + 1);
      if (length < 4 || length > maxMessageLength) {
        in.skipBytes(in.readableBytes());
        throw new DecoderException("invalid backend message length " + length + " for type 0x"
            + Integer.toHexString(in.getByte(start) & 0xff));
      }
      if (in.readableBytes() < length + 1) {
        return;
      }
      ByteBuf message = in.readRetainedSlice(length + 1);
      if (backend != null && backend.phase == BackendConnection.Phase.READY) {
        backend.onMessage(message);
      } else {
        out.add(message);
      }
    }
  }
}
