package io.portcullis.gateway.admin;

import io.portcullis.ratelimit.RateLimitPolicies;
import io.portcullis.ratelimit.RateLimitPolicy;
import java.util.HashMap;
import java.util.Map;

/**
 * The rate limits that come from configuration rather than the admin API, so that {@code GET
 * /admin/v1/tenants/{org}} can say where a tenant's effective limit comes from.
 *
 * @param defaultPolicy {@code PORTCULLIS_RATE_LIMIT}, or {@code null} when limiting is off
 * @param overrides {@code RL_OVERRIDES_JSON}, subject ({@code org:acme}) to policy; kept with
 *     canonical subjects ({@code ip:::1} becomes {@code ip:0:0:0:0:0:0:0:1}), as the admin API
 *     stores them
 */
public record ConfiguredLimits(
    RateLimitPolicy defaultPolicy, Map<String, RateLimitPolicy> overrides) {
  public ConfiguredLimits {
    Map<String, RateLimitPolicy> canonical = new HashMap<>();
    overrides.forEach((k, p) -> canonical.put(RateLimitPolicies.normalizeSubject(k), p));
    overrides = Map.copyOf(canonical);
  }

  /** Only a default, no configured overrides. */
  public static ConfiguredLimits defaultOnly(RateLimitPolicy defaultPolicy) {
    return new ConfiguredLimits(defaultPolicy, Map.of());
  }
}
