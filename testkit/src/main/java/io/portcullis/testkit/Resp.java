package io.portcullis.testkit;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * One Redis command over a plain socket (RESP2), for test set-up and assertions where a client
 * library would be in the way: cluster bootstrap, {@code DBSIZE}, {@code PING}. What {@code
 * redis-cli} does in a shell, without needing {@code redis-cli} on the machine.
 */
public final class Resp {
  private Resp() {}

  /**
   * Sends {@code args} to 127.0.0.1:{@code port} and returns the reply as text: a status or bulk
   * string as is, an integer in decimal, an array one element per line, nil as {@code null}.
   *
   * @throws IllegalStateException on an error reply
   */
  public static String command(int port, String... args) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      ByteArrayOutputStream req = new ByteArrayOutputStream();
      req.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.UTF_8));
      for (String a : args) {
        byte[] b = a.getBytes(StandardCharsets.UTF_8);
        req.writeBytes(("$" + b.length + "\r\n").getBytes(StandardCharsets.UTF_8));
        req.writeBytes(b);
        req.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
      }
      out.write(req.toByteArray());
      out.flush();
      return read(new BufferedInputStream(s.getInputStream()));
    } catch (IOException e) {
      throw new UncheckedIOException("redis 127.0.0.1:" + port + " " + args[0], e);
    }
  }

  private static String read(InputStream in) throws IOException {
    String line = line(in);
    char type = line.charAt(0);
    String rest = line.substring(1);
    switch (type) {
      case '+', ':' -> {
        return rest;
      }
      case '-' -> throw new IllegalStateException("redis error: " + rest);
      case '$' -> {
        int n = Integer.parseInt(rest);
        if (n < 0) {
          return null;
        }
        byte[] b = in.readNBytes(n + 2);
        return new String(b, 0, n, StandardCharsets.UTF_8);
      }
      case '*' -> {
        int n = Integer.parseInt(rest);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
          sb.append(i == 0 ? "" : "\n").append(read(in));
        }
        return n < 0 ? null : sb.toString();
      }
      default -> throw new IOException("not a RESP reply: " + line);
    }
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != '\n') {
      if (c < 0) {
        throw new IOException("connection closed mid-reply");
      }
      if (c != '\r') {
        b.write(c);
      }
    }
    return b.toString(StandardCharsets.UTF_8);
  }
}
