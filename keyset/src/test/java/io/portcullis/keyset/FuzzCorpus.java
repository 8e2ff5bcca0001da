package io.portcullis.keyset;

import static io.portcullis.keyset.TokenFixtures.NOW;
import static io.portcullis.keyset.TokenFixtures.PAYLOAD;
import static io.portcullis.keyset.TokenFixtures.nested;
import static io.portcullis.keyset.TokenFixtures.payload;

import com.nimbusds.jose.EncryptionMethod;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.JWEObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.RSAEncrypter;
import com.nimbusds.jose.jwk.RSAKey;
import io.vertx.core.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes the hand-made seeds of the fuzz corpus: valid tokens of each algorithm and every hostile
 * fixture of {@link TokenFixtures} and {@link TokenValidatorTest}, re-made with the committed
 * {@link FuzzKeys} so that they keep their meaning across runs. Token seeds are named {@code
 * <result label>--<case>}; {@link FuzzCorpusTest} checks each still gets that result.
 *
 * <p>Run from the repository root after changing a fixture (inputs found by fuzzing are kept
 * alongside, under hash names):
 *
 * <pre>
 * ./mvnw -q -o -pl keyset -am test-compile -Dspotless.check.skip=true
 * java -cp "keyset/target/test-classes:keyset/target/classes:$(cat keyset/target/cp.txt)" \
 *     io.portcullis.keyset.FuzzCorpus keyset/src/test/resources
 * </pre>
 *
 * ({@code keyset/target/cp.txt} from {@code ./mvnw -q -o -pl keyset dependency:build-classpath
 * -Dmdep.outputFile=target/cp.txt}.)
 */
final class FuzzCorpus {
  private FuzzCorpus() {}

  static final FuzzKeys.Key RSA = FuzzKeys.byKid("fz-rsa");
  static final FuzzKeys.Key PS = FuzzKeys.byKid("fz-ps");
  static final FuzzKeys.Key EC = FuzzKeys.byKid("fz-ec");
  static final FuzzKeys.Key ED = FuzzKeys.byKid("fz-ed");
  static final FuzzKeys.Key HS = FuzzKeys.byKid("fz-hs");

  public static void main(String[] args) throws IOException {
    Path root = Path.of(args[0]).resolve("io/portcullis/keyset");
    write(root.resolve("TokenValidatorFuzzTestInputs/arbitraryToken"), tokens());
    write(root.resolve("TokenValidatorFuzzTestInputs/resignedToken"), resigned());
    write(root.resolve("StrictJsonFuzzTestInputs/parseObject"), json());
    write(root.resolve("PemKeysJsonFuzzTestInputs/pemKeysJson"), pemJson());
  }

  private static void write(Path dir, Map<String, byte[]> seeds) throws IOException {
    Files.createDirectories(dir);
    for (var e : seeds.entrySet()) {
      Files.write(dir.resolve(e.getKey()), e.getValue());
    }
  }

  static String header(String alg, String kid) {
    return "{\"alg\":\"" + alg + "\",\"typ\":\"JWT\",\"kid\":\"" + kid + "\"}";
  }

  static String jws(FuzzKeys.Key key, String payload) {
    return FuzzKeys.sign(header(key.alg(), key.kid()), payload, key);
  }

  /** header {"alg":"RS256","kid":"fz-rsa", extra}; PAYLOAD; signed by fz-rsa */
  static String rsaWith(String extraHeader) {
    return FuzzKeys.sign("{\"alg\":\"RS256\",\"kid\":\"fz-rsa\"" + extraHeader + "}", PAYLOAD, RSA);
  }

  static String rsaPayload(String payload) {
    return jws(RSA, payload);
  }

  private static String b64(String s) {
    return FuzzKeys.b64(s.getBytes(StandardCharsets.UTF_8));
  }

  /** Seeds of {@code arbitraryToken}: whole compact tokens. */
  static Map<String, byte[]> tokens() {
    Map<String, String> t = new LinkedHashMap<>();
    String good = jws(RSA, PAYLOAD);
    // valid, one per algorithm, and valid variants
    t.put("ok--rs256", good);
    t.put("ok--ps256", jws(PS, PAYLOAD));
    t.put("ok--es256", jws(EC, PAYLOAD));
    t.put("ok--eddsa", jws(ED, PAYLOAD));
    t.put("ok--hs256", jws(HS, PAYLOAD));
    t.put(
        "ok--aud-array",
        rsaPayload(payload("\"aud\":[\"other\",\"portcullis\"]", NOW + 3600, NOW)));
    t.put("ok--typ-absent", rsaWith(""));
    t.put("ok--typ-lower-jwt", rsaWith(",\"typ\":\"jwt\""));
    t.put("ok--typ-at-jwt", rsaWith(",\"typ\":\"at+jwt\""));
    t.put("ok--typ-upper-at-jwt", rsaWith(",\"typ\":\"AT+JWT\""));
    t.put("ok--typ-application-at-jwt", rsaWith(",\"typ\":\"Application/AT+JWT\""));
    t.put(
        "ok--exp-inside-skew", rsaPayload(payload("\"aud\":\"portcullis\"", NOW - 29, NOW - 100)));
    t.put(
        "ok--exp-fraction",
        rsaPayload(
            payload("\"aud\":\"portcullis\"", NOW + 1, NOW)
                .replace("\"exp\":" + (NOW + 1), "\"exp\":" + (NOW + 1) + ".5")));
    t.put(
        "malformed--exp-1e400-beyond-a-double",
        rsaPayload("{\"iss\":\"https://issuer.test\",\"aud\":\"portcullis\",\"exp\":1e400}"));
    t.put(
        "ok--nbf-inside-skew",
        rsaPayload(
            "{\"iss\":\"https://issuer.test\",\"aud\":\"portcullis\",\"exp\":"
                + (NOW + 3600)
                + ",\"nbf\":"
                + (NOW + 30)
                + "}"));
    t.put(
        "ok--iat-inside-skew", rsaPayload(payload("\"aud\":\"portcullis\"", NOW + 3600, NOW + 30)));
    t.put(
        "ok--unicode-claims",
        rsaPayload(
            "{\"iss\":\"https://issuer.test\",\"aud\":\"portcullis\",\"exp\":"
                + (NOW + 3600)
                + ",\"name\":\"J\\u00f6rg \\ud83d\\ude00\",\"raw\":\"\u00e9\u4e2d\"}"));
    // claims
    t.put(
        "expired--exp-past", rsaPayload(payload("\"aud\":\"portcullis\"", NOW - 3600, NOW - 7200)));
    t.put(
        "expired--exp-at-skew-edge",
        rsaPayload(payload("\"aud\":\"portcullis\"", NOW - 30, NOW - 100)));
    t.put(
        "malformed--exp-minus-1e400",
        rsaPayload("{\"iss\":\"https://issuer.test\",\"aud\":\"portcullis\",\"exp\":-1e400}"));
    t.put(
        "not_yet_valid--nbf",
        rsaPayload(
            "{\"iss\":\"https://issuer.test\",\"aud\":\"portcullis\",\"exp\":"
                + (NOW + 3600)
                + ",\"nbf\":"
                + (NOW + 31)
                + "}"));
    t.put(
        "issued_in_future--iat",
        rsaPayload(payload("\"aud\":\"portcullis\"", NOW + 3600, NOW + 31)));
    t.put(
        "wrong_issuer--evil",
        rsaPayload(
            "{\"iss\":\"https://evil.test\",\"aud\":\"portcullis\",\"exp\":" + (NOW + 3600) + "}"));
    t.put("wrong_audience--string", rsaPayload(payload("\"aud\":\"other\"", NOW + 3600, NOW)));
    t.put(
        "wrong_audience--array",
        rsaPayload(payload("\"aud\":[\"other\",\"another\"]", NOW + 3600, NOW)));
    t.put(
        "missing_claim--no-exp",
        rsaPayload("{\"iss\":\"https://issuer.test\",\"aud\":\"portcullis\"}"));
    t.put(
        "missing_claim--exp-string",
        rsaPayload(
            "{\"iss\":\"https://issuer.test\",\"aud\":\"portcullis\",\"exp\":\"tomorrow\"}"));
    t.put(
        "missing_claim--no-aud",
        rsaPayload("{\"iss\":\"https://issuer.test\",\"exp\":" + (NOW + 3600) + "}"));
    t.put(
        "missing_claim--aud-empty-array",
        rsaPayload("{\"iss\":\"https://issuer.test\",\"aud\":[],\"exp\":" + (NOW + 3600) + "}"));
    t.put(
        "missing_claim--no-iss",
        rsaPayload("{\"aud\":\"portcullis\",\"exp\":" + (NOW + 3600) + "}"));
    t.put(
        "malformed--nbf-string",
        rsaPayload(
            "{\"iss\":\"https://issuer.test\",\"aud\":\"portcullis\",\"exp\":"
                + (NOW + 3600)
                + ",\"nbf\":\"now\"}"));
    t.put(
        "malformed--sub-number",
        rsaPayload(
            "{\"iss\":\"https://issuer.test\",\"aud\":\"portcullis\",\"exp\":"
                + (NOW + 3600)
                + ",\"sub\":7}"));
    // kid
    t.put(
        "unknown_kid--unknown",
        jws(RSA, PAYLOAD)
            .replace(b64(header("RS256", "fz-rsa")), b64(header("RS256", "no-such-kid"))));
    t.put(
        "unknown_kid--no-kid", FuzzKeys.sign("{\"alg\":\"RS256\",\"typ\":\"JWT\"}", PAYLOAD, RSA));
    String[] hostileKids = {"../../dev/null", "' OR 1=1--", "|sleep 5", "fz-rsa\u0000", "fz-rsa\n"};
    String[] kidNames = {"path-traversal", "sql", "shell", "nul", "newline"};
    for (int i = 0; i < hostileKids.length; i++) {
      t.put(
          "unknown_kid--kid-" + kidNames[i],
          FuzzKeys.sign(
              "{\"alg\":\"RS256\",\"kid\":" + Json.encode(hostileKids[i]) + "}", PAYLOAD, RSA));
    }
    t.put(
        "unknown_kid--huge-kid-4000",
        FuzzKeys.sign("{\"alg\":\"RS256\",\"kid\":\"" + "k".repeat(4000) + "\"}", PAYLOAD, RSA));
    t.put(
        "malformed--huge-kid-over-8k",
        FuzzKeys.sign("{\"alg\":\"RS256\",\"kid\":\"" + "k".repeat(9000) + "\"}", PAYLOAD, RSA));
    t.put(
        "malformed--kid-number",
        rsaWith(",\"typ\":\"JWT\"")
            .replace(
                b64("{\"alg\":\"RS256\",\"kid\":\"fz-rsa\",\"typ\":\"JWT\"}"),
                b64("{\"alg\":\"RS256\",\"kid\":42}")));
    // alg
    for (String none : new String[] {"none", "None", "NONE", "nOnE", " none "}) {
      t.put(
          "alg_not_allowed--alg-" + none.trim() + (none.startsWith(" ") ? "-spaced" : ""),
          b64("{\"alg\":\"" + none + "\",\"kid\":\"fz-rsa\"}") + "." + b64(PAYLOAD) + ".");
    }
    t.put(
        "alg_not_allowed--none-with-signature",
        b64("{\"alg\":\"none\",\"kid\":\"fz-rsa\"}")
            + "."
            + b64(PAYLOAD)
            + "."
            + good.substring(good.lastIndexOf('.') + 1));
    t.put(
        "alg_not_allowed--rs384",
        FuzzKeys.sign("{\"alg\":\"RS384\",\"kid\":\"fz-rsa\"}", PAYLOAD, RSA)
            .replaceAll("\\.[^.]*$", ".AA"));
    t.put(
        "alg_not_allowed--rs256-lowercase",
        FuzzKeys.sign("{\"alg\":\"rs256\",\"kid\":\"fz-rsa\"}", PAYLOAD, RSA));
    t.put("malformed--no-alg", FuzzKeys.sign("{\"kid\":\"fz-rsa\"}", PAYLOAD, RSA));
    t.put("malformed--alg-number", FuzzKeys.sign("{\"alg\":1,\"kid\":\"fz-rsa\"}", PAYLOAD, RSA));
    // key/alg binding and algorithm confusion
    t.put(
        "key_alg_mismatch--ps256-on-rs256-key",
        FuzzKeys.sign(
            header("PS256", "fz-rsa"),
            PAYLOAD,
            new FuzzKeys.Key("fz-rsa", "PS256", RSA.jwk(), RSA.signer(), RSA.oracle())));
    t.put(
        "key_alg_mismatch--es256-header-rsa-kid",
        FuzzKeys.sign(header("ES256", "fz-rsa"), PAYLOAD, EC));
    t.put(
        "key_alg_mismatch--hs256-keyed-with-rsa-pem",
        hsWith(TestKeys.pem(RSA.jwk()).getBytes(StandardCharsets.US_ASCII)));
    t.put("key_alg_mismatch--hs256-keyed-with-rsa-der", hsWith(TestKeys.spki(RSA.jwk())));
    t.put(
        "key_alg_mismatch--rs256-header-hmac-kid",
        FuzzKeys.sign(header("RS256", "fz-hs"), PAYLOAD, RSA));
    // signatures
    t.put("bad_signature--stripped", good.substring(0, good.lastIndexOf('.') + 1));
    t.put("malformed--two-part", good.substring(0, good.lastIndexOf('.')));
    t.put(
        "bad_signature--tampered-payload",
        good.substring(0, good.indexOf('.') + 1)
            + b64(PAYLOAD.replace("acme", "evil"))
            + good.substring(good.lastIndexOf('.')));
    t.put(
        "bad_signature--es256-zero-signature-cve-2022-21449",
        b64(header("ES256", "fz-ec"))
            + "."
            + b64(PAYLOAD)
            + "."
            + Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[64]));
    t.put(
        "bad_signature--es256-signature-wrong-length",
        b64(header("ES256", "fz-ec")) + "." + b64(PAYLOAD) + ".AAAA");
    t.put(
        "bad_signature--eddsa-empty-signature",
        b64(header("EdDSA", "fz-ed")) + "." + b64(PAYLOAD) + ".");
    t.put(
        "bad_signature--signed-by-other-rsa-key",
        FuzzKeys.sign(
            header("RS256", "fz-rsa"),
            PAYLOAD,
            new FuzzKeys.Key("fz-rsa", "RS256", PS.jwk(), PS.signer(), PS.oracle())));
    t.put("bad_signature--rs256-signature-one-bit-flipped", flipLastSignatureChar(good));
    t.put("malformed--signature-with-padding", good + "==");
    t.put(
        "malformed--signature-standard-base64",
        good.substring(0, good.lastIndexOf('.') + 1) + "ab+/cd");
    // embedded keys are never used (attacker signs with their own key, names the real kid)
    String attackerJwk = PS.jwk().toPublicJWK().toJSONString();
    t.put(
        "bad_signature--embedded-jwk",
        FuzzKeys.sign(
            "{\"alg\":\"RS256\",\"kid\":\"fz-rsa\",\"jwk\":" + attackerJwk + "}", PAYLOAD, PS));
    t.put(
        "bad_signature--embedded-jku",
        FuzzKeys.sign(
            "{\"alg\":\"RS256\",\"kid\":\"fz-rsa\",\"jku\":\"http://127.0.0.1:1/jwks\"}",
            PAYLOAD,
            PS));
    t.put(
        "bad_signature--embedded-x5u",
        FuzzKeys.sign(
            "{\"alg\":\"RS256\",\"kid\":\"fz-rsa\",\"x5u\":\"http://127.0.0.1:1/c.pem\"}",
            PAYLOAD,
            PS));
    t.put(
        "bad_signature--embedded-x5c",
        FuzzKeys.sign(
            "{\"alg\":\"RS256\",\"kid\":\"fz-rsa\",\"x5c\":[\"MIIBszCCAVmgAwIBAgIUQ2VydA==\"]}",
            PAYLOAD,
            PS));
    t.put(
        "unknown_kid--embedded-jwk-no-kid",
        FuzzKeys.sign("{\"alg\":\"RS256\",\"jwk\":" + attackerJwk + "}", PAYLOAD, PS));
    // crit, typ
    t.put(
        "unsupported_crit--unknown-extension", rsaWith(",\"crit\":[\"exp-ext\"],\"exp-ext\":true"));
    t.put("unsupported_crit--b64-false", rsaWith(",\"b64\":false,\"crit\":[\"b64\"]"));
    t.put("malformed--crit-empty", rsaWith(",\"crit\":[]"));
    t.put("malformed--crit-not-array", rsaWith(",\"crit\":\"b64\""));
    t.put("wrong_type--jose", rsaWith(",\"typ\":\"JOSE\""));
    t.put("wrong_type--dpop-jwt", rsaWith(",\"typ\":\"dpop+jwt\""));
    t.put("wrong_type--secevent-jwt", rsaWith(",\"typ\":\"secevent+jwt\""));
    t.put("wrong_type--empty", rsaWith(",\"typ\":\"\""));
    t.put("malformed--typ-number", rsaWith(",\"typ\":42"));
    // duplicates
    t.put(
        "malformed--duplicate-claim",
        rsaPayload(
            "{\"iss\":\"https://issuer.test\",\"aud\":\"portcullis\",\"sub\":\"user-1\",\"sub\":\"admin\",\"exp\":"
                + (NOW + 3600)
                + "}"));
    t.put(
        "malformed--duplicate-header",
        FuzzKeys.sign("{\"alg\":\"RS256\",\"kid\":\"fz-rsa\",\"kid\":\"fz-ec\"}", PAYLOAD, RSA));
    t.put(
        "malformed--duplicate-escaped-name",
        rsaPayload(
            "{\"iss\":\"https://issuer.test\",\"aud\":\"portcullis\",\"sub\":\"u\",\"\\u0073ub\":\"admin\",\"exp\":"
                + (NOW + 3600)
                + "}"));
    t.put(
        "malformed--duplicate-alg-none",
        FuzzKeys.sign("{\"alg\":\"RS256\",\"kid\":\"fz-rsa\",\"alg\":\"none\"}", PAYLOAD, RSA));
    // JWE
    t.put("not_jws--jwe", jwe((RSAKey) RSA.jwk()));
    t.put("not_jws--enc-in-header", rsaWith(",\"enc\":\"A256GCM\""));
    t.put("not_jws--five-parts", "a.b.c.d.e");
    // nesting
    t.put(
        "malformed--deep-header-1500",
        FuzzKeys.sign(
            "{\"alg\":\"RS256\",\"kid\":\"fz-rsa\",\"x\":" + nested(1_500) + "}", PAYLOAD, RSA));
    t.put(
        "malformed--deep-payload-800",
        rsaPayload(
            "{\"iss\":\"https://issuer.test\",\"x\":"
                + "{\"a\":".repeat(800)
                + "1"
                + "}".repeat(800)
                + "}"));
    t.put(
        "malformed--deep-header-10000-too-large",
        FuzzKeys.sign(
            "{\"alg\":\"RS256\",\"kid\":\"fz-rsa\",\"x\":" + nested(10_000) + "}", PAYLOAD, RSA));
    t.put(
        "malformed--depth-17-in-payload",
        rsaPayload(
            "{\"iss\":\"https://issuer.test\",\"aud\":\"portcullis\",\"exp\":"
                + (NOW + 3600)
                + ",\"x\":"
                + nested(16)
                + "}"));
    t.put(
        "ok--depth-16-in-payload",
        rsaPayload(
            "{\"iss\":\"https://issuer.test\",\"aud\":\"portcullis\",\"exp\":"
                + (NOW + 3600)
                + ",\"x\":"
                + nested(15)
                + "}"));
    // garbage and encoding
    String[] garbage = {
      "",
      ".",
      "..",
      "a.b.c",
      "eyJhbGciOiJSUzI1NiJ9.e30",
      "eyJhbGciOiJSUzI1NiJ9.e30.=",
      "not a token at all",
      "a.b.c.d",
      "a.b.c.d.e.f",
      "e30.e30.e30",
      "W10.e30.AA",
      "eyJhbGciOjF9.e30.AA"
    };
    for (int i = 0; i < garbage.length; i++) {
      t.put("malformed--garbage-" + i, garbage[i]);
    }
    t.put("malformed--oversized-100k", "a".repeat(100_000));
    t.put("malformed--exactly-8k-plus-1", "a".repeat(8 * 1024 + 1));
    t.put("malformed--bearer-prefix", "Bearer " + good);
    t.put("malformed--whitespace-around", " " + good + "\n");
    t.put("malformed--header-is-array", b64("[]") + "." + b64(PAYLOAD) + ".AA");
    t.put(
        "malformed--payload-is-array",
        b64("{\"alg\":\"RS256\",\"kid\":\"fz-rsa\"}") + "." + b64("[1]") + ".AA");
    t.put(
        "malformed--header-trailing-garbage",
        b64("{\"alg\":\"RS256\",\"kid\":\"fz-rsa\"}x") + "." + b64(PAYLOAD) + ".AA");
    t.put(
        "malformed--header-single-quotes",
        b64("{'alg':'RS256','kid':'fz-rsa'}") + "." + b64(PAYLOAD) + ".AA");
    t.put(
        "malformed--payload-nan",
        rsaPayload("{\"iss\":\"https://issuer.test\",\"aud\":\"portcullis\",\"exp\":NaN}"));
    t.put("malformed--base64-one-char-remainder", "eyJhbGciOiJSUzI1NiJ9A.e30.AA");
    t.put("malformed--empty-header", "." + b64(PAYLOAD) + ".AA");
    t.put("malformed--empty-payload", b64(header("RS256", "fz-rsa")) + "..AA");
    Map<String, byte[]> out = new LinkedHashMap<>();
    t.forEach((k, v) -> out.put(k, v.getBytes(StandardCharsets.UTF_8)));
    byte[] badUtf8 = {'{', '"', 'a', 'l', 'g', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
    out.put(
        "malformed--invalid-utf8-header",
        (Base64.getUrlEncoder().withoutPadding().encodeToString(badUtf8)
                + "."
                + b64(PAYLOAD)
                + ".AA")
            .getBytes(StandardCharsets.US_ASCII));
    out.put(
        "malformed--invalid-utf8-token-bytes",
        new byte[] {'e', '3', '0', '.', (byte) 0xff, '.', 'A'});
    return out;
  }

  private static String hsWith(byte[] secret) {
    String input =
        b64("{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"fz-rsa\"}") + "." + b64(PAYLOAD);
    try {
      return input
          + "."
          + new com.nimbusds.jose.crypto.MACSigner(secret)
              .sign(
                  new com.nimbusds.jose.JWSHeader(com.nimbusds.jose.JWSAlgorithm.HS256),
                  input.getBytes(StandardCharsets.US_ASCII));
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String flipLastSignatureChar(String token) {
    int dot = token.lastIndexOf('.');
    char c = token.charAt(dot + 5);
    return token.substring(0, dot + 5) + (c == 'A' ? 'B' : 'A') + token.substring(dot + 6);
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

  /** Seeds of {@code resignedToken}: mode, key, header, NUL, payload. */
  static Map<String, byte[]> resigned() {
    Map<String, byte[]> out = new LinkedHashMap<>();
    String[] modes = {"resigned", "kept-signature", "no-signature", "other-key"};
    for (int k = 0; k < FuzzKeys.KEYS.size(); k++) {
      FuzzKeys.Key key = FuzzKeys.KEYS.get(k);
      for (int m = 0; m < modes.length; m++) {
        out.put(
            key.kid() + "-good-" + modes[m],
            TokenValidatorFuzzTest.resignedSeed(
                m, k, TokenValidatorFuzzTest.goodHeader(key), PAYLOAD));
      }
    }
    String h = header("RS256", "fz-rsa");
    String exp = ",\"exp\":" + (NOW + 3600);
    Map<String, String[]> shapes = new LinkedHashMap<>();
    shapes.put(
        "aud-array", new String[] {h, payload("\"aud\":[\"a\",\"portcullis\"]", NOW + 3600, NOW)});
    shapes.put(
        "duplicate-sub",
        new String[] {
          h,
          "{\"iss\":\"https://issuer.test\",\"aud\":\"portcullis\",\"sub\":\"a\",\"sub\":\"b\""
              + exp
              + "}"
        });
    shapes.put(
        "crit", new String[] {"{\"alg\":\"RS256\",\"kid\":\"fz-rsa\",\"crit\":[\"x\"]}", PAYLOAD});
    shapes.put(
        "deep-payload",
        new String[] {h, "{\"iss\":\"https://issuer.test\",\"x\":" + nested(20) + exp + "}"});
    shapes.put(
        "exp-edge", new String[] {h, payload("\"aud\":\"portcullis\"", NOW - 30, NOW - 100)});
    shapes.put(
        "nbf-edge",
        new String[] {
          h,
          "{\"iss\":\"https://issuer.test\",\"aud\":\"portcullis\",\"nbf\":"
              + (NOW + 30)
              + exp
              + "}"
        });
    shapes.put(
        "iat-edge", new String[] {h, payload("\"aud\":\"portcullis\"", NOW + 3600, NOW + 30)});
    shapes.put(
        "exp-huge",
        new String[] {h, "{\"iss\":\"https://issuer.test\",\"aud\":\"portcullis\",\"exp\":1e400}"});
    shapes.put(
        "claims-types",
        new String[] {
          h,
          "{\"iss\":\"https://issuer.test\",\"aud\":\"portcullis\",\"sub\":null,\"jti\":null,\"scope\":\"a b\",\"scp\":[\"c\"],\"n\":-0,\"f\":1.5e-3,\"t\":true"
              + exp
              + "}"
        });
    shapes.put("alg-none", new String[] {"{\"alg\":\"none\",\"kid\":\"fz-rsa\"}", PAYLOAD});
    shapes.put(
        "escaped-names",
        new String[] {
          "{\"\\u0061lg\":\"RS256\",\"kid\":\"fz-\\u0072sa\"}",
          "{\"\\u0069ss\":\"https:\\/\\/issuer.test\",\"aud\":\"portcullis\"" + exp + "}"
        });
    shapes.put(
        "typ-at-jwt",
        new String[] {"{\"alg\":\"RS256\",\"kid\":\"fz-rsa\",\"typ\":\"at+jwt\"}", PAYLOAD});
    for (var e : shapes.entrySet()) {
      out.put(
          "rsa-" + e.getKey(),
          TokenValidatorFuzzTest.resignedSeed(0, 0, e.getValue()[0], e.getValue()[1]));
    }
    out.put(
        "hs-confusion-header-rs256-key-hmac",
        TokenValidatorFuzzTest.resignedSeed(0, 4, header("RS256", "fz-rsa"), PAYLOAD));
    return out;
  }

  /** Seeds of {@code StrictJsonFuzzTest.parseObject}. */
  static Map<String, byte[]> json() {
    Map<String, String> j = new LinkedHashMap<>();
    j.put("header", header("RS256", "fz-rsa"));
    j.put("payload", PAYLOAD);
    j.put(
        "all-types",
        "{\"s\":\"a\\u00e9\\n\",\"i\":42,\"big\":12345678901234567890,\"d\":1.5,\"e\":1e3,\"t\":true,\"f\":false,\"n\":null,\"a\":[1,\"x\",{\"k\":[]}],\"o\":{}}");
    j.put("escapes", "{\"e\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0000\\ud83d\\ude00\\ud800\"}");
    j.put(
        "numbers",
        "{\"a\":-0,\"b\":0.0,\"c\":-1e-7,\"d\":1E+2,\"e\":9223372036854775807,\"f\":9223372036854775808,\"g\":-9223372036854775808,\"h\":1e308,\"i\":4.9e-324,\"j\":1e-400}");
    j.put("whitespace", " \t\r\n{ \"a\" : [ 1 , 2 ] }\n");
    j.put("duplicate", "{\"a\":1,\"a\":2}");
    j.put("duplicate-escaped", "{\"a\":1,\"\\u0061\":2}");
    j.put("duplicate-nested", "{\"o\":{\"a\":1,\"a\":1}}");
    j.put("depth-16", "{\"x\":" + nested(15) + "}");
    j.put("depth-17", "{\"x\":" + nested(16) + "}");
    j.put("deep-10000", "{\"x\":" + nested(10_000) + "}");
    j.put("deep-objects", "{\"a\":".repeat(30) + "1" + "}".repeat(30));
    j.put(
        "jwks",
        "{\"keys\":["
            + RSA.jwk().toPublicJWK().toJSONString()
            + ","
            + EC.jwk().toPublicJWK().toJSONString()
            + "]}");
    String[] bad = {
      "",
      "[]",
      "{",
      "{\"a\"}",
      "{\"a\":01}",
      "{\"a\":1,}",
      "{\"a\":tru}",
      "{\"a\":\"\u0001\"}",
      "{\"a\":\"\\x\"}",
      "{\"a\":1} x",
      "{'a':1}",
      "{\"a\":-}",
      "{\"a\":1.}",
      "{\"a\":NaN}",
      "{\"a\":\"\\u12\"}",
      "{\"a\":Infinity}",
      "{\"a\":1e400}",
      "{\"a\":-1e400}",
      "{a:1}",
      "{\"a\":1/*c*/}",
      "{\"a\":\"unterminated"
    };
    for (int i = 0; i < bad.length; i++) {
      j.put("bad-" + i, bad[i]);
    }
    Map<String, byte[]> out = new LinkedHashMap<>();
    j.forEach((k, v) -> out.put(k, v.getBytes(StandardCharsets.UTF_8)));
    out.put("bad-utf8", new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xff, '"', '}'});
    out.put(
        "bad-utf8-overlong", new byte[] {'{', '"', (byte) 0xc0, (byte) 0xaf, '"', ':', '1', '}'});
    out.put(
        "bad-utf8-surrogate",
        new byte[] {'{', '"', (byte) 0xed, (byte) 0xa0, (byte) 0x80, '"', ':', '1', '}'});
    out.put("bom", new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf, '{', '}'});
    return out;
  }

  /** Seeds of {@code PemKeysJsonFuzzTest.pemKeysJson}. */
  static Map<String, byte[]> pemJson() {
    Map<String, String> p = new LinkedHashMap<>();
    String rsa = Json.encode(TestKeys.pem(RSA.jwk()));
    String ec = Json.encode(TestKeys.pem(EC.jwk()));
    String ed = Json.encode(TestKeys.pem(ED.jwk()));
    p.put("rsa", "{\"k\":" + rsa + "}");
    p.put(
        "all-types",
        "{\"r\":"
            + rsa
            + ",\"e\":"
            + ec
            + ",\"d\":"
            + ed
            + ",\"p\":{\"pem\":"
            + Json.encode(TestKeys.pem(PS.jwk()))
            + ",\"alg\":\"PS256\"}}");
    p.put("ps256-not-allowed-default", "{\"p\":{\"pem\":" + rsa + ",\"alg\":\"PS384\"}}");
    p.put("rsa-as-es256", "{\"p\":{\"pem\":" + rsa + ",\"alg\":\"ES256\"}}");
    p.put("alg-null", "{\"p\":{\"pem\":" + rsa + ",\"alg\":null}}");
    p.put("alg-number", "{\"p\":{\"pem\":" + rsa + ",\"alg\":5}}");
    p.put("pem-missing", "{\"p\":{\"alg\":\"RS256\"}}");
    p.put("value-number", "{\"k\":42}");
    p.put("value-null", "{\"k\":null}");
    p.put("empty-object", "{}");
    p.put("array", "[1]");
    p.put("blank-kid", "{\" \":" + rsa + "}");
    p.put("not-pem", "{\"k\":\"hello\"}");
    p.put(
        "private-key",
        "{\"k\":\"-----BEGIN PRIVATE KEY-----\\nMIIE\\n-----END PRIVATE KEY-----\"}");
    p.put(
        "two-blocks",
        "{\"k\":" + Json.encode(TestKeys.pem(RSA.jwk()) + TestKeys.pem(EC.jwk())) + "}");
    p.put(
        "bad-base64", "{\"k\":\"-----BEGIN PUBLIC KEY-----\\nMII=B=\\n-----END PUBLIC KEY-----\"}");
    p.put(
        "truncated-der",
        "{\"k\":"
            + Json.encode(
                TestKeys.pem(RSA.jwk()).replaceAll("[A-Za-z0-9+/]{20}\\n-----END", "\n-----END"))
            + "}");
    p.put(
        "certificate-garbage",
        "{\"k\":\"-----BEGIN CERTIFICATE-----\\nMIIBszCCAVmgAwIBAgIUQ2VydA==\\n-----END CERTIFICATE-----\"}");
    p.put(
        "rsa-pkcs1-garbage",
        "{\"k\":\"-----BEGIN RSA PUBLIC KEY-----\\nMAoCAwEAAQIDAQAB\\n-----END RSA PUBLIC KEY-----\"}");
    p.put("unknown-type", "{\"k\":\"-----BEGIN FOO-----\\nAAAA\\n-----END FOO-----\"}");
    p.put(
        "mismatched-end",
        "{\"k\":\"-----BEGIN PUBLIC KEY-----\\nAAAA\\n-----END CERTIFICATE-----\"}");
    p.put("duplicate-kid", "{\"k\":" + rsa + ",\"k\":" + ec + "}");
    p.put("deep", "{\"k\":" + nested(40) + "}");
    Map<String, byte[]> out = new LinkedHashMap<>();
    p.forEach((k, v) -> out.put(k, v.getBytes(StandardCharsets.UTF_8)));
    return out;
  }
}
