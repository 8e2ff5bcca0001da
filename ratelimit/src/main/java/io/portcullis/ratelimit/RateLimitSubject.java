package io.portcullis.ratelimit;

import java.util.Objects;

/**
 * Who is asking, in plain strings: the input of {@link RateLimitPolicies#resolve}. The gateway
 * fills it from the verified token (never from client-supplied headers) and the connection's remote
 * address; this module knows nothing about JWTs.
 *
 * @param route the matched route's identifier (its path prefix, e.g. {@code /reports/})
 * @param org the verified tenant; required unless {@code publicRoute}
 * @param client the verified client id, or null
 * @param sub the verified subject, or null
 * @param ip the client's address (IPv4 or IPv6 literal); required on public routes
 * @param publicRoute whether the route is {@code auth: none} (limited per IP)
 */
public record RateLimitSubject(
    String route, String org, String client, String sub, String ip, boolean publicRoute) {

  public RateLimitSubject {
    Objects.requireNonNull(route, "route");
    if (publicRoute) {
      if (ip == null || ip.isEmpty()) {
        throw new IllegalArgumentException("a public route is limited per IP: ip is required");
      }
    } else if (org == null || org.isEmpty()) {
      // Fail closed: an authenticated request without a tenant must never reach a shared bucket.
      throw new IllegalArgumentException(
          "an authenticated request is limited per org: org is required");
    }
  }

  /**
   * A request on an authenticated route; {@code client}, {@code sub} and {@code ip} may be null.
   */
  public static RateLimitSubject authenticated(
      String route, String org, String client, String sub, String ip) {
    return new RateLimitSubject(route, org, client, sub, ip, false);
  }

  /** A request on an {@code auth: none} route, limited per client IP. */
  public static RateLimitSubject publicRoute(String route, String ip) {
    return new RateLimitSubject(route, null, null, null, ip, true);
  }
}
