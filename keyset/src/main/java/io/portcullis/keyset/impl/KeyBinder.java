package io.portcullis.keyset.impl;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyOperation;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;

/**
 * Binds a public key to exactly one JWS algorithm and builds its verifier.
 *
 * <p>The algorithm is the JWK's {@code alg} when present (or the one configured with a PEM key);
 * otherwise it follows from the key type: RSA → RS256 only (PS256 must be named explicitly), EC
 * P-256/P-384/P-521 → ES256/ES384/ES512, OKP Ed25519 → EdDSA. Binding one algorithm per key is what
 * defeats algorithm confusion: a token naming any other algorithm for this kid is rejected.
 */
public final class KeyBinder {
  private KeyBinder() {}

  /** RSA moduli below this are refused (NIST SP 800-131A; RFC 7518 §3.3 requires 2048). */
  public static final int MIN_RSA_BITS = 2048;

  /** A key with its one algorithm and verifier. */
  public record Bound(String algorithm, JWSVerifier verifier) {}

  /**
   * Binds a public JWK.
   *
   * @param explicitAlgorithm a configured algorithm, or {@code null}
   * @throws IllegalArgumentException with a short reason when the key cannot be used
   */
  public static Bound bind(JWK jwk, String explicitAlgorithm) {
    if (jwk.getKeyUse() != null && !KeyUse.SIGNATURE.equals(jwk.getKeyUse())) {
      throw new IllegalArgumentException("use is '" + jwk.getKeyUse() + "', not 'sig'");
    }
    if (jwk.getKeyOperations() != null && !jwk.getKeyOperations().contains(KeyOperation.VERIFY)) {
      throw new IllegalArgumentException("key_ops does not include 'verify'");
    }
    String jwkAlg = jwk.getAlgorithm() == null ? null : jwk.getAlgorithm().getName();
    if (explicitAlgorithm != null && jwkAlg != null && !explicitAlgorithm.equals(jwkAlg)) {
      throw new IllegalArgumentException(
          "alg " + jwkAlg + " conflicts with the configured " + explicitAlgorithm);
    }
    String alg = explicitAlgorithm != null ? explicitAlgorithm : jwkAlg;
    try {
      if (jwk instanceof RSAKey rsa) {
        alg = alg == null ? "RS256" : alg;
        if (!alg.matches("(RS|PS)(256|384|512)")) {
          throw new IllegalArgumentException("an RSA key cannot verify " + alg);
        }
        int bits = rsa.size();
        if (bits < MIN_RSA_BITS) {
          throw new IllegalArgumentException(
              "RSA key of " + bits + " bits; at least " + MIN_RSA_BITS + " required");
        }
        return new Bound(alg, new RSASSAVerifier(rsa.toRSAPublicKey()));
      }
      if (jwk instanceof ECKey ec) {
        String curveAlg = ecAlgorithm(ec.getCurve());
        if (curveAlg == null) {
          throw new IllegalArgumentException("unsupported EC curve " + ec.getCurve());
        }
        alg = alg == null ? curveAlg : alg;
        if (!alg.equals(curveAlg)) {
          throw new IllegalArgumentException(
              "an EC " + ec.getCurve() + " key verifies " + curveAlg + ", not " + alg);
        }
        return new Bound(alg, new ECDSAVerifier(ec.toECPublicKey()));
      }
      if (jwk instanceof OctetKeyPair okp) {
        if (!Curve.Ed25519.equals(okp.getCurve())) {
          throw new IllegalArgumentException("unsupported OKP curve " + okp.getCurve());
        }
        alg = alg == null ? "EdDSA" : alg;
        if (!alg.equals("EdDSA")) {
          throw new IllegalArgumentException("an Ed25519 key cannot verify " + alg);
        }
        return new Bound(alg, new Ed25519Verifier(okp.toPublicJWK()));
      }
    } catch (JOSEException e) {
      throw new IllegalArgumentException("unusable key: " + e.getMessage());
    }
    // Symmetric keys never come from a JWKS or a PEM: only from the explicit hmacKeys option.
    throw new IllegalArgumentException("unsupported key type " + jwk.getKeyType());
  }

  /** Binds an HMAC secret whose size was checked by the options. */
  public static Bound bindHmac(byte[] secret, String algorithm) {
    try {
      return new Bound(algorithm, new MACVerifier(secret));
    } catch (JOSEException e) {
      throw new IllegalArgumentException("unusable HMAC secret: " + e.getMessage());
    }
  }

  private static String ecAlgorithm(Curve curve) {
    if (Curve.P_256.equals(curve)) {
      return "ES256";
    }
    if (Curve.P_384.equals(curve)) {
      return "ES384";
    }
    if (Curve.P_521.equals(curve)) {
      return "ES512";
    }
    return null;
  }
}
