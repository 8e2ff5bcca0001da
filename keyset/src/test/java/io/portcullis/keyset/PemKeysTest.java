package io.portcullis.keyset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.keyset.impl.PemKeys;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** PEM forms accepted for a key, and each key's one algorithm. */
class PemKeysTest {

  /**
   * TestKeys.EC's SPKI with the last byte of y flipped: a P-256 point off the curve. Found by
   * PemKeysJsonFuzzTest: Nimbus's ECKey builder threw IllegalStateException straight out of {@code
   * KeySetOptions.build()} instead of a message naming {@code pemKeys[kid]}.
   */
  static String offCurveEcPem() {
    byte[] spki = TestKeys.spki(TestKeys.EC);
    spki[spki.length - 1] ^= 0x01;
    return "-----BEGIN PUBLIC KEY-----\n"
        + Base64.getMimeEncoder().encodeToString(spki)
        + "\n-----END PUBLIC KEY-----\n";
  }

  @Test
  void anEcPointOffTheCurveIsRefusedWithAMessageNamingTheKid() {
    assertThatThrownBy(() -> PemKeys.parse(offCurveEcPem(), null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unreadable PUBLIC KEY: the EC point is not on the P-256 curve");
    assertThatThrownBy(() -> KeySetOptions.builder().pemKey("e", offCurveEcPem()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("pemKeys[e]: unreadable PUBLIC KEY: the EC point is not on the P-256 curve");
  }

  @Test
  void bindsEachKeyTypeToOneAlgorithm() {
    assertThat(PemKeys.parse(TestKeys.pem(TestKeys.RSA), null).algorithm()).isEqualTo("RS256");
    assertThat(PemKeys.parse(TestKeys.pem(TestKeys.RSA), "PS256").algorithm()).isEqualTo("PS256");
    assertThat(PemKeys.parse(TestKeys.pem(TestKeys.EC), null).algorithm()).isEqualTo("ES256");
    assertThat(PemKeys.parse(TestKeys.pem(TestKeys.ED), null).algorithm()).isEqualTo("EdDSA");
  }

  @Test
  void readsPkcs1RsaPublicKeys() {
    // SPKI = SEQ { AlgorithmIdentifier(15 bytes), BIT STRING { 0x00, PKCS#1 } }: strip the wrapper
    byte[] spki = TestKeys.spki(TestKeys.RSA);
    int offset = 4 + 15 + 4 + 1; // long-form SEQ header, algorithm id, BIT STRING header, pad
    byte[] pkcs1 = Arrays.copyOfRange(spki, offset, spki.length);
    String pem =
        "-----BEGIN RSA PUBLIC KEY-----\n"
            + Base64.getMimeEncoder().encodeToString(pkcs1)
            + "\n-----END RSA PUBLIC KEY-----\n";
    com.nimbusds.jose.jwk.RSAKey parsed = (com.nimbusds.jose.jwk.RSAKey) PemKeys.toJwk(pem);
    assertThat(parsed.getModulus()).isEqualTo(TestKeys.RSA.getModulus());
    assertThat(parsed.getPublicExponent()).isEqualTo(TestKeys.RSA.getPublicExponent());
  }

  @Test
  void refusesPrivateKeysWeakRsaAndJunk() throws Exception {
    String priv =
        "-----BEGIN PRIVATE KEY-----\n"
            + Base64.getMimeEncoder().encodeToString(TestKeys.RSA.toRSAPrivateKey().getEncoded())
            + "\n-----END PRIVATE KEY-----\n";
    assertThatThrownBy(() -> PemKeys.parse(priv, null))
        .hasMessage("a private key was given; configure the public key only");
    var gen = java.security.KeyPairGenerator.getInstance("RSA");
    gen.initialize(1024);
    String weak =
        "-----BEGIN PUBLIC KEY-----\n"
            + Base64.getMimeEncoder().encodeToString(gen.generateKeyPair().getPublic().getEncoded())
            + "\n-----END PUBLIC KEY-----\n";
    assertThatThrownBy(() -> PemKeys.parse(weak, null))
        .hasMessage("RSA key of 1024 bits; at least 2048 required");
    String two = TestKeys.pem(TestKeys.RSA) + TestKeys.pem(TestKeys.EC);
    assertThatThrownBy(() -> PemKeys.parse(two, null))
        .hasMessage("more than one PEM block; give one key per kid");
    String garbage =
        "-----BEGIN PUBLIC KEY-----\n"
            + Base64.getEncoder().encodeToString("junk".getBytes(StandardCharsets.US_ASCII))
            + "\n-----END PUBLIC KEY-----\n";
    assertThatThrownBy(() -> PemKeys.parse(garbage, null))
        .hasMessageStartingWith("unreadable PUBLIC KEY");
  }
}
