package io.portcullis.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.ratelimit.FailureMode;
import io.portcullis.ratelimit.RateLimitPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ConfigLoaderTest {
  /** The required names, so each fixture isolates exactly one mistake. */
  static final Map<String, String> BASE_ENV =
      Map.of("PORTCULLIS_ISSUERS", "https://idp.example", "PORTCULLIS_AUDIENCES", "api");

  /** One fixture per invalid config (envoyproxy/ratelimit test/config style), exact message. */
  static Stream<Arguments> invalidFixtures() {
    return Stream.of(
        Arguments.of("unknown_key", "upstrem_timeout: unknown key"),
        Arguments.of(
            "bad_duration",
            "clock_skew: bad duration 'soon'; expected a number and a unit ms, s, m or h, e.g. 30s"),
        Arguments.of(
            "bad_rate_limit",
            "rate_limit: bad rate limit 'lots'; expected <count>/<s|min|h> [burst <n>], e.g. 100/s or"
                + " 6000/min burst 200"),
        Arguments.of(
            "bad_upstream_scheme",
            "upstream: bad URL 'ftp://billing'; expected http:// or https://"),
        Arguments.of("route_missing_upstream", "routes[0].upstream: required"),
        Arguments.of("route_unknown_key", "routes[0].methods: unknown key"),
        Arguments.of(
            "route_bad_forward_token",
            "routes[0].forward_token: bad value 'sometimes'; expected true or false"),
        Arguments.of(
            "route_bad_auth", "routes[0].auth: bad value 'maybe'; expected required or none"),
        Arguments.of(
            "route_bad_timeout",
            "routes[1].timeout: bad duration '5 seconds'; expected a number and a unit ms, s, m or"
                + " h, e.g. 30s"),
        Arguments.of(
            "route_bad_path",
            "routes[0].path: bad path 'reports/'; expected a prefix starting with /, e.g."
                + " /orgs/{org}/"),
        Arguments.of(
            "route_bad_rate_limit",
            "routes[0].rate_limit: bad rate limit '20 per second'; expected <count>/<s|min|h> [burst"
                + " <n>], e.g. 100/s or 6000/min burst 200"),
        Arguments.of(
            "route_unknown_parameter",
            "routes[0].path: bad path '/orgs/{tenant}/'; expected a prefix starting with /, e.g."
                + " /orgs/{org}/"),
        Arguments.of(
            "route_two_orgs",
            "routes[0].path: bad path '/orgs/{org}/teams/{org}/'; {org} may appear at most once"),
        Arguments.of("route_duplicate_path", "routes[1].path: duplicate path '/a/'"),
        Arguments.of(
            "route_reserved_path", "routes[0].path: paths under /_portcullis/ are reserved"),
        Arguments.of(
            "route_public_with_scopes",
            "routes[0].scopes: a route with auth: none cannot require scopes"),
        Arguments.of("routes_not_a_list", "routes: expected a list of routes"),
        Arguments.of("bad_port", "port: must be between 0 and 65535, got 70000"),
        Arguments.of(
            "bad_size",
            "max_header_size: bad size 'big'; expected bytes or a number with KiB, MiB or GiB, e.g."
                + " 8KiB"),
        Arguments.of(
            "redis_timeout_too_long",
            "rate_limit_redis_timeout: at most 1s: a request must never wait long on a Redis that"
                + " does not answer"),
        Arguments.of(
            "bad_failure_mode",
            "rate_limit_on_redis_failure: bad value 'maybe'; expected local, open or closed"),
        Arguments.of("bad_transport", "transport: bad value 'io_uring'; expected native or nio"),
        Arguments.of(
            "bad_override_subject",
            "rate_limit_overrides.tenant:acme: subject must start with org:, client:, sub: or ip:"),
        Arguments.of(
            "bad_override_ip",
            "rate_limit_overrides.ip:10.0.0.0/24: bad rate-limit subject 'ip:10.0.0.0/24':"
                + " '10.0.0.0/24' is not an IPv4 or IPv6 address literal"),
        Arguments.of(
            "bad_override_value",
            "rate_limit_overrides.org:acme: bad rate limit 'fast'; expected <count>/<s|min|h> [burst"
                + " <n>], e.g. 100/s or 6000/min burst 200"),
        Arguments.of("alg_none", "algorithms: 'none' is never allowed"),
        Arguments.of(
            "alg_unknown",
            "algorithms: unknown algorithm 'HS999'; expected some of RS256,PS256,ES256,EdDSA,"
                + " HS256"),
        Arguments.of("not_a_map", "config file: expected a YAML map of settings at the top level"),
        Arguments.of("duplicate_key", "config file: not valid YAML: while constructing a mapping"),
        Arguments.of(
            "no_upstream",
            "PORTCULLIS_UPSTREAM: required when no routes are configured (upstream base URL)"),
        Arguments.of("bad_admin_tokens", "admin_tokens: each entry must be name=secret"),
        Arguments.of(
            "short_admin_secret",
            "admin_tokens: entry (ops): secret must be at least 16 characters"),
        Arguments.of(
            "bad_database_url",
            "database_url: must start with postgresql:// (another scheme was given)"),
        Arguments.of(
            "staleness_below_sync_interval",
            "revocation_max_staleness: must be longer than the revocation sync interval (5000ms)"),
        Arguments.of("bad_jwks_url", "jwks_urls: bad URL 'not a url'"),
        Arguments.of("bad_identity_header", "identity_headers: bad header name 'X Bad'"),
        Arguments.of("empty_value", "clock_skew: has no value"),
        Arguments.of("bad_cache_size", "token_cache_size: must be between 0 and 100000000, got -1"),
        Arguments.of("bad_event_loops", "event_loops: must be between 1 and 1024, got 0"),
        Arguments.of("yaml_too_deep", "config file: lists and maps nested deeper than 32 levels"),
        Arguments.of(
            "yaml_collection_key",
            "config file: a mapping key must be a plain value, not a list, map or alias"),
        Arguments.of("key_with_newline", "upstream\\ntimeout: unknown key"),
        Arguments.of(
            "bad_size_overflow", "max_body_size: too large '999999999999gib'; at most 1024GiB"),
        Arguments.of(
            "bad_upstream_port", "upstream: bad URL 'http://billing:99999'; port out of range"),
        Arguments.of("tls_unknown_key", "tls.chain: unknown key"),
        Arguments.of(
            "tls_cert_without_key", "PORTCULLIS_TLS_KEY (tls.key): required when tls.cert is set"),
        Arguments.of("tls_not_a_map", "tls: expected a map"),
        Arguments.of("tls_missing_file", "tls.cert: cannot read file /nonexistent/tls.crt"),
        Arguments.of(
            "route_bad_max_body_size",
            "routes[0].max_body_size: bad size 'huge'; expected bytes or a number with KiB, MiB or"
                + " GiB, e.g. 8KiB"),
        Arguments.of(
            "bad_public_key_entry",
            "public_keys_pem.k1: expected a PEM string or {\"pem\": \"...\", \"alg\": \"PS256\"}"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidFixtures")
  void invalidFixtureStopsWithOneLineNamingTheKey(String fixture, String message)
      throws IOException {
    String yaml = fixture(fixture);
    assertThatThrownBy(() -> ConfigLoader.parse(yaml, BASE_ENV, false))
        .isInstanceOf(ConfigException.class)
        .hasMessage(message)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @Test
  void everyFixtureFileIsAsserted() throws IOException {
    Path dir = Path.of("src/test/resources/config/invalid");
    try (Stream<Path> files = Files.list(dir)) {
      List<String> names =
          files.map(p -> p.getFileName().toString().replace(".yaml", "")).sorted().toList();
      List<String> asserted = invalidFixtures().map(a -> (String) a.get()[0]).sorted().toList();
      assertThat(names).isEqualTo(asserted);
    }
  }

  @Test
  void fullConfigParses() {
    String yaml =
        """
        port: 0
        admin_port: 9191
        routes:
          - path: /orgs/{org}/
            upstream: http://billing:8080
          - path: /reports/
            upstream: https://reports.internal/base
            scopes: [reports:read]
            timeout: 5s
            rate_limit: 20/s
          - path: /public/
            upstream: http://www:8080
            auth: none
        issuers: [https://idp.example]
        audiences: api, web
        clock_skew: 0s
        rate_limit: 6000/min burst 200
        rate_limit_overrides: {"org:vip": "1000/s", "ip:10.0.0.7": "5/s burst 5"}
        auth_failure_limit: "off"
        rate_limit_on_redis_failure: closed
        rate_limit_redis_timeout: 200ms
        max_body_size: 1MiB
        admin_tokens: [ops=s3cret-ops-0123456, ci=t0ken-ci-01234567]
        identity_headers: X-Tenant
        """;
    GatewayConfig c = ConfigLoader.parse(yaml, Map.of(), false);
    assertThat(c.listeners()).isEqualTo(new GatewayConfig.Listeners(0, 9191, "0.0.0.0"));
    assertThat(c.routes()).hasSize(3);
    RouteConfig reports = c.routes().get(1);
    assertThat(reports.upstream()).isEqualTo(URI.create("https://reports.internal/base"));
    assertThat(reports.scopes()).containsExactly("reports:read");
    assertThat(reports.timeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(reports.rateLimit()).isEqualTo(RateLimitPolicy.parse("20/s"));
    assertThat(c.routes().get(0).timeout()).isEqualTo(Defaults.UPSTREAM_TIMEOUT);
    assertThat(c.routes().get(2).authRequired()).isFalse();
    assertThat(c.auth().audiences()).containsExactly("api", "web");
    assertThat(c.auth().clockSkew()).isZero();
    assertThat(c.rateLimits().defaultPolicy())
        .isEqualTo(new RateLimitPolicy(6000, Duration.ofMinutes(1), 200));
    assertThat(c.rateLimits().overrides()).containsKeys("org:vip", "ip:10.0.0.7");
    assertThat(c.rateLimits().authFailureLimit()).isNull();
    assertThat(c.rateLimits().onRedisFailure()).isEqualTo(FailureMode.CLOSED);
    assertThat(c.rateLimits().redisTimeout()).isEqualTo(Duration.ofMillis(200));
    assertThat(c.server().maxBodySize()).isEqualTo(1024 * 1024);
    assertThat(c.state().adminTokens())
        .containsEntry("ops", "s3cret-ops-0123456")
        .containsEntry("ci", "t0ken-ci-01234567");
    assertThat(c.upstream().extraIdentityHeaders()).containsExactly("X-Tenant");
  }

  @Test
  void defaultsApplyAndTheDefaultRouteGoesToTheUpstream() {
    GatewayConfig c =
        ConfigLoader.parse(
            null,
            Map.of(
                "PORTCULLIS_UPSTREAM",
                "http://up:9000",
                "PORTCULLIS_ISSUERS",
                "i",
                "PORTCULLIS_AUDIENCES",
                "a"),
            false);
    assertThat(c.routes())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.path()).isEqualTo("/");
              assertThat(r.authRequired()).isTrue();
              assertThat(r.upstream()).isEqualTo(URI.create("http://up:9000"));
            });
    assertThat(c.listeners().proxyPort()).isEqualTo(Defaults.PROXY_PORT);
    assertThat(c.listeners().adminPort()).isEqualTo(Defaults.ADMIN_PORT);
    assertThat(c.auth().orgClaim()).isEqualTo(Defaults.ORG_CLAIM);
    assertThat(c.auth().clockSkew()).isEqualTo(Defaults.CLOCK_SKEW);
    assertThat(c.auth().algorithms()).containsExactly("RS256", "PS256", "ES256", "EdDSA");
    // One event loop per processor the JVM may use, not Vert.x's two.
    assertThat(c.server().eventLoops()).isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(
            ConfigLoader.parse(
                    "event_loops: 3\nupstream: http://up:9000\n",
                    Map.of("PORTCULLIS_ISSUERS", "i", "PORTCULLIS_AUDIENCES", "a"),
                    false)
                .server()
                .eventLoops())
        .isEqualTo(3);
    // epoll where the platform has it; nio on request
    assertThat(c.server().transport()).isEqualTo(GatewayConfig.Transport.NATIVE);
    assertThat(
            ConfigLoader.parse(
                    "upstream: http://up:9000\n",
                    Map.of(
                        "PORTCULLIS_ISSUERS",
                        "i",
                        "PORTCULLIS_AUDIENCES",
                        "a",
                        "PORTCULLIS_TRANSPORT",
                        "NIO"),
                    false)
                .server()
                .transport())
        .isEqualTo(GatewayConfig.Transport.NIO);
    assertThat(c.rateLimits().defaultPolicy())
        .isEqualTo(RateLimitPolicy.parse(Defaults.RATE_LIMIT));
    assertThat(c.rateLimits().authFailureLimit())
        .isEqualTo(RateLimitPolicy.parse(Defaults.AUTH_FAILURE_LIMIT));
    assertThat(c.rateLimits().onRedisFailure()).isEqualTo(FailureMode.LOCAL);
    assertThat(c.rateLimits().redisTimeout()).isEqualTo(Duration.ofMillis(50));
    assertThat(c.server().maxHeaderSize()).isEqualTo(Defaults.MAX_HEADER_SIZE);
    assertThat(c.keys().unknownKidCooldown()).isEqualTo(Defaults.UNKNOWN_KID_COOLDOWN);
  }

  @Test
  void rateLimitOffDisablesTheDefaultAndARoutesOwnLimit() {
    String yaml =
        """
        upstream: http://up:9000
        routes:
          - path: /health/
            upstream: http://up:9000
            rate_limit: off
          - path: /reports/
            upstream: http://up:9000
            rate_limit: 20/s
          - path: /
            upstream: http://up:9000
        """;
    GatewayConfig c =
        ConfigLoader.parse(
            yaml,
            Map.of(
                "PORTCULLIS_RATE_LIMIT",
                "OFF",
                "PORTCULLIS_ISSUERS",
                "i",
                "PORTCULLIS_AUDIENCES",
                "a"),
            false);
    assertThat(c.rateLimits().defaultPolicy()).isNull();
    assertThat(c.routes().get(0).rateLimitOff()).isTrue();
    assertThat(c.routes().get(0).rateLimit()).isNull();
    assertThat(c.routes().get(1).rateLimitOff()).isFalse();
    assertThat(c.routes().get(1).rateLimit()).isEqualTo(RateLimitPolicy.parse("20/s"));
    assertThat(c.routes().get(2).rateLimitOff()).isFalse();
    // YAML 1.1 habit: `rate_limit: false` means off too; the env var wins over the file
    GatewayConfig fromYaml =
        ConfigLoader.parse("upstream: http://up:9000\nrate_limit: false\n", BASE_ENV, false);
    assertThat(fromYaml.rateLimits().defaultPolicy()).isNull();
    GatewayConfig envWins =
        ConfigLoader.parse(
            "upstream: http://up:9000\nrate_limit: off\n",
            Map.of(
                "PORTCULLIS_RATE_LIMIT",
                "5/s",
                "PORTCULLIS_ISSUERS",
                "i",
                "PORTCULLIS_AUDIENCES",
                "a"),
            false);
    assertThat(envWins.rateLimits().defaultPolicy()).isEqualTo(RateLimitPolicy.parse("5/s"));
    assertThatThrownBy(
            () ->
                ConfigLoader.parse(
                    "upstream: http://up:9000\n",
                    Map.of(
                        "PORTCULLIS_RATE_LIMIT",
                        "none",
                        "PORTCULLIS_ISSUERS",
                        "i",
                        "PORTCULLIS_AUDIENCES",
                        "a"),
                    false))
        .hasMessageStartingWith("PORTCULLIS_RATE_LIMIT: bad rate limit 'none'");
  }

  @Test
  void environmentWinsOverYaml() {
    GatewayConfig c =
        ConfigLoader.parse(
            "upstream: http://yaml:1\nclock_skew: 10s\nissuers: [yaml-iss]\naudiences: [a]\n",
            Map.of("PORTCULLIS_CLOCK_SKEW", "45s", "PORTCULLIS_ISSUERS", "env-iss,env-iss2"),
            false);
    assertThat(c.auth().clockSkew()).isEqualTo(Duration.ofSeconds(45));
    assertThat(c.auth().issuers()).containsExactly("env-iss", "env-iss2");
    assertThat(c.auth().audiences()).containsExactly("a");
  }

  @Test
  void tlsFromTheYamlSectionOrTheEnvironment(@org.junit.jupiter.api.io.TempDir Path dir)
      throws IOException {
    Path cert = Files.writeString(dir.resolve("tls.crt"), "cert");
    Path key = Files.writeString(dir.resolve("tls.key"), "key");
    GatewayConfig fromYaml =
        ConfigLoader.parse(
            "upstream: http://u:1\ntls:\n  cert: %s\n  key: %s\n  reload_interval: 1s\n"
                .formatted(cert, key),
            BASE_ENV,
            false);
    assertThat(fromYaml.listeners().proxyTls())
        .isEqualTo(new GatewayConfig.Tls(cert, key, Duration.ofSeconds(1)));

    Map<String, String> env = new java.util.HashMap<>(BASE_ENV);
    env.put("PORTCULLIS_UPSTREAM", "http://u:1");
    env.put("PORTCULLIS_TLS_CERT", cert.toString());
    env.put("PORTCULLIS_TLS_KEY", key.toString());
    GatewayConfig fromEnv = ConfigLoader.parse(null, env, false);
    assertThat(fromEnv.listeners().proxyTls())
        .isEqualTo(new GatewayConfig.Tls(cert, key, Defaults.TLS_RELOAD_INTERVAL));

    env.remove("PORTCULLIS_TLS_KEY");
    assertThatThrownBy(() -> ConfigLoader.parse(null, env, false))
        .hasMessage("PORTCULLIS_TLS_KEY (tls.key): required when PORTCULLIS_TLS_CERT is set");
    assertThat(ConfigLoader.parse("upstream: http://u:1\n", BASE_ENV, false).listeners().proxyTls())
        .isNull();
  }

  @Test
  void aRouteMayBoundItsOwnBodySize() {
    GatewayConfig c =
        ConfigLoader.parse(
            "max_body_size: 1MiB\nroutes:\n  - path: /upload/\n    upstream: http://u:1\n"
                + "    max_body_size: 64MiB\n  - path: /\n    upstream: http://u:1\n",
            BASE_ENV,
            false);
    assertThat(c.routes().get(0).maxBodySize(c.server().maxBodySize())).isEqualTo(64L << 20);
    assertThat(c.routes().get(1).maxBodySize(c.server().maxBodySize())).isEqualTo(1L << 20);
  }

  /**
   * A Service named portcullis (or portcullis-admin) in the namespace makes the kubelet inject
   * PORTCULLIS_PORT=tcp://10.x:8080 and PORTCULLIS_SERVICE_HOST, PORTCULLIS_PORT_8080_TCP_* into
   * pods with service links on. None of it may stop startup: the unknown names are never read, and
   * a service-link value where a port is expected is ignored.
   */
  @Test
  void kubernetesServiceLinkVariablesNeverStopStartup() {
    Map<String, String> env = new java.util.HashMap<>(BASE_ENV);
    env.put("PORTCULLIS_UPSTREAM", "http://u:1");
    env.put("PORTCULLIS_PORT", "tcp://10.96.12.7:8080");
    env.put("PORTCULLIS_SERVICE_HOST", "10.96.12.7");
    env.put("PORTCULLIS_SERVICE_PORT", "8080");
    env.put("PORTCULLIS_SERVICE_PORT_PROXY", "8080");
    env.put("PORTCULLIS_PORT_8080_TCP", "tcp://10.96.12.7:8080");
    env.put("PORTCULLIS_PORT_8080_TCP_PROTO", "tcp");
    env.put("PORTCULLIS_PORT_8080_TCP_PORT", "8080");
    env.put("PORTCULLIS_PORT_8080_TCP_ADDR", "10.96.12.7");
    env.put("PORTCULLIS_ADMIN_PORT", "tcp://10.96.12.8:9090");
    env.put("PORTCULLIS_ADMIN_SERVICE_HOST", "10.96.12.8");
    env.put("PORTCULLIS_ADMIN_PORT_9090_TCP_ADDR", "10.96.12.8");
    GatewayConfig c = ConfigLoader.parse("port: 8181\n", env, false);
    assertThat(c.listeners().proxyPort()).as("the YAML value applies").isEqualTo(8181);
    assertThat(c.listeners().adminPort()).as("the default applies").isEqualTo(Defaults.ADMIN_PORT);
    assertThat(ConfigLoader.serviceLinkValues(env))
        .containsExactlyInAnyOrder("PORTCULLIS_PORT", "PORTCULLIS_ADMIN_PORT");
    // A real port in the environment still wins, and a bad one is still an error.
    env.put("PORTCULLIS_PORT", "9000");
    assertThat(ConfigLoader.parse("port: 8181\n", env, false).listeners().proxyPort())
        .isEqualTo(9000);
    env.put("PORTCULLIS_PORT", "http://10.0.0.1:8080");
    assertThatThrownBy(() -> ConfigLoader.parse(null, env, false))
        .hasMessageStartingWith("PORTCULLIS_PORT: ");
  }

  /** One port for both listeners would let the admin API answer on the client port. */
  @Test
  void theAdminPortMustDifferFromTheProxyPort() {
    Map<String, String> env = new java.util.HashMap<>(BASE_ENV);
    env.put("PORTCULLIS_UPSTREAM", "http://up:1");
    env.put("PORTCULLIS_PORT", "18081");
    env.put("PORTCULLIS_ADMIN_PORT", "18081");
    assertThatThrownBy(() -> ConfigLoader.parse(null, env, false))
        .hasMessage("PORTCULLIS_ADMIN_PORT: must differ from PORTCULLIS_PORT (18081)");
    env.put("PORTCULLIS_PORT", "0");
    env.put("PORTCULLIS_ADMIN_PORT", "0"); // each picks its own free port
    assertThat(ConfigLoader.parse(null, env, false).listeners().adminPort()).isZero();
  }

  @Test
  void aBadEnvironmentValueNamesTheVariable() {
    Map<String, String> env = new java.util.HashMap<>(BASE_ENV);
    env.put("PORTCULLIS_UPSTREAM", "http://up:1");
    env.put("PORTCULLIS_UPSTREAM_TIMEOUT", "forever");
    assertThatThrownBy(() -> ConfigLoader.parse(null, env, false))
        .hasMessage(
            "PORTCULLIS_UPSTREAM_TIMEOUT: bad duration 'forever'; expected a number and a unit ms,"
                + " s, m or h, e.g. 30s");
  }

  @Test
  void issuersAndAudiencesAreRequiredOutsideDev() {
    assertThatThrownBy(() -> ConfigLoader.parse("upstream: http://u:1\n", Map.of(), false))
        .hasMessage("PORTCULLIS_ISSUERS: required (comma list of accepted iss)");
    assertThatThrownBy(
            () ->
                ConfigLoader.parse(
                    "upstream: http://u:1\n", Map.of("PORTCULLIS_ISSUERS", "i"), false))
        .hasMessage("PORTCULLIS_AUDIENCES: required (comma list of audiences)");
    assertThat(ConfigLoader.parse(null, Map.of(), true).dev()).isTrue();
  }

  @Test
  void anAdminTokenErrorNeverEchoesTheSecret() {
    assertThatThrownBy(
            () ->
                ConfigLoader.parse(
                    null,
                    Map.of(
                        "PORTCULLIS_ADMIN_TOKENS", "ops=abc,topsecretvalue",
                        "PORTCULLIS_UPSTREAM", "http://u:1",
                        "PORTCULLIS_ISSUERS", "i",
                        "PORTCULLIS_AUDIENCES", "a"),
                    false))
        .hasMessage("PORTCULLIS_ADMIN_TOKENS: each entry must be name=secret")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("topsecret"));
  }

  @Test
  void rlOverridesJsonFromTheEnvironment() {
    Map<String, String> env = new java.util.HashMap<>(BASE_ENV);
    env.put("PORTCULLIS_UPSTREAM", "http://u:1");
    env.put("RL_OVERRIDES_JSON", "{\"org:vip\": \"1000/s\", \"ip:10.0.0.7\": \"5/s burst 5\"}");
    GatewayConfig c = ConfigLoader.parse(null, env, false);
    assertThat(c.rateLimits().overrides())
        .containsEntry("org:vip", RateLimitPolicy.parse("1000/s"))
        .containsEntry("ip:10.0.0.7", RateLimitPolicy.parse("5/s burst 5"));
    env.put("RL_OVERRIDES_JSON", "[1,2]");
    assertThatThrownBy(() -> ConfigLoader.parse(null, env, false))
        .hasMessage("RL_OVERRIDES_JSON: expected a JSON object, e.g. {\"k1\": \"...\"}");
  }

  @Test
  void publicKeysTakeAnOptionalExplicitAlgorithm() {
    Map<String, String> env = new java.util.HashMap<>(BASE_ENV);
    env.put("PORTCULLIS_UPSTREAM", "http://u:1");
    env.put(
        "JWT_PUBLIC_KEYS_PEM",
        "{\"k1\": \"PEM-1\", \"k2\": {\"pem\": \"PEM-2\", \"alg\": \"PS256\"}}");
    GatewayConfig c = ConfigLoader.parse(null, env, false);
    assertThat(c.keys().publicKeysPem().get("k1").pem()).isEqualTo("PEM-1");
    assertThat(c.keys().publicKeysPem().get("k1").algorithm()).isNull();
    assertThat(c.keys().publicKeysPem().get("k2").algorithm()).isEqualTo("PS256");
  }

  @Test
  void aLongRoutePathIsCheckedWithoutOverflowingTheStack() {
    // A repeated regex group recursed once per segment: 20000 segments overflowed the stack.
    String path = "/a".repeat(20_000) + "/";
    GatewayConfig c =
        ConfigLoader.parse(
            "routes: [{path: \"" + path + "\", upstream: http://u:1}]\n", BASE_ENV, false);
    assertThat(c.routes().get(0).path()).isEqualTo(path);
    assertThatThrownBy(
            () ->
                ConfigLoader.parse(
                    "routes: [{path: \"" + path + "a b\", upstream: http://u:1}]\n",
                    BASE_ENV,
                    false))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("routes[0].path: bad path '/a/a/");
  }

  @Test
  void aConfigFileOverTheLimitIsRefusedBeforeParsing(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("huge.yaml");
    Files.writeString(file, "env: " + "x".repeat(YamlGuard.MAX_CHARS));
    assertThatThrownBy(() -> ConfigLoader.load(file, BASE_ENV, false))
        .isInstanceOf(ConfigException.class)
        .hasMessage("config file: larger than 1048576 characters");
    Files.writeString(
        file, "env: " + "x".repeat(YamlGuard.MAX_CHARS - 100) + "\nupstream: http://u:1\n");
    assertThat(ConfigLoader.load(file, BASE_ENV, false).env()).hasSize(YamlGuard.MAX_CHARS - 100);
  }

  private static String fixture(String name) throws IOException {
    try (InputStream in =
        ConfigLoaderTest.class.getResourceAsStream("/config/invalid/" + name + ".yaml")) {
      assertThat(in).as("fixture " + name).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
