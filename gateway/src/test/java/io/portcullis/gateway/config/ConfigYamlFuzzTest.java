package io.portcullis.gateway.config;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.portcullis.testkit.Slowest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;

/**
 * Fuzz target for the configuration file: arbitrary bytes written to a file and loaded with {@link
 * ConfigLoader#load} under a fixed valid environment either give a {@link GatewayConfig} whose
 * values are all in range ({@link ConfigOracle#sane}) or a one-line {@link ConfigException} whose
 * message starts with a YAML key, a required environment name or {@code config file}; an unknown
 * key is echoed as the key itself. Anything else (NPE, ClassCastException, StackOverflowError...)
 * is a finding. Corpus: {@code ConfigYamlFuzzTestInputs/configFile/}: every fixture of {@code
 * config/invalid/}, valid configurations and YAML bombs.
 */
class ConfigYamlFuzzTest {
  static final Slowest SLOWEST = new Slowest("ConfigYamlFuzzTest.configFile");

  /** Only what the YAML file cannot set: the two names required outside --dev. */
  static final Map<String, String> ENV =
      Map.of("PORTCULLIS_ISSUERS", "https://idp.example", "PORTCULLIS_AUDIENCES", "api");

  /** Labels a message may start with. */
  static final List<String> LABELS = labels();

  private static Path file;

  @BeforeEach
  void name(TestInfo info) {
    SLOWEST.current(info.getDisplayName());
  }

  @AfterAll
  static void report() {
    SLOWEST.report(ConfigYamlFuzzTest::loadQuietly);
  }

  @FuzzTest(maxDuration = "2m")
  @DictionaryEntries({
    // one libFuzzer dictionary line each: a line break is written as \x0A
    "routes:\\x0A  - path: /orgs/{org}/\\x0A    upstream: http://u:1\\x0A",
    "\\x0A  ",
    "path:",
    "upstream:",
    "auth: none",
    "scopes:",
    "timeout:",
    "rate_limit:",
    "{org}",
    "http://",
    "https://",
    "&a",
    "*a",
    "? ",
    "\\x0A- ",
    "!!binary",
    "!!set",
    "!!str",
    "burst",
    "/min",
    "GiB",
    "ms",
    "public_keys_pem:",
    "rate_limit_overrides:",
    "admin_tokens:",
    "org:"
  })
  void configFile(byte[] input) {
    long start = System.nanoTime();
    try {
      ConfigOracle.sane(load(input));
    } catch (ConfigException e) {
      if (!e.getMessage().endsWith(": unknown key")) {
        ConfigOracle.namesOneOf(e, LABELS);
      }
    } catch (RuntimeException | StackOverflowError e) {
      throw new AssertionError("ConfigLoader.load threw " + e + ", not ConfigException", e);
    } finally {
      SLOWEST.record(System.nanoTime() - start, input);
    }
  }

  private static GatewayConfig load(byte[] input) {
    try {
      if (file == null) {
        file = Files.createTempFile("portcullis-fuzz-", ".yaml");
        file.toFile().deleteOnExit();
      }
      Files.write(file, input);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return ConfigLoader.load(file, ENV, false);
  }

  private static void loadQuietly(byte[] input) {
    try {
      load(input);
    } catch (ConfigException expected) {
      // timed either way
    }
  }

  private static List<String> labels() {
    List<String> out = new ArrayList<>(List.of("config file", "--config"));
    for (Setting s : Setting.values()) {
      out.add(s.yamlKey());
    }
    // Required names are reported by their environment variable even when absent from both.
    out.add(Setting.UPSTREAM.env());
    out.add(Setting.ISSUERS.env());
    out.add(Setting.AUDIENCES.env());
    return out;
  }
}
