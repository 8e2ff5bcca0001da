package io.portcullis.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * YAML bombs are refused with a {@link ConfigException}, not a StackOverflowError, an exhausted
 * heap or a hang. The bound is generous (not hung), not a timing: ConfigYamlFuzzTest reports how
 * long inputs take.
 */
class YamlBombTest {
  private static final Duration NOT_HUNG = Duration.ofSeconds(5);

  static Stream<Arguments> bombs() {
    return Stream.of(
        Arguments.of(
            "billion laughs (30 levels of doubling aliases)",
            laughs("issuers", 30, ""),
            "config file: not valid YAML: Number of aliases for non-scalar nodes exceeds the"
                + " specified max=50"),
        Arguments.of(
            "2^23 laughs under the alias limit, used as a mapping key",
            laughs("routes", 23, ", {? *a23 : 1}"),
            "config file: a mapping key must be a plain value, not a list, map or alias"),
        Arguments.of(
            "2^23 laughs under the alias limit, used as the routes",
            laughs("routes", 23, ""),
            "routes[0]: expected a map with path and upstream"),
        Arguments.of(
            "self-referencing list inside a key",
            "? &a [a, &b [b, *b]]\n: 1\n",
            "config file: a mapping key must be a plain value, not a list, map or alias"),
        Arguments.of(
            "self-referencing routes",
            "routes: &r [*r]\n",
            "routes[0]: expected a map with path and upstream"),
        Arguments.of(
            "100000 nested flow lists",
            "routes: " + "[".repeat(100_000) + "]".repeat(100_000) + "\n",
            "config file: lists and maps nested deeper than 32 levels"),
        Arguments.of(
            "100000 nested flow maps",
            "routes: " + "{a: ".repeat(100_000) + "1" + "}".repeat(100_000) + "\n",
            "config file: lists and maps nested deeper than 32 levels"),
        Arguments.of(
            "1000 nested block lists",
            blockLists(1_000),
            "config file: lists and maps nested deeper than 32 levels"),
        Arguments.of(
            "a 4 MiB scalar",
            "env: " + "x".repeat(4 << 20) + "\n",
            "config file: larger than 1048576 characters"),
        Arguments.of(
            "a 4 MiB key",
            "x".repeat(4 << 20) + ": 1\n",
            "config file: larger than 1048576 characters"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("bombs")
  void isRefusedWithAConfigException(String name, String yaml, String message) {
    assertTimeoutPreemptively(
        NOT_HUNG,
        () ->
            assertThatThrownBy(() -> ConfigLoader.parse(yaml, ConfigYamlFuzzTest.ENV, false))
                .isInstanceOf(ConfigException.class)
                .hasMessage(message));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("bombs")
  void isRefusedFromAFileToo(String name, String yaml, String message) throws Exception {
    java.nio.file.Path file = java.nio.file.Files.createTempFile("bomb", ".yaml");
    try {
      java.nio.file.Files.writeString(file, yaml);
      assertTimeoutPreemptively(
          NOT_HUNG,
          () ->
              assertThatThrownBy(() -> ConfigLoader.load(file, ConfigYamlFuzzTest.ENV, false))
                  .isInstanceOf(ConfigException.class)
                  .hasMessage(message));
    } finally {
      java.nio.file.Files.delete(file);
    }
    assertThat(file).doesNotExist();
  }

  /**
   * {@code key: [a0, a1, ..., tail]} where {@code a0} is two strings and each next entry a list of
   * two aliases of the one before: 2^levels leaves when expanded.
   */
  private static String laughs(String key, int levels, String tail) {
    StringBuilder b = new StringBuilder(key).append(": [&a0 [lol, lol]");
    for (int i = 1; i <= levels; i++) {
      b.append(", &a").append(i).append(" [*a").append(i - 1).append(", *a").append(i - 1);
      b.append("]");
    }
    return b.append(tail).append("]\n").toString();
  }

  private static String blockLists(int depth) {
    StringBuilder b = new StringBuilder("routes:\n");
    for (int i = 0; i < depth; i++) {
      b.append(" ".repeat(i + 1)).append("-\n");
    }
    return b.toString();
  }
}
