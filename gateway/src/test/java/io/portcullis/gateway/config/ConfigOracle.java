package io.portcullis.gateway.config;

import java.net.URI;
import java.time.Duration;
import java.util.Collection;

/**
 * What the config fuzz targets demand of every answer: a {@link GatewayConfig} whose values are all
 * in range, or a one-line {@link ConfigException} that names a key.
 */
final class ConfigOracle {
  private ConfigOracle() {}

  /**
   * The message starts with one of {@code keys}, followed by its separator, a sub-key or index, or
   * by the YAML key in parentheses ({@code PORTCULLIS_TLS_CERT (tls.cert): ...}).
   */
  static void namesOneOf(ConfigException e, Collection<String> keys) {
    String message = e.getMessage();
    if (message.contains("\n") || message.contains("\r")) {
      throw new AssertionError("message is not one line: " + message, e);
    }
    for (String key : keys) {
      if (message.startsWith(key)
          && message.length() > key.length()
          && (":.[".indexOf(message.charAt(key.length())) >= 0
              || message.startsWith(" (", key.length()))) {
        return;
      }
    }
    throw new AssertionError("message names none of " + keys + ": " + message, e);
  }

  /** Every value of a built configuration is one the gateway can run with. */
  static void sane(GatewayConfig c) {
    check(c.listeners().proxyPort() >= 0 && c.listeners().proxyPort() <= 65535, "port", c);
    check(c.listeners().adminPort() >= 0 && c.listeners().adminPort() <= 65535, "admin port", c);
    check(!c.listeners().adminHost().isBlank(), "admin host", c);
    check(c.dev() || !c.routes().isEmpty(), "routes", c);
    for (RouteConfig r : c.routes()) {
      check(r.path().startsWith("/") && !r.path().contains("//"), "route path", c);
      url(r.upstream(), c);
      positive(r.timeout(), "route timeout", c);
    }
    positive(c.upstream().connectTimeout(), "connect timeout", c);
    positive(c.upstream().timeout(), "upstream timeout", c);
    c.keys().jwksUrls().forEach(u -> url(URI.create(u), c));
    c.keys().hmacKeys().forEach((k, v) -> check(!v.isBlank(), "hmac key", c));
    positive(c.keys().jwksRefreshInterval(), "jwks refresh", c);
    positive(c.keys().maxStaleness(), "keys staleness", c);
    positive(c.keys().unknownKidCooldown(), "kid cooldown", c);
    check(c.dev() || !c.auth().issuers().isEmpty(), "issuers", c);
    check(c.dev() || !c.auth().audiences().isEmpty(), "audiences", c);
    check(!c.auth().clockSkew().isNegative(), "clock skew", c);
    check(!c.auth().algorithms().isEmpty(), "algorithms", c);
    check(c.auth().algorithms().stream().noneMatch("none"::equalsIgnoreCase), "alg none", c);
    check(c.auth().tokenCacheSize() >= 0, "cache size", c);
    check(c.rateLimits().defaultPolicy() != null, "rate limit", c);
    check(c.rateLimits().onRedisFailure() != null, "failure mode", c);
    c.state()
        .adminTokens()
        .forEach((k, v) -> check(!k.isBlank() && !v.isBlank(), "admin token", c));
    positive(c.state().syncInterval(), "sync interval", c);
    positive(c.state().maxStaleness(), "revocation staleness", c);
    check(c.server().maxHeaderSize() > 0, "max header size", c);
    check(c.server().maxBodySize() > 0, "max body size", c);
    positive(c.server().idleTimeout(), "idle timeout", c);
    positive(c.server().headerReadTimeout(), "header read timeout", c);
    check(c.server().maxConnections() > 0, "max connections", c);
    check(!c.server().drainDelay().isNegative(), "drain delay", c);
    positive(c.server().shutdownTimeout(), "shutdown timeout", c);
  }

  private static void url(URI u, GatewayConfig c) {
    check(
        (u.getScheme().equalsIgnoreCase("http") || u.getScheme().equalsIgnoreCase("https"))
            && u.getHost() != null
            && u.getPort() <= 65535,
        "url " + u,
        c);
  }

  private static void positive(Duration d, String what, GatewayConfig c) {
    check(d != null && !d.isNegative() && !d.isZero(), what, c);
  }

  private static void check(boolean ok, String what, GatewayConfig c) {
    if (!ok) {
      throw new AssertionError("accepted a bad " + what + ": " + c);
    }
  }
}
