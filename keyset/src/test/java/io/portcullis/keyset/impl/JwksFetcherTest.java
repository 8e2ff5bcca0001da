package io.portcullis.keyset.impl;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Cache-Control max-age parsing (RFC 9111 §5.2.2.1). */
class JwksFetcherTest {

  @Test
  void maxAgeDirective() {
    assertThat(JwksFetcher.maxAge(null)).isNull();
    assertThat(JwksFetcher.maxAge("no-cache")).isNull();
    assertThat(JwksFetcher.maxAge("max-age=600")).isEqualTo(600L);
    assertThat(JwksFetcher.maxAge("public, MAX-AGE=\"120\", must-revalidate")).isEqualTo(120L);
    assertThat(JwksFetcher.maxAge("s-maxage=5, max-age=60")).isEqualTo(60L);
    assertThat(JwksFetcher.maxAge("max-age=-1")).isNull();
    assertThat(JwksFetcher.maxAge("max-age=soon")).isNull();
  }
}
