package io.portcullis.gateway.dev;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.portcullis.gateway.Gateway;
import io.portcullis.gateway.config.ConfigException;
import io.portcullis.gateway.config.GatewayConfig;
import io.portcullis.gateway.config.RouteConfig;
import io.portcullis.gateway.config.Setting;
import io.portcullis.keyset.KeySetOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * {@code --dev} (SPEC §3): a generated ES256 key the gateway trusts, a built-in echo upstream, a
 * ready token for a dev tenant, and the embedded store under a temporary directory. Refused when
 * {@code PORTCULLIS_ENV=production}: a dev instance trusts a key whose private half it prints
 * tokens for.
 */
public final class DevMode {
  public static final String ISSUER = "portcullis-dev";
  public static final String AUDIENCE = "portcullis-dev";
  public static final String ORG = "dev-org";
  static final Duration TOKEN_LIFETIME = Duration.ofHours(12);

  private DevMode() {}

  /** A running dev instance and what it prints. */
  public record Instance(Gateway gateway, HttpServer echo, String token, String banner) {}

  /** Refuses --dev in production; the message names the setting. */
  public static void refuseInProduction(GatewayConfig config) {
    if ("production".equalsIgnoreCase(config.env())) {
      throw new ConfigException(
          Setting.ENV.env(), "--dev is refused when PORTCULLIS_ENV=production");
    }
  }

  /**
   * Starts the echo upstream and the gateway on {@code vertx}.
   *
   * @param base the loaded configuration (with {@code dev} set); listeners and extras are kept
   */
  public static Future<Instance> start(Vertx vertx, GatewayConfig base, Clock clock) {
    refuseInProduction(base);
    KeyPair keys = generateKey();
    String kid = "dev-" + HexFormat.of().formatHex(UUID.randomUUID().toString().getBytes(), 0, 4);
    String pem =
        "-----BEGIN PUBLIC KEY-----\n"
            + Base64.getMimeEncoder(64, "\n".getBytes())
                .encodeToString(keys.getPublic().getEncoded())
            + "\n-----END PUBLIC KEY-----\n";
    Path dataDir;
    try {
      dataDir = Files.createTempDirectory("portcullis-dev-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return EchoUpstream.start(vertx)
        .compose(
            echo -> {
              GatewayConfig config =
                  configure(
                      base, kid, pem, URI.create("http://127.0.0.1:" + echo.actualPort()), dataDir);
              Gateway gateway = Gateway.builder(config).vertx(vertx).clock(clock).build();
              String token = token(keys, kid, config.auth().orgClaim(), clock.instant());
              return gateway.start().map(g -> new Instance(g, echo, token, banner(g, token)));
            });
  }

  static GatewayConfig configure(
      GatewayConfig base, String kid, String pem, URI echo, Path dataDir) {
    GatewayConfig.Keys k = base.keys();
    GatewayConfig.Auth a = base.auth();
    List<RouteConfig> routes =
        base.routes().isEmpty()
            ? List.of(new RouteConfig("/", echo, true, List.of(), base.upstream().timeout(), null))
            : base.routes();
    GatewayConfig.State s = base.state();
    return new GatewayConfig(
        base.listeners(),
        routes,
        base.upstream(),
        new GatewayConfig.Keys(
            k.jwksUrls(),
            Map.of(kid, new KeySetOptions.PemKey(pem, "ES256")),
            kid,
            k.keysDir(),
            k.hmacKeys(),
            k.jwksRefreshInterval(),
            k.maxStaleness(),
            k.unknownKidCooldown()),
        new GatewayConfig.Auth(
            a.issuers().isEmpty() ? List.of(ISSUER) : a.issuers(),
            a.audiences().isEmpty() ? List.of(AUDIENCE) : a.audiences(),
            a.orgClaim(),
            a.clockSkew(),
            a.algorithms().contains("ES256") ? a.algorithms() : List.of("ES256"),
            a.tokenCacheSize()),
        base.rateLimits(),
        new GatewayConfig.State(
            s.databaseUrl(), dataDir, s.syncInterval(), s.maxStaleness(), s.adminTokens()),
        base.server(),
        base.env(),
        true);
  }

  private static KeyPair generateKey() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      return g.generateKeyPair();
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate an EC P-256 key", e);
    }
  }

  static String token(KeyPair keys, String kid, String orgClaim, Instant now) {
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .issuer(ISSUER)
            .audience(AUDIENCE)
            .subject("dev-user")
            .claim(orgClaim, ORG)
            .claim("client_id", "dev-cli")
            .claim("scope", "read write")
            .jwtID(UUID.randomUUID().toString())
            .issueTime(Date.from(now))
            .expirationTime(Date.from(now.plus(TOKEN_LIFETIME)))
            .build();
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(kid).type(JOSEObjectType.JWT).build(),
            claims);
    try {
      jwt.sign(new ECDSASigner((ECPrivateKey) keys.getPrivate()));
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign the dev token", e);
    }
    return jwt.serialize();
  }

  static String banner(Gateway g, String token) {
    return String.join(
        "\n",
        "Portcullis dev mode: a generated ES256 key is trusted; NEVER use this in production.",
        "Dev token (org " + ORG + ", valid " + TOKEN_LIFETIME.toHours() + "h):",
        token,
        "Try it:",
        "curl -H \"Authorization: Bearer "
            + token
            + "\" http://localhost:"
            + g.proxyPort()
            + "/hello",
        "Who am I: http://localhost:"
            + g.proxyPort()
            + "/_portcullis/whoami"
            + "   health: http://localhost:"
            + g.adminPort()
            + "/readyz",
        "");
  }
}
