package io.portcullis.keyset.impl;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses one PEM public key into a bound {@link KeyBinder.Bound} key, with the JDK alone (no
 * BouncyCastle). Accepts {@code PUBLIC KEY} (SPKI: RSA, EC, Ed25519), {@code RSA PUBLIC KEY}
 * (PKCS#1) and {@code CERTIFICATE}. A private key is refused: the gateway only ever verifies.
 */
public final class PemKeys {
  private PemKeys() {}

  private static final Pattern BLOCK =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*)-----END \\1-----");

  /** SPKI prefix of an Ed25519 public key (RFC 8410 §4): SEQ, SEQ(OID 1.3.101.112), BIT STRING. */
  private static final byte[] ED25519_SPKI_PREFIX = {
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00
  };

  /** DER of AlgorithmIdentifier rsaEncryption with NULL parameters (RFC 8017 appendix C). */
  private static final byte[] RSA_ALGORITHM_ID = {
    0x30,
    0x0d,
    0x06,
    0x09,
    0x2a,
    (byte) 0x86,
    0x48,
    (byte) 0x86,
    (byte) 0xf7,
    0x0d,
    0x01,
    0x01,
    0x01,
    0x05,
    0x00
  };

  /**
   * Parses and binds one PEM key.
   *
   * @param algorithm an explicit algorithm, or {@code null} to derive it from the key type
   * @throws IllegalArgumentException with a short reason naming no key material
   */
  public static KeyBinder.Bound parse(String pem, String algorithm) {
    return KeyBinder.bind(toJwk(pem), algorithm);
  }

  /** Parses one PEM public key into a public JWK. */
  public static JWK toJwk(String pem) {
    if (pem == null) {
      throw new IllegalArgumentException("no PEM given");
    }
    Matcher m = BLOCK.matcher(pem);
    if (!m.find()) {
      throw new IllegalArgumentException(
          "not a PEM block (-----BEGIN ...----- / -----END ...-----)");
    }
    String type = m.group(1);
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(m.group(2).replaceAll("\\s", ""));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("bad base64 in the PEM body");
    }
    if (m.find()) {
      throw new IllegalArgumentException("more than one PEM block; give one key per kid");
    }
    try {
      return switch (type) {
        case "PUBLIC KEY" -> fromSpki(der);
        case "RSA PUBLIC KEY" -> fromSpki(rsaPkcs1ToSpki(der));
        case "CERTIFICATE" ->
            fromPublicKey(
                CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der))
                    .getPublicKey());
        default -> {
          if (type.contains("PRIVATE")) {
            throw new IllegalArgumentException(
                "a private key was given; configure the public key only");
          }
          throw new IllegalArgumentException("unsupported PEM type '" + type + "'");
        }
      };
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("unreadable " + type + ": " + e.getMessage());
    }
  }

  private static JWK fromSpki(byte[] der) throws GeneralSecurityException {
    if (der.length == ED25519_SPKI_PREFIX.length + 32
        && Arrays.equals(
            der,
            0,
            ED25519_SPKI_PREFIX.length,
            ED25519_SPKI_PREFIX,
            0,
            ED25519_SPKI_PREFIX.length)) {
      byte[] raw = Arrays.copyOfRange(der, ED25519_SPKI_PREFIX.length, der.length);
      return new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(raw)).build();
    }
    X509EncodedKeySpec spec = new X509EncodedKeySpec(der);
    for (String family : new String[] {"RSA", "EC"}) {
      PublicKey key;
      try {
        key = KeyFactory.getInstance(family).generatePublic(spec);
      } catch (GeneralSecurityException notThisFamily) {
        continue;
      }
      return fromPublicKey(key); // its refusal (an off-curve point) is the answer, not "no family"
    }
    throw new GeneralSecurityException("not an RSA, EC or Ed25519 public key");
  }

  private static JWK fromPublicKey(PublicKey key) throws GeneralSecurityException {
    if (key instanceof RSAPublicKey rsa) {
      return new RSAKey.Builder(rsa).build();
    }
    if (key instanceof ECPublicKey ec) {
      Curve curve = Curve.forECParameterSpec(ec.getParams());
      if (curve == null) {
        throw new GeneralSecurityException("unsupported EC curve");
      }
      try {
        return new ECKey.Builder(curve, ec).build();
      } catch (IllegalStateException offCurve) {
        // The JDK's KeyFactory accepts any point; Nimbus checks it is on the curve (an off-curve
        // key is the invalid-curve attack's tool) and says so with an unchecked exception.
        throw new GeneralSecurityException("the EC point is not on the " + curve + " curve");
      }
    }
    if ("Ed25519".equals(key.getAlgorithm()) || "EdDSA".equals(key.getAlgorithm())) {
      return fromSpki(key.getEncoded());
    }
    throw new GeneralSecurityException("unsupported key algorithm " + key.getAlgorithm());
  }

  /** Wraps a PKCS#1 RSAPublicKey in an SPKI SubjectPublicKeyInfo so the JDK can read it. */
  private static byte[] rsaPkcs1ToSpki(byte[] pkcs1) {
    ByteArrayOutputStream bitString = new ByteArrayOutputStream();
    bitString.write(0); // no unused bits
    bitString.writeBytes(pkcs1);
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(RSA_ALGORITHM_ID);
    body.writeBytes(tlv(0x03, bitString.toByteArray()));
    return tlv(0x30, body.toByteArray());
  }

  private static byte[] tlv(int tag, byte[] value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int len = value.length;
    if (len < 0x80) {
      out.write(len);
    } else if (len < 0x100) {
      out.write(0x81);
      out.write(len);
    } else if (len < 0x10000) {
      out.write(0x82);
      out.write(len >> 8);
      out.write(len & 0xff);
    } else {
      out.write(0x83);
      out.write(len >> 16);
      out.write((len >> 8) & 0xff);
      out.write(len & 0xff);
    }
    out.writeBytes(value);
    return out.toByteArray();
  }
}
