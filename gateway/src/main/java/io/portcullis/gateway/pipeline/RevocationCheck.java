package io.portcullis.gateway.pipeline;

import io.portcullis.gateway.http.ErrorCode;
import io.portcullis.keyset.VerifiedToken;

/**
 * SPEC §4 step 5: the in-memory revocation verdict for a verified token, run on every request,
 * cached tokens included. Implementations answer from an immutable snapshot in O(1), never by I/O.
 */
@FunctionalInterface
public interface RevocationCheck {

  /** Passes every token: the position of step 5 until the state module supplies its snapshot. */
  RevocationCheck NONE = (token, org) -> null;

  /**
   * Returns {@code null} when the token may pass, else {@link ErrorCode#TOKEN_REVOKED} (its jti, or
   * a subject or tenant "revoked before" cut-off at or after its {@code iat}), {@link
   * ErrorCode#KEY_REVOKED} (its kid), or {@link ErrorCode#ORG_SUSPENDED} (its tenant).
   *
   * @param token the verified token
   * @param org the tenant named by the configured org claim, or {@code null} when absent (step 6
   *     then fails closed)
   */
  ErrorCode check(VerifiedToken token, String org);
}
