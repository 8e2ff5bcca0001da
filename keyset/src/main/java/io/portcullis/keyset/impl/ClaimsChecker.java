package io.portcullis.keyset.impl;

import io.portcullis.keyset.Validation;
import io.portcullis.keyset.ValidatorOptions;
import io.portcullis.keyset.VerifiedToken;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The registered-claim checks of RFC 7519 §4.1 after the signature verified: {@code exp} required;
 * {@code exp}, {@code nbf} and {@code iat} with the clock skew; {@code iss} one of the issuers;
 * {@code aud} (a string or an array) naming one of the audiences.
 *
 * <p>Edges, with {@code s} the skew: valid while {@code now < exp + s}; not yet valid while {@code
 * nbf > now + s}; issued in the future when {@code iat > now + s}.
 */
public final class ClaimsChecker {
  /** Year 9999: larger NumericDates are clamped so that Instant arithmetic cannot overflow. */
  private static final double MAX_SECONDS = 253_402_300_799d;

  private final Set<String> issuers;
  private final Set<String> audiences;
  private final double skewSeconds;

  public ClaimsChecker(ValidatorOptions options) {
    this.issuers = options.issuers();
    this.audiences = options.audiences();
    this.skewSeconds = options.clockSkew().toMillis() / 1000.0;
  }

  /** Checks the claims of a token whose signature verified. */
  public Validation check(
      ParsedToken token, String kid, String algorithm, byte[] digest, Instant now) {
    Map<String, Object> claims = token.claims();
    double nowSeconds = now.toEpochMilli() / 1000.0;
    if (!(claims.get("exp") instanceof Number expNumber)) {
      return Rejections.NO_EXP;
    }
    double exp = Math.min(expNumber.doubleValue(), MAX_SECONDS);
    if (nowSeconds >= exp + skewSeconds) {
      return Rejections.EXPIRED;
    }
    Object nbfValue = claims.get("nbf");
    if (nbfValue != null) {
      if (!(nbfValue instanceof Number nbf)) {
        return Rejections.BAD_NBF;
      }
      if (nbf.doubleValue() > nowSeconds + skewSeconds) {
        return Rejections.NOT_YET_VALID;
      }
    }
    Object iatValue = claims.get("iat");
    if (iatValue != null) {
      if (!(iatValue instanceof Number iatNumber)) {
        return Rejections.BAD_IAT;
      }
      if (iatNumber.doubleValue() > nowSeconds + skewSeconds) {
        return Rejections.ISSUED_IN_FUTURE;
      }
    }
    if (!(claims.get("iss") instanceof String iss)) {
      return Rejections.NO_ISS;
    }
    if (!issuers.contains(iss)) {
      return Rejections.WRONG_ISSUER;
    }
    List<String> aud = audience(claims.get("aud"));
    if (aud == null) {
      return Rejections.NO_AUD;
    }
    if (aud.stream().noneMatch(audiences::contains)) {
      return Rejections.WRONG_AUDIENCE;
    }
    Object sub = claims.get("sub");
    if (sub != null && !(sub instanceof String)) {
      return Rejections.BAD_SUB;
    }
    Object jti = claims.get("jti");
    if (jti != null && !(jti instanceof String)) {
      return Rejections.BAD_JTI;
    }
    Instant iat =
        iatValue == null
            ? null
            : Instant.ofEpochSecond(
                (long)
                    Math.floor(
                        Math.max(0, Math.min(((Number) iatValue).doubleValue(), MAX_SECONDS))));
    // floor: a cached entry must never outlive the real exp
    Instant expiresAt = Instant.ofEpochSecond((long) Math.floor(exp));
    Map<String, Object> nonNull = new HashMap<>();
    claims.forEach(
        (k, v) -> {
          if (v != null) {
            nonNull.put(k, v);
          }
        });
    return new Validation.Valid(
        new VerifiedToken(
            kid,
            algorithm,
            iss,
            (String) sub,
            aud,
            expiresAt,
            iat,
            (String) jti,
            nonNull,
            Fingerprint.of(digest)));
  }

  /** {@code aud} as a list: a string, or a non-empty array of strings (RFC 7519 §4.1.3). */
  private static List<String> audience(Object aud) {
    if (aud instanceof String s) {
      return List.of(s);
    }
    if (aud instanceof List<?> list
        && !list.isEmpty()
        && list.stream().allMatch(String.class::isInstance)) {
      return list.stream().map(String.class::cast).toList();
    }
    return null;
  }
}
