package io.portcullis.loadtests;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Writes a benchmark keyset and token set: {@code keys.json} (the {@code JWT_PUBLIC_KEYS_PEM}
 * value), {@code tokens.txt} (one RS256 token a line) and {@code tokens.lua} (the same, as a Lua
 * table for wrk).
 *
 * <p>Usage: {@code java -jar portcullis-load-tests.jar OUT_DIR [TOKENS] [TENANTS] [ISSUER]
 * [AUDIENCE]}.
 */
public final class TokenGen {
  private TokenGen() {}

  public static void main(String[] args) throws IOException, JOSEException {
    if (args.length < 1) {
      System.err.println("usage: TokenGen OUT_DIR [TOKENS=2000] [TENANTS=100] [ISSUER] [AUDIENCE]");
      System.exit(2);
    }
    Path out = Path.of(args[0]);
    int count = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
    int tenants = args.length > 2 ? Integer.parseInt(args[2]) : 100;
    String issuer = args.length > 3 ? args[3] : "https://idp.bench.local/";
    String audience = args.length > 4 ? args[4] : "bench-api";
    Files.createDirectories(out);

    RSAKey key = new RSAKeyGenerator(2048).keyID("bench-rs256").generate();
    String pem = toPem(key);
    Files.writeString(out.resolve("keys.json"), "{\"bench-rs256\": " + jsonString(pem) + "}\n");

    RSASSASigner signer = new RSASSASigner(key);
    Instant now = Instant.now();
    List<String> tokens = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      JWTClaimsSet claims =
          new JWTClaimsSet.Builder()
              .issuer(issuer)
              .audience(audience)
              .subject("user-" + i)
              .jwtID("bench-" + i)
              .issueTime(java.util.Date.from(now.minusSeconds(5)))
              .expirationTime(java.util.Date.from(now.plus(Duration.ofHours(4))))
              .claim("org_id", "tenant-" + (i % tenants))
              .claim("client_id", "bench-client")
              .claim("scope", "read write")
              .build();
      SignedJWT jwt =
          new SignedJWT(
              new JWSHeader.Builder(JWSAlgorithm.RS256)
                  .keyID(key.getKeyID())
                  .type(JOSEObjectType.JWT)
                  .build(),
              claims);
      jwt.sign(signer);
      tokens.add(jwt.serialize());
    }
    Files.write(out.resolve("tokens.txt"), tokens);
    StringBuilder lua = new StringBuilder("return {\n");
    for (String t : tokens) {
      lua.append("  \"").append(t).append("\",\n");
    }
    Files.writeString(out.resolve("tokens.lua"), lua.append("}\n").toString());
    System.out.println("wrote " + count + " tokens over " + tenants + " tenants to " + out);
  }

  static String toPem(RSAKey key) throws JOSEException {
    String b64 =
        Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
            .encodeToString(key.toRSAPublicKey().getEncoded());
    return "-----BEGIN PUBLIC KEY-----\n" + b64 + "\n-----END PUBLIC KEY-----\n";
  }

  static String jsonString(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
  }

  /** Visible for the test: a claims map of one generated token. */
  static Map<String, Object> claimsOf(String token) throws java.text.ParseException {
    return SignedJWT.parse(token).getJWTClaimsSet().getClaims();
  }
}
