package io.portcullis.keyset;

import com.nimbusds.jose.JWSVerifier;
import java.util.Objects;

/**
 * One verification key of the keyset, bound to exactly one JWS algorithm. The verifier is built
 * once when the key is loaded and is safe to share between threads.
 *
 * @param kid key id
 * @param algorithm the only JWS algorithm this key verifies, e.g. {@code RS256}
 * @param source the source that published it, e.g. {@code pem} or {@code jwks:https://idp/jwks}
 * @param verifier the Nimbus verifier for this key
 */
public record VerificationKey(String kid, String algorithm, String source, JWSVerifier verifier) {
  public VerificationKey {
    Objects.requireNonNull(kid, "kid");
    Objects.requireNonNull(algorithm, "algorithm");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(verifier, "verifier");
  }
}
