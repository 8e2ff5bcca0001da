package io.portcullis.gateway;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.portcullis.gateway.admin.AdminApi;
import io.portcullis.gateway.admin.AdminTokens;
import io.portcullis.gateway.admin.ConfiguredLimits;
import io.portcullis.gateway.config.GatewayConfig;
import io.portcullis.gateway.config.KeysetWiring;
import io.portcullis.gateway.config.RouteConfig;
import io.portcullis.gateway.health.AdminServer;
import io.portcullis.gateway.health.KeySetReadiness;
import io.portcullis.gateway.health.Readiness;
import io.portcullis.gateway.health.ReadinessCheck;
import io.portcullis.gateway.lifecycle.StartupFailure;
import io.portcullis.gateway.metrics.GatewayMetrics;
import io.portcullis.gateway.pipeline.AuthFailureGate;
import io.portcullis.gateway.pipeline.IdentityHeaders;
import io.portcullis.gateway.pipeline.Pipeline;
import io.portcullis.gateway.pipeline.RevocationCheck;
import io.portcullis.gateway.pipeline.RouteSwitch;
import io.portcullis.gateway.pipeline.RouteTable;
import io.portcullis.gateway.proxy.ProxyVerticle;
import io.portcullis.gateway.proxy.TlsCertificates;
import io.portcullis.gateway.state.Snapshot;
import io.portcullis.gateway.state.StateOptions;
import io.portcullis.gateway.state.StateService;
import io.portcullis.keyset.KeySet;
import io.portcullis.keyset.TokenValidator;
import io.portcullis.ratelimit.AuthFailureBudget;
import io.portcullis.ratelimit.RateLimitPolicies;
import io.portcullis.ratelimit.RateLimitPolicy;
import io.portcullis.ratelimit.RateLimiter;
import io.portcullis.ratelimit.RateLimiterOptions;
import io.portcullis.ratelimit.RedisRateLimiterOptions;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.ext.web.Router;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Portcullis instance: owns startup (keyset, proxy verticles on every event loop, the
 * admin listener) and shutdown (drain, then close). Built by {@link Main} from the configuration,
 * and by tests in-process with a config object and a {@link Clock}.
 *
 * <p>By default the durable state (SPEC §6) is wired from the config: a {@link StateService}
 * (PostgreSQL with {@code DATABASE_URL}, else the embedded journal under {@code
 * PORTCULLIS_DATA_DIR}) supplies step 5's revocation check, the {@code revocations} part of {@code
 * /readyz}, kid revocations to the token cache and admin rate-limit overrides to the policies; the
 * {@link AdminApi} is mounted at {@code /admin/v1}; the state closes on shutdown.
 *
 * <p>Seams, all optional on the {@link Builder}: {@link Builder#revocationCheck} (step 5 from the
 * caller instead of the state service: then there is no state service and no default admin API),
 * {@link Builder#stateOptions} (instead of the config's), {@link Builder#rateLimiter} (step 7's
 * limiter; default in-process or Redis from the config), {@link Builder#readinessCheck} (more parts
 * of {@code /readyz}), {@link Builder#adminApi} (the router mounted at {@code /admin/v1} on the
 * admin listener instead of the {@link AdminApi}).
 */
public final class Gateway {
  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

  private final Builder b;
  private final Vertx vertx;
  private final boolean ownsVertx;
  private final PrometheusMeterRegistry registry;
  private final Readiness readiness = new Readiness();
  private final List<String> deployments = new ArrayList<>();
  private KeySet keySet;
  private TokenValidator validator;
  private AdminServer admin;
  private int proxyPort;
  private JvmGcMetrics gcMetrics;
  private RateLimiter rateLimiter;
  private RateLimiter authFailureLimiter;
  private RateLimitPolicies rateLimitPolicies;
  private StateService state;
  private final List<ProxyVerticle> proxies = new CopyOnWriteArrayList<>();
  private TlsCertificates tls;

  private Gateway(Builder b) {
    this.b = b;
    this.ownsVertx = b.vertx == null;
    this.vertx = ownsVertx ? Vertx.vertx(vertxOptions(b.config)) : b.vertx;
    this.registry =
        b.registry != null ? b.registry : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  }

  /**
   * The Vert.x instance a gateway runs on: one event loop per {@code PORTCULLIS_EVENT_LOOPS}, on
   * Netty's epoll transport unless {@code PORTCULLIS_TRANSPORT=nio} (Vert.x falls back to java.nio
   * where epoll is unavailable; {@link #transportInUse} says which one runs).
   */
  public static VertxOptions vertxOptions(GatewayConfig config) {
    return new VertxOptions()
        .setEventLoopPoolSize(config.server().eventLoops())
        .setPreferNativeTransport(config.server().transport() == GatewayConfig.Transport.NATIVE);
  }

  /**
   * {@code epoll} (or another native transport) or {@code nio}: what the event loops of {@code
   * vertx} run on. Logged at startup; a requested native transport that did not load is a warning
   * with the reason.
   */
  public static String transportInUse(Vertx vertx) {
    return vertx.isNativeTransportEnabled() ? nativeName() : "nio";
  }

  private static String nativeName() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    return os.contains("linux") ? "epoll" : os.contains("mac") ? "kqueue" : "native";
  }

  public static Builder builder(GatewayConfig config) {
    return new Builder(config);
  }

  /**
   * Starts the keyset, then the proxy listener on every event loop, then the admin listener. Fails
   * (and releases what started) when a port cannot be bound.
   */
  public Future<Gateway> start() {
    GatewayConfig config = b.config;
    if (b.registry == null) {
      bindJvmMetrics();
    }
    keySet =
        b.keySet != null
            ? b.keySet
            : KeySet.create(vertx, KeysetWiring.keySetOptions(config), b.clock, registry);
    validator =
        b.validator != null
            ? b.validator
            : TokenValidator.create(
                keySet, KeysetWiring.validatorOptions(config), b.clock, registry);
    readiness.add(new KeySetReadiness(keySet));
    rateLimitPolicies = policies(config);
    rateLimiter = b.rateLimiter != null ? b.rateLimiter : limiter(config);
    RateLimiter limiter = rateLimiter;
    readiness.add(
        new ReadinessCheck() {
          @Override
          public String name() {
            return "ratelimit";
          }

          @Override
          public Status status() {
            return limiter.ready()
                ? Status.up(limiter.backendHealthy() ? "backend healthy" : "backend degraded")
                : Status.down("rate-limit backend unreachable under closed");
          }
        });
    b.readinessChecks.forEach(readiness::add);
    // The auth-failure budget has its own in-process limiter: checked before any signature work,
    // it must cost no network round trip, and forged tokens must not touch the tenants' buckets.
    authFailureLimiter = RateLimiter.inProcess(RateLimiterOptions.defaults(), b.clock, registry);
    RateLimitPolicy failureLimit = config.rateLimits().authFailureLimit();
    AuthFailureBudget budget =
        failureLimit == null ? null : AuthFailureBudget.parse(failureLimit.toString()).orElse(null);

    RevocationCheck revocationCheck = b.revocationCheck;
    if (revocationCheck == null) {
      state =
          StateService.create(
              vertx,
              b.stateOptions != null ? b.stateOptions : StateOptions.from(config),
              b.clock,
              registry);
      revocationCheck = wireState(config);
    }

    Pipeline.Parts parts =
        new Pipeline.Parts(
            config,
            new RouteTable(config.routes()),
            state != null ? state.routeSwitch() : RouteSwitch.NONE,
            new IdentityHeaders(config.upstream().extraIdentityHeaders()),
            validator,
            revocationCheck,
            rateLimiter,
            new AuthFailureGate(authFailureLimiter, budget, b.clock),
            rateLimitPolicies,
            new GatewayMetrics(registry));
    Router adminApi = b.adminApi != null ? b.adminApi.apply(this) : defaultAdminApi(config);
    admin = new AdminServer(vertx, readiness, registry, adminApi);

    // Each step names itself when it fails: Main prints "startup failed: <part>: <why>".
    return keySet
        .start()
        .recover(e -> failed("keys", e))
        .compose(v -> startState().recover(e -> failed("state", e)))
        .compose(v -> deployProxy(parts))
        .compose(
            v ->
                admin
                    .listen(config.listeners().adminHost(), config.listeners().adminPort())
                    .recover(
                        e ->
                            failed(
                                "admin listener",
                                config.listeners().adminHost()
                                    + ":"
                                    + config.listeners().adminPort(),
                                e)))
        .map(
            s -> {
              // A stable line: tests and operators parse the chosen ports from it.
              LOG.info(
                  "portcullis listening proxy_port={} admin_port={}",
                  proxyPort,
                  admin.actualPort());
              logTransport(config);
              return this;
            })
        .recover(err -> stop().transform(ignored -> Future.failedFuture(err)));
  }

  private void logTransport(GatewayConfig config) {
    String inUse = transportInUse(vertx);
    Throwable cause = vertx.unavailableNativeTransportCause();
    int loops = config.server().eventLoops();
    if (nativeMissing(config.server().transport(), inUse, cause)) {
      LOG.warn(
          "transport={} event_loops={}: the native transport is unavailable here ({}); running on"
              + " java.nio",
          inUse,
          loops,
          rootCause(cause).toString());
    } else {
      LOG.info("transport={} event_loops={}", inUse, loops);
    }
  }

  /** The innermost cause: Netty's loader wraps the reason (no library, no writable dir) deeply. */
  private static Throwable rootCause(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root;
  }

  /**
   * Whether a native transport was asked for and did not load. Vert.x reports a cause only when it
   * tried; a Vert.x told to use java.nio (by {@code PORTCULLIS_TRANSPORT=nio}, or an embedding
   * application's own instance) has none, and that is no warning.
   */
  static boolean nativeMissing(GatewayConfig.Transport requested, String inUse, Throwable cause) {
    return requested == GatewayConfig.Transport.NATIVE && "nio".equals(inUse) && cause != null;
  }

  /**
   * Step 5, {@code /readyz} and the runtime listeners of the state service. Overrides: the admin
   * API's (in the store) win over {@code RL_OVERRIDES_JSON}'s for the same subject; removing an
   * admin override brings the configured one back.
   */
  private RevocationCheck wireState(GatewayConfig config) {
    readiness.add(state.readiness());
    TokenValidator v = validator;
    state.onKidRevoked(v::invalidateKid);
    String currentKid = keySet.health().currentKid();
    if (currentKid != null) {
      // "is the kid the issuer signs with revoked here?": every new token refused while the
      // keyset still counts the key as present (PortcullisCurrentKidRevoked)
      Snapshot snapshot = state.snapshot();
      Gauge.builder(
              "portcullis.keyset.current.kid.revoked",
              snapshot,
              s -> s.kidRevoked(currentKid) ? 1 : 0)
          .description("1 when JWT_KEY_ID_CURRENT has been revoked through the admin API")
          .register(registry);
    }
    Map<String, RateLimitPolicy> configured = new HashMap<>();
    config
        .rateLimits()
        .overrides()
        .forEach((k, p) -> configured.put(RateLimitPolicies.normalizeSubject(k), p));
    RateLimitPolicies policies = rateLimitPolicies;
    state.onOverridesChanged(
        admin -> {
          Map<String, RateLimitPolicy> merged = new HashMap<>(configured);
          admin.forEach(
              (k, p) -> {
                // one unusable stored subject (written before the admin API validated them)
                // must not stop every other override from applying
                try {
                  merged.put(RateLimitPolicies.normalizeSubject(k), p);
                } catch (IllegalArgumentException e) {
                  LOG.warn("ignoring stored rate-limit override {}: {}", k, e.getMessage());
                }
              });
          policies.replaceOverrides(merged);
        });
    return state.revocationCheck();
  }

  private Router defaultAdminApi(GatewayConfig config) {
    if (state == null) {
      return null;
    }
    return AdminApi.create(
        vertx,
        state,
        keySet,
        AdminTokens.of(config.state().adminTokens()),
        b.clock,
        new ConfiguredLimits(config.rateLimits().defaultPolicy(), config.rateLimits().overrides()),
        config.routes(),
        registry);
  }

  /**
   * Starts the state service. The embedded store is local: its journal is opened here, so a held
   * lock or a damaged journal fails startup, and start completes after the initial load. With
   * PostgreSQL the instance starts without waiting: until the first full load {@code /readyz} is
   * 503 and authenticated requests are 503 {@code auth_unavailable}, while the service retries.
   */
  private Future<Void> startState() {
    if (state == null) {
      return Future.succeededFuture();
    }
    if (!state.options().embedded()) {
      return state.start();
    }
    return state.store().start().compose(v -> state.start()).compose(v -> state.loaded());
  }

  /**
   * One proxy verticle per event loop on the same port: Vert.x shares the listening socket. Port 0
   * becomes -1, Vert.x's "one random port shared by every server asking for -1"; with plain 0 each
   * instance would bind a different port.
   */
  private Future<Void> deployProxy(Pipeline.Parts parts) {
    GatewayConfig.Tls tlsConfig = b.config.listeners().proxyTls();
    if (tlsConfig == null) {
      return deployProxy(parts, null);
    }
    tls = new TlsCertificates(vertx, tlsConfig);
    return tls.load()
        .recover(e -> failed("tls", e))
        .compose(certificate -> deployProxy(parts, certificate))
        // Rotated files reach every instance's listener; new handshakes use them at once.
        .onSuccess(
            v ->
                tls.watch(
                    certificate ->
                        Future.all(proxies.stream().map(p -> p.updateTls(certificate)).toList())));
  }

  private Future<Void> deployProxy(Pipeline.Parts parts, PemKeyCertOptions certificate) {
    int instances = b.instances > 0 ? b.instances : b.config.server().eventLoops();
    int configured = b.config.listeners().proxyPort();
    int port = configured == 0 ? -1 : configured;
    AtomicInteger connections = new AtomicInteger();
    // What PORTCULLIS_MAX_CONNECTIONS is compared against: worth a graph before it is reached.
    Gauge.builder("portcullis.proxy.connections", connections, AtomicInteger::get)
        .description("Open client connections on the proxy listener, all event loops")
        .register(registry);
    return vertx
        .deployVerticle(
            () -> {
              ProxyVerticle v = new ProxyVerticle(parts, connections, "0.0.0.0", port, certificate);
              proxies.add(v);
              return v;
            },
            new DeploymentOptions().setInstances(instances))
        .recover(e -> failed("proxy listener", "0.0.0.0:" + configured, e))
        .map(
            id -> {
              deployments.add(id);
              proxyPort = proxies.get(0).actualPort();
              return null;
            });
  }

  private static <T> Future<T> failed(String part, Throwable e) {
    return Future.failedFuture(
        e instanceof StartupFailure ? e : new StartupFailure(part, StartupFailure.reason(e), e));
  }

  private static <T> Future<T> failed(String part, String address, Throwable e) {
    return Future.failedFuture(
        new StartupFailure(
            part, "cannot listen on " + address + " (" + StartupFailure.reason(e) + ")", e));
  }

  /**
   * Graceful shutdown: readiness turns 503 at once, traffic is still served for the drain delay,
   * then the listeners close (in-flight requests get up to the shutdown timeout) and the keyset
   * stops.
   */
  public Future<Void> shutdown() {
    readiness.startDraining();
    LOG.info("draining for {}", b.config.server().drainDelay());
    long delay = Math.max(1, b.config.server().drainDelay().toMillis());
    return vertx
        .timer(delay)
        .compose(v -> stop())
        .timeout(
            b.config.server().drainDelay().plus(b.config.server().shutdownTimeout()).toMillis(),
            TimeUnit.MILLISECONDS);
  }

  /** Closes everything now, without draining. */
  public Future<Void> stop() {
    List<Future<?>> closing = new ArrayList<>();
    for (String id : deployments) {
      closing.add(vertx.undeploy(id));
    }
    deployments.clear();
    if (tls != null) {
      tls.close();
    }
    if (admin != null) {
      // Graceful too: an admin mutation in flight is acknowledged only once durably stored.
      closing.add(admin.close(b.config.server().shutdownTimeout()));
    }
    return Future.join(closing)
        .transform(ar -> state == null ? Future.succeededFuture() : state.close())
        .transform(ar -> keySet == null ? Future.succeededFuture() : keySet.close())
        .transform(ar -> rateLimiter == null ? Future.succeededFuture() : rateLimiter.close())
        .transform(
            ar ->
                authFailureLimiter == null ? Future.succeededFuture() : authFailureLimiter.close())
        .transform(
            ar -> {
              if (gcMetrics != null) {
                gcMetrics.close();
              }
              return ownsVertx ? vertx.close() : Future.<Void>succeededFuture();
            });
  }

  private static RateLimitPolicies policies(GatewayConfig config) {
    Map<String, RateLimitPolicy> routePolicies = new HashMap<>();
    Set<String> routesOff = new HashSet<>();
    for (RouteConfig r : config.routes()) {
      if (r.rateLimit() != null) {
        routePolicies.put(r.path(), r.rateLimit());
      }
      if (r.rateLimitOff()) {
        routesOff.add(r.path());
      }
    }
    // A null default (PORTCULLIS_RATE_LIMIT=off) and off routes are "no limit" in the precedence:
    // overrides still apply there, so on-call can clamp one tenant even with limiting off.
    return RateLimitPolicies.create(
        config.rateLimits().defaultPolicy(),
        routePolicies,
        routesOff,
        config.rateLimits().overrides());
  }

  /** Redis-backed across instances when {@code REDIS_URL} is set, else in-process. */
  private RateLimiter limiter(GatewayConfig config) {
    String url = config.rateLimits().redisUrl();
    if (url == null) {
      return RateLimiter.inProcess(RateLimiterOptions.defaults(), b.clock, registry);
    }
    return RateLimiter.redis(
        vertx,
        RedisRateLimiterOptions.of(url)
            .withFailureMode(config.rateLimits().onRedisFailure())
            .withCallTimeout(config.rateLimits().redisTimeout()),
        b.clock,
        registry);
  }

  private void bindJvmMetrics() {
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    gcMetrics = new JvmGcMetrics();
    gcMetrics.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
  }

  public int proxyPort() {
    return proxyPort;
  }

  public int adminPort() {
    return admin.actualPort();
  }

  public Vertx vertx() {
    return vertx;
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public KeySet keySet() {
    return keySet;
  }

  public TokenValidator validator() {
    return validator;
  }

  /**
   * The live rate-limit policies: the admin API sets and removes overrides here at runtime ({@code
   * setOverride}, {@code removeOverride}, {@code replaceOverrides}).
   */
  public RateLimitPolicies rateLimitPolicies() {
    return rateLimitPolicies;
  }

  public RateLimiter rateLimiter() {
    return rateLimiter;
  }

  /** The durable state, or {@code null} when the builder was given its own revocation check. */
  public StateService state() {
    return state;
  }

  public Readiness readiness() {
    return readiness;
  }

  public GatewayConfig config() {
    return b.config;
  }

  /** Everything a {@link Gateway} needs; only the config is required. */
  public static final class Builder {
    private final GatewayConfig config;
    private Vertx vertx;
    private Clock clock = Clock.systemUTC();
    private PrometheusMeterRegistry registry;
    private KeySet keySet;
    private TokenValidator validator;
    private RevocationCheck revocationCheck;
    private StateOptions stateOptions;
    private RateLimiter rateLimiter;
    private final List<ReadinessCheck> readinessChecks = new ArrayList<>();
    private Function<Gateway, Router> adminApi;
    private int instances;

    private Builder(GatewayConfig config) {
      this.config = Objects.requireNonNull(config, "config");
    }

    /** Run on this Vert.x (not closed by the gateway); default: the gateway creates its own. */
    public Builder vertx(Vertx vertx) {
      this.vertx = vertx;
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock);
      return this;
    }

    /** Share a registry (e.g. with the state module's metrics); default: a new one. */
    public Builder registry(PrometheusMeterRegistry registry) {
      this.registry = registry;
      return this;
    }

    /** Use this keyset instead of building one from the config (the gateway starts/closes it). */
    public Builder keySet(KeySet keySet) {
      this.keySet = keySet;
      return this;
    }

    /** Use this validator instead of building one over the keyset. */
    public Builder tokenValidator(TokenValidator validator) {
      this.validator = validator;
      return this;
    }

    /**
     * Step 5 from the caller (pipeline tests); default: the state service's snapshot. Setting it
     * means no state service: no store, no {@code revocations} readiness, no default admin API.
     */
    public Builder revocationCheck(RevocationCheck check) {
      this.revocationCheck = Objects.requireNonNull(check);
      return this;
    }

    /** The state service's options instead of the config's (tests: a private pub/sub channel). */
    public Builder stateOptions(StateOptions options) {
      this.stateOptions = Objects.requireNonNull(options);
      return this;
    }

    /**
     * Step 7's limiter; default: Redis when {@code REDIS_URL} is set, else in-process. (The
     * auth-failure budget always has its own in-process limiter.) The gateway closes it.
     */
    public Builder rateLimiter(RateLimiter limiter) {
      this.rateLimiter = limiter;
      return this;
    }

    /** One more part of {@code /readyz} (revocation sync, Redis under closed, ...). */
    public Builder readinessCheck(ReadinessCheck check) {
      readinessChecks.add(Objects.requireNonNull(check));
      return this;
    }

    /**
     * The admin API, mounted at {@code /admin/v1} on the admin listener. Called during {@link
     * Gateway#start()} once the keyset, validator and rate-limit policies exist, so the router can
     * use {@link Gateway#vertx()}, {@link Gateway#keySet()}, {@link Gateway#validator()} and {@link
     * Gateway#rateLimitPolicies()}.
     */
    public Builder adminApi(Function<Gateway, Router> adminApi) {
      this.adminApi = adminApi;
      return this;
    }

    /** Proxy verticle instances; default one per event loop. */
    public Builder instances(int instances) {
      this.instances = instances;
      return this;
    }

    public Gateway build() {
      return new Gateway(this);
    }
  }
}
