package io.portcullis.keyset;

/**
 * Every way a token validation can end. A small fixed set: it is the {@code result} label of {@code
 * portcullis_auth_results_total} and the input of the gateway's one mapping to SPEC error codes, so
 * adding a value is a contract change.
 */
public enum ValidationResult {
  /** Signature, header and claims all check out. */
  OK,
  /** Not a compact JWS, bad base64url, bad JSON, duplicate claim names, oversized or deep JSON. */
  MALFORMED,
  /** A JWE (five parts) or an unsecured token: only JWS is accepted. */
  NOT_JWS,
  /** {@code alg} is {@code none} in any casing, or outside the configured allow-list. */
  ALG_NOT_ALLOWED,
  /** The key chosen by {@code kid} is bound to a different algorithm than the header names. */
  KEY_ALG_MISMATCH,
  /** {@code kid} names no key, even after the shared refresh. */
  UNKNOWN_KID,
  /** The signature does not verify with the chosen key. */
  BAD_SIGNATURE,
  /** A {@code crit} header names an extension this validator does not understand. */
  UNSUPPORTED_CRIT,
  /** {@code typ} is present and not {@code JWT}, {@code at+jwt} or {@code application/at+jwt}. */
  WRONG_TYPE,
  /** A required claim ({@code exp}, {@code iss}, {@code aud}) is absent or of the wrong type. */
  MISSING_CLAIM,
  /** {@code exp} is in the past, beyond the clock skew. */
  EXPIRED,
  /** {@code nbf} is in the future, beyond the clock skew. */
  NOT_YET_VALID,
  /** {@code iat} is in the future, beyond the clock skew. */
  ISSUED_IN_FUTURE,
  /** {@code iss} is not one of the configured issuers. */
  WRONG_ISSUER,
  /** No value of {@code aud} is one of the configured audiences. */
  WRONG_AUDIENCE,
  /**
   * The keyset has no usable key at all (every source failed or is empty). An infrastructure
   * failure: the gateway answers 503, never 401.
   */
  NO_KEYS;

  /** The lower-case metric label value, e.g. {@code bad_signature}. */
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
