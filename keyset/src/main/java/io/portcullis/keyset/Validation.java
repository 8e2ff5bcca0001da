package io.portcullis.keyset;

import java.util.Map;
import java.util.Objects;

/**
 * The outcome of validating one compact token: a value, never an exception. A rejected token is an
 * expected event on the hot path, so it carries no stack trace.
 */
public sealed interface Validation permits Validation.Valid, Validation.Rejected {

  /** The result class; {@link ValidationResult#OK} exactly when this is {@link Valid}. */
  ValidationResult result();

  /** A token whose signature, header and registered claims all check out. */
  record Valid(VerifiedToken token) implements Validation {
    public Valid {
      Objects.requireNonNull(token, "token");
    }

    @Override
    public ValidationResult result() {
      return ValidationResult.OK;
    }
  }

  /**
   * A token that failed. {@code detail} is a short human sentence safe to show the client and to
   * log: it never contains the token, a signature or a claim value other than a kid or alg name.
   *
   * <p>{@code signedClaims} is the payload of a token whose signature <em>did</em> verify against a
   * trusted key and that was refused for its claims (expired, not yet valid, wrong issuer or
   * audience, a missing or malformed registered claim): those claims are the issuer's own, so the
   * gateway may name the token's tenant in its access log, which is how on-call tells "one tenant's
   * clients stopped refreshing" from "forged tokens from everywhere". It is {@code null} for every
   * other rejection: the claims of an unverified token are whatever the sender wrote. Never to be
   * shown to the client.
   */
  record Rejected(ValidationResult result, String detail, Map<String, Object> signedClaims)
      implements Validation {
    public Rejected {
      Objects.requireNonNull(result, "result");
      Objects.requireNonNull(detail, "detail");
      if (result == ValidationResult.OK) {
        throw new IllegalArgumentException("a rejection cannot be OK");
      }
    }

    /** A rejection without verified claims. */
    public Rejected(ValidationResult result, String detail) {
      this(result, detail, null);
    }

    /** This rejection, of a token whose signature verified and whose payload is {@code claims}. */
    public Rejected withSignedClaims(Map<String, Object> claims) {
      return new Rejected(result, detail, Objects.requireNonNull(claims, "claims"));
    }
  }
}
