package io.portcullis.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class RateLimitPoliciesTest {
  private static final RateLimitPolicy DEFAULT = RateLimitPolicy.parse("100/s");

  @Test
  void parsesOverridesJsonAsInTheSpec() {
    Map<String, RateLimitPolicy> o =
        RateLimitPolicies.parseOverridesJson(
            "{\"org:vip\": \"1000/s\", \"ip:10.0.0.7\": \"5/s burst 5\", \"sub:a@b.c\": \"6000/min burst 200\"}");
    assertThat(o)
        .containsEntry("org:vip", RateLimitPolicy.parse("1000/s"))
        .containsEntry("ip:10.0.0.7", new RateLimitPolicy(5, java.time.Duration.ofSeconds(1), 5))
        .containsEntry("sub:a@b.c", RateLimitPolicy.parse("6000/min burst 200"));
    assertThat(RateLimitPolicies.parseOverridesJson(null)).isEmpty();
    assertThat(RateLimitPolicies.parseOverridesJson("  ")).isEmpty();
  }

  @Test
  void aBadOverrideKeyOrValueIsNamed() {
    assertThatThrownBy(() -> RateLimitPolicies.parseOverridesJson("{\"tenant:vip\": \"1/s\"}"))
        .hasMessage(
            "RL_OVERRIDES_JSON: bad rate-limit subject 'tenant:vip'; expected org:<id>, client:<id>, sub:<id> or ip:<address>");
    assertThatThrownBy(() -> RateLimitPolicies.parseOverridesJson("{\"org:vip\": \"fast\"}"))
        .hasMessage(
            "RL_OVERRIDES_JSON: 'org:vip': bad rate limit 'fast'; expected <count>/<s|min|h> [burst <n>], e.g. 100/s or 6000/min burst 200");
    assertThatThrownBy(() -> RateLimitPolicies.parseOverridesJson("{\"org:vip\": 10}"))
        .hasMessage("RL_OVERRIDES_JSON: value of 'org:vip' must be a string like \"1000/s\"");
    assertThatThrownBy(() -> RateLimitPolicies.parseOverridesJson("{\"ip:example.com\": \"1/s\"}"))
        .hasMessage(
            "RL_OVERRIDES_JSON: bad rate-limit subject 'ip:example.com': 'example.com' is not an IPv4 or IPv6 address literal");
    assertThatThrownBy(() -> RateLimitPolicies.parseOverridesJson("{\"org:a b\": \"1/s\"}"))
        .hasMessageContaining("'org:a b'");
    assertThatThrownBy(() -> RateLimitPolicies.parseOverridesJson("[1]"))
        .hasMessageStartingWith("RL_OVERRIDES_JSON: not a JSON object");
    assertThatThrownBy(() -> RateLimitPolicies.parseOverridesJson("{\"sub:\": \"1/s\"}"))
        .hasMessageContaining("'sub:'");
    assertThatThrownBy(() -> RateLimitPolicies.parseOverridesJson("{\"default\": \"1/s\"}"))
        .hasMessageStartingWith("RL_OVERRIDES_JSON: 'default' is PORTCULLIS_RATE_LIMIT's job");
  }

  @Test
  void ipSubjectsAreCanonical() {
    assertThat(RateLimitPolicies.normalizeSubject("ip:::1")).isEqualTo("ip:0:0:0:0:0:0:0:1");
    assertThat(RateLimitPolicies.normalizeSubject("ip:[2001:db8::1]"))
        .isEqualTo("ip:2001:db8:0:0:0:0:0:1");
    RateLimitPolicies p =
        RateLimitPolicies.create(DEFAULT, Map.of(), Map.of("ip:::1", RateLimitPolicy.parse("1/s")));
    ResolvedLimit r = p.resolve(RateLimitSubject.publicRoute("/", "0:0:0:0:0:0:0:1"));
    assertThat(r.policyLabel()).isEqualTo("override_ip");
  }

  /**
   * An ip: override is a source clamp on authenticated routes: the address's own bucket (the one
   * public routes use), beside the tenant's limit that {@link RateLimitPolicies#find} still gives.
   */
  @Test
  void anIpOverrideIsASourceClampOnAuthenticatedRoutes() {
    RateLimitPolicies none = RateLimitPolicies.of(DEFAULT);
    assertThat(none.sourceClamp("10.0.0.7")).isEmpty();
    RateLimitPolicies p =
        RateLimitPolicies.create(
            DEFAULT,
            Map.of(),
            Map.of("ip:10.0.0.7", RateLimitPolicy.parse("5/s"), "ip:::1", parse("1/s")));
    assertThat(p.sourceClamp("10.0.0.7"))
        .contains(new ResolvedLimit("ip:10.0.0.7", parse("5/s"), "override_ip"));
    assertThat(p.sourceClamp("0:0:0:0:0:0:0:1"))
        .contains(
            new ResolvedLimit("ip:0%3A0%3A0%3A0%3A0%3A0%3A0%3A1", parse("1/s"), "override_ip"));
    assertThat(p.sourceClamp("10.0.0.8")).isEmpty();
    assertThat(p.sourceClamp("not an address")).isEmpty();
    assertThat(p.sourceClamp(null)).isEmpty();
    // the tenant's limit is unchanged by the clamp
    assertThat(p.resolve(RateLimitSubject.authenticated("/", "acme", null, null, "10.0.0.7")))
        .isEqualTo(new ResolvedLimit("org:acme", DEFAULT, "default"));
    p.removeOverride("ip:10.0.0.7");
    assertThat(p.sourceClamp("10.0.0.7")).isEmpty();
  }

  /**
   * The "default" override replaces the default itself at runtime, wherever the default applies
   * (tenants without an override, public routes per IP, a default that was off); route policies,
   * routes switched off and subject overrides are untouched; removing it brings the configured
   * default back.
   */
  @Test
  void theDefaultItselfCanBeReplacedAtRuntime() {
    RateLimitPolicies p =
        RateLimitPolicies.create(
            DEFAULT,
            Map.of("/reports/", parse("20/s")),
            Set.of("/off/"),
            Map.of("org:vip", parse("1000/s")));
    p.setOverride("default", parse("500/s"));
    assertThat(p.defaultPolicy()).isEqualTo(parse("500/s"));
    assertThat(p.resolve(RateLimitSubject.authenticated("/", "acme", null, null, null)))
        .isEqualTo(new ResolvedLimit("org:acme", parse("500/s"), "default"));
    assertThat(p.resolve(RateLimitSubject.publicRoute("/", "10.0.0.8")).policy())
        .isEqualTo(parse("500/s"));
    assertThat(p.resolve(RateLimitSubject.authenticated("/reports/", "acme", null, null, null)))
        .extracting(ResolvedLimit::policy)
        .isEqualTo(parse("20/s"));
    assertThat(p.resolve(RateLimitSubject.authenticated("/", "vip", null, null, null)).policy())
        .isEqualTo(parse("1000/s"));
    assertThat(p.find(RateLimitSubject.authenticated("/off/", "acme", null, null, null))).isEmpty();
    p.removeOverride("default");
    assertThat(p.defaultPolicy()).isEqualTo(DEFAULT);

    RateLimitPolicies off = RateLimitPolicies.create(null, Map.of(), Map.of());
    assertThat(off.find(RateLimitSubject.authenticated("/", "acme", null, null, null))).isEmpty();
    off.setOverride("default", parse("50/s"));
    assertThat(off.find(RateLimitSubject.authenticated("/", "acme", null, null, null)))
        .map(ResolvedLimit::policy)
        .contains(parse("50/s"));
  }

  private static RateLimitPolicy parse(String s) {
    return RateLimitPolicy.parse(s);
  }

  @Test
  void resolvesByPrecedenceWithNamespacedKeysAndFixedLabels() {
    RateLimitPolicies p =
        RateLimitPolicies.create(
            DEFAULT,
            Map.of("/reports/", RateLimitPolicy.parse("20/s")),
            Map.of(
                "org:vip", RateLimitPolicy.parse("1000/s"),
                "client:cli", RateLimitPolicy.parse("7/s"),
                "sub:alice", RateLimitPolicy.parse("3/s"),
                "ip:10.0.0.7", RateLimitPolicy.parse("5/s")));
    assertThat(p.resolve(RateLimitSubject.authenticated("/", "acme", null, null, "10.0.0.7")))
        .isEqualTo(new ResolvedLimit("org:acme", DEFAULT, "default"));
    assertThat(p.resolve(RateLimitSubject.authenticated("/reports/", "acme", null, null, null)))
        .isEqualTo(
            new ResolvedLimit(
                "route:%2Freports%2F:org:acme", RateLimitPolicy.parse("20/s"), "route"));
    assertThat(p.resolve(RateLimitSubject.authenticated("/reports/", "vip", null, null, null)))
        .isEqualTo(new ResolvedLimit("org:vip", RateLimitPolicy.parse("1000/s"), "override_org"));
    assertThat(p.resolve(RateLimitSubject.authenticated("/", "vip", "cli", null, null)))
        .isEqualTo(
            new ResolvedLimit("client:vip:cli", RateLimitPolicy.parse("7/s"), "override_client"));
    assertThat(p.resolve(RateLimitSubject.authenticated("/", "vip", "cli", "alice", null)))
        .isEqualTo(
            new ResolvedLimit("sub:vip:alice", RateLimitPolicy.parse("3/s"), "override_sub"));
    assertThat(p.resolve(RateLimitSubject.publicRoute("/", "10.0.0.7")))
        .isEqualTo(new ResolvedLimit("ip:10.0.0.7", RateLimitPolicy.parse("5/s"), "override_ip"));
    assertThat(p.resolve(RateLimitSubject.publicRoute("/reports/", "10.0.0.8")))
        .isEqualTo(
            new ResolvedLimit(
                "route:%2Freports%2F:ip:10.0.0.8", RateLimitPolicy.parse("20/s"), "route"));
    assertThat(p.resolve(RateLimitSubject.publicRoute("/", "10.0.0.8")))
        .isEqualTo(new ResolvedLimit("ip:10.0.0.8", DEFAULT, "default"));
  }

  @Test
  void offIsNoLimitWhereTheDefaultOrTheRoutesOwnPolicyWouldApplyAndOverridesStillWin() {
    RateLimitPolicies p =
        RateLimitPolicies.create(
            null, // PORTCULLIS_RATE_LIMIT=off
            Map.of("/reports/", RateLimitPolicy.parse("20/s")),
            Set.of("/health/"),
            Map.of(
                "org:abuser", RateLimitPolicy.parse("1/s"),
                "ip:10.0.0.7", RateLimitPolicy.parse("5/s")));
    assertThat(p.defaultPolicy()).isNull();
    assertThat(p.routeOff("/health/")).isTrue();
    assertThat(p.routeOff("/")).isFalse();
    assertThat(p.find(RateLimitSubject.authenticated("/", "acme", null, null, null))).isEmpty();
    assertThat(p.find(RateLimitSubject.publicRoute("/", "10.0.0.8"))).isEmpty();
    assertThatThrownBy(
            () -> p.resolve(RateLimitSubject.authenticated("/", "acme", null, null, null)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("off");
    // a route's own policy still applies with the default off
    assertThat(p.find(RateLimitSubject.authenticated("/reports/", "acme", null, null, null)))
        .map(ResolvedLimit::policyLabel)
        .contains("route");
    // overrides win over off, on the default and on an off route
    assertThat(p.find(RateLimitSubject.authenticated("/", "abuser", null, null, null)))
        .map(ResolvedLimit::policyLabel)
        .contains("override_org");
    assertThat(p.find(RateLimitSubject.authenticated("/health/", "abuser", null, null, null)))
        .map(ResolvedLimit::policyLabel)
        .contains("override_org");
    assertThat(p.find(RateLimitSubject.publicRoute("/health/", "10.0.0.7")))
        .map(ResolvedLimit::policyLabel)
        .contains("override_ip");

    // with a default, an off route is still unlimited; other routes get the default
    RateLimitPolicies withDefault =
        RateLimitPolicies.create(DEFAULT, Map.of(), Set.of("/health/"), Map.of());
    assertThat(
            withDefault.find(RateLimitSubject.authenticated("/health/", "acme", null, null, null)))
        .isEmpty();
    assertThat(withDefault.find(RateLimitSubject.publicRoute("/health/", "10.0.0.8"))).isEmpty();
    assertThat(withDefault.find(RateLimitSubject.authenticated("/", "acme", null, null, null)))
        .contains(new ResolvedLimit("org:acme", DEFAULT, "default"));
    assertThatThrownBy(
            () ->
                RateLimitPolicies.create(DEFAULT, Map.of("/a/", DEFAULT), Set.of("/a/"), Map.of()))
        .hasMessageContaining("/a/");
  }

  @Test
  void idsThatLookAlikeNeverShareABucket() {
    RateLimitPolicies p =
        RateLimitPolicies.create(DEFAULT, Map.of(), Map.of("sub:b", DEFAULT, "sub:x:b", DEFAULT));
    // org "a:x" + sub "b" vs org "a" + sub "x:b" would both be "sub:a:x:b" unencoded
    String k1 = p.resolve(RateLimitSubject.authenticated("/", "a:x", null, "b", null)).bucketKey();
    String k2 = p.resolve(RateLimitSubject.authenticated("/", "a", null, "x:b", null)).bucketKey();
    assertThat(k1).isNotEqualTo(k2);
    assertThat(k1).doesNotContain("{", "}");
    // an org named like an IP never meets the IP's public bucket
    assertThat(
            p.resolve(RateLimitSubject.authenticated("/", "10.0.0.1", null, null, null))
                .bucketKey())
        .isNotEqualTo(p.resolve(RateLimitSubject.publicRoute("/", "10.0.0.1")).bucketKey());
  }

  @Test
  void anAuthenticatedSubjectWithoutOrgIsRefused() {
    assertThatThrownBy(() -> RateLimitSubject.authenticated("/", null, "c", "s", "1.2.3.4"))
        .hasMessageContaining("org is required");
    assertThatThrownBy(() -> RateLimitSubject.publicRoute("/", null))
        .hasMessageContaining("ip is required");
  }

  @Test
  void overridesChangeAtRuntime() {
    RateLimitPolicies p = RateLimitPolicies.of(DEFAULT);
    RateLimitSubject acme = RateLimitSubject.authenticated("/", "acme", null, null, null);
    p.setOverride("org:acme", RateLimitPolicy.parse("1/s"));
    assertThat(p.resolve(acme).policy()).isEqualTo(RateLimitPolicy.parse("1/s"));
    assertThat(p.override("org:acme")).contains(RateLimitPolicy.parse("1/s"));
    assertThat(p.removeOverride("org:acme")).isTrue();
    assertThat(p.removeOverride("org:acme")).isFalse();
    assertThat(p.resolve(acme).policy()).isEqualTo(DEFAULT);
    p.replaceOverrides(Map.of("org:acme", RateLimitPolicy.parse("2/s"), "org:b", DEFAULT));
    assertThat(p.overrides()).containsOnlyKeys("org:acme", "org:b");
    assertThat(p.resolve(acme).policyLabel()).isEqualTo("override_org");
    assertThatThrownBy(() -> p.setOverride("acme", DEFAULT)).hasMessageContaining("'acme'");
  }

  @Test
  void concurrentWritersLoseNoOverride() throws Exception {
    RateLimitPolicies p = RateLimitPolicies.of(DEFAULT);
    int threads = 4;
    int each = 200;
    CountDownLatch start = new CountDownLatch(1);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      Thread w =
          new Thread(
              () -> {
                try {
                  start.await();
                  for (int i = 0; i < each; i++) {
                    p.setOverride("org:t" + id + "-" + i, DEFAULT);
                    p.resolve(
                        RateLimitSubject.authenticated("/", "t" + id + "-" + i, null, null, null));
                  }
                } catch (Throwable e) {
                  failure.set(e);
                }
              });
      workers.add(w);
      w.start();
    }
    start.countDown();
    for (Thread w : workers) {
      w.join(10_000);
    }
    assertThat(failure.get()).isNull();
    assertThat(p.overrides()).hasSize(threads * each);
  }
}
