package io.portcullis.gateway.http;

import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import java.util.UUID;

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

  @Override
  public void handle(HttpServerRequest request) {
    DecoderResult result = request.decoderResult();
    Throwable cause = result == null ? null : result.cause();
    GatewayFailure failure =
        cause instanceof TooLongHttpHeaderException
            ? TOO_LARGE
            : cause instanceof TooLongFrameException ? LINE_TOO_LONG : MALFORMED;
    request.response().putHeader("Connection", "close");
    request.response().endHandler(v -> request.connection().close());
    FailureResponder.respond(request.response(), failure, UUID.randomUUID().toString());
  }
}
