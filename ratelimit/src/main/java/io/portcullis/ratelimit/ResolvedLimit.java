package io.portcullis.ratelimit;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What one request is limited by: the bucket it draws from, the policy of that bucket, and the
 * metric label naming where the policy came from.
 *
 * <p>The label is the {@code policy} label of {@code portcullis_ratelimit_decisions_total} and the
 * policy identifier of the {@code RateLimit-Policy} header, so it must come from a small fixed set
 * (see {@link RateLimitPolicies}) and never carry a tenant, user or address: it is restricted to
 * {@code [a-z_]{1,32}} to make that mistake loud.
 *
 * @param bucketKey namespaced bucket key (see {@link RateLimitPolicies#resolve}); never shared by
 *     two tenants
 * @param policy the token-bucket policy of that bucket
 * @param policyLabel where the policy came from, e.g. {@code default}, {@code override_org}
 */
public record ResolvedLimit(String bucketKey, RateLimitPolicy policy, String policyLabel) {

  private static final Pattern LABEL = Pattern.compile("[a-z_]{1,32}");

  public ResolvedLimit {
    Objects.requireNonNull(bucketKey, "bucketKey");
    Objects.requireNonNull(policy, "policy");
    if (bucketKey.isEmpty()) {
      throw new IllegalArgumentException("bucket key must not be empty");
    }
    if (policyLabel == null || !LABEL.matcher(policyLabel).matches()) {
      throw new IllegalArgumentException(
          "policy label must match [a-z_]{1,32} (a fixed set, never a tenant value), got '"
              + policyLabel
              + "'");
    }
  }
}
