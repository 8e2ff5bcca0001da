package io.portcullis.gateway.state;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Redis pub/sub between instances: each committed change is published on one namespaced channel and
 * applied by every subscriber. Delivery is best effort (pub/sub keeps nothing for a disconnected
 * subscriber); the periodic catch-up from the store covers what is lost, and every (re)subscription
 * asks for an immediate catch-up.
 */
final class StateBus {
  private static final Logger LOG = LoggerFactory.getLogger(StateBus.class);
  private static final long RECONNECT_DELAY_MS = 500;

  private final Vertx vertx;
  private final String channel;
  private final Redis publisher;
  private final Redis subscriberClient;
  private final Runnable onMessage;
  private final Runnable onReconnect;
  private volatile RedisConnection subscriber;
  private volatile boolean closed;

  StateBus(Vertx vertx, String redisUrl, String channel, Runnable onMessage, Runnable onReconnect) {
    this.vertx = vertx;
    this.channel = channel;
    RedisOptions options = new RedisOptions().setConnectionString(redisUrl).setMaxPoolWaiting(64);
    this.publisher = Redis.createClient(vertx, options);
    this.subscriberClient = Redis.createClient(vertx, new RedisOptions(options));
    this.onMessage = onMessage;
    this.onReconnect = onReconnect;
  }

  /** Subscribes; keeps retrying in the background while Redis is down. */
  void start() {
    subscribe();
  }

  private void subscribe() {
    if (closed) {
      return;
    }
    subscriberClient
        .connect()
        .compose(
            conn -> {
              conn.handler(this::handle);
              conn.exceptionHandler(e -> lost(conn, e));
              conn.endHandler(v -> lost(conn, null));
              return conn.send(Request.cmd(Command.SUBSCRIBE).arg(channel)).map(conn);
            })
        .onSuccess(
            conn -> {
              subscriber = conn;
              LOG.info("state bus: subscribed to {}", channel);
              // Changes committed before the subscription took effect rang nobody here: the
              // first subscription may land after the initial load, a re-subscription after an
              // outage. One catch-up now reads them.
              onReconnect.run();
            })
        .onFailure(
            e -> {
              LOG.warn("state bus: cannot subscribe ({}); retrying", e.toString());
              vertx.setTimer(RECONNECT_DELAY_MS, t -> subscribe());
            });
  }

  private void lost(RedisConnection conn, Throwable e) {
    if (subscriber != conn || closed) {
      return;
    }
    subscriber = null;
    LOG.warn("state bus: subscription lost ({}); reconnecting", e == null ? "closed" : e);
    conn.close();
    vertx.setTimer(RECONNECT_DELAY_MS, t -> subscribe());
  }

  private void handle(Response message) {
    if (message == null || message.size() < 3 || !"message".equals(message.get(0).toString())) {
      return;
    }
    onMessage.run();
  }

  /** Rings for a committed change; a failure only delays the others until their catch-up. */
  Future<Void> publish(StateEntry committed) {
    return publisher
        .send(
            Request.cmd(Command.PUBLISH)
                .arg(channel)
                .arg(new JsonObject().put("rev", committed.revision()).encode()))
        .<Void>mapEmpty()
        .onFailure(
            e ->
                LOG.warn(
                    "state bus: publish of revision {} failed ({}); other instances catch up",
                    committed.revision(),
                    e.toString()));
  }

  Future<Void> close() {
    closed = true;
    RedisConnection conn = subscriber;
    if (conn != null) {
      conn.close();
    }
    subscriberClient.close();
    publisher.close();
    return Future.succeededFuture();
  }
}
