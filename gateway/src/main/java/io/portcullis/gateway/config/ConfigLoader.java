package io.portcullis.gateway.config;

import io.portcullis.gateway.admin.AdminTokens;
import io.portcullis.keyset.KeySetOptions;
import io.portcullis.ratelimit.FailureMode;
import io.portcullis.ratelimit.RateLimitPolicies;
import io.portcullis.ratelimit.RateLimitPolicy;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * Builds a {@link GatewayConfig} from a YAML document and the environment (SPEC §3): the
 * environment wins; unknown keys and bad values throw one {@link ConfigException} naming the key.
 */
public final class ConfigLoader {
  private static final Set<String> ROUTE_KEYS =
      Set.of(
          "path",
          "upstream",
          "auth",
          "scopes",
          "timeout",
          "rate_limit",
          "forward_token",
          "max_body_size");

  /**
   * What the kubelet injects for a Service when the pod has service links on: a Service named
   * {@code portcullis} yields {@code PORTCULLIS_PORT=tcp://10.0.0.7:8080}, one named {@code
   * portcullis-admin} yields {@code PORTCULLIS_ADMIN_PORT=tcp://...}. Such a value is never a port
   * an operator meant; it is ignored (the YAML value or the default applies) instead of failing.
   */
  private static final Pattern SERVICE_LINK = Pattern.compile("(tcp|udp|sctp)://[^/]+:\\d+");

  /**
   * One segment of a route path. Checked segment by segment: a repeated group over the whole path
   * makes java.util.regex recurse once per segment, and a long path overflowed the stack.
   */
  private static final Pattern ROUTE_SEGMENT =
      Pattern.compile("[A-Za-z0-9._~!$&'()*+,;=:@%-]+|\\{org\\}");

  private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]+");
  private static final Set<String> KNOWN_ALGORITHMS =
      Set.of(
          "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA",
          "HS256", "HS384", "HS512");

  /** A request must never wait long on a Redis that does not answer: the bound has a ceiling. */
  private static final Duration MAX_REDIS_TIMEOUT = Duration.ofSeconds(1);

  private final Map<String, String> env;
  private final Map<String, Object> yaml;
  private final String source;

  private ConfigLoader(Map<String, String> env, Map<String, Object> yaml, String source) {
    this.env = env;
    this.yaml = yaml;
    this.source = source;
  }

  /**
   * Loads {@code file} (may be {@code null}) and overlays {@code env}.
   *
   * @param dev whether --dev is on: issuers, audiences and the upstream become optional
   */
  public static GatewayConfig load(Path file, Map<String, String> env, boolean dev) {
    String text = null;
    if (file != null) {
      try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        // Read one character past the limit, never the whole of an endless or huge file.
        char[] buf = new char[YamlGuard.MAX_CHARS + 1];
        int n = 0;
        for (int r; n < buf.length && (r = in.read(buf, n, buf.length - n)) > 0; ) {
          n += r;
        }
        text = new String(buf, 0, n);
      } catch (IOException e) {
        throw new ConfigException("--config", "cannot read " + file + " (" + e.getMessage() + ")");
      }
    }
    return parse(text, env, dev);
  }

  /** Parses YAML {@code text} (may be {@code null}) and overlays {@code env}. */
  public static GatewayConfig parse(String text, Map<String, String> env, boolean dev) {
    return new ConfigLoader(env, readYaml(text), "config").build(dev);
  }

  private static Map<String, Object> readYaml(String text) {
    if (text == null || text.isBlank()) {
      return Map.of();
    }
    Object doc;
    try {
      LoadSettings settings =
          LoadSettings.builder()
              .setAllowDuplicateKeys(false)
              .setCodePointLimit(YamlGuard.MAX_CHARS)
              .build();
      YamlGuard.check(text, settings);
      doc = new Load(settings).loadFromString(text);
    } catch (YamlEngineException e) {
      String first = e.getMessage() == null ? "syntax error" : e.getMessage().split("\n")[0];
      throw new ConfigException("config file", "not valid YAML: " + first);
    }
    if (doc == null) {
      return Map.of();
    }
    if (!(doc instanceof Map<?, ?> map)) {
      throw new ConfigException("config file", "expected a YAML map of settings at the top level");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : map.entrySet()) {
      String key = String.valueOf(e.getKey());
      if (Setting.isSection(key) && e.getValue() instanceof Map<?, ?> section) {
        // A section such as tls: {cert: ..., key: ...} holds the settings tls.cert, tls.key.
        for (Map.Entry<?, ?> inner : section.entrySet()) {
          put(out, key + "." + inner.getKey(), inner.getValue());
        }
        continue;
      }
      if (Setting.isSection(key)) {
        throw new ConfigException(key, "expected a map");
      }
      put(out, key, e.getValue());
    }
    return out;
  }

  private static void put(Map<String, Object> out, String key, Object value) {
    if (Setting.byYamlKey(key) == null) {
      throw new ConfigException(key, "unknown key");
    }
    if (value == null) {
      throw new ConfigException(key, "has no value");
    }
    out.put(key, value);
  }

  /**
   * The environment variables that hold a Kubernetes service-link value ({@code tcp://host:port})
   * where a setting is expected: ignored, and worth one warning at startup.
   */
  public static List<String> serviceLinkValues(Map<String, String> env) {
    List<String> names = new ArrayList<>();
    for (Setting s : Setting.values()) {
      if (s.env() != null && isServiceLink(env.get(s.env()))) {
        names.add(s.env());
      }
    }
    return names;
  }

  private static boolean isServiceLink(String value) {
    return value != null && SERVICE_LINK.matcher(value.trim()).matches();
  }

  /** The label naming where a value came from: the env var when set there, else the YAML key. */
  private String label(Setting s) {
    return s.env() != null && env.containsKey(s.env()) && !isServiceLink(env.get(s.env()))
        ? s.env()
        : s.yamlKey();
  }

  private Object raw(Setting s) {
    if (s.env() != null) {
      String v = env.get(s.env());
      if (v != null && !isServiceLink(v)) {
        return v;
      }
    }
    return yaml.get(s.yamlKey());
  }

  private Duration duration(Setting s, Duration def) {
    Object raw = raw(s);
    return raw == null ? def : Values.duration(label(s), raw, false);
  }

  private String string(Setting s, String def) {
    Object raw = raw(s);
    return raw == null ? def : Values.string(label(s), raw);
  }

  private List<String> list(Setting s, List<String> def) {
    Object raw = raw(s);
    return raw == null ? def : Values.list(label(s), raw);
  }

  private GatewayConfig build(boolean dev) {
    var listeners =
        new GatewayConfig.Listeners(
            port(Setting.PORT, Defaults.PROXY_PORT),
            port(Setting.ADMIN_PORT, Defaults.ADMIN_PORT),
            string(Setting.ADMIN_HOST, Defaults.ADMIN_HOST),
            tls());
    if (listeners.proxyPort() != 0 && listeners.proxyPort() == listeners.adminPort()) {
      // Vert.x would share the port between both servers, round-robin: admin answers on the
      // client port (SPEC §2: nothing of the admin listener answers on the proxy listener)
      throw new ConfigException(
          label(Setting.ADMIN_PORT),
          "must differ from " + label(Setting.PORT) + " (" + listeners.proxyPort() + ")");
    }

    List<String> extraIdentity = list(Setting.IDENTITY_HEADERS, List.of());
    for (String h : extraIdentity) {
      if (!HEADER_NAME.matcher(h).matches()) {
        throw new ConfigException(label(Setting.IDENTITY_HEADERS), "bad header name '" + h + "'");
      }
    }
    var upstream =
        new GatewayConfig.Upstream(
            duration(Setting.UPSTREAM_CONNECT_TIMEOUT, Defaults.UPSTREAM_CONNECT_TIMEOUT),
            duration(Setting.UPSTREAM_TIMEOUT, Defaults.UPSTREAM_TIMEOUT),
            extraIdentity);

    List<RouteConfig> routes = routes(upstream.timeout(), dev);

    var keys =
        new GatewayConfig.Keys(
            jwksUrls(),
            publicKeys(),
            string(Setting.JWT_KEY_ID_CURRENT, null),
            raw(Setting.KEYS_DIR) == null ? null : Path.of(string(Setting.KEYS_DIR, null)),
            raw(Setting.HMAC_KEYS) == null
                ? Map.of()
                : Values.stringMap(label(Setting.HMAC_KEYS), raw(Setting.HMAC_KEYS), true),
            duration(Setting.JWKS_REFRESH_INTERVAL, Defaults.JWKS_REFRESH_INTERVAL),
            duration(Setting.KEYS_MAX_STALENESS, Defaults.KEYS_MAX_STALENESS),
            duration(Setting.UNKNOWN_KID_COOLDOWN, Defaults.UNKNOWN_KID_COOLDOWN));

    List<String> issuers = list(Setting.ISSUERS, List.of());
    List<String> audiences = list(Setting.AUDIENCES, List.of());
    if (!dev && issuers.isEmpty()) {
      throw new ConfigException(Setting.ISSUERS.env(), "required (comma list of accepted iss)");
    }
    if (!dev && audiences.isEmpty()) {
      throw new ConfigException(Setting.AUDIENCES.env(), "required (comma list of audiences)");
    }
    Object skewRaw = raw(Setting.CLOCK_SKEW);
    var auth =
        new GatewayConfig.Auth(
            issuers,
            audiences,
            string(Setting.ORG_CLAIM, Defaults.ORG_CLAIM),
            skewRaw == null
                ? Defaults.CLOCK_SKEW
                : Values.duration(label(Setting.CLOCK_SKEW), skewRaw, true),
            algorithms(),
            raw(Setting.TOKEN_CACHE_SIZE) == null
                ? Defaults.TOKEN_CACHE_SIZE
                : Values.integer(
                    label(Setting.TOKEN_CACHE_SIZE),
                    raw(Setting.TOKEN_CACHE_SIZE),
                    0,
                    100_000_000));

    var rateLimits =
        new GatewayConfig.RateLimits(
            defaultRateLimit(),
            overrides(),
            authFailureLimit(),
            failureMode(),
            string(Setting.REDIS_URL, null),
            redisTimeout());

    var state =
        new GatewayConfig.State(
            string(Setting.DATABASE_URL, null),
            Path.of(string(Setting.DATA_DIR, Defaults.DATA_DIR)),
            duration(Setting.REVOCATION_SYNC_INTERVAL, Defaults.REVOCATION_SYNC_INTERVAL),
            duration(Setting.REVOCATION_MAX_STALENESS, Defaults.REVOCATION_MAX_STALENESS),
            adminTokens());
    checkState(state);

    var server =
        new GatewayConfig.Server(
            raw(Setting.MAX_HEADER_SIZE) == null
                ? Defaults.MAX_HEADER_SIZE
                : (int)
                    Math.min(
                        Integer.MAX_VALUE,
                        Values.size(label(Setting.MAX_HEADER_SIZE), raw(Setting.MAX_HEADER_SIZE))),
            raw(Setting.MAX_BODY_SIZE) == null
                ? Defaults.MAX_BODY_SIZE
                : Values.size(label(Setting.MAX_BODY_SIZE), raw(Setting.MAX_BODY_SIZE)),
            duration(Setting.IDLE_TIMEOUT, Defaults.IDLE_TIMEOUT),
            duration(Setting.HEADER_READ_TIMEOUT, Defaults.HEADER_READ_TIMEOUT),
            raw(Setting.MAX_CONNECTIONS) == null
                ? Defaults.MAX_CONNECTIONS
                : Values.integer(
                    label(Setting.MAX_CONNECTIONS), raw(Setting.MAX_CONNECTIONS), 1, 10_000_000),
            durationZeroOk(Setting.DRAIN_DELAY, Defaults.DRAIN_DELAY),
            duration(Setting.SHUTDOWN_TIMEOUT, Defaults.SHUTDOWN_TIMEOUT),
            durationZeroOk(Setting.STARTUP_TIMEOUT, Defaults.STARTUP_TIMEOUT),
            raw(Setting.EVENT_LOOPS) == null
                ? Defaults.eventLoops()
                : Values.integer(label(Setting.EVENT_LOOPS), raw(Setting.EVENT_LOOPS), 1, 1024),
            transport());

    return new GatewayConfig(
        listeners,
        routes,
        upstream,
        keys,
        auth,
        rateLimits,
        state,
        server,
        string(Setting.ENV, null),
        dev);
  }

  /** TLS on the proxy listener: both files or neither; each must be a readable file. */
  private GatewayConfig.Tls tls() {
    Object cert = raw(Setting.TLS_CERT);
    Object key = raw(Setting.TLS_KEY);
    if (cert == null && key == null) {
      if (raw(Setting.TLS_RELOAD_INTERVAL) != null) {
        throw new ConfigException(
            label(Setting.TLS_RELOAD_INTERVAL), "set without a TLS certificate and key");
      }
      return null;
    }
    if (cert == null || key == null) {
      Setting missing = cert == null ? Setting.TLS_CERT : Setting.TLS_KEY;
      Setting present = cert == null ? Setting.TLS_KEY : Setting.TLS_CERT;
      throw new ConfigException(
          missing.env() + " (" + missing.yamlKey() + ")",
          "required when " + label(present) + " is set");
    }
    return new GatewayConfig.Tls(
        readableFile(Setting.TLS_CERT),
        readableFile(Setting.TLS_KEY),
        duration(Setting.TLS_RELOAD_INTERVAL, Defaults.TLS_RELOAD_INTERVAL));
  }

  private Path readableFile(Setting s) {
    Path p = Path.of(string(s, null));
    if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
      throw new ConfigException(label(s), "cannot read file " + p);
    }
    return p;
  }

  private Duration durationZeroOk(Setting s, Duration def) {
    Object raw = raw(s);
    return raw == null ? def : Values.duration(label(s), raw, true);
  }

  private int port(Setting s, int def) {
    Object raw = raw(s);
    return raw == null ? def : Values.port(label(s), raw);
  }

  /**
   * {@code {"<kid>": "<PEM>"}}, or {@code {"<kid>": {"pem": "<PEM>", "alg": "PS256"}}} to bind a
   * key to an explicit algorithm (an RSA key is RS256 unless told otherwise).
   */
  private Map<String, KeySetOptions.PemKey> publicKeys() {
    Object raw = raw(Setting.JWT_PUBLIC_KEYS_PEM);
    if (raw == null) {
      return Map.of();
    }
    String key = label(Setting.JWT_PUBLIC_KEYS_PEM);
    Map<String, Object> entries = Values.objectMap(key, raw);
    Map<String, KeySetOptions.PemKey> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : entries.entrySet()) {
      Object v = e.getValue();
      if (v instanceof String pem && !pem.isBlank()) {
        out.put(e.getKey(), new KeySetOptions.PemKey(pem, null));
      } else if (v instanceof Map<?, ?> m
          && m.get("pem") instanceof String pem
          && !pem.isBlank()
          && (m.get("alg") == null || m.get("alg") instanceof String)
          && m.keySet().stream().allMatch(k -> k.equals("pem") || k.equals("alg"))) {
        out.put(e.getKey(), new KeySetOptions.PemKey(pem, (String) m.get("alg")));
      } else {
        throw new ConfigException(
            key + "." + e.getKey(),
            "expected a PEM string or {\"pem\": \"...\", \"alg\": \"PS256\"}");
      }
    }
    return out;
  }

  private List<String> jwksUrls() {
    List<String> urls = list(Setting.JWKS_URLS, List.of());
    for (String u : urls) {
      Values.url(label(Setting.JWKS_URLS), u);
    }
    return urls;
  }

  private List<String> algorithms() {
    List<String> algs = list(Setting.ALGORITHMS, List.of(Defaults.ALGORITHMS.split(",")));
    if (algs.isEmpty()) {
      throw new ConfigException(label(Setting.ALGORITHMS), "must name at least one algorithm");
    }
    for (String a : algs) {
      if (a.equalsIgnoreCase("none")) {
        throw new ConfigException(label(Setting.ALGORITHMS), "'none' is never allowed");
      }
      if (!KNOWN_ALGORITHMS.contains(a)) {
        throw new ConfigException(
            label(Setting.ALGORITHMS),
            "unknown algorithm '" + a + "'; expected some of " + Defaults.ALGORITHMS + ", HS256");
      }
    }
    return algs;
  }

  private Map<String, RateLimitPolicy> overrides() {
    Object raw = raw(Setting.RL_OVERRIDES_JSON);
    if (raw == null) {
      return Map.of();
    }
    String key = label(Setting.RL_OVERRIDES_JSON);
    Map<String, RateLimitPolicy> out = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : Values.stringMap(key, raw, false).entrySet()) {
      String subject = e.getKey();
      if (!subject.matches("(org|client|sub|ip):.+")) {
        throw new ConfigException(
            key + "." + subject, "subject must start with org:, client:, sub: or ip:");
      }
      try {
        RateLimitPolicies.normalizeSubject(subject); // ip: an address
      } catch (IllegalArgumentException bad) {
        throw new ConfigException(key + "." + subject, bad.getMessage());
      }
      out.put(subject, Values.rateLimit(key + "." + subject, e.getValue()));
    }
    return out;
  }

  /** {@code PORTCULLIS_RATE_LIMIT}; {@code off} (the benchmark's baseline) gives {@code null}. */
  private RateLimitPolicy defaultRateLimit() {
    Object raw = raw(Setting.RATE_LIMIT);
    if (raw == null) {
      return Values.rateLimit(label(Setting.RATE_LIMIT), Defaults.RATE_LIMIT);
    }
    if (isOff(raw)) {
      return null;
    }
    return Values.rateLimit(label(Setting.RATE_LIMIT), raw);
  }

  /**
   * Whether a rate-limit value is {@code off}. YAML 1.2 reads a bare {@code off} as a string, but
   * YAML 1.1 habits write {@code false}: both mean off.
   */
  private static boolean isOff(Object raw) {
    return Boolean.FALSE.equals(raw)
        || (raw instanceof String text && text.trim().equalsIgnoreCase("off"));
  }

  private RateLimitPolicy authFailureLimit() {
    Object raw = raw(Setting.AUTH_FAILURE_LIMIT);
    String text = raw == null ? Defaults.AUTH_FAILURE_LIMIT : raw.toString().trim();
    if (text.equalsIgnoreCase("off")) {
      return null;
    }
    return Values.rateLimit(label(Setting.AUTH_FAILURE_LIMIT), text);
  }

  private Duration redisTimeout() {
    Duration d = duration(Setting.RATE_LIMIT_REDIS_TIMEOUT, Defaults.RATE_LIMIT_REDIS_TIMEOUT);
    if (d.compareTo(MAX_REDIS_TIMEOUT) > 0) {
      throw new ConfigException(
          label(Setting.RATE_LIMIT_REDIS_TIMEOUT),
          "at most 1s: a request must never wait long on a Redis that does not answer");
    }
    return d;
  }

  private GatewayConfig.Transport transport() {
    String text = string(Setting.TRANSPORT, Defaults.TRANSPORT);
    return switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "native" -> GatewayConfig.Transport.NATIVE;
      case "nio" -> GatewayConfig.Transport.NIO;
      default ->
          throw new ConfigException(
              label(Setting.TRANSPORT), "bad value '" + text + "'; expected native or nio");
    };
  }

  private FailureMode failureMode() {
    String text = string(Setting.RATE_LIMIT_ON_REDIS_FAILURE, Defaults.RATE_LIMIT_ON_REDIS_FAILURE);
    try {
      return FailureMode.valueOf(text.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(
          label(Setting.RATE_LIMIT_ON_REDIS_FAILURE),
          "bad value '" + text + "'; expected local, open or closed");
    }
  }

  private Map<String, String> adminTokens() {
    Object raw = raw(Setting.ADMIN_TOKENS);
    if (raw == null) {
      return Map.of();
    }
    String key = label(Setting.ADMIN_TOKENS);
    if (raw instanceof Map) {
      return checkedAdminTokens(key, Values.stringMap(key, raw, true));
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (String entry : Values.list(key, raw)) {
      int eq = entry.indexOf('=');
      if (eq <= 0 || eq == entry.length() - 1) {
        // Never echo the entry: it holds a secret.
        throw new ConfigException(key, "each entry must be name=secret");
      }
      String name = entry.substring(0, eq).trim();
      if (out.put(name, entry.substring(eq + 1).trim()) != null) {
        throw new ConfigException(key, "admin token name '" + name + "' appears twice");
      }
    }
    return checkedAdminTokens(key, out);
  }

  /**
   * The admin API's own rules (name syntax, secret length), checked now: a bad value stops startup.
   */
  private static Map<String, String> checkedAdminTokens(String key, Map<String, String> tokens) {
    try {
      AdminTokens.of(tokens);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(key, e.getMessage()); // names the entry, never the secret
    }
    return tokens;
  }

  /** SPEC §6: rules StateOptions enforces too, reported here with the key that is wrong. */
  private void checkState(GatewayConfig.State state) {
    String db = state.databaseUrl();
    if (db != null
        && !db.isBlank()
        && !(db.startsWith("postgresql://") || db.startsWith("postgres://"))) {
      throw new ConfigException(
          label(Setting.DATABASE_URL), "must start with postgresql:// (another scheme was given)");
    }
    if (state.maxStaleness().compareTo(state.syncInterval()) <= 0) {
      throw new ConfigException(
          label(Setting.REVOCATION_MAX_STALENESS),
          "must be longer than the revocation sync interval ("
              + state.syncInterval().toMillis()
              + "ms)");
    }
  }

  /** {@code /}, then segments each followed by {@code /}, the last one optionally not. */
  private static boolean validRoutePath(String path) {
    if (!path.startsWith("/")) {
      return false;
    }
    String[] segments = path.substring(1).split("/", -1);
    for (int i = 0; i < segments.length; i++) {
      boolean lastAndEmpty = i == segments.length - 1 && segments[i].isEmpty();
      if (!lastAndEmpty && !ROUTE_SEGMENT.matcher(segments[i]).matches()) {
        return false;
      }
    }
    return true;
  }

  private List<RouteConfig> routes(Duration defaultTimeout, boolean dev) {
    Object forwardRaw = raw(Setting.FORWARD_TOKEN);
    boolean forwardToken =
        forwardRaw == null
            ? Defaults.FORWARD_TOKEN
            : Values.bool(label(Setting.FORWARD_TOKEN), forwardRaw);
    Object raw = yaml.get(Setting.ROUTES.yamlKey());
    Object upstreamRaw = raw(Setting.UPSTREAM);
    if (raw == null) {
      if (upstreamRaw == null) {
        if (dev) {
          return List.of();
        }
        throw new ConfigException(
            Setting.UPSTREAM.env(), "required when no routes are configured (upstream base URL)");
      }
      URI upstream = Values.url(label(Setting.UPSTREAM), upstreamRaw);
      return List.of(
          new RouteConfig(
              "/", upstream, true, List.of(), defaultTimeout, null, false, forwardToken, null));
    }
    if (!(raw instanceof List<?> items)) {
      throw new ConfigException("routes", "expected a list of routes");
    }
    List<RouteConfig> out = new ArrayList<>();
    Set<String> seen = new java.util.HashSet<>();
    for (int i = 0; i < items.size(); i++) {
      String at = "routes[" + i + "]";
      if (!(items.get(i) instanceof Map<?, ?> m)) {
        throw new ConfigException(at, "expected a map with path and upstream");
      }
      for (Object k : m.keySet()) {
        if (!ROUTE_KEYS.contains(String.valueOf(k))) {
          throw new ConfigException(at + "." + k, "unknown key");
        }
      }
      Object pathRaw = m.get("path");
      if (pathRaw == null) {
        throw new ConfigException(at + ".path", "required");
      }
      String path = Values.string(at + ".path", pathRaw);
      if (!validRoutePath(path)) {
        throw new ConfigException(
            at + ".path",
            "bad path '" + path + "'; expected a prefix starting with /, e.g. /orgs/{org}/");
      }
      if (path.indexOf("{org}") != path.lastIndexOf("{org}")) {
        throw new ConfigException(
            at + ".path", "bad path '" + path + "'; {org} may appear at most once");
      }
      if (path.startsWith(Defaults.RESERVED_PREFIX)) {
        throw new ConfigException(at + ".path", "paths under /_portcullis/ are reserved");
      }
      if (!seen.add(path)) {
        throw new ConfigException(at + ".path", "duplicate path '" + path + "'");
      }
      Object up = m.get("upstream");
      if (up == null) {
        throw new ConfigException(at + ".upstream", "required");
      }
      URI upstream = Values.url(at + ".upstream", up);
      boolean authRequired = true;
      if (m.get("auth") != null) {
        String a = Values.string(at + ".auth", m.get("auth")).toLowerCase(Locale.ROOT);
        authRequired =
            switch (a) {
              case "required" -> true;
              case "none" -> false;
              default ->
                  throw new ConfigException(
                      at + ".auth", "bad value '" + a + "'; expected required or none");
            };
      }
      List<String> scopes =
          m.get("scopes") == null ? List.of() : Values.list(at + ".scopes", m.get("scopes"));
      if (!authRequired && !scopes.isEmpty()) {
        throw new ConfigException(at + ".scopes", "a route with auth: none cannot require scopes");
      }
      if (!authRequired && path.contains("{org}")) {
        throw new ConfigException(at + ".path", "{org} needs auth: required");
      }
      Duration timeout =
          m.get("timeout") == null
              ? defaultTimeout
              : Values.duration(at + ".timeout", m.get("timeout"), false);
      Object rlRaw = m.get("rate_limit");
      boolean rlOff = rlRaw != null && isOff(rlRaw);
      RateLimitPolicy rl =
          rlRaw == null || rlOff ? null : Values.rateLimit(at + ".rate_limit", rlRaw);
      boolean forward =
          m.get("forward_token") == null
              ? forwardToken
              : Values.bool(at + ".forward_token", m.get("forward_token"));
      Long maxBody =
          m.get("max_body_size") == null
              ? null
              : Values.size(at + ".max_body_size", m.get("max_body_size"));
      out.add(
          new RouteConfig(
              path, upstream, authRequired, scopes, timeout, rl, rlOff, forward, maxBody));
    }
    if (out.isEmpty()) {
      throw new ConfigException("routes", "must list at least one route");
    }
    return out;
  }
}
