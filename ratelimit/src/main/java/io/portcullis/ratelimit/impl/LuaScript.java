package io.portcullis.ratelimit.impl;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.Consumer;

/**
 * A Lua script run with {@code EVALSHA}: one round trip, the script body is not resent. After a
 * Redis restart or failover the script cache is empty and Redis answers {@code NOSCRIPT}; then the
 * call is repeated once with {@code EVAL}, which also loads the script for the next calls.
 */
final class LuaScript {
  private final String source;
  private final String sha;

  private LuaScript(String source) {
    this.source = source;
    this.sha = sha1(source);
  }

  static LuaScript load(String resource) {
    try (InputStream in = LuaScript.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + resource);
      }
      return new LuaScript(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String sha() {
    return sha;
  }

  /**
   * Loads the script into the server's cache ({@code SCRIPT LOAD}) so the next {@code EVALSHA} does
   * not meet {@code NOSCRIPT}. In a Cluster this reaches one node; the others load it on their
   * first {@code NOSCRIPT}.
   */
  Future<Void> preload(RedisLanes redis) {
    return redis.send(Request.cmd(Command.SCRIPT).arg("LOAD").arg(source)).mapEmpty();
  }

  /** Runs the script on one key; arguments are sent as text. */
  Future<Response> run(RedisLanes redis, String key, Object... args) {
    return run(
        redis,
        1,
        r -> {
          r.arg(key);
          for (Object a : args) {
            r.arg(a.toString());
          }
        });
  }

  /**
   * Runs the script with {@code numKeys} keys: {@code keysAndArgs} appends the keys, then the
   * arguments, to the request (it is called again for the {@code EVAL} after a {@code NOSCRIPT}).
   */
  Future<Response> run(RedisLanes redis, int numKeys, Consumer<Request> keysAndArgs) {
    return redis
        .send(request(Command.EVALSHA, sha, numKeys, keysAndArgs))
        .recover(
            err ->
                isNoScript(err)
                    ? redis.send(request(Command.EVAL, source, numKeys, keysAndArgs))
                    : Future.failedFuture(err));
  }

  private static Request request(
      Command command, String script, int numKeys, Consumer<Request> keysAndArgs) {
    Request r = Request.cmd(command).arg(script).arg(numKeys);
    keysAndArgs.accept(r);
    return r;
  }

  private static boolean isNoScript(Throwable err) {
    String m = err.getMessage();
    return m != null && m.startsWith("NOSCRIPT");
  }

  private static String sha1(String s) {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
