package io.portcullis.keyset;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testkit.Slowest;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keeps the committed fuzz corpus meaningful: every hand-made token seed, named {@code <result
 * label>--<case>}, still gets exactly that result. Without this a corpus could rot silently (say,
 * the fuzz keys change and every valid seed turns into an unknown kid) while the fuzz replay, which
 * asserts only invariants, stays green.
 */
class FuzzCorpusTest {
  static ValidationOracle oracle;

  @BeforeAll
  static void setUp() {
    oracle = new ValidationOracle();
  }

  @AfterAll
  static void tearDown() throws Exception {
    oracle.close();
  }

  static Path seeds(String dir) throws URISyntaxException {
    return Path.of(FuzzCorpusTest.class.getResource(dir).toURI());
  }

  @Test
  void everyNamedTokenSeedGetsTheResultInItsName() throws Exception {
    List<Path> named;
    try (Stream<Path> files = Files.list(seeds("TokenValidatorFuzzTestInputs/arbitraryToken"))) {
      named = files.filter(p -> p.getFileName().toString().contains("--")).sorted().toList();
    }
    assertThat(named).hasSizeGreaterThan(100);
    for (ValidationResult r : ValidationResult.values()) {
      if (r != ValidationResult.NO_KEYS) { // a static PEM keyset never lacks keys
        assertThat(named).as("a seed for " + r).anyMatch(p -> label(p).equals(r.label()));
      }
    }
    Slowest timing = new Slowest("FuzzCorpusTest");
    for (Path p : named) {
      String token = new String(Files.readAllBytes(p), StandardCharsets.UTF_8);
      Validation v = oracle.check(timing, token);
      assertThat(v.result().label()).as(p.getFileName().toString()).isEqualTo(label(p));
    }
  }

  @Test
  void everyTargetHasACorpus() throws IOException, URISyntaxException {
    for (String dir :
        List.of(
            "TokenValidatorFuzzTestInputs/arbitraryToken",
            "TokenValidatorFuzzTestInputs/resignedToken",
            "TokenValidatorFuzzTestInputs/mutatedClaims",
            "StrictJsonFuzzTestInputs/parseObject",
            "PemKeysJsonFuzzTestInputs/pemKeysJson")) {
      try (Stream<Path> files = Files.list(seeds(dir))) {
        assertThat(files.count()).as(dir).isGreaterThanOrEqualTo(10);
      }
    }
  }

  private static String label(Path p) {
    String name = p.getFileName().toString();
    return name.substring(0, name.indexOf("--")).toLowerCase(Locale.ROOT);
  }
}
