package io.portcullis.gateway.admin;

import io.portcullis.ratelimit.RateLimitPolicy;
import java.util.Map;

/**
 * The rate limits that come from configuration rather than the admin API, so that {@code GET
 * /admin/v1/tenants/{org}} can say where a tenant's effective limit comes from.
 *
 * @param defaultPolicy {@code PORTCULLIS_RATE_LIMIT}, or {@code null} when limiting is off
 * @param overrides {@code RL_OVERRIDES_JSON}, subject ({@code org:acme}) to policy
 */
public record ConfiguredLimits(
    RateLimitPolicy defaultPolicy, Map<String, RateLimitPolicy> overrides) {
  public ConfiguredLimits {
    overrides = Map.copyOf(overrides);
  }

  /** Only a default, no configured overrides. */
  public static ConfiguredLimits defaultOnly(RateLimitPolicy defaultPolicy) {
    return new ConfiguredLimits(defaultPolicy, Map.of());
  }
}
