package io.portcullis.ratelimit.impl;

import io.vertx.core.Future;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

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
 * current master) and Cluster (the connection routes each key to its slot's node). Decisions of one
 * event-loop pass are combined into one command one level up, in {@link BucketCalls}.
 */
final class RedisLanes {
  private final Redis client;
  private final ThreadLocal<Lane> lanes = ThreadLocal.withInitial(Lane::new);
  private final List<RedisConnection> open = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  RedisLanes(Redis client) {
    this.client = client;
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
    return connection.send(request);
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

  /** Confined to its thread. */
  private static final class Lane {
    RedisConnection connection;
    Future<RedisConnection> connecting;
  }
}
