package io.portcullis.gateway.config;

import java.util.HashMap;
import java.util.Map;

/**
 * The environment mapping, in one place (after envoyproxy/ratelimit {@code settings.go}): every
 * setting with its environment variable, its YAML key and what it means. The environment wins over
 * the YAML file. Defaults live in {@link Defaults}; docs/CONFIGURATION.md lists the same table.
 */
public enum Setting {
  // Listeners (SPEC §2)
  /** Proxy listener port; 0 picks a free port (logged at startup). */
  PORT("PORTCULLIS_PORT", "port"),
  /** Admin listener port (/healthz, /readyz, /metrics, /admin/v1); 0 picks a free port. */
  ADMIN_PORT("PORTCULLIS_ADMIN_PORT", "admin_port"),
  /** Interface the admin listener binds to. */
  ADMIN_HOST("PORTCULLIS_ADMIN_HOST", "admin_host"),

  // Upstreams and routes (SPEC §3)
  /** Upstream base URL of the default route {@code /}, used when no routes are configured. */
  UPSTREAM("PORTCULLIS_UPSTREAM", "upstream"),
  /** Routes (YAML only): path, upstream, auth, scopes, timeout, rate_limit. */
  ROUTES(null, "routes"),
  /** Default upstream response timeout; a route's {@code timeout} overrides it. */
  UPSTREAM_TIMEOUT("PORTCULLIS_UPSTREAM_TIMEOUT", "upstream_timeout"),
  /** Upstream TCP connect timeout; past it the client gets 502 upstream_unavailable. */
  UPSTREAM_CONNECT_TIMEOUT("PORTCULLIS_UPSTREAM_CONNECT_TIMEOUT", "upstream_connect_timeout"),
  /**
   * Extra inbound identity headers to strip, besides X-Org-Id, X-Subject, X-Client-Id, X-Scopes.
   */
  IDENTITY_HEADERS("PORTCULLIS_IDENTITY_HEADERS", "identity_headers"),
  /**
   * Whether the validated bearer token is forwarded to the upstream in {@code Authorization}
   * (default false, as Envoy jwt_authn's {@code forward: false}); a route's {@code forward_token}
   * overrides it.
   */
  FORWARD_TOKEN("PORTCULLIS_FORWARD_TOKEN", "forward_token"),

  // Keys (SPEC §3, §4 step 4)
  /** Comma list of JWKS URLs, fetched in the background. */
  JWKS_URLS("PORTCULLIS_JWKS_URLS", "jwks_urls"),
  /** JSON object {"kid": "PEM public key"}. */
  JWT_PUBLIC_KEYS_PEM("JWT_PUBLIC_KEYS_PEM", "public_keys_pem"),
  /** The kid the issuer signs with now; readiness fails while it is absent from the keyset. */
  JWT_KEY_ID_CURRENT("JWT_KEY_ID_CURRENT", "key_id_current"),
  /** Directory of {@code <kid>.pem} files, re-read when they change. */
  KEYS_DIR("PORTCULLIS_KEYS_DIR", "keys_dir"),
  /** JSON object {"kid": "base64url secret"} of HMAC keys (HS* only; at least 256 bits). */
  HMAC_KEYS("PORTCULLIS_HMAC_KEYS", "hmac_keys"),
  /** JWKS refresh period when the response names no usable Cache-Control max-age. */
  JWKS_REFRESH_INTERVAL("PORTCULLIS_JWKS_REFRESH_INTERVAL", "jwks_refresh_interval"),
  /** Keys whose source has not refreshed for this long make readiness fail. */
  KEYS_MAX_STALENESS("PORTCULLIS_KEYS_MAX_STALENESS", "keys_max_staleness"),
  /** At most one remote refresh per this period for unknown kids. */
  UNKNOWN_KID_COOLDOWN("PORTCULLIS_UNKNOWN_KID_COOLDOWN", "unknown_kid_cooldown"),

  // Token validation (SPEC §3, §4 step 4)
  /** Comma list of accepted {@code iss}; required outside --dev. */
  ISSUERS("PORTCULLIS_ISSUERS", "issuers"),
  /** Comma list of audiences; a token must name one in {@code aud}; required outside --dev. */
  AUDIENCES("PORTCULLIS_AUDIENCES", "audiences"),
  /** The claim that names the tenant. */
  ORG_CLAIM("PORTCULLIS_ORG_CLAIM", "org_claim"),
  /** Leeway for exp, nbf and iat. */
  CLOCK_SKEW("PORTCULLIS_CLOCK_SKEW", "clock_skew"),
  /** Allowed JWS algorithms. */
  ALGORITHMS("PORTCULLIS_ALGORITHMS", "algorithms"),
  /** Bound of the verified-token cache (entries); 0 disables it. */
  TOKEN_CACHE_SIZE("PORTCULLIS_TOKEN_CACHE_SIZE", "token_cache_size"),

  // Rate limits (SPEC §3, §4 step 7)
  /** Default per-tenant limit, e.g. 100/s or 6000/min burst 200. */
  RATE_LIMIT("PORTCULLIS_RATE_LIMIT", "rate_limit"),
  /** JSON object of per-subject overrides: keys org:, client:, sub:, ip:. */
  RL_OVERRIDES_JSON("RL_OVERRIDES_JSON", "rate_limit_overrides"),
  /** Per-IP budget for requests failing authentication; {@code off} disables it. */
  AUTH_FAILURE_LIMIT("PORTCULLIS_AUTH_FAILURE_LIMIT", "auth_failure_limit"),
  /** local, open or closed: what the limiter does while Redis is unreachable. */
  RATE_LIMIT_ON_REDIS_FAILURE(
      "PORTCULLIS_RATE_LIMIT_ON_REDIS_FAILURE", "rate_limit_on_redis_failure"),
  /**
   * The longest a rate-limit decision waits on Redis; three calls past it open the breaker and the
   * failure mode decides without Redis until it answers again. Raise it for a distant Redis.
   */
  RATE_LIMIT_REDIS_TIMEOUT("PORTCULLIS_RATE_LIMIT_REDIS_TIMEOUT", "rate_limit_redis_timeout"),
  /** Redis URL (standalone, Sentinel or Cluster); none means the in-process limiter. */
  REDIS_URL("REDIS_URL", "redis_url"),

  // State and admin (SPEC §5, §6)
  /** PostgreSQL URL; none means the embedded durable store. */
  DATABASE_URL("DATABASE_URL", "database_url"),
  /** Where the embedded store lives. */
  DATA_DIR("PORTCULLIS_DATA_DIR", "data_dir"),
  /** Period of the catch-up poll of the state store. */
  REVOCATION_SYNC_INTERVAL("PORTCULLIS_REVOCATION_SYNC_INTERVAL", "revocation_sync_interval"),
  /** Readiness fails when the revocation snapshot has not caught up for this long. */
  REVOCATION_MAX_STALENESS("PORTCULLIS_REVOCATION_MAX_STALENESS", "revocation_max_staleness"),
  /** Comma list of name=secret; the name is the audit actor. None: the admin API refuses all. */
  ADMIN_TOKENS("PORTCULLIS_ADMIN_TOKENS", "admin_tokens"),

  // Process protection and lifecycle
  /** Largest request line plus headers accepted; larger is 431 header_too_large. */
  MAX_HEADER_SIZE("PORTCULLIS_MAX_HEADER_SIZE", "max_header_size"),
  /** Largest request body; a larger Content-Length is 413 payload_too_large. */
  MAX_BODY_SIZE("PORTCULLIS_MAX_BODY_SIZE", "max_body_size"),
  /** Client connections idle this long are closed. */
  IDLE_TIMEOUT("PORTCULLIS_IDLE_TIMEOUT", "idle_timeout"),
  /** A client must finish sending its request headers within this time. */
  HEADER_READ_TIMEOUT("PORTCULLIS_HEADER_READ_TIMEOUT", "header_read_timeout"),
  /** Concurrent client connections per instance. */
  MAX_CONNECTIONS("PORTCULLIS_MAX_CONNECTIONS", "max_connections"),
  /** After SIGTERM: readiness is 503 while traffic is still served for this long. */
  DRAIN_DELAY("PORTCULLIS_DRAIN_DELAY", "drain_delay"),
  /** After the drain delay: how long in-flight requests may take before exit is forced. */
  SHUTDOWN_TIMEOUT("PORTCULLIS_SHUTDOWN_TIMEOUT", "shutdown_timeout"),
  /** How long startup waits for keys, revocation state and Redis before exiting 1. */
  STARTUP_TIMEOUT("PORTCULLIS_STARTUP_TIMEOUT", "startup_timeout"),
  /** Event-loop threads; default one per available processor (the container's CPU limit). */
  EVENT_LOOPS("PORTCULLIS_EVENT_LOOPS", "event_loops"),
  /** Socket layer of the event loops: native (epoll on Linux) or nio. */
  TRANSPORT("PORTCULLIS_TRANSPORT", "transport"),

  // TLS on the proxy listener (YAML: a "tls" map with cert, key, reload_interval)
  /** PEM certificate chain of the proxy listener; with TLS_KEY it turns TLS on. */
  TLS_CERT("PORTCULLIS_TLS_CERT", "tls.cert"),
  /** PEM private key (PKCS#8 or PKCS#1) matching TLS_CERT. */
  TLS_KEY("PORTCULLIS_TLS_KEY", "tls.key"),
  /** How often both files are checked; a change is served without restart. */
  TLS_RELOAD_INTERVAL("PORTCULLIS_TLS_RELOAD_INTERVAL", "tls.reload_interval"),

  /** Deployment environment name; {@code production} refuses --dev. */
  ENV("PORTCULLIS_ENV", "env");

  private static final Map<String, Setting> BY_YAML_KEY = new HashMap<>();

  static {
    for (Setting s : values()) {
      BY_YAML_KEY.put(s.yamlKey, s);
    }
  }

  private final String env;
  private final String yamlKey;

  Setting(String env, String yamlKey) {
    this.env = env;
    this.yamlKey = yamlKey;
  }

  /** The environment variable, or {@code null} for YAML-only settings. */
  public String env() {
    return env;
  }

  /**
   * The snake_case key at the top level of the YAML file; {@code section.key} for a key inside a
   * YAML map (e.g. {@code tls.cert}).
   */
  public String yamlKey() {
    return yamlKey;
  }

  /** The setting for a YAML key, or {@code null} when the key is unknown. */
  public static Setting byYamlKey(String key) {
    return BY_YAML_KEY.get(key);
  }

  /** Whether {@code key} is a YAML section: a map whose entries are settings {@code key.*}. */
  public static boolean isSection(String key) {
    return BY_YAML_KEY.keySet().stream().anyMatch(k -> k.startsWith(key + "."));
  }
}
