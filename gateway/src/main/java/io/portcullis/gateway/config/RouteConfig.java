package io.portcullis.gateway.config;

import io.portcullis.ratelimit.RateLimitPolicy;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One route (SPEC §3): requests whose path starts with {@code path} go to {@code upstream}.
 *
 * @param path the configured prefix, e.g. {@code /orgs/{org}/}; also the {@code route} metric label
 * @param upstream base URL (scheme, host, port, optional base path)
 * @param authRequired {@code auth: required} (default) or {@code none}
 * @param scopes scopes that must all be in the token's {@code scope}/{@code scp}
 * @param timeout upstream response timeout
 * @param rateLimit this route's per-tenant policy, or {@code null} for the default
 * @param rateLimitOff {@code rate_limit: off}: this route is not limited (only an override can
 *     limit it); {@code rateLimit} is then {@code null}
 * @param forwardToken whether the validated bearer token reaches the upstream in {@code
 *     Authorization}; by default it does not (the upstream gets identity headers instead)
 * @param maxBodySize this route's request body bound in bytes, or {@code null} for {@code
 *     PORTCULLIS_MAX_BODY_SIZE}
 */
public record RouteConfig(
    String path,
    URI upstream,
    boolean authRequired,
    List<String> scopes,
    Duration timeout,
    RateLimitPolicy rateLimit,
    boolean rateLimitOff,
    boolean forwardToken,
    Long maxBodySize) {

  public RouteConfig {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(upstream, "upstream");
    Objects.requireNonNull(timeout, "timeout");
    scopes = List.copyOf(scopes);
    if (rateLimitOff && rateLimit != null) {
      throw new IllegalArgumentException("route " + path + ": rate_limit is both off and a policy");
    }
  }

  /**
   * A route that does not forward the validated token and is bounded by the server-wide body limit.
   */
  public RouteConfig(
      String path,
      URI upstream,
      boolean authRequired,
      List<String> scopes,
      Duration timeout,
      RateLimitPolicy rateLimit,
      boolean rateLimitOff) {
    this(path, upstream, authRequired, scopes, timeout, rateLimit, rateLimitOff, false, null);
  }

  /** As above, its rate limit its own policy, or the default when {@code rateLimit} is null. */
  public RouteConfig(
      String path,
      URI upstream,
      boolean authRequired,
      List<String> scopes,
      Duration timeout,
      RateLimitPolicy rateLimit) {
    this(path, upstream, authRequired, scopes, timeout, rateLimit, false);
  }

  /** The body bound of this route: its own, else {@code serverDefault}. */
  public long maxBodySize(long serverDefault) {
    return maxBodySize == null ? serverDefault : maxBodySize;
  }
}
