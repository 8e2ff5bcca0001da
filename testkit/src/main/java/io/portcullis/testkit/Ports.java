package io.portcullis.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;

/** Loopback port helpers. */
public final class Ports {
  private Ports() {}

  /** A port that was free a moment ago on 127.0.0.1. */
  public static int free() {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether something accepts TCP connections on 127.0.0.1:{@code port}. */
  public static boolean listening(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 300);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Waits until {@code port} accepts connections, or throws after {@code timeout}. */
  public static void awaitListening(int port, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!listening(port)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "nothing listens on 127.0.0.1:" + port + " after " + timeout);
      }
      Processes.pause(50);
    }
  }

  /** Waits until nothing accepts connections on {@code port}. */
  public static void awaitClosed(int port, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (listening(port)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("127.0.0.1:" + port + " still listens after " + timeout);
      }
      Processes.pause(50);
    }
  }
}
