package io.portcullis.keyset;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.nimbusds.jose.util.JSONObjectUtils;
import io.portcullis.keyset.impl.StrictJson;
import io.portcullis.testkit.Slowest;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;

/**
 * Fuzz target for the strict JSON pre-parser that sees every token header and payload and every
 * JWKS document first. Per input: it returns an object or throws its typed {@link
 * StrictJson.JsonException}, nothing else; what it returns is unmodifiable and nested at most
 * {@link StrictJson#MAX_DEPTH} deep; and whatever it accepts, Nimbus (the parser the rest of the
 * JOSE stack would use) reads to the very same value, so that no parser differential can slip a
 * claim past one of them. Corpus: {@code StrictJsonFuzzTestInputs/parseObject/}.
 */
class StrictJsonFuzzTest {
  static final Slowest SLOWEST = new Slowest("StrictJsonFuzzTest.parseObject");

  @BeforeEach
  void name(TestInfo info) {
    SLOWEST.current(info.getDisplayName());
  }

  @AfterAll
  static void report() {
    SLOWEST.report(
        input -> {
          try {
            StrictJson.parseObject(input);
          } catch (StrictJson.JsonException expected) {
            // timed either way
          }
        });
  }

  @FuzzTest(maxDuration = "2m")
  @DictionaryEntries({"{\"", "\":", "\\u", "\\ud800", "[[[[[[[[", "1e400", "-0", "true", "null"})
  void parseObject(byte[] input) {
    long start = System.nanoTime();
    Map<String, Object> parsed;
    try {
      parsed = StrictJson.parseObject(input);
    } catch (StrictJson.JsonException e) {
      if (e.getMessage() == null || e.getMessage().isBlank()) {
        throw new AssertionError("a JsonException without a message");
      }
      return;
    } catch (RuntimeException | StackOverflowError e) {
      throw new AssertionError("StrictJson threw " + e + " instead of a JsonException", e);
    } finally {
      SLOWEST.record(System.nanoTime() - start, input);
    }
    int depth = depth(parsed);
    if (depth > StrictJson.MAX_DEPTH) {
      throw new AssertionError("accepted nesting " + depth + " > " + StrictJson.MAX_DEPTH);
    }
    requireUnmodifiable(parsed);
    Map<String, Object> nimbus;
    try {
      nimbus = JSONObjectUtils.parse(new String(input, StandardCharsets.UTF_8));
    } catch (ParseException e) {
      if (gsonIntegerQuirk(input)) {
        return;
      }
      throw new AssertionError("StrictJson accepted what Nimbus refuses (" + e.getMessage() + ")");
    }
    if (!parsed.equals(nimbus)) {
      throw new AssertionError(
          "StrictJson and Nimbus read different values: " + parsed + " vs " + nimbus);
    }
  }

  private static final java.util.regex.Pattern LONG_INTEGER =
      java.util.regex.Pattern.compile("(?<![0-9.eE+-])-?[1-9][0-9]{19,}(?![0-9.eE])");

  /**
   * Found by this fuzz test (seed {@code found-gson-wrapped-zero-integer}): Nimbus's shaded Gson,
   * in strict mode, refuses some integers of 20+ digits, those whose value wrapped modulo 2^64 is 0
   * (its "leading zero" check sees the wrapped value), e.g. 1 followed by 64 zeros and a 1. They
   * are valid JSON (RFC 8259 §6) and StrictJson reads them as a double, as Gson does for every
   * other long integer. Nimbus failing closed on them is no differential that could slip a claim
   * past us, so such an input is excused when Nimbus accepts it once those integers are replaced.
   */
  private static boolean gsonIntegerQuirk(byte[] input) {
    String text = new String(input, StandardCharsets.UTF_8);
    String replaced = LONG_INTEGER.matcher(text).replaceAll("1.5");
    if (replaced.equals(text)) {
      return false;
    }
    try {
      JSONObjectUtils.parse(replaced);
      return true;
    } catch (ParseException stillRefused) {
      return false;
    }
  }

  private static int depth(Object v) {
    if (v instanceof Map<?, ?> m) {
      return 1 + m.values().stream().mapToInt(StrictJsonFuzzTest::depth).max().orElse(0);
    }
    if (v instanceof List<?> l) {
      return 1 + l.stream().mapToInt(StrictJsonFuzzTest::depth).max().orElse(0);
    }
    return 0;
  }

  @SuppressWarnings("unchecked")
  private static void requireUnmodifiable(Object v) {
    if (v instanceof Map<?, ?> m) {
      try {
        ((Map<String, Object>) m).put("\u0000fuzz", 1);
        throw new AssertionError("StrictJson returned a modifiable object");
      } catch (UnsupportedOperationException expected) {
        m.values().forEach(StrictJsonFuzzTest::requireUnmodifiable);
      }
    } else if (v instanceof List<?> l) {
      try {
        ((List<Object>) l).add(1);
        throw new AssertionError("StrictJson returned a modifiable array");
      } catch (UnsupportedOperationException expected) {
        l.forEach(StrictJsonFuzzTest::requireUnmodifiable);
      }
    }
  }
}
