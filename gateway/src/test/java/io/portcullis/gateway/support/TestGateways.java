package io.portcullis.gateway.support;

import io.portcullis.gateway.config.ConfigLoader;
import io.portcullis.gateway.config.GatewayConfig;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Configs for in-process gateways on free ports, trusting {@code keys}. */
public final class TestGateways {
  private TestGateways() {}

  /** A fresh directory under the system temp dir. */
  public static Path tempDir() {
    try {
      Path dir = Files.createTempDirectory("portcullis-test-");
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static GatewayConfig config(String yaml, TestKeys keys, Map<String, String> extraEnv) {
    Map<String, String> env = new HashMap<>();
    env.put("PORTCULLIS_PORT", "0");
    env.put("PORTCULLIS_ADMIN_PORT", "0");
    env.put("PORTCULLIS_ADMIN_HOST", "127.0.0.1");
    env.put("PORTCULLIS_ISSUERS", TestKeys.ISSUER);
    env.put("PORTCULLIS_AUDIENCES", TestKeys.AUDIENCE);
    env.put("PORTCULLIS_DRAIN_DELAY", "0s");
    env.put("JWT_PUBLIC_KEYS_PEM", new JsonObject().put(keys.kid, keys.pem()).encode());
    // Each gateway its own embedded store: a journal is locked by one gateway at a time.
    env.put("PORTCULLIS_DATA_DIR", tempDir().toString());
    env.putAll(extraEnv);
    return ConfigLoader.parse(yaml, env, false);
  }
}
