package dev.junction.proxy.relay;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The smallest PostgreSQL server a relay {@link Pool} can log into: trust authentication, then
 * ReadyForQuery, then it only waits for Terminate or the end of the connection. Logins can be held
 * (a {@link #hold()} gate) to keep connections "opening" as long as a test needs, and it counts the
 * connections open at any moment. One thread per connection; for pool accounting tests only.
 */
final class FakeBackend implements AutoCloseable {
  private final ServerSocket server;
  private final Thread acceptor;
  private volatile CountDownLatch gate;
  /** Each login takes a random time up to this, so that connections stay "opening" for a while. */
  volatile int maxLoginDelayMicros;
  final AtomicInteger accepted = new AtomicInteger();
  final AtomicInteger open = new AtomicInteger();
  final AtomicInteger loggedIn = new AtomicInteger();

  FakeBackend() throws IOException {
    server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
    acceptor = new Thread(this::accept, "fake-backend-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return server.getLocalPort();
  }

  /** Logins from now on wait until {@link #letLoginsThrough()}. */
  void hold() {
    gate = new CountDownLatch(1);
  }

  void letLoginsThrough() {
    CountDownLatch g = gate;
    gate = null;
    if (g != null) {
      g.countDown();
    }
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        accepted.incrementAndGet();
        open.incrementAndGet();
        Thread t = new Thread(() -> serve(s), "fake-backend-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket s) {
    try (s; DataInputStream in = new DataInputStream(s.getInputStream()); OutputStream out = s.getOutputStream()) {
      int length = in.readInt();
      in.readFully(new byte[length - 4]); // StartupMessage: its parameters do not matter here
      CountDownLatch g = gate;
      if (g != null) {
        g.await();
      }
      int delay = maxLoginDelayMicros;
      if (delay > 0) {
        java.util.concurrent.locks.LockSupport.parkNanos(java.util.concurrent.ThreadLocalRandom.current().nextLong(delay) * 1000);
      }
      ByteBuffer login = ByteBuffer.allocate(9 + 13 + 6);
      login.put((byte) 'R').putInt(8).putInt(0); // AuthenticationOk
      login.put((byte) 'K').putInt(12).putInt(4242).putInt(7); // BackendKeyData
      login.put((byte) 'Z').putInt(5).put((byte) 'I'); // ReadyForQuery, idle
      out.write(login.array());
      out.flush();
      loggedIn.incrementAndGet();
      while (true) {
        int type = in.read();
        if (type < 0 || type == 'X') {
          return;
        }
        int len = in.readInt();
        in.readFully(new byte[len - 4]); // nothing else is answered: the pool tests send no statements
      }
    } catch (EOFException | InterruptedException e) {
      // the client went away
    } catch (IOException e) {
      // reset by the client
    } finally {
      open.decrementAndGet();
    }
  }

  @Override
  public void close() throws IOException {
    letLoginsThrough();
    server.close();
  }
}
