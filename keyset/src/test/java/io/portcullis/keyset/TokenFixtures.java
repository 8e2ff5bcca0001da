package io.portcullis.keyset;

import static io.portcullis.keyset.TestKeys.EC;
import static io.portcullis.keyset.TestKeys.ED;
import static io.portcullis.keyset.TestKeys.RSA;
import static io.portcullis.keyset.TestKeys.RSA_PS;
import static io.portcullis.keyset.TestKeys.b64;
import static io.portcullis.keyset.TestKeys.sign;
import static io.portcullis.keyset.TestKeys.signer;

import com.nimbusds.jose.EncryptionMethod;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.JWEObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.RSAEncrypter;
import com.nimbusds.jose.jwk.RSAKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Set;

/**
 * Named token fixtures (Envoy {@code test_common.h} style). Keys are generated per run, so tokens
 * are built at class load; each constant's comment shows its decoded header and payload. {@code
 * NOW} is the instant every test clock starts at.
 */
final class TokenFixtures {
  private TokenFixtures() {}

  static final long NOW = 1_800_000_000L; // 2027-01-15T08:00:00Z
  static final Instant NOW_INSTANT = Instant.ofEpochSecond(NOW);
  static final String ISSUER = "https://issuer.test";
  static final String AUDIENCE = "portcullis";

  /**
   * {"iss":"https://issuer.test","aud":"portcullis","sub":"user-1","org_id":"acme","exp":NOW+3600,"iat":NOW,"jti":"jti-1"}
   */
  static final String PAYLOAD = payload("\"aud\":\"portcullis\"", NOW + 3600, NOW);

  // --- valid tokens, one per allowed algorithm ---

  /** header {"alg":"RS256","typ":"JWT","kid":"rsa-1"}; payload PAYLOAD */
  static final String GOOD_RS256_TOKEN = jws("RS256", "rsa-1", RSA, PAYLOAD);

  /**
   * header {"alg":"PS256","typ":"JWT","kid":"rsa-ps"} (rsa-ps is configured bound to PS256);
   * payload PAYLOAD
   */
  static final String GOOD_PS256_TOKEN = jws("PS256", "rsa-ps", RSA_PS, PAYLOAD);

  /** header {"alg":"ES256","typ":"JWT","kid":"ec-1"}; payload PAYLOAD */
  static final String GOOD_ES256_TOKEN = jws("ES256", "ec-1", EC, PAYLOAD);

  /** header {"alg":"EdDSA","typ":"JWT","kid":"ed-1"}; payload PAYLOAD */
  static final String GOOD_EDDSA_TOKEN = jws("EdDSA", "ed-1", ED, PAYLOAD);

  /**
   * header {"alg":"RS256","typ":"JWT","kid":"rsa-1"}; payload PAYLOAD with
   * "aud":["other","portcullis"]
   */
  static final String AUD_ARRAY_TOKEN =
      jws("RS256", "rsa-1", RSA, payload("\"aud\":[\"other\",\"portcullis\"]", NOW + 3600, NOW));

  /**
   * header {"alg":"RS256","typ":"JWT","kid":"rsa-1"}; payload PAYLOAD with
   * "aud":["other","another"]
   */
  static final String AUD_ARRAY_WRONG_TOKEN =
      jws("RS256", "rsa-1", RSA, payload("\"aud\":[\"other\",\"another\"]", NOW + 3600, NOW));

  /** header {"alg":"RS256","typ":"JWT","kid":"rsa-1"}; payload PAYLOAD with "aud":"other" */
  static final String AUD_WRONG_TOKEN =
      jws("RS256", "rsa-1", RSA, payload("\"aud\":\"other\"", NOW + 3600, NOW));

  /**
   * header {"alg":"RS256","typ":"JWT","kid":"rsa-1"}; payload PAYLOAD with
   * "iss":"https://evil.test"
   */
  static final String WRONG_ISSUER_TOKEN =
      jws(
          "RS256",
          "rsa-1",
          RSA,
          "{\"iss\":\"https://evil.test\",\"aud\":\"portcullis\",\"exp\":" + (NOW + 3600) + "}");

  /** header {"alg":"RS256","typ":"JWT","kid":"rsa-1"}; payload PAYLOAD without exp */
  static final String NO_EXP_TOKEN =
      jws("RS256", "rsa-1", RSA, "{\"iss\":\"https://issuer.test\",\"aud\":\"portcullis\"}");

  /**
   * header {"alg":"RS256","typ":"JWT","kid":"rsa-1"}; payload PAYLOAD with exp NOW-3600, iat
   * NOW-7200
   */
  static final String EXPIRED_TOKEN =
      jws("RS256", "rsa-1", RSA, payload("\"aud\":\"portcullis\"", NOW - 3600, NOW - 7200));

  /** header {"alg":"RS256","typ":"JWT","kid":"no-such-kid"}; payload PAYLOAD */
  static final String UNKNOWN_KID_TOKEN = jws("RS256", "no-such-kid", RSA, PAYLOAD);

  /** header {"alg":"RS256","typ":"JWT"} (no kid); payload PAYLOAD */
  static final String NO_KID_TOKEN =
      sign("{\"alg\":\"RS256\",\"typ\":\"JWT\"}", PAYLOAD, signer(RSA), "RS256");

  /** GOOD_RS256_TOKEN with its signature part emptied: header.payload. */
  static final String STRIPPED_SIGNATURE_TOKEN =
      GOOD_RS256_TOKEN.substring(0, GOOD_RS256_TOKEN.lastIndexOf('.') + 1);

  /** GOOD_RS256_TOKEN without its signature part at all: header.payload */
  static final String TWO_PART_TOKEN =
      GOOD_RS256_TOKEN.substring(0, GOOD_RS256_TOKEN.lastIndexOf('.'));

  /**
   * header {"alg":"RS256","typ":"JWT","kid":"rsa-1"}; payload PAYLOAD with org_id "evil"; signature
   * of GOOD_RS256_TOKEN
   */
  static final String TAMPERED_PAYLOAD_TOKEN =
      GOOD_RS256_TOKEN.substring(0, GOOD_RS256_TOKEN.indexOf('.') + 1)
          + b64(PAYLOAD.replace("acme", "evil"))
          + GOOD_RS256_TOKEN.substring(GOOD_RS256_TOKEN.lastIndexOf('.'));

  /**
   * header {"alg":"ES256","typ":"JWT","kid":"ec-1"}; payload PAYLOAD; signature 64 zero bytes (r =
   * s = 0, CVE-2022-21449)
   */
  static final String ES256_ZERO_SIGNATURE_TOKEN =
      b64("{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"ec-1\"}")
          + "."
          + b64(PAYLOAD)
          + "."
          + Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[64]);

  /**
   * header {"alg":"RS256","typ":"JWT","kid":"rsa-1","crit":["exp-ext"],"exp-ext":true}; payload
   * PAYLOAD
   */
  static final String UNKNOWN_CRIT_TOKEN =
      sign(
          "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"rsa-1\",\"crit\":[\"exp-ext\"],\"exp-ext\":true}",
          PAYLOAD,
          signer(RSA),
          "RS256");

  /**
   * header {"alg":"RS256","typ":"JWT","kid":"rsa-1"}; payload
   * {"iss":...,"sub":"user-1","sub":"admin",...}
   */
  static final String DUPLICATE_CLAIM_TOKEN =
      jws(
          "RS256",
          "rsa-1",
          RSA,
          "{\"iss\":\"https://issuer.test\",\"aud\":\"portcullis\",\"sub\":\"user-1\",\"sub\":\"admin\",\"exp\":"
              + (NOW + 3600)
              + "}");

  /** header {"alg":"RS256","kid":"rsa-1","kid":"ec-1"}; payload PAYLOAD */
  static final String DUPLICATE_HEADER_TOKEN =
      sign("{\"alg\":\"RS256\",\"kid\":\"rsa-1\",\"kid\":\"ec-1\"}", PAYLOAD, signer(RSA), "RS256");

  /** header {"alg":"RSA-OAEP-256","enc":"A256GCM","kid":"rsa-1"}; a JWE (five parts) of PAYLOAD */
  static final String JWE_TOKEN = jwe(RSA);

  /**
   * header {"alg":"PS256","typ":"JWT","kid":"rsa-1"} (rsa-1 is bound to RS256), validly
   * PS256-signed by rsa-1
   */
  static final String KEY_ALG_MISMATCH_TOKEN = jws("PS256", "rsa-1", RSA, PAYLOAD);

  /**
   * header {"alg":"RS256","typ":"JWT","kid":"rsa-1"}; payload
   * {"iss":"https://issuer.test","aud":"portcullis","exp":1e400} (beyond a double: Infinity)
   */
  static final String INFINITE_EXP_TOKEN =
      jws(
          "RS256",
          "rsa-1",
          RSA,
          "{\"iss\":\"https://issuer.test\",\"aud\":\"portcullis\",\"exp\":1e400}");

  // --- builders used by tests for variants ---

  /** A payload with the given aud member, exp and iat (seconds). */
  static String payload(String audMember, long exp, long iat) {
    return "{\"iss\":\"https://issuer.test\","
        + audMember
        + ",\"sub\":\"user-1\",\"org_id\":\"acme\",\"exp\":"
        + exp
        + ",\"iat\":"
        + iat
        + ",\"jti\":\"jti-1\"}";
  }

  /** header {"alg":alg,"typ":"JWT","kid":kid} and the payload, signed by key. */
  static String jws(String alg, String kid, com.nimbusds.jose.jwk.JWK key, String payload) {
    return sign(
        "{\"alg\":\"" + alg + "\",\"typ\":\"JWT\",\"kid\":\"" + kid + "\"}",
        payload,
        signer(key),
        alg);
  }

  /** header {"alg":"RS256","kid":"rsa-1"} plus {@code typMember} (e.g. {@code "typ":"at+jwt"}) */
  static String withTyp(String typMember) {
    String header =
        typMember.isEmpty()
            ? "{\"alg\":\"RS256\",\"kid\":\"rsa-1\"}"
            : "{\"alg\":\"RS256\",\"kid\":\"rsa-1\"," + typMember + "}";
    return sign(header, PAYLOAD, signer(RSA), "RS256");
  }

  /**
   * header {"alg":alg,"kid":"rsa-1"}; payload PAYLOAD; no signature (unsecured JWS, RFC 7519 §6)
   */
  static String unsecured(String alg) {
    return b64("{\"alg\":\"" + alg + "\",\"kid\":\"rsa-1\"}") + "." + b64(PAYLOAD) + ".";
  }

  /** Nested arrays {@code depth} deep: [[[...]]] */
  static String nested(int depth) {
    return "[".repeat(depth) + "]".repeat(depth);
  }

  private static String jwe(RSAKey key) {
    try {
      JWEObject jwe =
          new JWEObject(
              new JWEHeader.Builder(JWEAlgorithm.RSA_OAEP_256, EncryptionMethod.A256GCM)
                  .keyID(key.getKeyID())
                  .build(),
              new Payload(PAYLOAD));
      jwe.encrypt(new RSAEncrypter(key.toRSAPublicKey()));
      return jwe.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  // --- standard configuration for the tests ---

  /** pem: rsa-1 (RS256), rsa-ps (PS256), ec-1 (ES256), ed-1 (EdDSA); default allow-list. */
  static KeySetOptions.Builder pemOptions() {
    return KeySetOptions.builder()
        .pemKeys(
            Map.of("rsa-1", TestKeys.pem(RSA), "ec-1", TestKeys.pem(EC), "ed-1", TestKeys.pem(ED)))
        .pemKey("rsa-ps", TestKeys.pem(RSA_PS), "PS256");
  }

  static ValidatorOptions validatorOptions() {
    return ValidatorOptions.builder()
        .issuers(Set.of(ISSUER))
        .audiences(Set.of(AUDIENCE))
        .clockSkew(Duration.ofSeconds(30))
        .build();
  }

  static Clock fixedNow() {
    return new MutableClock(NOW_INSTANT);
  }
}
