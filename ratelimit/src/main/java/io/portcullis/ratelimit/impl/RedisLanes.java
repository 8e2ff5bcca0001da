package io.portcullis.ratelimit.impl;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One long-lived, pipelined Redis connection per calling thread: in the gateway, one per event
 * loop, opened from that loop, so a decision's command and its answer never cross threads and never
 * wait for a pool.
 *
 * <p>Why not the client's pool ({@code Redis.send}): each call there acquires and releases a pooled
 * connection, and a connection opened on one event loop answers on that loop, so calls from the
 * other loops hop threads twice. Measured on the 2-core bench machine: 148 µs of gateway CPU per
 * request with the pool against 76 µs with limiting off (load-tests/RESULTS.md, 2026-11-22).
 * Commands on one connection are pipelined (RESP answers in order), so concurrent decisions of one
 * loop share it without waiting for each other.
 *
 * <p>A connection that fails or closes is dropped; the next command opens a new one. While Redis is
 * down the circuit breaker keeps decisions away from here, so reconnects happen at the probe's
 * pace, not per request. Works the same for standalone, Sentinel (the connection goes to the
 * current master) and Cluster (the connection routes each key to its slot's node).
 *
 * <p>Commands an event loop sends while it handles one batch of ready sockets leave together: the
 * first schedules a flush on the loop, which runs once the loop has handled the sockets, and the
 * flush writes them all in one {@code write(2)} (a RESP pipeline) and reads their answers together.
 * Each command is still one round trip at most; under load many share one, on the gateway and in
 * Redis (fewer system calls and wake-ups on both sides). The client reports an error of any command
 * in a pipeline as the failure of the whole pipeline, without the other answers: then every caller
 * of that pipeline fails with that error and nothing is resent, since a command that did run (a
 * token taken) must not run twice. In practice the error is {@code NOSCRIPT} after a Redis restart,
 * which every {@code EVALSHA} of the pipeline gets alike, and which {@link LuaScript} answers with
 * one {@code EVAL} per caller. Cluster connections send one by one: a pipeline there must stay in
 * one slot.
 */
final class RedisLanes {
  private static final Pattern FAILED_COMMAND = Pattern.compile("(?:ERR )?\\[(\\d+)] (.*)");

  private final Redis client;
  private final boolean batching;
  private final ThreadLocal<Lane> lanes = ThreadLocal.withInitial(Lane::new);
  private final List<RedisConnection> open = new CopyOnWriteArrayList<>();
  private volatile boolean closed;
  private final java.util.concurrent.atomic.LongAdder pipelines =
      new java.util.concurrent.atomic.LongAdder();

  /**
   * @param batching whether commands of one event-loop pass may leave as one pipeline (not for
   *     Redis Cluster)
   */
  RedisLanes(Redis client, boolean batching) {
    this.client = client;
    this.batching = batching;
  }

  /** Pool connections the lanes may hold at once: every event loop Vert.x may run, and slack. */
  static int connectionsNeeded() {
    return 2 * Runtime.getRuntime().availableProcessors() + 4;
  }

  /** Sends on this thread's connection, opening it first if there is none. */
  Future<Response> send(Request request) {
    if (closed) {
      return Future.failedFuture("rate-limit Redis client closed");
    }
    Lane lane = lanes.get();
    RedisConnection connection = lane.connection;
    if (connection == null) {
      return connecting(lane).compose(c -> c.send(request));
    }
    Context loop = batching ? Vertx.currentContext() : null;
    if (loop == null || !loop.isEventLoopContext()) {
      return connection.send(request);
    }
    Promise<Response> answer = Promise.promise();
    if (lane.pending.isEmpty()) {
      loop.runOnContext(v -> flush(lane));
    }
    lane.pending.add(request);
    lane.answers.add(answer);
    return answer.future();
  }

  /** Sends what this loop queued during its last pass, as one pipeline when there are several. */
  private void flush(Lane lane) {
    List<Request> requests = List.copyOf(lane.pending);
    List<Promise<Response>> answers = List.copyOf(lane.answers);
    lane.pending.clear();
    lane.answers.clear();
    RedisConnection connection = lane.connection;
    if (connection == null) {
      answers.forEach(a -> a.tryFail("rate-limit Redis connection lost"));
      return;
    }
    if (requests.size() == 1) {
      connection.send(requests.get(0)).onComplete(answers.get(0));
      return;
    }
    pipelines.increment();
    connection
        .batch(requests)
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                List<Response> responses = ar.result();
                for (int i = 0; i < answers.size(); i++) {
                  answers.get(i).tryComplete(responses.get(i));
                }
                return;
              }
              failEach(answers, ar.cause());
            });
  }

  /** Opens this thread's connection if it has none; fails when Redis cannot be reached. */
  Future<Void> connectHere() {
    if (closed) {
      return Future.failedFuture("rate-limit Redis client closed");
    }
    Lane lane = lanes.get();
    if (lane.connection != null) {
      return Future.succeededFuture();
    }
    return connecting(lane).mapEmpty();
  }

  /** The lane's connect in progress, started if there is none: concurrent callers share one. */
  private Future<RedisConnection> connecting(Lane lane) {
    if (lane.connecting == null) {
      lane.connecting = client.connect().andThen(ar -> opened(lane, ar.result()));
    }
    return lane.connecting;
  }

  private void opened(Lane lane, RedisConnection connection) {
    lane.connecting = null;
    if (connection == null) {
      return; // the connect failed; the caller's future fails, the next send tries again
    }
    if (closed) {
      connection.close();
      return;
    }
    lane.connection = connection;
    open.add(connection);
    connection.exceptionHandler(err -> drop(lane, connection));
    connection.endHandler(v -> drop(lane, connection));
  }

  private void drop(Lane lane, RedisConnection connection) {
    if (lane.connection == connection) {
      lane.connection = null;
    }
    open.remove(connection);
    connection.close();
  }

  /** Closes every connection and the client; later sends fail at once. */
  Future<Void> close() {
    closed = true;
    Future<?>[] closing = open.stream().map(RedisConnection::close).toArray(Future[]::new);
    open.clear();
    return Future.join(List.of(closing)).eventually(client::close).mapEmpty();
  }

  /**
   * The client fails a pipeline with one error listing each failed command as {@code ERR [i]
   * <error>}, one per line, and drops the other answers. Caller {@code i} gets its own error (so
   * {@code NOSCRIPT} reaches {@link LuaScript} as such); a caller whose command succeeded gets
   * {@link AnswerLost}: its answer is gone and resending could run the command twice.
   */
  private static void failEach(List<Promise<Response>> answers, Throwable failure) {
    String[] own = new String[answers.size()];
    String message = failure.getMessage() == null ? "" : failure.getMessage();
    for (String line : message.split("\\R")) {
      Matcher m = FAILED_COMMAND.matcher(line);
      if (m.matches()) {
        int i = Integer.parseInt(m.group(1));
        if (i < own.length) {
          own[i] = m.group(2);
        }
      }
    }
    for (int i = 0; i < answers.size(); i++) {
      answers.get(i).tryFail(own[i] == null ? new AnswerLost(failure) : new CommandFailed(own[i]));
    }
  }

  /** The error of one command of a failed pipeline. */
  static final class CommandFailed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CommandFailed(String message) {
      super(message, null, false, false);
    }
  }

  /** A command that ran, whose answer the client dropped because another one failed. */
  static final class AnswerLost extends RuntimeException {
    private static final long serialVersionUID = 1L;

    AnswerLost(Throwable cause) {
      super("answer lost: another command of its pipeline failed", cause, false, false);
    }
  }

  /** Pipelines of several commands sent so far. */
  long pipelines() {
    return pipelines.sum();
  }

  /** Confined to its thread. */
  private static final class Lane {
    RedisConnection connection;
    Future<RedisConnection> connecting;
    final List<Request> pending = new ArrayList<>();
    final List<Promise<Response>> answers = new ArrayList<>();
  }
}
