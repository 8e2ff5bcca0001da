package io.portcullis.gateway.config;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.portcullis.testkit.Slowest;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;

/**
 * Fuzz target for the environment: arbitrary values for the variables the loader reads, over a
 * valid base environment and no file. The input is text, records separated by NUL, each {@code
 * NAME=value}; a name that is not a variable of {@link Setting} picks one by its hash, so every
 * mutation still lands on a real variable. The loader, then {@link KeysetWiring} (which maps the
 * result onto the keyset builders), must either succeed with a {@link ConfigOracle#sane} config or
 * throw a one-line {@link ConfigException}: from the loader, starting with one of the variables the
 * input set; from KeysetWiring's combination checks, with any real variable or {@code keys} (its
 * label for the key sources as a whole). Corpus: {@code ConfigEnvFuzzTestInputs/environment/}, one
 * readable seed per variable and per mistake.
 */
class ConfigEnvFuzzTest {
  static final Slowest SLOWEST = new Slowest("ConfigEnvFuzzTest.environment");

  /** Valid on its own: the required names and one key source. */
  static final Map<String, String> BASE_ENV =
      Map.of(
          "PORTCULLIS_ISSUERS", "https://idp.example",
          "PORTCULLIS_AUDIENCES", "api",
          "PORTCULLIS_UPSTREAM", "http://upstream:8080",
          "PORTCULLIS_JWKS_URLS", "https://idp.example/.well-known/jwks.json");

  private static final List<String> NAMES =
      Arrays.stream(Setting.values()).map(Setting::env).filter(n -> n != null).toList();

  @BeforeEach
  void name(TestInfo info) {
    SLOWEST.current(info.getDisplayName());
  }

  @AfterAll
  static void report() {
    SLOWEST.report(
        input -> {
          try {
            run(env(input));
          } catch (ConfigException expected) {
            // timed either way
          }
        });
  }

  /** A "required when X is set" error for a pair whose other half the input set. */
  static boolean missingCompanion(ConfigException e, Set<String> set) {
    String m = e.getMessage();
    return m.contains(": required when ") && set.stream().anyMatch(k -> m.endsWith(k + " is set"));
  }

  @FuzzTest(maxDuration = "2m")
  @DictionaryEntries({
    "PORTCULLIS_RATE_LIMIT=",
    "RL_OVERRIDES_JSON=",
    "JWT_PUBLIC_KEYS_PEM=",
    "PORTCULLIS_HMAC_KEYS=",
    "PORTCULLIS_ADMIN_TOKENS=",
    "PORTCULLIS_ALGORITHMS=",
    "PORTCULLIS_MAX_BODY_SIZE=",
    "PORTCULLIS_CLOCK_SKEW=",
    "\\x00",
    "{\"",
    "\":",
    "\"pem\":",
    "\"alg\":",
    "-----BEGIN PUBLIC KEY-----",
    "HS256",
    "org:",
    "burst",
    "/min",
    "KiB",
    "GiB",
    "ms",
    "http://",
    "https://"
  })
  void environment(byte[] input) {
    long start = System.nanoTime();
    Map<String, String> fuzzed = env(input);
    try {
      GatewayConfig config = load(fuzzed);
      try {
        KeysetWiring.keySetOptions(config);
        KeysetWiring.validatorOptions(config);
      } catch (ConfigException e) {
        // A combination check may name the other side of the pair (a refresh interval set here
        // against the default staleness names PORTCULLIS_KEYS_MAX_STALENESS): any real variable.
        Set<String> labels = new LinkedHashSet<>(NAMES);
        labels.add("keys");
        ConfigOracle.namesOneOf(e, labels);
      }
    } catch (ConfigException e) {
      if (missingCompanion(e, fuzzed.keySet())) {
        // "PORTCULLIS_TLS_CERT (tls.cert): required when PORTCULLIS_TLS_KEY is set": the key
        // named first is the missing half of a pair the input set the other half of.
        ConfigOracle.namesOneOf(e, NAMES);
      } else {
        ConfigOracle.namesOneOf(e, fuzzed.keySet());
      }
    } catch (RuntimeException | StackOverflowError e) {
      throw new AssertionError("loading " + fuzzed.keySet() + " threw " + e, e);
    } finally {
      SLOWEST.record(System.nanoTime() - start, input);
    }
  }

  private static GatewayConfig load(Map<String, String> fuzzed) {
    Map<String, String> env = new HashMap<>(BASE_ENV);
    env.putAll(fuzzed);
    GatewayConfig config = ConfigLoader.parse(null, env, false);
    ConfigOracle.sane(config);
    return config;
  }

  private static void run(Map<String, String> fuzzed) {
    GatewayConfig config = load(fuzzed);
    KeysetWiring.keySetOptions(config);
    KeysetWiring.validatorOptions(config);
  }

  /** NUL-separated {@code NAME=value} records; an unknown name picks a variable by its hash. */
  static Map<String, String> env(byte[] input) {
    Map<String, String> out = new HashMap<>();
    for (String record : new String(input, StandardCharsets.UTF_8).split("\u0000")) {
      int eq = record.indexOf('=');
      String name = eq < 0 ? record : record.substring(0, eq);
      String value = eq < 0 ? "" : record.substring(eq + 1);
      if (!NAMES.contains(name)) {
        name = NAMES.get(Math.floorMod(name.hashCode(), NAMES.size()));
      }
      out.put(name, value);
    }
    return out;
  }
}
