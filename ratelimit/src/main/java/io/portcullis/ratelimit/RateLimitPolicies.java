package io.portcullis.ratelimit;

import io.portcullis.ratelimit.impl.BucketKeys;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

/**
 * Which bucket and policy limit a request: the default per-tenant policy ({@code
 * PORTCULLIS_RATE_LIMIT}), per-route policies ({@code rate_limit} of a route) and per-subject
 * overrides ({@code RL_OVERRIDES_JSON}, the admin API) keyed {@code org:<id>}, {@code client:<id>},
 * {@code sub:<id>}, {@code ip:<addr>}.
 *
 * <h2>Precedence</h2>
 *
 * Authenticated routes, first match wins:
 *
 * <ol>
 *   <li>{@code sub:<sub>} override: bucket per (org, sub), label {@code override_sub};
 *   <li>{@code client:<client>} override: bucket per (org, client), label {@code override_client};
 *   <li>{@code org:<org>} override: the tenant's bucket, label {@code override_org};
 *   <li>the route's own policy: bucket per (route, org), label {@code route};
 *   <li>the default policy: the tenant's bucket, label {@code default}.
 * </ol>
 *
 * The most specific identity wins, so an operator can both raise a whole tenant and clamp one of
 * its runaway clients. An org override replaces the default for every route of the tenant,
 * including routes with their own policy (the operator's explicit word beats the route file). An
 * address cannot raise a tenant's limit, but on-call can clamp an abusive source: on authenticated
 * routes an {@code ip:<addr>} override is a <em>source clamp</em> ({@link #sourceClamp}), checked
 * before any token work and in addition to the tenant's own limit above, so it only ever tightens.
 * It shares the address's bucket with public routes: the address gets that many requests in all.
 *
 * <p>Public ({@code auth: none}) routes are limited per client IP: the {@code ip:<addr>} override
 * (label {@code override_ip}), else the route's policy per (route, IP) (label {@code route}), else
 * the default per IP (label {@code default}).
 *
 * <h2>Limiting off</h2>
 *
 * The default may be off ({@code PORTCULLIS_RATE_LIMIT=off}, a {@code null} default) and a route
 * may be off ({@code rate_limit: off}, {@link #create(RateLimitPolicy, Map, Set, Map)}). Off takes
 * the place of a policy in the precedence above: it is "no limit" where the default or that route's
 * policy would apply, and overrides still win over it, so on-call can still clamp one tenant,
 * client or address. A request that resolves to off is not limited at all: {@link #find} is empty,
 * no bucket is touched, no backend call is made, no header is sent.
 *
 * <h2>Isolation</h2>
 *
 * Bucket keys are namespaced by kind ({@code org:}, {@code route:}, {@code client:}, {@code sub:},
 * {@code ip:}) with every component percent-encoded, so a tenant can never draw from another
 * tenant's bucket. Metric labels are the fixed {@code LABEL_*} constants, never a tenant value.
 *
 * <h2>Concurrency</h2>
 *
 * Overrides change at runtime (admin API, store catch-up). They live in one immutable snapshot
 * behind an {@link AtomicReference}: reads are a volatile load and hash lookups, writes
 * copy-on-write with compare-and-set. Overrides are rare writes and per-request reads.
 */
public final class RateLimitPolicies {

  public static final String LABEL_DEFAULT = "default";
  public static final String LABEL_ROUTE = "route";
  public static final String LABEL_OVERRIDE_ORG = "override_org";
  public static final String LABEL_OVERRIDE_CLIENT = "override_client";
  public static final String LABEL_OVERRIDE_SUB = "override_sub";
  public static final String LABEL_OVERRIDE_IP = "override_ip";

  /** The environment variable overrides are read from at startup. */
  public static final String OVERRIDES_ENV = "RL_OVERRIDES_JSON";

  private static final Pattern ORG_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
  private static final int MAX_ID = 256;
  private static final String SUBJECT_SYNTAX =
      "expected org:<id>, client:<id>, sub:<id> or ip:<address>";

  /**
   * The override subject that replaces the default policy itself at runtime (a re-login stampede:
   * raise every tenant's limit at once, without a rollout). Deleting it brings {@code
   * PORTCULLIS_RATE_LIMIT} back.
   */
  public static final String DEFAULT_SUBJECT = "default";

  private final RateLimitPolicy defaultPolicy;
  private final Map<String, RateLimitPolicy> routePolicies;
  private final Set<String> routesOff;
  private final AtomicReference<Overrides> overrides;

  private RateLimitPolicies(
      RateLimitPolicy defaultPolicy,
      Map<String, RateLimitPolicy> routePolicies,
      Set<String> routesOff,
      Map<String, RateLimitPolicy> overrides) {
    this.defaultPolicy = defaultPolicy;
    this.routePolicies = Map.copyOf(routePolicies);
    this.routesOff = Set.copyOf(routesOff);
    for (String route : this.routesOff) {
      if (this.routePolicies.containsKey(route)) {
        throw new IllegalArgumentException(
            "route " + route + " has both a rate-limit policy and off");
      }
    }
    this.overrides = new AtomicReference<>(Overrides.of(overrides));
  }

  /**
   * @param defaultPolicy the per-tenant default ({@code PORTCULLIS_RATE_LIMIT}); {@code null} means
   *     off: requests that would fall to the default are not limited
   * @param routePolicies route identifier (path prefix) → that route's own policy
   * @param overrides subject key ({@code org:acme}) → policy; keys are validated
   * @throws IllegalArgumentException naming a bad subject key
   */
  public static RateLimitPolicies create(
      RateLimitPolicy defaultPolicy,
      Map<String, RateLimitPolicy> routePolicies,
      Map<String, RateLimitPolicy> overrides) {
    return new RateLimitPolicies(defaultPolicy, routePolicies, Set.of(), overrides);
  }

  /**
   * As {@link #create(RateLimitPolicy, Map, Map)}, with routes whose own setting is off ({@code
   * rate_limit: off}): on them, only an override limits.
   *
   * @param routesOff route identifiers whose policy is "no limit"; none may also be in {@code
   *     routePolicies}
   */
  public static RateLimitPolicies create(
      RateLimitPolicy defaultPolicy,
      Map<String, RateLimitPolicy> routePolicies,
      Set<String> routesOff,
      Map<String, RateLimitPolicy> overrides) {
    return new RateLimitPolicies(defaultPolicy, routePolicies, routesOff, overrides);
  }

  /** Only a default policy, no route policies, no overrides. */
  public static RateLimitPolicies of(RateLimitPolicy defaultPolicy) {
    return create(defaultPolicy, Map.of(), Map.of());
  }

  /**
   * Parses {@code RL_OVERRIDES_JSON}: {@code {"org:vip": "1000/s", "ip:10.0.0.7": "5/s burst 5"}}.
   * Null or blank means no overrides.
   *
   * @throws IllegalArgumentException naming {@code RL_OVERRIDES_JSON} and the bad key or value
   */
  public static Map<String, RateLimitPolicy> parseOverridesJson(String json) {
    if (json == null || json.isBlank()) {
      return Map.of();
    }
    JsonObject object;
    try {
      object = new JsonObject(json);
    } catch (DecodeException | ClassCastException e) {
      throw new IllegalArgumentException(
          OVERRIDES_ENV + ": not a JSON object of \"<subject>\": \"<limit>\" pairs");
    }
    Map<String, RateLimitPolicy> result = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : object) {
      if (DEFAULT_SUBJECT.equals(e.getKey())) {
        throw new IllegalArgumentException(
            OVERRIDES_ENV
                + ": 'default' is PORTCULLIS_RATE_LIMIT's job; the admin API's 'default'"
                + " subject replaces it at runtime");
      }
      String subject;
      try {
        subject = normalizeSubject(e.getKey());
      } catch (IllegalArgumentException bad) {
        throw new IllegalArgumentException(OVERRIDES_ENV + ": " + bad.getMessage());
      }
      if (!(e.getValue() instanceof String text)) {
        throw new IllegalArgumentException(
            OVERRIDES_ENV + ": value of '" + e.getKey() + "' must be a string like \"1000/s\"");
      }
      try {
        result.put(subject, RateLimitPolicy.parse(text));
      } catch (IllegalArgumentException bad) {
        throw new IllegalArgumentException(
            OVERRIDES_ENV + ": '" + e.getKey() + "': " + bad.getMessage());
      }
    }
    return result;
  }

  /**
   * Validates a subject key and returns its canonical form (IPv6 addresses canonicalized), e.g.
   * {@code ip:0:0:0:0:0:0:0:1} for {@code ip:::1}.
   *
   * @throws IllegalArgumentException naming the bad key
   */
  public static String normalizeSubject(String subject) {
    if (subject == null) {
      throw new IllegalArgumentException("missing rate-limit subject; " + SUBJECT_SYNTAX);
    }
    if (subject.equals(DEFAULT_SUBJECT)) {
      return subject;
    }
    int colon = subject.indexOf(':');
    String kind = colon < 0 ? "" : subject.substring(0, colon);
    String id = colon < 0 ? "" : subject.substring(colon + 1);
    switch (kind) {
      case "org" -> {
        if (!ORG_ID.matcher(id).matches()) {
          throw new IllegalArgumentException(
              "bad rate-limit subject '" + subject + "': org id must match [A-Za-z0-9._:-]{1,128}");
        }
        return subject;
      }
      case "client", "sub" -> {
        if (id.isEmpty() || id.length() > MAX_ID || id.chars().anyMatch(Character::isISOControl)) {
          throw new IllegalArgumentException(
              "bad rate-limit subject '"
                  + subject
                  + "': "
                  + kind
                  + " id must be 1.."
                  + MAX_ID
                  + " characters without control characters");
        }
        return subject;
      }
      case "ip" -> {
        try {
          return "ip:" + BucketKeys.canonicalIp(id);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              "bad rate-limit subject '" + subject + "': " + e.getMessage());
        }
      }
      default ->
          throw new IllegalArgumentException(
              "bad rate-limit subject '" + subject + "'; " + SUBJECT_SYNTAX);
    }
  }

  /**
   * The per-tenant default in force: a runtime {@code default} override, else {@code
   * PORTCULLIS_RATE_LIMIT}; {@code null} when the default is off.
   */
  public RateLimitPolicy defaultPolicy() {
    return effectiveDefault(overrides.get());
  }

  /** The runtime {@code default} override of {@code o}, else {@code PORTCULLIS_RATE_LIMIT}. */
  private RateLimitPolicy effectiveDefault(Overrides o) {
    return o.defaultPolicy != null ? o.defaultPolicy : defaultPolicy;
  }

  /** Whether {@code route}'s own setting is off ({@code rate_limit: off}). */
  public boolean routeOff(String route) {
    return routesOff.contains(route);
  }

  public Optional<RateLimitPolicy> routePolicy(String route) {
    return Optional.ofNullable(routePolicies.get(route));
  }

  /** A snapshot of every override, sorted by subject key. */
  public Map<String, RateLimitPolicy> overrides() {
    return new TreeMap<>(overrides.get().all);
  }

  /** The override of one subject key ({@code org:acme}), if any. */
  public Optional<RateLimitPolicy> override(String subject) {
    return Optional.ofNullable(overrides.get().all.get(normalizeSubject(subject)));
  }

  /** Sets or replaces one override; visible to the next {@link #resolve}. */
  public void setOverride(String subject, RateLimitPolicy policy) {
    String key = normalizeSubject(subject);
    Objects.requireNonNull(policy, "policy");
    overrides.updateAndGet(o -> o.with(key, policy));
  }

  /** Removes one override; returns whether there was one. */
  public boolean removeOverride(String subject) {
    String key = normalizeSubject(subject);
    Overrides before = overrides.getAndUpdate(o -> o.with(key, null));
    return before.all.containsKey(key);
  }

  /** Replaces every override at once (the durable store's full state after a catch-up). */
  public void replaceOverrides(Map<String, RateLimitPolicy> all) {
    overrides.set(Overrides.of(all));
  }

  /**
   * The bucket, policy and label for one request, by the precedence in the class comment.
   *
   * @throws IllegalArgumentException if a public route's IP is not an address literal
   * @throws IllegalStateException if the request is not limited (off, see {@link #find})
   */
  public ResolvedLimit resolve(RateLimitSubject s) {
    return find(s)
        .orElseThrow(
            () -> new IllegalStateException("rate limiting is off for route " + s.route()));
  }

  /**
   * The bucket, policy and label for one request, by the precedence in the class comment; empty
   * when the request resolves to off (the default or its route's setting is off and no override
   * applies): such a request is not limited.
   *
   * @throws IllegalArgumentException if a public route's IP is not an address literal
   */
  public Optional<ResolvedLimit> find(RateLimitSubject s) {
    Overrides o = overrides.get();
    RateLimitPolicy routePolicy = routePolicies.get(s.route());
    // what applies when neither an override nor the route's own policy does; null means off
    RateLimitPolicy fallback = routesOff.contains(s.route()) ? null : effectiveDefault(o);
    if (s.publicRoute()) {
      String ip = BucketKeys.canonicalIp(s.ip());
      RateLimitPolicy p = o.ip.get(ip);
      if (p != null) {
        return Optional.of(new ResolvedLimit(BucketKeys.key("ip", ip), p, LABEL_OVERRIDE_IP));
      }
      if (routePolicy != null) {
        return Optional.of(
            new ResolvedLimit(
                BucketKeys.key("route", s.route(), "ip", ip), routePolicy, LABEL_ROUTE));
      }
      return fallback == null
          ? Optional.empty()
          : Optional.of(new ResolvedLimit(BucketKeys.key("ip", ip), fallback, LABEL_DEFAULT));
    }
    String org = s.org();
    RateLimitPolicy p;
    if (s.sub() != null && (p = o.sub.get(s.sub())) != null) {
      return Optional.of(
          new ResolvedLimit(BucketKeys.key("sub", org, s.sub()), p, LABEL_OVERRIDE_SUB));
    }
    if (s.client() != null && (p = o.client.get(s.client())) != null) {
      return Optional.of(
          new ResolvedLimit(BucketKeys.key("client", org, s.client()), p, LABEL_OVERRIDE_CLIENT));
    }
    if ((p = o.org.get(org)) != null) {
      return Optional.of(new ResolvedLimit(BucketKeys.key("org", org), p, LABEL_OVERRIDE_ORG));
    }
    if (routePolicy != null) {
      return Optional.of(
          new ResolvedLimit(
              BucketKeys.key("route", s.route(), "org", org), routePolicy, LABEL_ROUTE));
    }
    return fallback == null
        ? Optional.empty()
        : Optional.of(new ResolvedLimit(BucketKeys.key("org", org), fallback, LABEL_DEFAULT));
  }

  /**
   * The operator's clamp on one source address ({@code ip:<addr>} override) for an authenticated
   * route: bucket per address, label {@code override_ip}. Empty when no {@code ip:} override exists
   * (one volatile read, no parsing) or none names this address. The caller checks it before any
   * token work and still applies {@link #find} after authentication.
   */
  public Optional<ResolvedLimit> sourceClamp(String ip) {
    Overrides o = overrides.get();
    if (o.ip.isEmpty() || ip == null) {
      return Optional.empty();
    }
    String canonical;
    try {
      canonical = BucketKeys.canonicalIp(ip);
    } catch (IllegalArgumentException notAnAddress) {
      return Optional.empty();
    }
    RateLimitPolicy p = o.ip.get(canonical);
    return p == null
        ? Optional.empty()
        : Optional.of(new ResolvedLimit(BucketKeys.key("ip", canonical), p, LABEL_OVERRIDE_IP));
  }

  /** One immutable snapshot: every override, and one map per kind keyed by the bare id. */
  private record Overrides(
      Map<String, RateLimitPolicy> all,
      Map<String, RateLimitPolicy> org,
      Map<String, RateLimitPolicy> client,
      Map<String, RateLimitPolicy> sub,
      Map<String, RateLimitPolicy> ip,
      RateLimitPolicy defaultPolicy) {

    /** Validates and normalizes every key of {@code source}. */
    static Overrides of(Map<String, RateLimitPolicy> source) {
      Map<String, RateLimitPolicy> all = new HashMap<>();
      source.forEach(
          (subject, policy) ->
              all.put(
                  normalizeSubject(subject),
                  Objects.requireNonNull(policy, () -> "policy of " + subject)));
      return split(all);
    }

    /** A copy with one normalized key set ({@code policy} non-null) or removed (null). */
    Overrides with(String key, RateLimitPolicy policy) {
      Map<String, RateLimitPolicy> next = new HashMap<>(all);
      if (policy == null) {
        next.remove(key);
      } else {
        next.put(key, policy);
      }
      return split(next);
    }

    private static Overrides split(Map<String, RateLimitPolicy> all) {
      Map<String, RateLimitPolicy> org = new HashMap<>();
      Map<String, RateLimitPolicy> client = new HashMap<>();
      Map<String, RateLimitPolicy> sub = new HashMap<>();
      Map<String, RateLimitPolicy> ip = new HashMap<>();
      RateLimitPolicy[] runtimeDefault = {null};
      all.forEach(
          (key, policy) -> {
            if (key.equals(DEFAULT_SUBJECT)) {
              runtimeDefault[0] = policy;
              return;
            }
            int colon = key.indexOf(':');
            String id = key.substring(colon + 1);
            switch (key.substring(0, colon)) {
              case "org" -> org.put(id, policy);
              case "client" -> client.put(id, policy);
              case "sub" -> sub.put(id, policy);
              default -> ip.put(id, policy);
            }
          });
      return new Overrides(
          Map.copyOf(all),
          Map.copyOf(org),
          Map.copyOf(client),
          Map.copyOf(sub),
          Map.copyOf(ip),
          runtimeDefault[0]);
    }
  }
}
