package io.portcullis.gateway.admin;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.portcullis.gateway.config.Defaults;
import io.portcullis.gateway.config.RouteConfig;
import io.portcullis.gateway.http.ErrorCode;
import io.portcullis.gateway.http.FailureResponder;
import io.portcullis.gateway.http.GatewayFailure;
import io.portcullis.gateway.http.Ids;
import io.portcullis.gateway.pipeline.RouteTable;
import io.portcullis.gateway.state.AuditEvent;
import io.portcullis.gateway.state.AuditQuery;
import io.portcullis.gateway.state.AuditStream;
import io.portcullis.gateway.state.Snapshot;
import io.portcullis.gateway.state.StateEntry;
import io.portcullis.gateway.state.StateEntry.Kind;
import io.portcullis.gateway.state.StateService;
import io.portcullis.gateway.state.StoreUnavailableException;
import io.portcullis.keyset.KeyInfo;
import io.portcullis.keyset.KeySet;
import io.portcullis.keyset.KeySetHealth;
import io.portcullis.keyset.SourceStatus;
import io.portcullis.ratelimit.RateLimitPolicies;
import io.portcullis.ratelimit.RateLimitPolicy;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API of SPEC §5 as a Vert.x {@link Router}, to mount at {@code /admin/v1} on the admin
 * listener: {@code adminRouter.route("/admin/v1/*").subRouter(AdminApi.create(...))}.
 *
 * <p>Every call is authenticated with a bearer admin secret ({@link AdminTokens}), and writes
 * exactly one audit event: mutations in the same durable write as their change (the answer waits
 * for it, 503 when the store cannot write), reads and refused calls on their own (a failure to
 * audit a read is logged, the read still answers). Failed authentications are audited as {@code
 * admin.auth_failed}; past {@link Defaults#ADMIN_AUTH_FAILURES_PER_MINUTE} a minute from one
 * address, that address gets 429 for the rest of the minute. While an address is in that 429
 * window, only its first refused call is audited (outcome {@code rate_limited}); the others are
 * counted in {@code portcullis_admin_auth_failures_suppressed_total}, so a flood costs no fsync per
 * request. The source address is the TCP peer: the admin listener is meant to be reached directly,
 * not through a proxy.
 */
public final class AdminApi {
  private static final Logger LOG = LoggerFactory.getLogger(AdminApi.class);
  private static final Pattern IDENT = Pattern.compile("[^\\p{Cntrl}\\s]{1,256}");

  /** An action ({@code tenant.suspended}) or an action family ({@code tenant.*}). */
  private static final Pattern ACTION_FILTER =
      Pattern.compile("[a-z_]{1,32}(\\.[a-z_]{1,32})?|[a-z_]{1,32}\\.\\*");

  /**
   * Every action this API writes, for the export's {@code action} filter: a typo there would answer
   * an empty export, which reads as "it never happened". {@link #call} refuses an action missing
   * here, so the list cannot fall behind the routes.
   */
  static final Set<String> ACTIONS =
      Set.of(
          "admin.auth_failed",
          "admin.unknown_route",
          "admins.listed",
          "audit.exported",
          "key.restored",
          "key.revoked",
          "keys.listed",
          "keys.refreshed",
          "ratelimit.override_removed",
          "ratelimit.override_set",
          "ratelimit.override_viewed",
          "revocations.listed",
          "route.disabled",
          "route.enabled",
          "routes.listed",
          "sessions.revoked",
          "tenant.resumed",
          "tenant.suspended",
          "tenant.viewed",
          "tenants.listed",
          "token.revoked");

  private static final Set<String> AUDIT_PARAMS =
      Set.of("from", "to", "action", "org", "actor", "format");
  private static final Pattern SUBJECT = Pattern.compile("(org|client|sub|ip):(.+)");

  /** Compact JWS/JWE shapes: a token pasted into a free-text field never reaches the audit. */
  private static final Pattern TOKEN_SHAPED =
      Pattern.compile("eyJ[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]*\\.[A-Za-z0-9_.-]*");

  private static final int MAX_REASON = 1024;
  private static final Duration MAX_EXP_AHEAD = Duration.ofDays(3653);
  private static final int RECENT_EVENTS = 20;
  private static final int DEFAULT_LIST_LIMIT = 1000;
  private static final int MAX_LIST_LIMIT = 10_000;
  private static final long BODY_LIMIT = 64 * 1024;
  private static final int EXPORT_CHUNK = 16 * 1024;
  private static final String ACTOR = "portcullis.admin.actor";
  private static final String REQUEST_ID_KEY = "portcullis.admin.request_id";
  private static final String ANONYMOUS = "anonymous";
  private static final String ACTION_KEY = "portcullis.admin.action";

  private final StateService state;
  private final KeySet keySet;
  private final AdminTokens tokens;
  private final Clock clock;
  private final AuthFailureLimiter limiter;
  private final ConfiguredLimits configuredLimits;

  /** Each admin name's last authenticated call on this instance (access reviews). */
  private final Map<String, Instant> lastCall = new ConcurrentHashMap<>();

  /** Every endpoint {@link #router} registers, for the 405 answer to a known path. */
  private final List<Endpoint> endpoints = new ArrayList<>();

  private final List<RouteConfig> routes;
  private final Counter suppressed;

  private AdminApi(
      StateService state,
      KeySet keySet,
      AdminTokens tokens,
      Clock clock,
      ConfiguredLimits configuredLimits,
      List<RouteConfig> routes,
      MeterRegistry registry) {
    this.routes = RouteTable.matchingOrder(routes);
    this.suppressed =
        Counter.builder("portcullis.admin.auth.failures.suppressed")
            .description(
                "Admin calls refused 429 whose audit event was not written: one rate_limited event"
                    + " per source address per window is")
            .register(registry);
    this.state = state;
    this.configuredLimits = configuredLimits;
    this.keySet = keySet;
    this.tokens = tokens;
    this.clock = clock;
    this.limiter = new AuthFailureLimiter(clock, Defaults.ADMIN_AUTH_FAILURES_PER_MINUTE);
  }

  /**
   * The admin routes. Kid revocations reach the token cache through {@link
   * StateService#onKidRevoked}, on every instance, not through this router.
   */
  public static Router create(
      Vertx vertx, StateService state, KeySet keySet, AdminTokens tokens, Clock clock) {
    return create(vertx, state, keySet, tokens, clock, null);
  }

  /**
   * As {@link #create(Vertx, StateService, KeySet, AdminTokens, Clock)}, with the configured
   * per-tenant default ({@code PORTCULLIS_RATE_LIMIT}) shown by {@code GET /tenants/{org}} when the
   * tenant has no admin override; {@code null} shows none.
   */
  public static Router create(
      Vertx vertx,
      StateService state,
      KeySet keySet,
      AdminTokens tokens,
      Clock clock,
      RateLimitPolicy defaultTenantLimit) {
    return create(
        vertx,
        state,
        keySet,
        tokens,
        clock,
        ConfiguredLimits.defaultOnly(defaultTenantLimit),
        List.of(),
        new SimpleMeterRegistry());
  }

  /**
   * As above, with every configured limit ({@code PORTCULLIS_RATE_LIMIT} and {@code
   * RL_OVERRIDES_JSON}) so {@code GET /tenants/{org}} names the source of the effective limit, the
   * configured routes, which {@code /routes} lists and switches off and on (a path that is not one
   * of them is 404), and counting in {@code registry} the refused calls whose audit event was
   * suppressed ({@code portcullis_admin_auth_failures_suppressed_total}).
   */
  public static Router create(
      Vertx vertx,
      StateService state,
      KeySet keySet,
      AdminTokens tokens,
      Clock clock,
      ConfiguredLimits configuredLimits,
      List<RouteConfig> routes,
      MeterRegistry registry) {
    return new AdminApi(state, keySet, tokens, clock, configuredLimits, routes, registry)
        .router(vertx);
  }

  private Router router(Vertx vertx) {
    Router r = Router.router(vertx);
    // curl -d declares form-urlencoded: vertx-web would decode such a body as a form and refuse
    // it past the server's form attribute bound before the JSON is read. Bodies here are JSON
    // whatever their declared type.
    r.route()
        .handler(
            ctx -> {
              String type = ctx.request().getHeader("Content-Type");
              if (type != null
                  && (type.startsWith("application/x-www-form-urlencoded")
                      || type.startsWith("multipart/"))) {
                ctx.request().headers().set("Content-Type", "application/json");
              }
              ctx.next();
            });
    r.route().handler(BodyHandler.create(false).setBodyLimit(BODY_LIMIT));
    r.route().handler(this::authenticate);
    on(r, HttpMethod.GET, "/keys", "keys.listed", this::listKeys);
    on(r, HttpMethod.POST, "/keys/refresh", "keys.refreshed", this::refreshKeys);
    on(r, HttpMethod.POST, "/keys/:kid/revoke", "key.revoked", this::revokeKid);
    on(r, HttpMethod.POST, "/keys/:kid/restore", "key.restored", this::restoreKid);
    on(r, HttpMethod.POST, "/revocations", "sessions.revoked", this::revoke);
    on(r, HttpMethod.GET, "/revocations", "revocations.listed", this::listRevocations);
    on(r, HttpMethod.POST, "/tenants/:org/suspend", "tenant.suspended", ctx -> suspend(ctx, true));
    on(r, HttpMethod.POST, "/tenants/:org/resume", "tenant.resumed", ctx -> suspend(ctx, false));
    on(r, HttpMethod.GET, "/tenants", "tenants.listed", this::listTenants);
    on(r, HttpMethod.GET, "/tenants/:org", "tenant.viewed", this::viewTenant);
    on(r, HttpMethod.GET, "/routes", "routes.listed", this::listRoutes);
    on(r, HttpMethod.POST, "/routes/disable", "route.disabled", ctx -> switchRoute(ctx, true));
    on(r, HttpMethod.POST, "/routes/enable", "route.enabled", ctx -> switchRoute(ctx, false));
    on(r, HttpMethod.GET, "/rate-limits", "ratelimit.override_viewed", this::listOverrides);
    on(r, HttpMethod.GET, "/rate-limits/:subject", "ratelimit.override_viewed", this::getOverride);
    on(r, HttpMethod.PUT, "/rate-limits/:subject", "ratelimit.override_set", this::setOverride);
    on(
        r,
        HttpMethod.DELETE,
        "/rate-limits/:subject",
        "ratelimit.override_removed",
        this::removeOverride);
    on(r, HttpMethod.GET, "/audit", "audit.exported", this::exportAudit);
    on(r, HttpMethod.GET, "/admins", "admins.listed", this::listAdmins);
    r.route()
        .handler(
            call(
                "admin.unknown_route",
                ctx -> {
                  // a known path with another method: 405 and what it takes, as HTTP says
                  String path = ctx.normalizedPath().substring(ctx.mountPoint().length() - 1);
                  List<String> allowed =
                      endpoints.stream()
                          .filter(e -> e.path().matcher(path).matches())
                          .map(e -> e.method().name())
                          .distinct()
                          .toList();
                  if (!allowed.isEmpty()) {
                    ctx.response().putHeader("Allow", String.join(", ", allowed));
                    throw GatewayFailure.of(
                        ErrorCode.METHOD_NOT_ALLOWED,
                        ctx.request().method().name()
                            + " is not allowed here; allowed: "
                            + String.join(", ", allowed));
                  }
                  throw GatewayFailure.of(ErrorCode.NOT_FOUND, "no admin endpoint here");
                }));
    r.route().failureHandler(this::failure);
    return r;
  }

  // ---- authentication -------------------------------------------------------------------------

  private void authenticate(RoutingContext ctx) {
    String source = source(ctx);
    String requestId = requestId(ctx);
    ctx.response().putHeader("X-Request-Id", requestId);
    String target = ctx.request().method().name() + " " + truncate(ctx.normalizedPath(), 256);
    if (limiter.blocked(source)) {
      GatewayFailure f =
          GatewayFailure.retryable(
              ErrorCode.RATE_LIMITED,
              "too many failed admin authentications from this address; try again next minute",
              Duration.ofSeconds(limiter.secondsLeft()));
      if (limiter.firstRefusal(source)) {
        auditThenFail(
            ctx, event(ctx, ANONYMOUS, "admin.auth_failed", target, null, null, "rate_limited"), f);
      } else {
        // The window's one rate_limited event is stored; the rest are counted, not written.
        suppressed.increment();
        ctx.fail(f);
      }
      return;
    }
    String actor = tokens.authenticate(bearer(ctx));
    if (actor == null) {
      limiter.recordFailure(source);
      String message =
          tokens.isEmpty()
              ? "the admin API is disabled: no PORTCULLIS_ADMIN_TOKENS configured"
              : "a valid admin bearer secret is required";
      auditThenFail(
          ctx,
          event(ctx, ANONYMOUS, "admin.auth_failed", target, null, null, "denied"),
          GatewayFailure.of(ErrorCode.UNAUTHORIZED, message));
      return;
    }
    ctx.put(ACTOR, actor);
    lastCall.put(actor, clock.instant());
    ctx.next();
  }

  private static String bearer(RoutingContext ctx) {
    List<String> values = ctx.request().headers().getAll("Authorization");
    if (values.size() != 1) {
      return null;
    }
    String v = values.get(0);
    if (v.length() < 8 || !v.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String secret = v.substring(7).trim();
    return secret.isEmpty() ? null : secret;
  }

  // ---- keys -----------------------------------------------------------------------------------

  private void listKeys(RoutingContext ctx) {
    onlyParams(ctx, Set.of());
    Snapshot snapshot = state.snapshot();
    JsonArray keys = new JsonArray();
    for (KeyInfo k : keySet.keys()) {
      keys.add(
          new JsonObject()
              .put("kid", k.kid())
              .put("alg", k.algorithm())
              .put("source", k.source())
              .put("state", snapshot.kidRevoked(k.kid()) ? "revoked" : k.state())
              .put("first_seen", str(k.firstSeen()))
              .put("last_seen", str(k.lastSeen())));
    }
    JsonArray sources = sourcesJson();
    JsonArray revoked = new JsonArray();
    snapshot.entries(Kind.KID).values().stream()
        .filter(StateEntry::active)
        .sorted(Comparator.comparingLong(StateEntry::revision))
        .forEach(e -> revoked.add(entryJson(e)));
    KeySetHealth health = keySet.health();
    JsonObject body =
        new JsonObject()
            .put("current_kid", health.currentKid())
            // the runbook's check "JWT_KEY_ID_CURRENT is in the keyset", answered here; null
            // when no current kid is configured
            .put(
                "current_kid_present",
                health.currentKid() == null ? null : health.currentKidPresent())
            // present but revoked here: every token the issuer mints now is refused key_revoked
            .put(
                "current_kid_revoked",
                health.currentKid() == null ? null : snapshot.kidRevoked(health.currentKid()))
            .put("keys", keys)
            .put("revoked_kids", revoked)
            .put("sources", sources);
    read(ctx, event(ctx, "keys.listed", "keys", null, null), body);
  }

  private void refreshKeys(RoutingContext ctx) {
    keySet
        .refresh()
        .transform(
            ar -> {
              String outcome = ar.succeeded() ? "success" : "failed";
              return auditRead(event(ctx, "keys.refreshed", "keys", null, null, outcome))
                  .transform(
                      v ->
                          ar.succeeded()
                              ? Future.succeededFuture()
                              : Future.failedFuture(
                                  GatewayFailure.of(
                                      ErrorCode.SERVICE_UNAVAILABLE,
                                      truncate(ar.cause().getMessage(), 1024)
                                          + "; the last good keys stay in use; GET"
                                          + " /admin/v1/keys shows each source")));
            })
        .onSuccess(v -> listKeysAfterRefresh(ctx))
        .onFailure(ctx::fail);
  }

  private void listKeysAfterRefresh(RoutingContext ctx) {
    json(ctx, 200, new JsonObject().put("refreshed", true).put("sources", sourcesJson()));
  }

  /** Every key source's refresh status, as both GET /keys and POST /keys/refresh show it. */
  private JsonArray sourcesJson() {
    JsonArray sources = new JsonArray();
    for (SourceStatus s : keySet.sources()) {
      sources.add(
          new JsonObject()
              .put("source", s.source())
              .put("keys", s.keys())
              .put("last_attempt", str(s.lastAttempt()))
              .put("last_refresh", str(s.lastSuccess()))
              .put("last_error", s.lastError())
              .put("stale", s.stale()));
    }
    return sources;
  }

  /**
   * Revokes a kid, known to the keyset or not (a key a JWKS has yet to publish may be pulled in
   * advance). The answer says which: {@code in_keyset} false with a {@code warning} catches a
   * mistyped kid (kids are case-sensitive) while the leaked key would stay trusted.
   */
  private void revokeKid(RoutingContext ctx) {
    String kid = pathKid(ctx);
    JsonObject body = body(ctx, Set.of("reason"), false);
    String reason = reason(body, true, "to revoke a signing key");
    boolean inKeyset = inKeyset(kid);
    state
        .mutate(
            StateEntry.kid(kid, true, reason),
            event(ctx, "key.revoked", "kid:" + kid, null, reason))
        .onSuccess(
            committed -> {
              JsonObject answer = entryJson(committed).put("in_keyset", inKeyset);
              if (!inKeyset) {
                answer.put(
                    "warning",
                    "no key source publishes kid '"
                        + kid
                        + "' (kids are case-sensitive; GET /admin/v1/keys lists them): revoked"
                        + " anyway, in case a source publishes it later");
              }
              json(ctx, 200, answer);
            })
        .onFailure(ctx::fail);
  }

  /**
   * Undoes a kid revocation made in error: tokens signed with that key are accepted again on every
   * instance. Reason required, like the revocation; 404 when the kid is not revoked.
   */
  private void restoreKid(RoutingContext ctx) {
    String kid = pathKid(ctx);
    JsonObject body = body(ctx, Set.of("reason"), false);
    String reason = reason(body, true, "to restore a revoked signing key");
    if (!state.snapshot().kidRevoked(kid)) {
      auditThenFail(
          ctx,
          event(ctx, "key.restored", "kid:" + kid, null, reason, "not_found"),
          GatewayFailure.of(
              ErrorCode.NOT_FOUND,
              "kid '" + truncate(kid, 256) + "' is not revoked; GET /admin/v1/keys lists them"));
      return;
    }
    mutate(
        ctx,
        StateEntry.kid(kid, false, reason),
        event(ctx, "key.restored", "kid:" + kid, null, reason),
        200);
  }

  private static String pathKid(RoutingContext ctx) {
    String kid = ctx.pathParam("kid");
    if (kid == null || !IDENT.matcher(kid).matches()) {
      throw bad("kid", "must be 1-256 printable characters without spaces");
    }
    return kid;
  }

  private boolean inKeyset(String kid) {
    return keySet.keys().stream().anyMatch(k -> k.kid().equals(kid));
  }

  // ---- revocations ----------------------------------------------------------------------------

  private void revoke(RoutingContext ctx) {
    JsonObject body = body(ctx, Set.of("jti", "exp", "sub", "org", "all", "reason"), true);
    if (body.containsKey("all")) {
      revokeAll(ctx, body);
      return;
    }
    Instant now = clock.instant();
    if (body.containsKey("jti")) {
      ctx.put(ACTION_KEY, "token.revoked");
      String jti = ident(body, "jti");
      if (body.containsKey("sub")) {
        throw bad("sub", "not allowed with jti: revoke one token (jti, exp) or a user (sub, org)");
      }
      if (TOKEN_SHAPED.matcher(jti).find()) {
        throw bad("jti", "looks like a whole token; send the token's jti claim, never the token");
      }
      if (!body.containsKey("exp")) {
        throw bad("exp", "is required with jti: the token's exp, in seconds since the epoch");
      }
      Instant exp = exp(body.getValue("exp"));
      if (!exp.isAfter(now)) {
        throw bad("exp", "is in the past: that token has already expired");
      }
      if (exp.isAfter(now.plus(MAX_EXP_AHEAD))) {
        throw bad("exp", "is more than 10 years ahead: seconds since the epoch, not milliseconds");
      }
      String org = optionalOrg(body);
      String reason = reason(body, false, null);
      mutate(
          ctx,
          StateEntry.jti(jti, exp, org, reason),
          event(ctx, "token.revoked", "jti:" + jti, org, reason),
          201);
      return;
    }
    if (body.containsKey("exp")) {
      throw bad("exp", "only goes with jti");
    }
    if (body.containsKey("sub")) {
      String sub = ident(body, "sub");
      if (!body.containsKey("org")) {
        throw bad("org", "is required with sub: a user's sessions are revoked within its tenant");
      }
      String org = optionalOrg(body);
      String reason = reason(body, false, null);
      mutate(
          ctx,
          StateEntry.subject(org, sub, now, reason),
          event(ctx, "sessions.revoked", "sub:" + org + "/" + sub, org, reason),
          201);
      return;
    }
    if (body.containsKey("org")) {
      String org = optionalOrg(body);
      String reason = reason(body, true, "to revoke every session of a tenant");
      mutate(
          ctx,
          StateEntry.tenant(org, now, reason),
          event(ctx, "sessions.revoked", "org:" + org, org, reason),
          201);
      return;
    }
    throw bad(
        "jti",
        "give {jti, exp}, {sub, org}, {org, reason} or {all: true, reason} (reason optional for"
            + " the first two)");
  }

  /**
   * {@code {"all": true, "reason"}}: every session of every tenant issued at or before now, for a
   * compromise whose blast radius is unknown. New sign-ins work. Reason required.
   */
  private void revokeAll(RoutingContext ctx, JsonObject body) {
    if (!Boolean.TRUE.equals(body.getValue("all"))) {
      throw bad("all", "must be true to revoke every session of every tenant");
    }
    for (String other : List.of("jti", "exp", "sub", "org")) {
      if (body.containsKey(other)) {
        throw bad(other, "not allowed with all: it already covers every tenant and user");
      }
    }
    String reason = reason(body, true, "to revoke every session of every tenant");
    mutate(
        ctx,
        StateEntry.allTenants(clock.instant(), reason),
        event(ctx, "sessions.revoked", "all", null, reason),
        201);
  }

  private void listRevocations(RoutingContext ctx) {
    onlyParams(ctx, Set.of("org", "sub", "limit"));
    String org = ctx.queryParams().get("org");
    String sub = ctx.queryParams().get("sub");
    if (org != null && !Ids.wellFormed(org)) {
      throw bad("org", "must match " + Ids.PATTERN);
    }
    int limit = intParam(ctx, "limit", DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT);
    Snapshot snapshot = state.snapshot();
    List<StateEntry> all = new ArrayList<>();
    for (Kind kind : List.of(Kind.KID, Kind.TENANT, Kind.SUBJECT, Kind.JTI)) {
      for (StateEntry e : snapshot.entries(kind).values()) {
        boolean everyTenant = kind == Kind.TENANT && StateEntry.ALL_TENANTS.equals(e.key());
        if (e.active()
            && (org == null || org.equals(e.org()) || (everyTenant && sub == null))
            && (sub == null || sub.equals(e.sub()))) {
          all.add(e);
        }
      }
    }
    all.sort(Comparator.comparingLong(StateEntry::revision));
    JsonArray items = new JsonArray();
    all.stream().limit(limit).forEach(e -> items.add(entryJson(e)));
    JsonObject body =
        new JsonObject()
            .put("revocations", items)
            .put("total", all.size())
            .put("truncated", all.size() > limit)
            .put("revision", snapshot.revision());
    read(ctx, event(ctx, "revocations.listed", "revocations", org, null), body);
  }

  // ---- tenants --------------------------------------------------------------------------------

  private void suspend(RoutingContext ctx, boolean suspend) {
    String org = pathOrg(ctx);
    JsonObject body = body(ctx, Set.of("reason"), false);
    String reason = reason(body, suspend, "to suspend a tenant");
    mutate(
        ctx,
        StateEntry.suspension(org, suspend, reason),
        event(ctx, suspend ? "tenant.suspended" : "tenant.resumed", "org:" + org, org, reason),
        200);
  }

  /**
   * Every tenant the gateway holds state for: a suspension (current or resumed), a sessions
   * cut-off, or an {@code org:} rate-limit override from the admin API or {@code
   * RL_OVERRIDES_JSON}. On-call finds "a tenant suspended that nobody remembers suspending" here
   * without knowing its id. The gateway learns tenants from tokens and keeps no roster, so a tenant
   * without such state is not listed. {@code state=suspended|active} filters; sorted by org.
   */
  private void listTenants(RoutingContext ctx) {
    onlyParams(ctx, Set.of("state", "limit"));
    String wanted = ctx.queryParams().get("state");
    if (wanted != null && !wanted.equals("suspended") && !wanted.equals("active")) {
      throw bad("state", "must be suspended or active");
    }
    int limit = intParam(ctx, "limit", DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT);
    Snapshot snapshot = state.snapshot();
    Set<String> orgs = new TreeSet<>();
    orgs.addAll(snapshot.entries(Kind.SUSPENSION).keySet());
    snapshot.entries(Kind.TENANT).keySet().stream()
        .filter(k -> !k.equals(StateEntry.ALL_TENANTS))
        .forEach(orgs::add);
    snapshot.entries(Kind.OVERRIDE).values().stream()
        .filter(StateEntry::active)
        .map(e -> orgOf(e.key()))
        .filter(Objects::nonNull)
        .forEach(orgs::add);
    configuredLimits.overrides().keySet().stream()
        .map(AdminApi::orgOf)
        .filter(Objects::nonNull)
        .forEach(orgs::add);
    List<JsonObject> matching = new ArrayList<>();
    for (String org : orgs) {
      JsonObject tenant = tenantSummary(snapshot, org);
      if (wanted == null || wanted.equals(tenant.getString("state"))) {
        matching.add(tenant);
      }
    }
    JsonArray items = new JsonArray();
    matching.stream().limit(limit).forEach(items::add);
    JsonObject body =
        new JsonObject()
            .put("tenants", items)
            .put("total", matching.size())
            .put("truncated", matching.size() > limit)
            .put("revision", snapshot.revision());
    read(ctx, event(ctx, "tenants.listed", "tenants", null, null), body);
  }

  private void viewTenant(RoutingContext ctx) {
    String org = pathOrg(ctx);
    JsonObject body = tenantSummary(state.snapshot(), org);
    AuditEvent ev = event(ctx, "tenant.viewed", "org:" + org, org, null);
    auditRead(ev)
        .compose(v -> state.recentAudit(org, RECENT_EVENTS))
        .onSuccess(
            events -> {
              JsonArray recent = new JsonArray();
              events.forEach(e -> recent.add(e.toJson()));
              json(ctx, 200, body.put("recent_events", recent));
            })
        .onFailure(
            e ->
                json(
                    ctx,
                    200,
                    body.put("recent_events", null)
                        .put("recent_events_error", "the audit store cannot be read now")));
  }

  /** The cut-off entry with the later cut-off, either may be {@code null}. */
  private static StateEntry later(StateEntry a, StateEntry b) {
    if (a == null || b == null) {
      return a == null ? b : a;
    }
    return a.cutoff().isBefore(b.cutoff()) ? b : a;
  }

  /** A tenant's state and effective per-tenant limit, as both tenant views show it. */
  private JsonObject tenantSummary(Snapshot snapshot, String org) {
    StateEntry suspension = snapshot.entries(Kind.SUSPENSION).get(org);
    StateEntry cutoff =
        later(
            snapshot.entries(Kind.TENANT).get(org),
            snapshot.entries(Kind.TENANT).get(StateEntry.ALL_TENANTS)); // "all" covers this one too
    StateEntry override = snapshot.override("org:" + org);
    RateLimitPolicy configured = configuredLimits.overrides().get("org:" + org);
    StateEntry runtimeDefault = snapshot.override(RateLimitPolicies.DEFAULT_SUBJECT);
    RateLimitPolicy fallback =
        configured != null
            ? configured
            : runtimeDefault != null
                ? RateLimitPolicy.parse(runtimeDefault.limit())
                : configuredLimits.defaultPolicy();
    // admin override > RL_OVERRIDES_JSON > admin default > PORTCULLIS_RATE_LIMIT, the order the
    // limiter applies
    String limitSource =
        override != null
            ? "override"
            : configured != null
                ? "RL_OVERRIDES_JSON"
                : runtimeDefault != null ? "default_override" : fallback == null ? null : "default";
    return new JsonObject()
        .put("org", org)
        .put("state", suspension != null && suspension.active() ? "suspended" : "active")
        .put("state_reason", suspension == null ? null : suspension.reason())
        .put("state_since", suspension == null ? null : str(suspension.committedAt()))
        .put("sessions_revoked_before", cutoff == null ? null : str(cutoff.cutoff()))
        .put(
            "rate_limit",
            override != null ? override.limit() : fallback == null ? null : fallback.toString())
        .put("rate_limit_source", limitSource);
  }

  // ---- routes ---------------------------------------------------------------------------------

  /** The configured routes in the order they match in, with their switch. */
  private void listRoutes(RoutingContext ctx) {
    Snapshot snapshot = state.snapshot();
    JsonArray items = new JsonArray();
    routes.forEach(
        c -> {
          StateEntry e = snapshot.entries(Kind.ROUTE).get(c.path());
          items.add(
              new JsonObject()
                  .put("path", c.path())
                  .put("upstream", c.upstream().toString())
                  .put("auth", c.authRequired() ? "required" : "none")
                  .put("state", e != null && e.active() ? "disabled" : "enabled")
                  .put("state_reason", e == null ? null : e.reason())
                  .put("state_since", e == null ? null : str(e.committedAt())));
        });
    read(
        ctx,
        event(ctx, "routes.listed", "routes", null, null),
        new JsonObject().put("routes", items).put("revision", snapshot.revision()));
  }

  /**
   * Switches a configured route off (503 {@code route_disabled} on every instance, before any token
   * work) or back on. The route is named by its configured {@code path} in the body, since a path
   * does not fit in a path segment. Disabling is high-risk: a reason is required.
   */
  private void switchRoute(RoutingContext ctx, boolean disable) {
    JsonObject body = body(ctx, Set.of("path", "reason"), true);
    Object raw = body.getValue("path");
    if (!(raw instanceof String path) || path.isEmpty()) {
      throw bad("path", "is required: a configured route path, e.g. \"/orgs/{org}/\"");
    }
    String reason = reason(body, disable, "to disable a route");
    if (routes.stream().noneMatch(c -> c.path().equals(path))) {
      throw GatewayFailure.of(
          ErrorCode.NOT_FOUND,
          "no configured route has path "
              + truncate(path, 256)
              + "; GET /admin/v1/routes lists them");
    }
    mutate(
        ctx,
        StateEntry.route(path, disable, reason),
        event(ctx, disable ? "route.disabled" : "route.enabled", "route:" + path, null, reason),
        200);
  }

  // ---- admins ---------------------------------------------------------------------------------

  /**
   * The names of {@code PORTCULLIS_ADMIN_TOKENS} (never a secret), each with its last authenticated
   * call on this instance, for access reviews and "who still has access" after an admin's
   * compromise. Access is removed by dropping the entry from the Secret and rolling out; {@code GET
   * /audit?actor=<name>} shows what that name did.
   */
  private void listAdmins(RoutingContext ctx) {
    onlyParams(ctx, Set.of());
    JsonArray admins = new JsonArray();
    tokens.tokens().stream()
        .map(AdminTokens.Named::name)
        .sorted()
        .forEach(
            name ->
                admins.add(
                    new JsonObject()
                        .put("name", name)
                        .put("last_call_here", str(lastCall.get(name)))));
    read(
        ctx,
        event(ctx, "admins.listed", "admins", null, null),
        new JsonObject().put("admins", admins).put("source", "PORTCULLIS_ADMIN_TOKENS"));
  }

  // ---- rate-limit overrides -------------------------------------------------------------------

  /**
   * Every override in force: the admin API's ({@code "source": "admin"}) and the configured {@code
   * RL_OVERRIDES_JSON} entries no admin override replaces ({@code "source": "RL_OVERRIDES_JSON"}),
   * sorted by subject. On-call sees why a client is throttled without reading the deployment.
   */
  private void listOverrides(RoutingContext ctx) {
    TreeMap<String, JsonObject> bySubject = new TreeMap<>();
    configuredLimits.overrides().forEach((k, p) -> bySubject.put(k, configuredJson(k, p)));
    state.snapshot().entries(Kind.OVERRIDE).values().stream()
        .filter(StateEntry::active)
        .forEach(e -> bySubject.put(normalized(e.key()), entryJson(e).put("source", "admin")));
    JsonArray items = new JsonArray();
    bySubject.values().forEach(items::add);
    read(
        ctx,
        event(ctx, "ratelimit.override_viewed", "rate-limits", null, null),
        new JsonObject().put("overrides", items));
  }

  private void getOverride(RoutingContext ctx) {
    String subject = subject(ctx);
    StateEntry e = state.snapshot().override(subject);
    RateLimitPolicy configured = configuredLimits.overrides().get(subject);
    AuditEvent ev =
        event(
            ctx,
            "ratelimit.override_viewed",
            subject,
            orgOf(subject),
            null,
            e == null && configured == null ? "not_found" : "success");
    if (e == null && configured == null) {
      auditThenFail(ctx, ev, GatewayFailure.of(ErrorCode.NOT_FOUND, "no override for " + subject));
      return;
    }
    read(
        ctx,
        ev,
        e != null ? entryJson(e).put("source", "admin") : configuredJson(subject, configured));
  }

  /** A stored subject in canonical form (one written before the API canonicalised them). */
  private static String normalized(String subject) {
    try {
      return RateLimitPolicies.normalizeSubject(subject);
    } catch (IllegalArgumentException e) {
      return subject;
    }
  }

  private static JsonObject configuredJson(String subject, RateLimitPolicy policy) {
    JsonObject json =
        new JsonObject()
            .put("type", "override")
            .put("subject", subject)
            .put("limit", policy.toString())
            .put("source", "RL_OVERRIDES_JSON");
    String org = orgOf(subject);
    return org == null ? json : json.put("org", org);
  }

  private void setOverride(RoutingContext ctx) {
    String subject = subject(ctx);
    JsonObject body = body(ctx, Set.of("limit", "reason"), true);
    Object raw = body.getValue("limit");
    if (raw == null) {
      throw bad("limit", "is required, e.g. \"1000/s\" or \"6000/min burst 200\"");
    }
    if (!(raw instanceof String text)) {
      throw bad(
          "limit",
          "must be a string with a period, e.g. \"" + raw + "/s\" or \"6000/min burst 200\"");
    }
    RateLimitPolicy policy;
    try {
      policy = RateLimitPolicy.parse(text);
    } catch (IllegalArgumentException e) {
      throw bad("limit", e.getMessage());
    }
    String reason = reason(body, false, null);
    mutate(
        ctx,
        StateEntry.override(subject, policy.toString(), reason),
        event(ctx, "ratelimit.override_set", subject, orgOf(subject), reason),
        200);
  }

  private void removeOverride(RoutingContext ctx) {
    String subject = subject(ctx);
    JsonObject body = body(ctx, Set.of("reason"), false);
    String reason = reason(body, false, null);
    if (state.snapshot().override(subject) == null) {
      auditThenFail(
          ctx,
          event(ctx, "ratelimit.override_removed", subject, orgOf(subject), reason, "not_found"),
          GatewayFailure.of(ErrorCode.NOT_FOUND, "no override for " + subject));
      return;
    }
    mutate(
        ctx,
        StateEntry.override(subject, null, reason),
        event(ctx, "ratelimit.override_removed", subject, orgOf(subject), reason),
        200);
  }

  /**
   * The path's rate-limit subject, validated and in canonical form ({@code ip:::1} and {@code
   * ip:0:0:0:0:0:0:0:1} are one subject) by the same rules as {@code RL_OVERRIDES_JSON}: a subject
   * the limiter cannot take must never be stored.
   */
  private static String subject(RoutingContext ctx) {
    String subject = rawSubject(ctx);
    try {
      return RateLimitPolicies.normalizeSubject(subject);
    } catch (IllegalArgumentException e) {
      throw bad("subject", e.getMessage());
    }
  }

  private static String rawSubject(RoutingContext ctx) {
    String subject = ctx.pathParam("subject");
    if (RateLimitPolicies.DEFAULT_SUBJECT.equals(subject)) {
      return subject; // the default policy itself, replaced at runtime
    }
    var m = subject == null ? null : SUBJECT.matcher(subject);
    if (m == null || !m.matches()) {
      throw bad("subject", "must be org:<id>, client:<id>, sub:<id>, ip:<address> or default");
    }
    String value = m.group(2);
    boolean ok =
        switch (m.group(1)) {
          case "org" -> Ids.wellFormed(value);
          default -> IDENT.matcher(value).matches(); // an ip: address is checked by subject()
        };
    if (!ok) {
      throw bad("subject", "malformed " + m.group(1) + " id");
    }
    return subject;
  }

  private static String orgOf(String subject) {
    return subject.startsWith("org:") ? subject.substring(4) : null;
  }

  // ---- audit export ---------------------------------------------------------------------------

  private void exportAudit(RoutingContext ctx) {
    onlyParams(ctx, AUDIT_PARAMS);
    Instant from = time(ctx, "from", Instant.EPOCH);
    Instant to = time(ctx, "to", Instant.parse("9999-12-31T23:59:59Z"));
    if (!to.isAfter(from)) {
      throw bad("to", "must be after from");
    }
    String action = ctx.queryParams().get("action");
    if (action != null && !knownAction(action)) {
      throw bad(
          "action",
          "must be an audit action ("
              + String.join(", ", new TreeSet<>(ACTIONS))
              + ") or a family such as tenant.*");
    }
    String actor = ctx.queryParams().get("actor");
    if (actor != null && !IDENT.matcher(actor).matches()) {
      throw bad("actor", "must be an admin token name (1-256 printable characters, no spaces)");
    }
    String org = ctx.queryParams().get("org");
    if (org != null && !Ids.wellFormed(org)) {
      throw bad("org", "must match " + Ids.PATTERN);
    }
    String fmt = ctx.queryParams().get("format");
    AuditFormat format;
    if (fmt == null || fmt.equals("json")) {
      format = AuditFormat.JSON;
    } else if (fmt.equals("csv")) {
      format = AuditFormat.CSV;
    } else {
      throw bad("format", "must be json or csv");
    }
    AuditQuery query = new AuditQuery(from, to, action, org, actor);
    // The export's own event names its filter in the target; org stays empty, as the export
    // changes nothing of the tenant's. It is written first, so an export covering now lists it.
    String target =
        "audit from="
            + from
            + " to="
            + to
            + (action == null ? "" : " action=" + action)
            + (org == null ? "" : " org=" + org)
            + (actor == null ? "" : " actor=" + actor);
    auditRead(event(ctx, "audit.exported", target, null, null))
        .compose(v -> state.exportAudit(query))
        .onSuccess(stream -> stream(ctx, stream, format))
        .onFailure(ctx::fail);
  }

  /** Streams with back-pressure: the store is paused while the client's socket is full. */
  private static void stream(RoutingContext ctx, AuditStream events, AuditFormat format) {
    HttpServerResponse response = ctx.response();
    response
        .setChunked(true)
        .putHeader("Content-Type", format.contentType())
        .putHeader("Cache-Control", "no-store");
    if (format == AuditFormat.CSV) {
      response.putHeader("Content-Disposition", "attachment; filename=\"portcullis-audit.csv\"");
    }
    response.closeHandler(v -> events.close());
    // rows are gathered into ~16 KiB chunks: one chunk per row would cost a write per row
    Buffer[] pending = {Buffer.buffer(EXPORT_CHUNK + 1024).appendString(format.open())};
    boolean[] first = {true};
    events.exceptionHandler(
        e -> {
          LOG.warn("audit export failed mid-stream: {}", e.toString());
          response.reset(); // the client must not take a truncated export for a whole one
        });
    events.endHandler(v -> response.end(pending[0].appendString(format.close())));
    events.handler(
        event -> {
          pending[0].appendString(format.row(event, first[0]));
          first[0] = false;
          if (pending[0].length() >= EXPORT_CHUNK) {
            response.write(pending[0]);
            pending[0] = Buffer.buffer(EXPORT_CHUNK + 1024);
            if (response.writeQueueFull()) {
              events.pause();
              response.drainHandler(d -> events.resume());
            }
          }
        });
  }

  private static Instant time(RoutingContext ctx, String name, Instant absent) {
    String text = ctx.queryParams().get(name);
    if (text == null || text.isEmpty()) {
      return absent;
    }
    try {
      return OffsetDateTime.parse(text).toInstant();
    } catch (DateTimeException e) {
      // an unencoded '+' of an offset arrives as a space
      String hint = text.contains(" ") ? " (encode '+' in an offset as %2B, or use Z)" : "";
      throw bad(name, "must be an RFC 3339 time, e.g. 2026-01-31T12:00:00Z" + hint);
    }
  }

  // ---- shared plumbing ------------------------------------------------------------------------

  /**
   * Refuses a query parameter this endpoint does not take, or one given twice: an ignored filter
   * answers everything while the operator believes it filtered.
   */
  private static void onlyParams(RoutingContext ctx, Set<String> known) {
    for (String name : ctx.queryParams().names()) {
      if (!known.contains(name)) {
        throw bad(
            truncate(name, 64),
            known.isEmpty()
                ? "unknown parameter; this endpoint takes none"
                : "unknown parameter; this endpoint takes "
                    + String.join(", ", new TreeSet<>(known)));
      }
      if (ctx.queryParams().getAll(name).size() > 1) {
        throw bad(name, "given more than once; one value per filter");
      }
    }
  }

  private static boolean knownAction(String filter) {
    if (!ACTION_FILTER.matcher(filter).matches()) {
      return false;
    }
    if (filter.endsWith(".*")) {
      String prefix = filter.substring(0, filter.length() - 1);
      return ACTIONS.stream().anyMatch(a -> a.startsWith(prefix));
    }
    return ACTIONS.contains(filter);
  }

  /** One endpoint: a method and its path template as a pattern, for the 405 answer. */
  private record Endpoint(HttpMethod method, Pattern path) {}

  private void on(
      Router r, HttpMethod method, String path, String action, Handler<RoutingContext> handler) {
    r.route(method, path).handler(call(action, handler));
    endpoints.add(new Endpoint(method, Pattern.compile(path.replaceAll(":[a-z]+", "[^/]+"))));
  }

  /** Wraps a handler so that a refused call (bad input) is audited once before it fails. */
  private Handler<RoutingContext> call(String action, Handler<RoutingContext> handler) {
    if (!ACTIONS.contains(action)) {
      throw new IllegalStateException(action + " is missing from AdminApi.ACTIONS");
    }
    return ctx -> {
      try {
        handler.handle(ctx);
      } catch (GatewayFailure f) {
        String a = ctx.get(ACTION_KEY) instanceof String s ? s : action;
        String target = ctx.request().method().name() + " " + truncate(ctx.normalizedPath(), 256);
        String outcome = f.code() == ErrorCode.NOT_FOUND ? "not_found" : "invalid";
        // a refused call on a tenant's path (a suspend without reason) is in its timeline too
        String pathOrg = ctx.pathParam("org");
        String org = pathOrg != null && Ids.wellFormed(pathOrg) ? pathOrg : null;
        auditThenFail(ctx, event(ctx, actor(ctx), a, target, org, null, outcome), f);
      }
    };
  }

  private void mutate(RoutingContext ctx, StateEntry change, AuditEvent audit, int status) {
    state
        .mutate(change, audit)
        .onSuccess(committed -> json(ctx, status, entryJson(committed)))
        .onFailure(ctx::fail);
  }

  private void read(RoutingContext ctx, AuditEvent audit, JsonObject body) {
    auditRead(audit).onComplete(v -> json(ctx, 200, body));
  }

  /** A read's audit event: waited for, but its failure only logged (reads must work in outages). */
  private Future<Void> auditRead(AuditEvent event) {
    return state
        .audit(event)
        .recover(
            e -> {
              LOG.warn(
                  "audit event not stored ({}): action={} actor={} target={} request_id={}",
                  e.getMessage(),
                  event.action(),
                  event.actor(),
                  event.target(),
                  event.requestId());
              return Future.succeededFuture();
            });
  }

  private void auditThenFail(RoutingContext ctx, AuditEvent event, GatewayFailure failure) {
    auditRead(event).onComplete(v -> ctx.fail(failure));
  }

  private AuditEvent event(
      RoutingContext ctx, String action, String target, String org, String reason) {
    return event(ctx, actor(ctx), action, target, org, reason, "success");
  }

  private AuditEvent event(
      RoutingContext ctx, String action, String target, String org, String reason, String outcome) {
    return event(ctx, actor(ctx), action, target, org, reason, outcome);
  }

  private AuditEvent event(
      RoutingContext ctx,
      String actor,
      String action,
      String target,
      String org,
      String reason,
      String outcome) {
    String safeTarget =
        target == null ? null : TOKEN_SHAPED.matcher(target).replaceAll("[redacted token]");
    return new AuditEvent(
        clock.instant(),
        actor,
        action,
        safeTarget,
        org,
        reason,
        source(ctx),
        requestId(ctx),
        outcome);
  }

  private static String actor(RoutingContext ctx) {
    return ctx.get(ACTOR) instanceof String s ? s : ANONYMOUS;
  }

  private static String source(RoutingContext ctx) {
    var address = ctx.request().remoteAddress();
    return address == null || address.hostAddress() == null ? "unknown" : address.hostAddress();
  }

  /** SPEC §4 step 1's rule: keep a well-formed inbound {@code X-Request-Id}, else mint one. */
  static String requestId(RoutingContext ctx) {
    String id = ctx.get(REQUEST_ID_KEY);
    if (id == null) {
      String inbound = ctx.request().getHeader("X-Request-Id");
      id = Ids.wellFormed(inbound) ? inbound : UUID.randomUUID().toString();
      ctx.put(REQUEST_ID_KEY, id);
    }
    return id;
  }

  private static JsonObject body(RoutingContext ctx, Set<String> allowed, boolean required) {
    String text = ctx.body() == null ? null : ctx.body().asString();
    if (text == null || text.isBlank()) {
      if (required) {
        throw bad("body", "a JSON object is required");
      }
      return new JsonObject();
    }
    String duplicate = duplicateField(text);
    if (duplicate != null) {
      // {"org":"acme","org":"globex"} would act on the last one, not the one the operator read
      throw bad(truncate(duplicate, 64), "given twice in the body");
    }
    JsonObject body;
    try {
      Object parsed = io.vertx.core.json.Json.decodeValue(text);
      if (!(parsed instanceof JsonObject o)) {
        throw bad("body", "must be a JSON object");
      }
      body = o;
    } catch (DecodeException e) {
      throw bad("body", "is not valid JSON");
    }
    Set<String> unknown = new TreeSet<>(body.fieldNames());
    unknown.removeAll(allowed);
    if (!unknown.isEmpty()) {
      throw bad(
          truncate(unknown.iterator().next(), 64),
          "unknown field; allowed: " + String.join(", ", new TreeSet<>(allowed)));
    }
    return body;
  }

  private static final com.fasterxml.jackson.core.JsonFactory STRICT_JSON =
      com.fasterxml.jackson.core.JsonFactory.builder()
          .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .build();

  /** The first field name given twice in one object of {@code text}, or {@code null}. */
  private static String duplicateField(String text) {
    try (com.fasterxml.jackson.core.JsonParser p = STRICT_JSON.createParser(text)) {
      while (p.nextToken() != null) {
        // a duplicate throws while reading the tokens
      }
      return null;
    } catch (com.fasterxml.jackson.core.exc.StreamReadException e) {
      String m = e.getOriginalMessage();
      int q = m == null ? -1 : m.indexOf("Duplicate field '");
      if (q >= 0) {
        int start = q + "Duplicate field '".length();
        int end = m.indexOf('\'', start);
        return end > start ? m.substring(start, end) : "body";
      }
      return null; // malformed JSON: reported by the decoding that follows
    } catch (java.io.IOException e) {
      return null;
    }
  }

  private static String ident(JsonObject body, String field) {
    Object v = body.getValue(field);
    if (!(v instanceof String s) || !IDENT.matcher(s).matches()) {
      throw bad(field, "must be a string of 1-256 printable characters without spaces");
    }
    return s;
  }

  private static String optionalOrg(JsonObject body) {
    if (!body.containsKey("org")) {
      return null;
    }
    Object v = body.getValue("org");
    if (!(v instanceof String s) || !Ids.wellFormed(s)) {
      throw bad("org", "must match " + Ids.PATTERN);
    }
    return s;
  }

  private static String pathOrg(RoutingContext ctx) {
    String org = ctx.pathParam("org");
    if (!Ids.wellFormed(org)) {
      throw bad("org", "must match " + Ids.PATTERN);
    }
    return org;
  }

  private static Instant exp(Object value) {
    try {
      if (value instanceof Number n) {
        return Instant.ofEpochSecond(n.longValue());
      }
      if (value instanceof String s) {
        return OffsetDateTime.parse(s).toInstant();
      }
    } catch (DateTimeException | ArithmeticException e) {
      // fall through to the message below
    }
    throw bad("exp", "must be a NumericDate (seconds since the epoch) or an RFC 3339 time");
  }

  /** Validates and redacts the free-text reason: no token or admin secret is ever stored. */
  private String reason(JsonObject body, boolean required, String why) {
    Object v = body.getValue("reason");
    if (v != null && !(v instanceof String)) {
      throw bad("reason", "must be a string");
    }
    String reason = v == null ? null : ((String) v).strip();
    if (reason == null || reason.isEmpty()) {
      if (required) {
        throw bad("reason", "is required " + why);
      }
      return null;
    }
    if (reason.length() > MAX_REASON) {
      throw bad("reason", "must be at most " + MAX_REASON + " characters");
    }
    if (reason
        .chars()
        .anyMatch(c -> c == 0 || (Character.isISOControl(c) && c != '\n' && c != '\t'))) {
      // PostgreSQL text cannot hold NUL; the audit trail should not hold terminal escapes
      throw bad("reason", "must not contain control characters");
    }
    String redacted = TOKEN_SHAPED.matcher(reason).replaceAll("[redacted token]");
    StringBuilder out = new StringBuilder();
    for (String word : redacted.split("(?<=\\s)|(?=\\s)")) {
      out.append(!word.isBlank() && tokens.authenticate(word) != null ? "[redacted secret]" : word);
    }
    return out.toString();
  }

  private static int intParam(RoutingContext ctx, String name, int absent, int max) {
    String text = ctx.queryParams().get(name);
    if (text == null) {
      return absent;
    }
    try {
      int v = Integer.parseInt(text);
      if (v >= 1 && v <= max) {
        return v;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw bad(name, "must be a number from 1 to " + max);
  }

  static GatewayFailure bad(String field, String problem) {
    return GatewayFailure.of(ErrorCode.INVALID_REQUEST, field + ": " + problem);
  }

  private static JsonObject entryJson(StateEntry e) {
    JsonObject json = new JsonObject().put("type", e.kind().label());
    switch (e.kind()) {
      case JTI -> json.put("jti", e.key()).put("exp", e.expiresAt().getEpochSecond());
      case SUBJECT -> json.put("sub", e.sub()).put("revoked_before", str(e.cutoff()));
      case TENANT -> {
        json.put("revoked_before", str(e.cutoff()));
        if (StateEntry.ALL_TENANTS.equals(e.key())) {
          json.put("all", true);
        }
      }
      case KID -> json.put("kid", e.key()).put("revoked", e.active());
      case SUSPENSION -> json.put("suspended", e.active());
      case OVERRIDE -> json.put("subject", e.key()).put("limit", e.limit());
      case ROUTE -> json.put("path", e.key()).put("disabled", e.active());
    }
    String org = e.org() != null ? e.org() : e.kind() == Kind.OVERRIDE ? orgOf(e.key()) : null;
    if (org != null) {
      json.put("org", org);
    }
    return json.put("reason", e.reason())
        .put("revision", e.revision())
        .put("time", str(e.committedAt()));
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    if (ctx.response().ended()) {
      return;
    }
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(body.toBuffer());
  }

  private void failure(RoutingContext ctx) {
    Throwable t = ctx.failure();
    GatewayFailure f;
    if (t instanceof GatewayFailure g) {
      f = g;
    } else if (t instanceof StoreUnavailableException) {
      LOG.warn("admin call not acknowledged, store unavailable: {}", t.getMessage());
      f =
          GatewayFailure.retryable(
              ErrorCode.SERVICE_UNAVAILABLE,
              "the state store cannot write now; nothing was changed",
              Duration.ofSeconds(5));
    } else if (ctx.statusCode() == 413) {
      f = GatewayFailure.of(ErrorCode.PAYLOAD_TOO_LARGE, "body: larger than 64 KiB");
    } else if (ctx.statusCode() == 400) {
      f = bad("body", "malformed request");
    } else {
      LOG.error("admin call failed", t);
      f = GatewayFailure.of(ErrorCode.INTERNAL_ERROR, "internal error");
    }
    FailureResponder.respond(ctx.response(), f, requestId(ctx));
  }

  private static String str(Instant i) {
    return i == null ? null : i.toString();
  }

  private static String truncate(String s, int max) {
    return s == null || s.length() <= max ? s : s.substring(0, max);
  }
}
