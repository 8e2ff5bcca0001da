package io.portcullis.gateway.proxy;

import io.portcullis.gateway.http.Whoami;
import io.portcullis.gateway.pipeline.Exchange;
import io.portcullis.gateway.pipeline.IdentityHeaders;
import io.portcullis.keyset.VerifiedToken;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which headers cross the gateway, in both directions (SPEC §4 step 8).
 *
 * <p>Toward the upstream: hop-by-hop headers are dropped (RFC 9110 §7.6.1, including those the
 * client named in {@code Connection}); a WebSocket upgrade keeps {@code Connection: Upgrade} and
 * {@code Upgrade} (RFC 6455 §4.1). Identity headers are set from verified claims only; the consumed
 * bearer token is dropped unless the route forwards it; {@code X-Forwarded-For/-Proto/-Host}, the
 * request id and {@code traceparent} are the gateway's. {@code Host} becomes the upstream's.
 *
 * <p>Toward the client: hop-by-hop headers are dropped (the server sets its own framing) and the
 * client gets exactly one {@code X-Request-Id}, the gateway's.
 */
final class HeaderRules {
  private static final HeaderNames HOP_BY_HOP =
      HeaderNames.of(
          "connection",
          "keep-alive",
          "proxy-connection",
          "proxy-authenticate",
          "proxy-authorization",
          "te",
          "trailer",
          "transfer-encoding",
          "upgrade");

  /** Set below from the exchange; a client's copy never passes. */
  private static final HeaderNames GATEWAY_OWNED =
      HeaderNames.of(
          "host", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-request-id");

  private final HeaderNames identity;

  HeaderRules(IdentityHeaders identity) {
    this.identity = HeaderNames.of(identity.all());
  }

  /** Fills {@code out}, the upstream request's headers, for one exchange. */
  void toUpstream(Exchange ex, HttpServerRequest inbound, MultiMap out, boolean webSocket) {
    MultiMap in = inbound.headers();
    Set<String> named = connectionTokens(in);
    boolean dropAuthorization = ex.verified != null && !ex.route.config().forwardToken();
    for (Map.Entry<String, String> h : in) {
      String name = h.getKey();
      if (GATEWAY_OWNED.contains(name) || identity.contains(name)) {
        continue;
      }
      if (HOP_BY_HOP.contains(name) || named.contains(name)) {
        if (!(webSocket && isUpgradeHeader(name))) {
          continue;
        }
      }
      if (dropAuthorization && name.equalsIgnoreCase("authorization")) {
        // The gateway consumed the bearer token: like Envoy jwt_authn's default (forward: false)
        // the upstream gets verified identity headers, not a replayable credential. auth: none
        // routes never consumed it and pass Authorization through untouched.
        continue;
      }
      out.add(name, h.getValue());
    }
    if (webSocket) {
      // Some browsers send "Connection: keep-alive, Upgrade"; the upstream needs the plain form.
      out.set("Connection", "Upgrade");
    }
    VerifiedToken t = ex.verified;
    if (t != null) {
      out.set(IdentityHeaders.ORG, ex.org);
      if (t.subject() != null) {
        out.set(IdentityHeaders.SUBJECT, t.subject());
      }
      String client = Whoami.clientId(t);
      if (client != null) {
        out.set(IdentityHeaders.CLIENT, client);
      }
      out.set(IdentityHeaders.SCOPES, String.join(" ", t.scopes()));
    }
    String prior = inbound.getHeader("X-Forwarded-For");
    out.set("X-Forwarded-For", prior == null ? ex.clientIp : prior + ", " + ex.clientIp);
    out.set("X-Forwarded-Proto", inbound.scheme() == null ? "http" : inbound.scheme());
    HostAndPort authority = inbound.authority();
    if (authority != null) {
      out.set("X-Forwarded-Host", authority.toString());
    }
    out.set("X-Request-Id", ex.requestId);
    out.set("traceparent", ex.traceparent);
  }

  /** Copies the upstream response's end-to-end headers to the client response. */
  static void toClient(MultiMap upstream, MultiMap out, boolean upgrade) {
    Set<String> named = upgrade ? Set.of() : connectionTokens(upstream);
    for (Map.Entry<String, String> h : upstream) {
      String name = h.getKey();
      if (name.equalsIgnoreCase("x-request-id")) {
        continue; // step 1 already put the gateway's on the response
      }
      if (!upgrade && (HOP_BY_HOP.contains(name) || named.contains(name))) {
        continue;
      }
      out.add(name, h.getValue());
    }
  }

  private static boolean isUpgradeHeader(String name) {
    return name.equalsIgnoreCase("connection") || name.equalsIgnoreCase("upgrade");
  }

  /** Header names listed in {@code Connection} (RFC 9110 §7.6.1), case-insensitive. */
  private static Set<String> connectionTokens(MultiMap headers) {
    String first = headers.get("Connection");
    if (first == null) {
      return Set.of();
    }
    Set<String> out = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    for (String value : headers.getAll("Connection")) {
      for (String token : value.split(",")) {
        String t = token.trim().toLowerCase(Locale.ROOT);
        if (!t.isEmpty() && !t.equals("close") && !t.equals("keep-alive") && !t.equals("upgrade")) {
          out.add(t);
        }
      }
    }
    return out;
  }
}
