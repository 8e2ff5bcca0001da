package io.portcullis.ratelimit.impl;

import io.portcullis.ratelimit.Decision;
import io.portcullis.ratelimit.RateLimitPolicy;
import java.time.Duration;

/**
 * What a bucket answered, backend-neutral (Bucket4j probe or the Lua script's reply).
 *
 * @param allowed whether a token was taken
 * @param remaining whole tokens left
 * @param resetMillis time until the bucket is full again
 * @param retryMillis time until one token is available (0 when allowed)
 */
record BucketState(boolean allowed, long remaining, long resetMillis, long retryMillis) {

  Decision toDecision(
      RateLimitPolicy policy, Decision.Outcome allowedOutcome, Decision.Outcome limitedOutcome) {
    return new Decision(
        allowed ? allowedOutcome : limitedOutcome,
        policy,
        allowed ? remaining : 0,
        Duration.ofMillis(resetMillis),
        Duration.ofMillis(allowed ? 0 : retryMillis));
  }
}
