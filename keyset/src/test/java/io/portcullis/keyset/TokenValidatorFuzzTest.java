package io.portcullis.keyset;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.portcullis.testkit.Slowest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;

/**
 * Fuzz targets for {@link TokenValidator#validate} (issue 5, hardening). Under a plain {@code
 * ./mvnw verify} each target replays its committed corpus ({@code
 * src/test/resources/io/portcullis/keyset/TokenValidatorFuzzTestInputs/<method>/}); with {@code
 * JAZZER_FUZZ=1} Jazzer fuzzes one target (CONTRIBUTING.md, "Fuzzing"). Every input goes through
 * {@link ValidationOracle#check}.
 *
 * <p>The keyset holds the committed {@link FuzzKeys} and the clock stands at {@link
 * TokenFixtures#NOW}, so committed valid tokens stay valid and exercise the claim checks.
 */
class TokenValidatorFuzzTest {
  static final Slowest ARBITRARY = new Slowest("TokenValidatorFuzzTest.arbitraryToken");
  static final Slowest RESIGNED = new Slowest("TokenValidatorFuzzTest.resignedToken");
  static final Slowest MUTATED = new Slowest("TokenValidatorFuzzTest.mutatedClaims");
  static final Slowest WARM_UP = new Slowest("warm-up");
  static ValidationOracle oracle;
  static ValidationOracle uncached;

  /** The good header and payload every structured target starts from, per fuzz key. */
  static String goodHeader(FuzzKeys.Key key) {
    return "{\"alg\":\"" + key.alg() + "\",\"typ\":\"JWT\",\"kid\":\"" + key.kid() + "\"}";
  }

  static final String GOOD_PAYLOAD = TokenFixtures.PAYLOAD;

  /** For the "keep the signature" mode: the signature of each key's good token. */
  static final List<String> GOOD_SIGNATURES = new ArrayList<>();

  @BeforeAll
  static void setUp() {
    oracle = new ValidationOracle();
    uncached = new ValidationOracle(0);
    for (FuzzKeys.Key key : FuzzKeys.KEYS) {
      String good = FuzzKeys.sign(goodHeader(key), GOOD_PAYLOAD, key);
      GOOD_SIGNATURES.add(good.substring(good.lastIndexOf('.') + 1));
    }
    // Warm-up, so that class loading and the first JIT passes do not count as the slowest input.
    for (int i = 0; i < 200; i++) {
      for (FuzzKeys.Key key : FuzzKeys.KEYS) {
        oracle.check(WARM_UP, FuzzKeys.sign(goodHeader(key), GOOD_PAYLOAD, key));
      }
      oracle.check(WARM_UP, "e30.e30.AA");
      oracle.check(WARM_UP, "not a token " + i);
    }
  }

  @AfterAll
  static void tearDown() throws Exception {
    for (Slowest s : List.of(ARBITRARY, RESIGNED, MUTATED)) {
      s.report(token -> uncached.validate(new String(token, StandardCharsets.UTF_8)));
    }
    oracle.close();
    uncached.close();
  }

  @BeforeEach
  void name(TestInfo info) {
    String name = info.getDisplayName();
    for (Slowest s : List.of(ARBITRARY, RESIGNED, MUTATED)) {
      s.current(name);
    }
  }

  /**
   * Target 1: any string at all. The input bytes, decoded as UTF-8 (invalid sequences become
   * U+FFFD), are the compact token. The committed seeds are named {@code <result>--<case>} and
   * {@link FuzzCorpusTest} checks that each still gets its result.
   */
  @FuzzTest(maxDuration = "2m")
  @DictionaryEntries({
    "eyJhbGciOiJ",
    "eyJ",
    "e30",
    ".",
    "..",
    "\"alg\"",
    "none",
    "RS256",
    "HS256",
    "fz-rsa"
  })
  void arbitraryToken(byte[] input) {
    check(ARBITRARY, new String(input, StandardCharsets.UTF_8));
  }

  private static Validation check(Slowest slowest, String token) {
    return oracle.check(slowest, token);
  }

  /**
   * Target 2: raw header and payload JSON, base64url-encoded as given and signed so that the claim
   * checks are reached. Input layout: byte 0 picks the signature mode (0 re-signed with the chosen
   * key, 1 the signature of that key's good token kept, 2 empty, 3 re-signed with the next key),
   * byte 1 picks the key, then the header bytes, a NUL, the payload bytes (NUL never occurs in
   * valid JSON text, so any JSON can be expressed).
   */
  @FuzzTest(maxDuration = "2m")
  @DictionaryEntries({
    "\"alg\":",
    "\"kid\":",
    "\"typ\":",
    "\"crit\":",
    "\"enc\":",
    "\"exp\":",
    "\"nbf\":",
    "\"iat\":",
    "\"iss\":",
    "\"aud\":",
    "\"sub\":",
    "\"jti\":",
    "\"none\"",
    "\"RS256\"",
    "\"PS256\"",
    "\"ES256\"",
    "\"EdDSA\"",
    "\"HS256\"",
    "\"fz-rsa\"",
    "\"fz-ps\"",
    "\"fz-ec\"",
    "\"fz-ed\"",
    "\"fz-hs\"",
    "\"https://issuer.test\"",
    "\"portcullis\"",
    "1800000000",
    "1800003600",
    "\\u00",
    "[[[[",
    "1e400",
    "-0",
    "null"
  })
  void resignedToken(byte[] input) {
    check(RESIGNED, resigned(input));
  }

  /** The token {@link #resignedToken} builds from its input. */
  static String resigned(byte[] input) {
    int mode = input.length > 0 ? input[0] & 3 : 0;
    FuzzKeys.Key key = FuzzKeys.key(input.length > 1 ? input[1] & 0xff : 0);
    byte[] rest = input.length > 2 ? Arrays.copyOfRange(input, 2, input.length) : new byte[0];
    int nul = indexOf(rest, (byte) 0);
    byte[] header = nul < 0 ? rest : Arrays.copyOfRange(rest, 0, nul);
    byte[] payload = nul < 0 ? new byte[0] : Arrays.copyOfRange(rest, nul + 1, rest.length);
    String signingInput = FuzzKeys.b64(header) + "." + FuzzKeys.b64(payload);
    String signature =
        switch (mode) {
          case 0 -> FuzzKeys.signature(signingInput, key);
          case 1 -> GOOD_SIGNATURES.get(FuzzKeys.KEYS.indexOf(key));
          case 2 -> "";
          default -> FuzzKeys.signature(signingInput, FuzzKeys.key(FuzzKeys.KEYS.indexOf(key) + 1));
        };
    return signingInput + "." + signature;
  }

  /** Seed bytes for {@link #resignedToken}. */
  static byte[] resignedSeed(int mode, int key, String header, String payload) {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    byte[] p = payload.getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[2 + h.length + 1 + p.length];
    out[0] = (byte) mode;
    out[1] = (byte) key;
    System.arraycopy(h, 0, out, 2, h.length);
    System.arraycopy(p, 0, out, 3 + h.length, p.length);
    return out;
  }

  private static int indexOf(byte[] a, byte b) {
    for (int i = 0; i < a.length; i++) {
      if (a[i] == b) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Target 3: structured mutations of a good token's header and payload members (set a registered
   * or random name to a value of any JSON type, remove one, repeat one), written out again and
   * signed as in {@link #resignedToken}. Reaches the claim checks with exp/nbf/iat near the edges,
   * aud of every shape, hostile alg/kid/typ/crit values, duplicate names and deep nesting.
   */
  @FuzzTest(maxDuration = "2m")
  void mutatedClaims(FuzzedDataProvider data) {
    check(MUTATED, mutated(data));
  }

  private static final String[] NAMES = {
    "alg", "kid", "typ", "crit", "enc", "jwk", "jku", "x5u", "x5c", "b64", "iss", "aud", "exp",
    "nbf", "iat", "sub", "jti", "scope", "org_id"
  };
  private static final String[] STRINGS = {
    "RS256",
    "PS256",
    "ES256",
    "EdDSA",
    "HS256",
    "RS384",
    "none",
    "None",
    "NONE",
    " none",
    "fz-rsa",
    "fz-ps",
    "fz-ec",
    "fz-ed",
    "fz-hs",
    "JWT",
    "at+jwt",
    "application/at+jwt",
    "JOSE",
    TokenFixtures.ISSUER,
    TokenFixtures.AUDIENCE,
    "../../dev/null",
    "' OR 1=1--",
    "|sleep 5",
    ""
  };

  static String mutated(FuzzedDataProvider data) {
    int keyIndex = data.consumeInt(0, FuzzKeys.KEYS.size() - 1);
    FuzzKeys.Key key = FuzzKeys.key(keyIndex);
    List<Map.Entry<String, Object>> header = new ArrayList<>();
    header.add(Map.entry("alg", key.alg()));
    header.add(Map.entry("typ", "JWT"));
    header.add(Map.entry("kid", key.kid()));
    List<Map.Entry<String, Object>> payload = new ArrayList<>();
    payload.add(Map.entry("iss", TokenFixtures.ISSUER));
    payload.add(Map.entry("aud", TokenFixtures.AUDIENCE));
    payload.add(Map.entry("sub", "user-1"));
    payload.add(Map.entry("exp", TokenFixtures.NOW + 3600));
    payload.add(Map.entry("iat", TokenFixtures.NOW));
    int ops = data.consumeInt(0, 6);
    for (int i = 0; i < ops; i++) {
      List<Map.Entry<String, Object>> target = data.consumeBoolean() ? header : payload;
      String name = data.consumeBoolean() ? data.pickValue(NAMES) : data.consumeString(12);
      switch (data.consumeInt(0, 2)) {
        case 0 -> {
          target.removeIf(e -> e.getKey().equals(name));
          target.add(new java.util.AbstractMap.SimpleEntry<>(name, value(data, 0)));
        }
        case 1 -> target.removeIf(e -> e.getKey().equals(name));
        default -> target.add(new java.util.AbstractMap.SimpleEntry<>(name, value(data, 0)));
      }
    }
    int mode = data.consumeInt(0, 3);
    byte[] h = MiniJson.write(header).getBytes(StandardCharsets.UTF_8);
    byte[] p = MiniJson.write(payload).getBytes(StandardCharsets.UTF_8);
    String signingInput = FuzzKeys.b64(h) + "." + FuzzKeys.b64(p);
    String signature =
        switch (mode) {
          case 0, 1 -> FuzzKeys.signature(signingInput, key);
          case 2 -> "";
          default -> FuzzKeys.signature(signingInput, FuzzKeys.key(keyIndex + 1));
        };
    return signingInput + "." + signature;
  }

  /** A JSON value of any type; numbers lean to the edges around NOW. */
  private static Object value(FuzzedDataProvider data, int depth) {
    long now = TokenFixtures.NOW;
    return switch (data.consumeInt(0, 11)) {
      case 0 -> data.pickValue(STRINGS);
      case 1 -> data.consumeString(40);
      case 2 -> now + data.consumeInt(-100, 100);
      case 3 -> now + data.consumeInt(-4000, 4000) + data.consumeInt(0, 999) / 1000.0;
      case 4 -> data.consumeLong();
      case 5 -> data.consumeDouble();
      case 6 -> data.consumeBoolean();
      case 7 -> null;
      case 8 -> {
        List<Object> list = new ArrayList<>();
        int n = depth > 20 ? 0 : data.consumeInt(0, 3);
        for (int i = 0; i < n; i++) {
          list.add(value(data, depth + 1));
        }
        yield list;
      }
      case 9 -> {
        List<Map.Entry<String, Object>> obj = new ArrayList<>();
        int n = depth > 20 ? 0 : data.consumeInt(0, 3);
        for (int i = 0; i < n; i++) {
          obj.add(
              new java.util.AbstractMap.SimpleEntry<>(
                  data.consumeBoolean() ? data.pickValue(NAMES) : data.consumeString(8),
                  value(data, depth + 1)));
        }
        yield new MiniJson.Obj(obj);
      }
      case 10 ->
          MiniJson.raw("[".repeat(data.consumeInt(0, 40)) + "]".repeat(data.consumeInt(0, 40)));
      default -> List.of(TokenFixtures.AUDIENCE, data.pickValue(STRINGS));
    };
  }
}
