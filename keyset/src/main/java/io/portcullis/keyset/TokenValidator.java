package io.portcullis.keyset;

import io.micrometer.core.instrument.MeterRegistry;
import io.portcullis.keyset.impl.DefaultTokenValidator;
import io.portcullis.keyset.impl.Fingerprint;
import io.vertx.core.Future;
import java.time.Clock;

/**
 * Validates compact JWS tokens against a {@link KeySet} (SPEC §4 step 4), with a bounded cache of
 * verified tokens that never serves an entry past its {@code exp}.
 *
 * <p>Create with {@link #create}.
 */
public interface TokenValidator {

  /**
   * Creates a validator over {@code keys}. Publishes {@code
   * portcullis_auth_validate_duration_seconds} (histogram) and {@code
   * portcullis_token_cache_requests_total{result="hit|miss"}} to {@code registry}.
   *
   * @param clock the time {@code exp}, {@code nbf}, {@code iat} and the cache expiry are checked
   *     against; tests move it
   */
  static TokenValidator create(
      KeySet keys, ValidatorOptions options, Clock clock, MeterRegistry registry) {
    return new DefaultTokenValidator(keys, options, clock, registry);
  }

  /**
   * The short fingerprint logs use to name a token: the first 12 hex characters of its SHA-256, as
   * in {@link VerifiedToken#fingerprint()}. Safe for any input, including rejected tokens.
   */
  static String fingerprint(String compactToken) {
    return Fingerprint.of(compactToken);
  }

  /**
   * Validates one compact token. The future never fails for a bad token: every outcome, including
   * {@link ValidationResult#NO_KEYS}, is a {@link Validation} value. Completes on the caller's
   * context; signature checks run inline (they take microseconds), an unknown kid waits for the
   * keyset's shared refresh.
   */
  Future<Validation> validate(String compactToken);

  /** Drops every cached verified token signed with {@code kid} (used when a kid is revoked). */
  void invalidateKid(String kid);
}
