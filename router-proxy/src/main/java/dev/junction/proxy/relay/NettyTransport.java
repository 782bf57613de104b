package dev.junction.proxy.relay;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.Locale;

/**
 * The proxy's socket transport: Linux's native epoll when Netty's native library loads (the
 * {@code netty-transport-native-epoll} jar ships it for x86-64), else Java NIO. The system property
 * {@value #PROPERTY} ({@code nio} or {@code epoll}) overrides the choice; {@code epoll} where it is not
 * available falls back to NIO with a warning.
 *
 * <p>WHY: a relayed transaction is a handful of small reads and writes on two sockets. The epoll
 * transport does them with fewer system calls and no selector bookkeeping (edge-triggered events,
 * no selected-key set, no wake-up through a pipe), which showed in the pgbench profile as the largest
 * share of the proxy's time. A client and the backends it borrows share one event loop (see
 * {@link Pool}), so both transports keep every relay hop on one thread.
 *
 * <p>A channel must be created for the transport of the loop it is registered on; {@link #socketChannel}
 * picks it from the loop, so code that is handed a loop (tests pass NIO loops) stays correct.
 */
public final class NettyTransport {
  /** {@code -Djunction.proxy.transport=nio|epoll}. */
  public static final String PROPERTY = "junction.proxy.transport";
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(NettyTransport.class);
  private static final boolean EPOLL = chooseEpoll();

  private NettyTransport() {}

  private static boolean chooseEpoll() {
    String wanted = System.getProperty(PROPERTY, "auto").trim().toLowerCase(Locale.ROOT);
    if (wanted.equals("nio")) {
      return false;
    }
    boolean available;
    try {
      available = Epoll.isAvailable();
    } catch (Throwable t) { // the classes or the native library are missing: NIO
      available = false;
    }
    if (!available && wanted.equals("epoll")) {
      log.warn("{}=epoll, but the native epoll transport is not available here ({}); using NIO", PROPERTY,
          Epoll.unavailabilityCause() == null ? "?" : Epoll.unavailabilityCause().toString());
    }
    return available;
  }

  /** "epoll" or "nio": what {@link #group} creates. */
  public static String name() {
    return EPOLL ? "epoll" : "nio";
  }

  /** An event loop group of {@code threads} loops on the chosen transport. */
  public static EventLoopGroup group(int threads) {
    IoHandlerFactory factory = EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    return new MultiThreadIoEventLoopGroup(threads, factory);
  }

  /** The server channel class for a group made by {@link #group}. */
  public static Class<? extends ServerChannel> serverChannel() {
    return EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }

  /** The client socket channel class that can register on {@code loop}. */
  public static Class<? extends SocketChannel> socketChannel(EventLoop loop) {
    if (EPOLL && loop instanceof IoEventLoop io && io.isCompatible(EpollIoHandle.class)) {
      return EpollSocketChannel.class;
    }
    return NioSocketChannel.class;
  }
}
