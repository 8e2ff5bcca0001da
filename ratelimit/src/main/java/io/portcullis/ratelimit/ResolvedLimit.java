package io.portcullis.ratelimit;

import java.util.Objects;

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

  public ResolvedLimit {
    Objects.requireNonNull(bucketKey, "bucketKey");
    Objects.requireNonNull(policy, "policy");
    if (bucketKey.isEmpty()) {
      throw new IllegalArgumentException("bucket key must not be empty");
    }
    if (!isLabel(policyLabel)) {
      throw new IllegalArgumentException(
          "policy label must match [a-z_]{1,32} (a fixed set, never a tenant value), got '"
              + policyLabel
              + "'");
    }
  }

  /** {@code [a-z_]{1,32}}, by hand: this runs once per limited request. */
  private static boolean isLabel(String s) {
    if (s == null || s.isEmpty() || s.length() > 32) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!(c >= 'a' && c <= 'z') && c != '_') {
        return false;
      }
    }
    return true;
  }
}
