package io.portcullis.keyset;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.Ed25519Signer;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Test signing keys, generated once per JVM, with their public PEM and JWK forms. */
final class TestKeys {
  private TestKeys() {}

  static final RSAKey RSA = rsa("rsa-1");
  static final RSAKey RSA_PS = rsa("rsa-ps");
  static final ECKey EC = ec("ec-1");
  static final OctetKeyPair ED = ed("ed-1");

  /** A 256-bit HMAC secret. */
  static final byte[] HMAC_SECRET =
      "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  static RSAKey rsa(String kid) {
    try {
      return new RSAKeyGenerator(2048).keyID(kid).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  static ECKey ec(String kid) {
    try {
      return new ECKeyGenerator(Curve.P_256).keyID(kid).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  static OctetKeyPair ed(String kid) {
    try {
      return new OctetKeyPairGenerator(Curve.Ed25519).keyID(kid).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The SPKI DER of a key's public part. */
  static byte[] spki(JWK key) {
    try {
      if (key instanceof RSAKey r) {
        return r.toRSAPublicKey().getEncoded();
      }
      if (key instanceof ECKey e) {
        return e.toECPublicKey().getEncoded();
      }
      if (key instanceof OctetKeyPair o) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(
            new byte[] {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00});
        out.writeBytes(o.getX().decode());
        return out.toByteArray();
      }
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
    throw new IllegalArgumentException("unsupported " + key);
  }

  /** The public key as PEM text ({@code PUBLIC KEY}, SPKI). */
  static String pem(JWK key) {
    return "-----BEGIN PUBLIC KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
            .encodeToString(spki(key))
        + "\n-----END PUBLIC KEY-----\n";
  }

  static JWSSigner signer(JWK key) {
    try {
      if (key instanceof RSAKey r) {
        return new RSASSASigner(r);
      }
      if (key instanceof ECKey e) {
        return new ECDSASigner(e);
      }
      if (key instanceof OctetKeyPair o) {
        return new Ed25519Signer(o);
      }
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
    throw new IllegalArgumentException("unsupported " + key);
  }

  static JWSSigner hmacSigner(byte[] secret) {
    try {
      return new MACSigner(secret);
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Signs raw header and payload JSON exactly as given (so tests can write duplicate names, odd
   * headers, deep nesting): {@code b64(header).b64(payload).b64(sig)}.
   */
  static String sign(String headerJson, String payloadJson, JWSSigner signer, String alg) {
    String input = b64(headerJson) + "." + b64(payloadJson);
    try {
      Base64URL sig =
          signer.sign(
              new JWSHeader(JWSAlgorithm.parse(alg)), input.getBytes(StandardCharsets.US_ASCII));
      return input + "." + sig;
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  static String b64(String json) {
    return Base64URL.encode(json.getBytes(StandardCharsets.UTF_8)).toString();
  }
}
