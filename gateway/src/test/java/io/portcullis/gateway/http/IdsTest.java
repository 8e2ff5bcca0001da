package io.portcullis.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class IdsTest {
  @Test
  void acceptsOneTo128OfTheAllowedCharacters() {
    assertThat(Ids.wellFormed("acme")).isTrue();
    assertThat(Ids.wellFormed("Org_1.eu-west:2")).isTrue();
    assertThat(Ids.wellFormed("a".repeat(128))).isTrue();
    assertThat(Ids.wellFormed("a".repeat(129))).isFalse();
    assertThat(Ids.wellFormed("")).isFalse();
    assertThat(Ids.wellFormed(null)).isFalse();
    assertThat(Ids.wellFormed("ac me")).isFalse();
    assertThat(Ids.wellFormed("acme\r\nX-Org-Id: other")).isFalse();
    assertThat(Ids.wellFormed("../etc")).isFalse();
    assertThat(Ids.wellFormed("acmé")).isFalse();
  }

  @Test
  void agreesWithThePatternOnEveryCharacter() {
    Pattern pattern = Pattern.compile(Ids.PATTERN);
    for (char c = 0; c < 0x3000; c++) {
      String s = "a" + c + "b";
      assertThat(Ids.wellFormed(s)).as("U+%04X", (int) c).isEqualTo(pattern.matcher(s).matches());
    }
  }
}
