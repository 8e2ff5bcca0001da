package io.portcullis.keyset;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The fixed signing keys of the fuzz tests, one per algorithm. Unlike {@link TestKeys} (generated
 * per run), these are committed in {@code fuzz-test-keys.jwks.json} so that a committed corpus
 * token still verifies on the next run. TEST ONLY: these private keys are public knowledge.
 */
final class FuzzKeys {
  private FuzzKeys() {}

  /**
   * One fuzz key.
   *
   * @param oracle a verifier built straight from the JWK, independent of the keyset's PEM parsing
   *     and algorithm binding, used to re-check every token the validator calls valid
   */
  record Key(String kid, String alg, JWK jwk, JWSSigner signer, JWSVerifier oracle) {}

  /** fz-rsa (RS256), fz-ps (PS256), fz-ec (ES256), fz-ed (EdDSA), fz-hs (HS256). */
  static final List<Key> KEYS = load();

  /** The allow-list the fuzzed keyset is built with: the default plus HS256. */
  static final Set<String> ALGORITHMS =
      new LinkedHashSet<>(List.of("RS256", "PS256", "ES256", "EdDSA", "HS256"));

  static Key byKid(String kid) {
    return KEYS.stream().filter(k -> k.kid().equals(kid)).findFirst().orElse(null);
  }

  static Key key(int index) {
    return KEYS.get(Math.floorMod(index, KEYS.size()));
  }

  /** PEM keys bound to their algorithm, the HMAC secret, and the allow-list above. */
  static KeySetOptions options() {
    KeySetOptions.Builder b = KeySetOptions.builder().algorithms(ALGORITHMS);
    for (Key k : KEYS) {
      if (k.jwk() instanceof OctetSequenceKey oct) {
        b.hmacKey(k.kid(), oct.toByteArray(), k.alg());
      } else {
        b.pemKey(k.kid(), TestKeys.pem(k.jwk()), k.alg());
      }
    }
    return b.build();
  }

  /** {@code b64(header).b64(payload).b64(sig)} over raw bytes, signed by {@code key}. */
  static String sign(byte[] header, byte[] payload, Key key) {
    String input = b64(header) + "." + b64(payload);
    return input + "." + signature(input, key);
  }

  static String sign(String header, String payload, Key key) {
    return sign(
        header.getBytes(StandardCharsets.UTF_8), payload.getBytes(StandardCharsets.UTF_8), key);
  }

  static String signature(String signingInput, Key key) {
    try {
      return key.signer()
          .sign(
              new com.nimbusds.jose.JWSHeader(com.nimbusds.jose.JWSAlgorithm.parse(key.alg())),
              signingInput.getBytes(StandardCharsets.US_ASCII))
          .toString();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  static String b64(byte[] bytes) {
    return com.nimbusds.jose.util.Base64URL.encode(bytes).toString();
  }

  private static List<Key> load() {
    try (InputStream in = FuzzKeys.class.getResourceAsStream("fuzz-test-keys.jwks.json")) {
      JWKSet set = JWKSet.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      return set.getKeys().stream().map(FuzzKeys::key).toList();
    } catch (IOException | ParseException e) {
      throw new IllegalStateException("fuzz-test-keys.jwks.json", e);
    }
  }

  private static Key key(JWK jwk) {
    try {
      String alg = jwk.getAlgorithm().getName();
      if (jwk instanceof OctetSequenceKey oct) {
        return new Key(
            jwk.getKeyID(), alg, jwk, new MACSigner(oct), new MACVerifier(oct.toByteArray()));
      }
      JWSVerifier oracle;
      if (jwk instanceof RSAKey r) {
        oracle = new RSASSAVerifier(r.toRSAPublicKey());
      } else if (jwk instanceof ECKey e) {
        oracle = new ECDSAVerifier(e.toECPublicKey());
      } else if (jwk instanceof OctetKeyPair o) {
        oracle = new Ed25519Verifier(o.toPublicJWK());
      } else {
        throw new IllegalStateException("unexpected key " + jwk.getKeyType());
      }
      return new Key(jwk.getKeyID(), alg, jwk, TestKeys.signer(jwk), oracle);
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }
}
