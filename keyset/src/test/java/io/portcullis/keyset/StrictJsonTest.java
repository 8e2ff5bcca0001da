package io.portcullis.keyset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.util.JSONObjectUtils;
import io.portcullis.keyset.impl.StrictJson;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The bounded parser that runs before Nimbus, and what Nimbus (its shaded Gson) does on its own
 * with the same hostile input, which is why the bound exists.
 */
class StrictJsonTest {

  static Map<String, Object> parse(String json) throws StrictJson.JsonException {
    return StrictJson.parseObject(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void parsesTheValueTypesNimbusProduces() throws Exception {
    Map<String, Object> m =
        parse(
            "{\"s\":\"a\\u00e9\\n\",\"i\":42,\"big\":12345678901234567890,\"d\":1.5,\"e\":1e3,"
                + "\"t\":true,\"f\":false,\"n\":null,\"a\":[1,\"x\",{\"k\":[]}],\"o\":{}}");
    assertThat(m.get("s")).isEqualTo("aé\n");
    assertThat(m.get("i")).isEqualTo(42L);
    assertThat(m.get("big")).isInstanceOf(Double.class);
    assertThat(m.get("d")).isEqualTo(1.5);
    assertThat(m.get("e")).isEqualTo(1000.0);
    assertThat(m.get("t")).isEqualTo(true);
    assertThat(m.get("f")).isEqualTo(false);
    assertThat(m).containsEntry("n", null);
    assertThat((List<?>) m.get("a")).hasSize(3);
    assertThat(m.get("o")).isEqualTo(Map.of());
  }

  @Test
  void rejectsDuplicateNamesAtEveryLevelIncludingEscapedSpellings() {
    assertThatThrownBy(() -> parse("{\"a\":1,\"a\":2}")).hasMessageContaining("duplicate");
    assertThatThrownBy(() -> parse("{\"o\":{\"a\":1,\"a\":1}}")).hasMessageContaining("duplicate");
    assertThatThrownBy(() -> parse("{\"a\":1,\"\\u0061\":2}")).hasMessageContaining("duplicate");
  }

  @Test
  void rejectsNestingBeyondTheBoundWithoutDeepRecursion() {
    String deep = "{\"x\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}";
    assertThatThrownBy(() -> parse(deep)).hasMessageContaining("nested deeper");
    String justInside =
        "{\"x\":"
            + "[".repeat(StrictJson.MAX_DEPTH - 1)
            + "]".repeat(StrictJson.MAX_DEPTH - 1)
            + "}";
    assertThat(catchNothing(justInside)).isTrue();
    String justOutside =
        "{\"x\":" + "[".repeat(StrictJson.MAX_DEPTH) + "]".repeat(StrictJson.MAX_DEPTH) + "}";
    assertThatThrownBy(() -> parse(justOutside)).hasMessageContaining("nested deeper");
  }

  private static boolean catchNothing(String json) {
    try {
      parse(json);
      return true;
    } catch (StrictJson.JsonException e) {
      return false;
    }
  }

  @Test
  void rejectsGrammarErrors() {
    for (String bad :
        List.of(
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
            "{\"a\":NaN}")) {
      assertThatThrownBy(() -> parse(bad)).as(bad).isInstanceOf(StrictJson.JsonException.class);
    }
  }

  /**
   * Found by StrictJsonFuzzTest: 1e400 parsed to Infinity here while Nimbus refuses the whole
   * object, so a token with {@code "exp":1e400} was valid forever to the validator and invalid JSON
   * to every Nimbus-based consumer.
   */
  @Test
  void rejectsNumbersBeyondTheRangeOfADouble() throws Exception {
    for (String bad :
        List.of("{\"a\":1e400}", "{\"a\":-1e400}", "{\"a\":" + "9".repeat(400) + "}")) {
      assertThatThrownBy(() -> parse(bad)).as(bad).hasMessageContaining("out of range");
      assertThatThrownBy(() -> JSONObjectUtils.parse(bad))
          .isInstanceOf(java.text.ParseException.class);
    }
    assertThat(parse("{\"a\":1e308}").get("a")).isEqualTo(1e308);
    assertThat(parse("{\"a\":1e-400}").get("a")).isEqualTo(0.0); // underflow is a value: 0
  }

  @Test
  void rejectsInvalidUtf8() {
    byte[] bad = {'{', '"', 'a', '"', ':', '"', (byte) 0xff, '"', '}'};
    assertThatThrownBy(() -> StrictJson.parseObject(bad)).hasMessageContaining("UTF-8");
  }

  /**
   * Nimbus 10.10 parses JSON with a shaded Gson into a Map: it refuses duplicate names itself
   * (Gson's map adapter throws "duplicate key", which Nimbus reports as "Invalid JSON object"), so
   * our rejection agrees with it. Nesting it bounds only loosely (Gson's default limit of 255
   * levels). Our parser answers before Nimbus ever sees such input, with a bound of {@link
   * StrictJson#MAX_DEPTH}.
   */
  @Test
  void whatNimbusDoesWithTheSameInput() throws Exception {
    assertThatThrownBy(() -> JSONObjectUtils.parse("{\"a\":1,\"a\":2}"))
        .isInstanceOf(java.text.ParseException.class)
        .hasMessage("Invalid JSON object");
    assertThat(JSONObjectUtils.parse("{\"a\":1,\"b\":2}")).hasSize(2);
    // Gson (2.11+) bounds nesting at 255 by default, so Nimbus alone would not overflow either,
    // but it would accept 200 levels that no real token has: our bound is much tighter.
    String deep200 = "{\"x\":" + "[".repeat(200) + "]".repeat(200) + "}";
    assertThat(JSONObjectUtils.parse(deep200)).containsKey("x");
    String deep300 = "{\"x\":" + "[".repeat(300) + "]".repeat(300) + "}";
    assertThatThrownBy(() -> JSONObjectUtils.parse(deep300))
        .isInstanceOf(java.text.ParseException.class);
    assertThatThrownBy(() -> parse(deep200)).hasMessageContaining("nested deeper");
  }
}
