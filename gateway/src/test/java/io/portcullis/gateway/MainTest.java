package io.portcullis.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line: a bad configuration is one stderr line and exit code 2. */
class MainTest {

  int run(Map<String, String> env, StringBuilder err, String... args) {
    PrintStream old = System.err;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      return Main.run(args, env);
    } finally {
      System.setErr(old);
      err.append(buf.toString(StandardCharsets.UTF_8));
    }
  }

  @Test
  void badConfigFileExitsTwoWithOneLine(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("portcullis.yaml");
    Files.writeString(file, "upstream: http://u:1\nclock_skew: soon\n");
    StringBuilder err = new StringBuilder();
    int code =
        run(
            Map.of("PORTCULLIS_ISSUERS", "i", "PORTCULLIS_AUDIENCES", "a"),
            err,
            "--config",
            file.toString());
    assertThat(code).isEqualTo(2);
    assertThat(err.toString())
        .isEqualTo(
            "portcullis: invalid configuration: clock_skew: bad duration 'soon'; expected a number"
                + " and a unit ms, s, m or h, e.g. 30s"
                + System.lineSeparator());
  }

  @Test
  void configFileFromTheEnvironmentAndMissingRequiredNames(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("c.yaml");
    Files.writeString(file, "upstream: http://u:1\n");
    StringBuilder err = new StringBuilder();
    assertThat(run(Map.of("PORTCULLIS_CONFIG", file.toString()), err)).isEqualTo(2);
    assertThat(err.toString()).contains("PORTCULLIS_ISSUERS: required");
  }

  @Test
  void noKeySourceIsAConfigError() {
    StringBuilder err = new StringBuilder();
    int code =
        run(
            Map.of(
                "PORTCULLIS_UPSTREAM", "http://u:1",
                "PORTCULLIS_ISSUERS", "i",
                "PORTCULLIS_AUDIENCES", "a",
                "PORTCULLIS_PORT", "0",
                "PORTCULLIS_ADMIN_PORT", "0"),
            err);
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).startsWith("portcullis: invalid configuration: keys: no key source");
  }

  @Test
  void aBadAdminTokenIsOneLineNamingTheKeyNeverTheSecret() {
    StringBuilder err = new StringBuilder();
    int code =
        run(
            Map.of(
                "PORTCULLIS_UPSTREAM", "http://u:1",
                "PORTCULLIS_ISSUERS", "i",
                "PORTCULLIS_AUDIENCES", "a",
                "PORTCULLIS_ADMIN_TOKENS", "ops=short-pw,ci=ci-secret-0123456789"),
            err);
    assertThat(code).isEqualTo(2);
    assertThat(err.toString())
        .isEqualTo(
            "portcullis: invalid configuration: PORTCULLIS_ADMIN_TOKENS: entry (ops): secret must"
                + " be at least 16 characters"
                + System.lineSeparator())
        .doesNotContain("short-pw");
  }

  @Test
  void devIsRefusedInProductionAndUnknownArgumentsAreRejected() {
    StringBuilder err = new StringBuilder();
    assertThat(run(Map.of("PORTCULLIS_ENV", "production"), err, "--dev")).isEqualTo(2);
    assertThat(err.toString()).contains("--dev is refused when PORTCULLIS_ENV=production");
    assertThat(run(Map.of(), new StringBuilder(), "--frobnicate")).isEqualTo(2);
    StringBuilder noFile = new StringBuilder();
    assertThat(run(Map.of(), noFile, "--config")).isEqualTo(2);
    assertThat(noFile.toString()).contains("--config needs a file");
  }

  @Test
  void aBadKeyIsAConfigErrorNamingTheVariableAndTheKid() {
    StringBuilder err = new StringBuilder();
    int code =
        run(
            Map.of(
                "PORTCULLIS_UPSTREAM", "http://u:1",
                "PORTCULLIS_ISSUERS", "i",
                "PORTCULLIS_AUDIENCES", "a",
                "PORTCULLIS_PORT", "0",
                "PORTCULLIS_ADMIN_PORT", "0",
                "JWT_PUBLIC_KEYS_PEM", "{\"k1\": \"not a pem\"}"),
            err);
    assertThat(code).isEqualTo(2);
    assertThat(err.toString())
        .startsWith("portcullis: invalid configuration: JWT_PUBLIC_KEYS_PEM[k1]: ")
        .hasLineCount(1);
  }

  @Test
  void aStartupFailureIsOneLineNamingThePartAndExitsOne() {
    StringBuilder err = new StringBuilder();
    int closed = io.portcullis.testkit.Ports.free();
    java.util.Map<String, String> env = new java.util.HashMap<>();
    env.put("PORTCULLIS_UPSTREAM", "http://u:1");
    env.put("PORTCULLIS_ISSUERS", "i");
    env.put("PORTCULLIS_AUDIENCES", "a");
    env.put("PORTCULLIS_PORT", "0");
    env.put("PORTCULLIS_ADMIN_PORT", "0");
    env.put("PORTCULLIS_ADMIN_HOST", "127.0.0.1");
    // long enough for the (empty, private) embedded store to load on a slow machine: Redis must
    // be the part named
    env.put("PORTCULLIS_STARTUP_TIMEOUT", "5s");
    env.put("PORTCULLIS_DATA_DIR", io.portcullis.gateway.support.TestGateways.tempDir().toString());
    env.put(
        "JWT_PUBLIC_KEYS_PEM",
        "{\"k1\": "
            + io.vertx.core.json.Json.encode(new io.portcullis.gateway.support.TestKeys("k1").pem())
            + "}");
    env.put("REDIS_URL", "redis://127.0.0.1:" + closed);
    env.put("PORTCULLIS_RATE_LIMIT_ON_REDIS_FAILURE", "closed");
    assertThat(run(env, err)).isEqualTo(1);
    assertThat(err.toString())
        .startsWith("portcullis: startup failed: redis: unreachable at redis://127.0.0.1:" + closed)
        .hasLineCount(1);
  }
}
