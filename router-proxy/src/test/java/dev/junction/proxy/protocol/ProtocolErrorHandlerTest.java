package dev.junction.proxy.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProtocolErrorHandlerTest {

  @Test
  void violationIsAnsweredWithFatalErrorResponseAndClose() {
    EmbeddedChannel channel = new EmbeddedChannel(new FrontendDecoder(), new BackendEncoder(), new ProtocolErrorHandler());
    channel.writeInbound(Unpooled.wrappedBuffer(FrontendWriter.startup(Map.of("user", "a"))));
    assertThat((Object) channel.readInbound()).isInstanceOf(FrontendMessage.StartupMessage.class);

    channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {'Q', 0, 0, 0, 4}));

    ByteBuf out = channel.readOutbound();
    List<BackendReader.Frame> frames = BackendReader.frames(ByteBufUtil.getBytes(out));
    out.release();
    assertThat(frames).hasSize(1);
    assertThat(frames.get(0).type()).isEqualTo('E');
    Map<Character, String> fields = BackendReader.noticeFields(frames.get(0).body());
    assertThat(fields).containsEntry('S', "FATAL").containsEntry('C', "08P01");
    assertThat(fields.get('M')).contains("expected a password message during authentication");
    assertThat(channel.isOpen()).isFalse();
    channel.checkException(); // handled, not propagated
  }

  @Test
  void oversizedMessageReportsProgramLimitExceeded() {
    EmbeddedChannel channel = new EmbeddedChannel(new FrontendDecoder(), new BackendEncoder(), new ProtocolErrorHandler());
    channel.writeInbound(Unpooled.wrappedBuffer(FrontendWriter.untyped(196608, new byte[20_000])));
    ByteBuf out = channel.readOutbound();
    Map<Character, String> fields = BackendReader.noticeFields(BackendReader.frames(ByteBufUtil.getBytes(out)).get(0).body());
    out.release();
    assertThat(fields).containsEntry('C', "54000");
    assertThat(channel.isOpen()).isFalse();
  }
}
