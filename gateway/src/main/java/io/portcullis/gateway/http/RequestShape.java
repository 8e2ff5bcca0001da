package io.portcullis.gateway.http;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;

/**
 * What Netty decodes but the router cannot take: an HTTP/1.1 request without {@code Host} (RFC 9112
 * §3.2 asks for 400; vertx-web fails it as an internal error; HTTP/1.0 needs none) and a path with
 * a broken percent-escape (vertx-web's path normalisation throws). Checked before the router, so
 * such input is a 400 {@code invalid_request}, never a 500.
 */
public final class RequestShape {
  private RequestShape() {}

  /** Why {@code request} cannot be routed, or {@code null} when it can. */
  public static String problem(HttpServerRequest request) {
    if (request.version() == HttpVersion.HTTP_1_1 && request.authority() == null) {
      return "the Host header is required";
    }
    if (request.headers().getAll("Host").size() > 1) {
      return "one Host header only"; // RFC 9112 §3.2: which one an upstream believes is a guess
    }
    String path = request.path();
    if (path != null && !percentEscapesValid(path)) {
      return "the path has an invalid percent-escape";
    }
    return null;
  }

  /** Every {@code %} is followed by two hex digits (RFC 3986 §2.1). */
  static boolean percentEscapesValid(String path) {
    int i = path.indexOf('%');
    while (i >= 0) {
      if (i + 2 >= path.length() || !hex(path.charAt(i + 1)) || !hex(path.charAt(i + 2))) {
        return false;
      }
      i = path.indexOf('%', i + 3);
    }
    return true;
  }

  private static boolean hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }
}
