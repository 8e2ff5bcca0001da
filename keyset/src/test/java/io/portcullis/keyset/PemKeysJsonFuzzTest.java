package io.portcullis.keyset;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.portcullis.testkit.Slowest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;

/**
 * Fuzz target for {@code JWT_PUBLIC_KEYS_PEM}: {@link KeySetOptions.Builder#pemKeysJson} followed
 * by {@code build()} on arbitrary JSON-ish text either builds or throws an {@link
 * IllegalArgumentException} whose message names the option ({@code pemKeys...}); any other
 * exception is a finding. Corpus: {@code PemKeysJsonFuzzTestInputs/pemKeysJson/}.
 */
class PemKeysJsonFuzzTest {
  static final Slowest SLOWEST = new Slowest("PemKeysJsonFuzzTest.pemKeysJson");

  @BeforeEach
  void name(TestInfo info) {
    SLOWEST.current(info.getDisplayName());
  }

  @AfterAll
  static void report() {
    SLOWEST.report(
        input -> {
          try {
            KeySetOptions.builder().pemKeysJson(new String(input, StandardCharsets.UTF_8)).build();
          } catch (IllegalArgumentException expected) {
            // timed either way
          }
        });
  }

  @FuzzTest(maxDuration = "2m")
  @DictionaryEntries({
    "-----BEGIN PUBLIC KEY-----",
    "-----END PUBLIC KEY-----",
    "-----BEGIN CERTIFICATE-----",
    "-----END CERTIFICATE-----",
    "-----BEGIN RSA PUBLIC KEY-----",
    "-----END RSA PUBLIC KEY-----",
    "-----BEGIN PRIVATE KEY-----",
    "\"pem\":",
    "\"alg\":",
    "\"PS256\"",
    "\"ES256\"",
    "\\n",
    "MII"
  })
  void pemKeysJson(byte[] input) {
    String json = new String(input, StandardCharsets.UTF_8);
    long start = System.nanoTime();
    try {
      KeySetOptions options = KeySetOptions.builder().pemKeysJson(json).build();
      if (options.pemKeys().isEmpty()) {
        throw new AssertionError("built options without any key");
      }
    } catch (IllegalArgumentException e) {
      String message = e.getMessage();
      if (message == null || !message.startsWith("pemKeys")) {
        throw new AssertionError("refused without naming pemKeys: " + message, e);
      }
    } catch (RuntimeException | StackOverflowError e) {
      throw new AssertionError(
          "pemKeysJson/build threw " + e + ", not IllegalArgumentException", e);
    } finally {
      SLOWEST.record(System.nanoTime() - start, input);
    }
  }
}
