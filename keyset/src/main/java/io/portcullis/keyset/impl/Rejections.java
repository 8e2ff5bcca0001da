package io.portcullis.keyset.impl;

import io.portcullis.keyset.Validation;
import io.portcullis.keyset.ValidationResult;
import java.util.regex.Pattern;

/**
 * Preallocated rejections with fixed, client-safe details. Details never carry the token, a
 * signature or a claim value; a kid or alg name is echoed only when it is short and plain, so that
 * hostile header values (kid {@code ../../dev/null}, {@code |sleep 5}, newlines) never reach a log
 * line.
 */
public final class Rejections {
  private Rejections() {}

  private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9._:+-]{1,64}");

  public static final Validation.Rejected TOO_LARGE =
      r(ValidationResult.MALFORMED, "token too large");
  public static final Validation.Rejected NOT_COMPACT =
      r(ValidationResult.MALFORMED, "not a compact JWS (header.payload.signature)");
  public static final Validation.Rejected BAD_BASE64 =
      r(ValidationResult.MALFORMED, "a token part is not base64url");
  public static final Validation.Rejected BAD_HEADER =
      r(ValidationResult.MALFORMED, "the header is not a valid JSON object");
  public static final Validation.Rejected BAD_PAYLOAD =
      r(ValidationResult.MALFORMED, "the payload is not a valid JSON object");
  public static final Validation.Rejected NO_ALG =
      r(ValidationResult.MALFORMED, "the header has no alg string");
  public static final Validation.Rejected BAD_KID =
      r(ValidationResult.MALFORMED, "kid is not a string");
  public static final Validation.Rejected BAD_TYP =
      r(ValidationResult.MALFORMED, "typ is not a string");
  public static final Validation.Rejected BAD_CRIT =
      r(ValidationResult.MALFORMED, "crit must be a non-empty array of names (RFC 7515 §4.1.11)");
  public static final Validation.Rejected JWE =
      r(ValidationResult.NOT_JWS, "a JWE was given; only signed tokens (JWS) are accepted");
  public static final Validation.Rejected ENC_IN_HEADER =
      r(ValidationResult.NOT_JWS, "the header names an encryption (enc); only JWS is accepted");
  public static final Validation.Rejected ALG_NONE =
      r(ValidationResult.ALG_NOT_ALLOWED, "unsecured tokens (alg none) are never accepted");
  public static final Validation.Rejected UNSUPPORTED_CRIT =
      r(ValidationResult.UNSUPPORTED_CRIT, "the token marks a header extension critical (crit)");
  public static final Validation.Rejected WRONG_TYPE =
      r(ValidationResult.WRONG_TYPE, "typ must be absent, JWT, at+jwt or application/at+jwt");
  public static final Validation.Rejected NO_KID =
      r(ValidationResult.UNKNOWN_KID, "the token has no kid");
  public static final Validation.Rejected BAD_SIGNATURE =
      r(ValidationResult.BAD_SIGNATURE, "the signature does not verify");
  public static final Validation.Rejected NO_KEYS =
      r(ValidationResult.NO_KEYS, "no usable verification key (key sources unavailable)");
  public static final Validation.Rejected STALE_KEY =
      r(ValidationResult.NO_KEYS, "the key's source is past its max staleness");
  public static final Validation.Rejected NO_EXP =
      r(ValidationResult.MISSING_CLAIM, "exp is missing or not a number");
  public static final Validation.Rejected NO_ISS =
      r(ValidationResult.MISSING_CLAIM, "iss is missing or not a string");
  public static final Validation.Rejected NO_AUD =
      r(ValidationResult.MISSING_CLAIM, "aud is missing or not a string or array of strings");
  public static final Validation.Rejected BAD_NBF =
      r(ValidationResult.MALFORMED, "nbf is not a number");
  public static final Validation.Rejected BAD_IAT =
      r(ValidationResult.MALFORMED, "iat is not a number");
  public static final Validation.Rejected BAD_SUB =
      r(ValidationResult.MALFORMED, "sub is not a string");
  public static final Validation.Rejected BAD_JTI =
      r(ValidationResult.MALFORMED, "jti is not a string");
  public static final Validation.Rejected EXPIRED =
      r(ValidationResult.EXPIRED, "the token expired");
  public static final Validation.Rejected NOT_YET_VALID =
      r(ValidationResult.NOT_YET_VALID, "the token is not valid yet (nbf)");
  public static final Validation.Rejected ISSUED_IN_FUTURE =
      r(ValidationResult.ISSUED_IN_FUTURE, "the token is issued in the future (iat)");
  public static final Validation.Rejected WRONG_ISSUER =
      r(ValidationResult.WRONG_ISSUER, "the issuer is not accepted");
  public static final Validation.Rejected WRONG_AUDIENCE =
      r(ValidationResult.WRONG_AUDIENCE, "no accepted audience in aud");
  public static final Validation.Rejected INTERNAL =
      r(ValidationResult.MALFORMED, "the token could not be processed");

  public static Validation.Rejected algNotAllowed(String alg) {
    return r(ValidationResult.ALG_NOT_ALLOWED, "algorithm " + plain(alg) + " is not allowed");
  }

  public static Validation.Rejected unknownKid(String kid) {
    return r(ValidationResult.UNKNOWN_KID, "unknown kid " + plain(kid));
  }

  public static Validation.Rejected keyAlgMismatch(String kid, String keyAlg, String tokenAlg) {
    return r(
        ValidationResult.KEY_ALG_MISMATCH,
        "kid " + plain(kid) + " is bound to " + keyAlg + ", not " + plain(tokenAlg));
  }

  /** The value in quotes when short and plain, else a neutral placeholder. */
  static String plain(String value) {
    return value != null && PLAIN.matcher(value).matches() ? "'" + value + "'" : "(not shown)";
  }

  private static Validation.Rejected r(ValidationResult result, String detail) {
    return new Validation.Rejected(result, detail);
  }
}
