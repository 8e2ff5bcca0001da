package io.portcullis.gateway.pipeline;

import io.portcullis.gateway.http.Ids;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;

/**
 * Step 1: starts the exchange and its clock, keeps a well-formed inbound {@code X-Request-Id} or
 * mints one, keeps a valid W3C {@code traceparent} or starts a trace, and pauses the request body
 * until the forward step pipes it (the auth steps are asynchronous; nothing may be lost meanwhile).
 */
final class RequestIdHandler implements Handler<RoutingContext> {
  static final String REQUEST_ID = "X-Request-Id";
  static final String TRACEPARENT = "traceparent";
  // W3C Trace Context §3.2: version 00, 32 hex trace id, 16 hex parent id, 2 hex flags; all-zero
  // ids
  // are invalid.
  private static final Pattern TRACE = Pattern.compile("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");

  private final BiConsumer<RoutingContext, Exchange> onEnd;

  RequestIdHandler(BiConsumer<RoutingContext, Exchange> onEnd) {
    this.onEnd = onEnd;
  }

  @Override
  public void handle(RoutingContext ctx) {
    var request = ctx.request();
    if (!request.canUpgradeToWebSocket()) {
      // An upgrade has no body to protect, and its tunnel must not inherit a pause.
      request.pause();
    }
    Exchange ex = Exchange.start(ctx, System.nanoTime());
    String inbound = request.getHeader(REQUEST_ID);
    ex.requestId = Ids.wellFormed(inbound) ? inbound : newId();
    request.headers().set(REQUEST_ID, ex.requestId);
    String trace = request.getHeader(TRACEPARENT);
    if (trace == null
        || !TRACE.matcher(trace).matches()
        || trace.startsWith("00-00000000000000000000000000000000")
        || trace.substring(36, 52).equals("0000000000000000")) {
      trace = "00-" + hex(16) + "-" + hex(8) + "-01";
      request.headers().set(TRACEPARENT, trace);
    }
    ex.traceparent = trace;
    ctx.response().putHeader(REQUEST_ID, ex.requestId);
    ctx.addEndHandler(v -> onEnd.accept(ctx, ex));
    ctx.next();
  }

  private static String newId() {
    return Ids.randomHex(16);
  }

  private static String hex(int bytes) {
    return Ids.randomHex(bytes);
  }
}
