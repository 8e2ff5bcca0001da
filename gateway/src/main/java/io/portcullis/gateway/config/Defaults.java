package io.portcullis.gateway.config;

import java.time.Duration;

/**
 * Every default, named once. The Kubernetes manifests, the README and the config loader all agree
 * with these; {@code ManifestTest} checks the manifests against them.
 */
public final class Defaults {
  private Defaults() {}

  // Listeners (SPEC §2)
  public static final int PROXY_PORT = 8080;
  public static final int ADMIN_PORT = 9090;
  public static final String ADMIN_HOST = "0.0.0.0";
  public static final String HEALTH_PATH = "/healthz";
  public static final String READY_PATH = "/readyz";
  public static final String METRICS_PATH = "/metrics";
  public static final String WHOAMI_PATH = "/_portcullis/whoami";

  /** The gateway's own namespace on the proxy listener: never a route, never forwarded. */
  public static final String RESERVED_PREFIX = "/_portcullis/";

  // Token validation (SPEC §3, §4 step 4)
  public static final String ORG_CLAIM = "org_id";
  public static final Duration CLOCK_SKEW = Duration.ofSeconds(30);
  public static final String ALGORITHMS = "RS256,PS256,ES256,EdDSA";
  public static final Duration UNKNOWN_KID_COOLDOWN = Duration.ofSeconds(30);

  /** JWKS refresh when the response carries no usable Cache-Control max-age. */
  public static final Duration JWKS_REFRESH_INTERVAL = Duration.ofMinutes(5);

  /** Lower and upper bounds applied to a JWKS Cache-Control max-age. */
  public static final Duration JWKS_MIN_REFRESH = Duration.ofMinutes(1);

  public static final Duration JWKS_MAX_REFRESH = Duration.ofHours(24);
  public static final Duration JWKS_FETCH_TIMEOUT = Duration.ofSeconds(5);

  /** Keys whose source has not refreshed for this long make readiness fail. */
  public static final Duration KEYS_MAX_STALENESS = Duration.ofHours(6);

  public static final int TOKEN_CACHE_SIZE = 100_000;

  // Rate limits (SPEC §3, §4 step 7)
  public static final String RATE_LIMIT = "100/s";
  public static final String AUTH_FAILURE_LIMIT = "20/s";
  public static final String RATE_LIMIT_ON_REDIS_FAILURE = "local";

  /** The bound of one Redis rate-limit call (issue 3: at most 50 ms before the breaker opens). */
  public static final Duration RATE_LIMIT_REDIS_TIMEOUT = Duration.ofMillis(50);

  // State (SPEC §6)
  public static final String DATA_DIR = "./data";
  public static final Duration REVOCATION_SYNC_INTERVAL = Duration.ofSeconds(2);

  /** Readiness fails when the revocation snapshot has not caught up for this long. */
  public static final Duration REVOCATION_MAX_STALENESS = Duration.ofSeconds(30);

  public static final int ADMIN_AUTH_FAILURES_PER_MINUTE = 10;

  // Upstream
  /** The validated bearer token is not forwarded to the upstream unless a route asks for it. */
  public static final boolean FORWARD_TOKEN = false;

  public static final Duration UPSTREAM_CONNECT_TIMEOUT = Duration.ofSeconds(2);
  public static final Duration UPSTREAM_TIMEOUT = Duration.ofSeconds(30);

  // Process protection and lifecycle (issue: production readiness)
  public static final int MAX_HEADER_SIZE = 8 * 1024;
  public static final long MAX_BODY_SIZE = 32L * 1024 * 1024;
  public static final Duration IDLE_TIMEOUT = Duration.ofSeconds(60);
  public static final Duration HEADER_READ_TIMEOUT = Duration.ofSeconds(10);
  public static final int MAX_CONNECTIONS = 10_000;

  /**
   * One event loop per available processor (the JVM reads the container's CPU limit), like Envoy's
   * {@code --concurrency} and nginx's {@code worker_processes auto}. Vert.x's own default is twice
   * that, which on a small pod adds context switches and nothing else: every step of the request
   * path is non-blocking (load-tests/RESULTS.md, 2026-11-22).
   */
  public static int eventLoops() {
    return Runtime.getRuntime().availableProcessors();
  }

  /**
   * Netty's epoll transport where it is available (Linux on x86_64 and aarch64): fewer system calls
   * and less garbage per request than java.nio (load-tests/RESULTS.md, 2026-11-22).
   */
  public static final String TRANSPORT = "native";

  /** After SIGTERM: readiness is 503 and traffic still served for this long. */
  public static final Duration DRAIN_DELAY = Duration.ofSeconds(5);

  /** After the drain delay: how long in-flight requests may take before exit is forced. */
  public static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(20);

  /**
   * How long the process waits at startup for keys, revocation state and a configured Redis to be
   * usable; past it, it exits 1 naming the one that is not. Zero (the default): no limit, the pod
   * stays live and not ready, naming what it waits for, and becomes ready the moment the dependency
   * is back (exiting would crash-loop a scale-up through a JWKS outage and add the kubelet's
   * restart back-off to the recovery).
   */
  public static final Duration STARTUP_TIMEOUT = Duration.ZERO;

  /** How often the proxy listener's TLS certificate and key files are checked for a change. */
  public static final Duration TLS_RELOAD_INTERVAL = Duration.ofSeconds(5);
}
