package io.portcullis.gateway.support;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.Map;
import java.util.UUID;

/** An ES256 signing key the test gateway trusts, and a token minter. */
public final class TestKeys {
  public static final String ISSUER = "https://idp.test";
  public static final String AUDIENCE = "api";

  public final String kid;
  private final KeyPair pair;

  public TestKeys(String kid) {
    this.kid = kid;
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      this.pair = g.generateKeyPair();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public String pem() {
    return "-----BEGIN PUBLIC KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(pair.getPublic().getEncoded())
        + "\n-----END PUBLIC KEY-----\n";
  }

  /** A valid token for {@code org}: sub u1, client_id c1, scope "read write", exp in 1 h. */
  public String token(String org) {
    return token(Map.of("org_id", org), Instant.now().plusSeconds(3600));
  }

  public String token(Map<String, Object> extraClaims, Instant exp) {
    return token(kid, extraClaims, exp);
  }

  /** A token whose header names {@code headerKid} (e.g. an unknown one), signed by this key. */
  public String token(String headerKid, Map<String, Object> extraClaims, Instant exp) {
    JWTClaimsSet.Builder claims =
        new JWTClaimsSet.Builder()
            .issuer(ISSUER)
            .audience(AUDIENCE)
            .subject("u1")
            .claim("client_id", "c1")
            .claim("scope", "read write")
            .jwtID(UUID.randomUUID().toString())
            .issueTime(Date.from(Instant.now().minusSeconds(5)))
            .expirationTime(Date.from(exp));
    extraClaims.forEach(claims::claim);
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.ES256)
                .keyID(headerKid)
                .type(JOSEObjectType.JWT)
                .build(),
            claims.build());
    try {
      jwt.sign(new ECDSASigner((ECPrivateKey) pair.getPrivate()));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return jwt.serialize();
  }
}
