package io.portcullis.ratelimit;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The policy label is a metric label and header value: a fixed lower-case set, never a tenant. */
class ResolvedLimitTest {
  private static final RateLimitPolicy P = RateLimitPolicy.parse("10/s");

  @ParameterizedTest
  @ValueSource(
      strings = {
        "default",
        "override_org",
        "auth_failure",
        "a",
        "abcdefghijklmnopqrstuvwxyz_abcde"
      })
  void acceptsFixedLabels(String label) {
    assertThatCode(() -> new ResolvedLimit("org:acme", P, label)).doesNotThrowAnyException();
  }

  @ParameterizedTest
  @NullSource
  @ValueSource(
      strings = {
        "",
        "Default",
        "tenant-1",
        "org:acme",
        "caf\u00e9",
        "abcdefghijklmnopqrstuvwxyz_abcdef"
      })
  void rejectsAnythingElse(String label) {
    assertThatThrownBy(() -> new ResolvedLimit("org:acme", P, label))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[a-z_]{1,32}");
  }

  @Test
  void rejectsAnEmptyBucketKey() {
    assertThatThrownBy(() -> new ResolvedLimit("", P, "default"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
