package io.portcullis.gateway.http;

import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import java.util.function.BiConsumer;

/**
 * Requests Netty could not even decode: headers over {@code PORTCULLIS_MAX_HEADER_SIZE} are 431
 * {@code header_too_large}, anything else malformed 400 {@code invalid_request}; both with the SPEC
 * error body, then the connection is closed (its framing can no longer be trusted).
 */
public final class InvalidRequests implements Handler<HttpServerRequest> {
  private static final GatewayFailure TOO_LARGE =
      GatewayFailure.of(ErrorCode.HEADER_TOO_LARGE, "request headers too large");
  private static final GatewayFailure LINE_TOO_LONG =
      GatewayFailure.of(ErrorCode.INVALID_REQUEST, "request line too long");
  private static final GatewayFailure MALFORMED =
      GatewayFailure.of(ErrorCode.INVALID_REQUEST, "malformed HTTP request");

  private final BiConsumer<String, Long> counted;

  /**
   * @param counted told the error code and the nanoseconds spent of every refused request (the
   *     {@code portcullis_requests_total} counter, route {@code none})
   */
  public InvalidRequests(BiConsumer<String, Long> counted) {
    this.counted = counted;
  }

  @Override
  public void handle(HttpServerRequest request) {
    DecoderResult result = request.decoderResult();
    Throwable cause = result == null ? null : result.cause();
    refuse(
        request,
        cause instanceof TooLongHttpHeaderException
            ? TOO_LARGE
            : cause instanceof TooLongFrameException ? LINE_TOO_LONG : MALFORMED);
  }

  /**
   * {@code next} behind the {@link RequestShape} check: a request the router cannot take (no or two
   * {@code Host}, a broken percent-escape) is refused 400 here instead of failing inside it. One
   * guard for both listeners.
   */
  public Handler<HttpServerRequest> guarding(Handler<HttpServerRequest> next) {
    return request -> {
      String problem = RequestShape.problem(request);
      if (problem == null) {
        next.handle(request);
      } else {
        refuse(request, GatewayFailure.of(ErrorCode.INVALID_REQUEST, problem));
      }
    };
  }

  /**
   * Answers {@code failure} with the SPEC error body and a fresh {@code X-Request-Id}, then closes
   * the connection: what the client sends next on it can no longer be trusted.
   */
  public void refuse(HttpServerRequest request, GatewayFailure failure) {
    long start = System.nanoTime();
    String requestId = Ids.newRequestId();
    request.response().putHeader("Connection", "close").putHeader("X-Request-Id", requestId);
    request.response().endHandler(v -> request.connection().close());
    FailureResponder.respond(request.response(), failure, requestId);
    counted.accept(failure.code().code(), System.nanoTime() - start);
  }
}
