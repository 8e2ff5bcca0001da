package io.portcullis.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HeaderNamesTest {
  @Test
  void matchesEveryAsciiCaseAndNothingElse() {
    HeaderNames names = HeaderNames.of("Connection", "x-forwarded-for", "TE");
    assertThat(names.contains("connection")).isTrue();
    assertThat(names.contains("CONNECTION")).isTrue();
    assertThat(names.contains("cOnNeCtIoN")).isTrue();
    assertThat(names.contains("X-Forwarded-For")).isTrue();
    assertThat(names.contains("te")).isTrue();
    assertThat(names.contains("t")).isFalse();
    assertThat(names.contains("tee")).isFalse();
    assertThat(names.contains("x-forwarded-fo")).isFalse();
    assertThat(names.contains("")).isFalse();
    assertThat(HeaderNames.of().contains("te")).isFalse();
  }

  @Test
  void aFullTableStillFindsEveryMemberAndRejectsTheRest() {
    List<String> many = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      many.add("X-Header-" + i);
    }
    HeaderNames names = HeaderNames.of(many);
    for (int i = 0; i < 200; i++) {
      assertThat(names.contains("x-header-" + i)).isTrue();
      assertThat(names.contains("x-header-" + (i + 200))).isFalse();
    }
  }
}
