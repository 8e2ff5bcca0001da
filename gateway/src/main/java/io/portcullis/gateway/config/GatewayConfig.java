package io.portcullis.gateway.config;

import io.portcullis.keyset.KeySetOptions;
import io.portcullis.ratelimit.FailureMode;
import io.portcullis.ratelimit.RateLimitPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The whole configuration, an immutable record tree built by {@link ConfigLoader} (or directly by
 * tests). Every value has been validated; see docs/CONFIGURATION.md for meanings and defaults.
 */
public record GatewayConfig(
    Listeners listeners,
    List<RouteConfig> routes,
    Upstream upstream,
    Keys keys,
    Auth auth,
    RateLimits rateLimits,
    State state,
    Server server,
    String env,
    boolean dev) {

  public GatewayConfig {
    Objects.requireNonNull(listeners, "listeners");
    routes = List.copyOf(routes);
    Objects.requireNonNull(upstream, "upstream");
    Objects.requireNonNull(keys, "keys");
    Objects.requireNonNull(auth, "auth");
    Objects.requireNonNull(rateLimits, "rateLimits");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(server, "server");
  }

  /**
   * SPEC §2. Port 0 picks a free port.
   *
   * @param proxyTls TLS of the proxy listener, or {@code null} for cleartext
   */
  public record Listeners(int proxyPort, int adminPort, String adminHost, Tls proxyTls) {
    /** Cleartext listeners. */
    public Listeners(int proxyPort, int adminPort, String adminHost) {
      this(proxyPort, adminPort, adminHost, null);
    }
  }

  /**
   * TLS from PEM files, re-read when they change.
   *
   * @param cert certificate chain, leaf first
   * @param key the leaf's private key
   * @param reloadInterval how often the files are checked for a change
   */
  public record Tls(Path cert, Path key, Duration reloadInterval) {
    public Tls {
      Objects.requireNonNull(cert, "tls.cert");
      Objects.requireNonNull(key, "tls.key");
      if (reloadInterval == null || reloadInterval.isNegative() || reloadInterval.isZero()) {
        throw new ConfigException("tls.reload_interval", "must be positive");
      }
    }
  }

  /**
   * @param connectTimeout TCP connect timeout to any upstream
   * @param timeout default response timeout (a route's own wins)
   * @param extraIdentityHeaders configurable identity headers stripped besides the four of SPEC §4
   */
  public record Upstream(
      Duration connectTimeout, Duration timeout, List<String> extraIdentityHeaders) {
    public Upstream {
      extraIdentityHeaders = List.copyOf(extraIdentityHeaders);
    }
  }

  /**
   * Key sources and their refresh policy. {@code publicKeysPem}: kid to PEM, each with an explicit
   * algorithm or {@code null} to bind it from the key type.
   */
  public record Keys(
      List<String> jwksUrls,
      Map<String, KeySetOptions.PemKey> publicKeysPem,
      String currentKid,
      Path keysDir,
      Map<String, String> hmacKeys,
      Duration jwksRefreshInterval,
      Duration maxStaleness,
      Duration unknownKidCooldown) {
    public Keys {
      jwksUrls = List.copyOf(jwksUrls);
      publicKeysPem = Map.copyOf(publicKeysPem);
      hmacKeys = Map.copyOf(hmacKeys);
    }
  }

  /** Token validation (SPEC §4 step 4). */
  public record Auth(
      List<String> issuers,
      List<String> audiences,
      String orgClaim,
      Duration clockSkew,
      List<String> algorithms,
      int tokenCacheSize) {
    public Auth {
      issuers = List.copyOf(issuers);
      audiences = List.copyOf(audiences);
      algorithms = List.copyOf(algorithms);
    }
  }

  /**
   * @param defaultPolicy per-tenant default, {@code null} when {@code off} (only overrides and
   *     route policies limit then)
   * @param overrides subject ({@code org:acme}) to policy
   * @param authFailureLimit per-IP failure budget, {@code null} when {@code off}
   * @param redisTimeout the longest one decision waits on Redis before the failure mode decides
   */
  public record RateLimits(
      RateLimitPolicy defaultPolicy,
      Map<String, RateLimitPolicy> overrides,
      RateLimitPolicy authFailureLimit,
      FailureMode onRedisFailure,
      String redisUrl,
      Duration redisTimeout) {
    public RateLimits {
      overrides = Map.copyOf(overrides);
      Objects.requireNonNull(redisTimeout, "redisTimeout");
    }

    /** With the default Redis call bound. */
    public RateLimits(
        RateLimitPolicy defaultPolicy,
        Map<String, RateLimitPolicy> overrides,
        RateLimitPolicy authFailureLimit,
        FailureMode onRedisFailure,
        String redisUrl) {
      this(
          defaultPolicy,
          overrides,
          authFailureLimit,
          onRedisFailure,
          redisUrl,
          Defaults.RATE_LIMIT_REDIS_TIMEOUT);
    }
  }

  /** Durable state and the admin API (SPEC §5, §6). */
  public record State(
      String databaseUrl,
      Path dataDir,
      Duration syncInterval,
      Duration maxStaleness,
      Map<String, String> adminTokens) {
    public State {
      adminTokens = Map.copyOf(adminTokens);
    }

    /** Never the admin secrets: a config printed in a log or an assertion must not leak them. */
    @Override
    public String toString() {
      return "State[databaseUrl="
          + (databaseUrl == null ? null : "<set>")
          + ", dataDir="
          + dataDir
          + ", syncInterval="
          + syncInterval
          + ", maxStaleness="
          + maxStaleness
          + ", adminTokens="
          + adminTokens.keySet()
          + "]";
    }
  }

  /**
   * Process protection and lifecycle.
   *
   * @param maxBodySize the default request body bound; a route's {@code max_body_size} wins
   * @param startupTimeout how long startup waits for its dependencies before exiting 1
   * @param eventLoops event-loop threads, each serving the proxy listener with its own upstream
   *     connection pool
   * @param transport the socket layer under the event loops
   */
  public record Server(
      int maxHeaderSize,
      long maxBodySize,
      Duration idleTimeout,
      Duration headerReadTimeout,
      int maxConnections,
      Duration drainDelay,
      Duration shutdownTimeout,
      Duration startupTimeout,
      int eventLoops,
      Transport transport) {}

  /** {@code PORTCULLIS_TRANSPORT}: which socket layer the event loops run on. */
  public enum Transport {
    /**
     * Netty's epoll (JNI) on Linux, where the jar carries it; java.nio elsewhere, with a warning.
     */
    NATIVE,
    /** java.nio everywhere: the fallback an operator can choose while troubleshooting. */
    NIO
  }
}
