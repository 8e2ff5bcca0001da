package io.portcullis.keyset;

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
   */
  record Rejected(ValidationResult result, String detail) implements Validation {
    public Rejected {
      Objects.requireNonNull(result, "result");
      Objects.requireNonNull(detail, "detail");
      if (result == ValidationResult.OK) {
        throw new IllegalArgumentException("a rejection cannot be OK");
      }
    }
  }
}
