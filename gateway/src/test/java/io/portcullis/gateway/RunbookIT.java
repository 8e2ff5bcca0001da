package io.portcullis.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * RUNBOOK.md, executed. Starts the real fat jar ({@code target/portcullis.jar}) as a subprocess on
 * ports 0, reads its ports from the startup line, and runs every shell block of RUNBOOK.md that
 * calls the gateway through {@code bash -c}, as written, in document order; after each block it
 * asserts what the runbook says the operator will see (status, JSON fields, audit events, metric
 * lines, the client's error code).
 *
 * <p>Which blocks: every fenced block containing {@code curl} is a gateway block unless the line
 * before its fence is {@code <!-- not-gateway: <reason> -->} (kubectl-only steps, curl run against
 * the issuer from a throwaway pod). A gateway block may hold only curl commands and comments, and
 * must have a step below (keyed "section #n"): a new or removed curl block fails this test, so none
 * is skipped silently.
 *
 * <p>Rewrite rule, the only change made to a block's text before it runs: the runbook's canonical
 * addresses {@code http://127.0.0.1:9090} (admin, via the Service) and {@code
 * http://127.0.0.1:9091} (admin, one pod) become the subprocess's admin listener (9091: the pod the
 * step targets), {@code http://127.0.0.1:8080} (proxy) its proxy listener; {@code <kid>}, {@code
 * <jti>}, {@code <exp>} become real values. Any other URL or placeholder fails the test. The
 * variables the runbook tells the operator to set ({@code PORTCULLIS_ADMIN_TOKEN}, {@code TOKEN},
 * {@code START}, {@code END}) are in the environment. {@code curl} is wrapped by a shell function
 * that only adds {@code -D} (and tees the body) so each command's status can be asserted; the block
 * runs under {@code set -euo pipefail} and must exit 0.
 */
class RunbookIT {
  private static final String ISSUER = "https://idp.runbook.test";
  private static final String AUDIENCE = "api";
  private static final String ADMIN_SECRET = "runbook-it-admin-secret-0123456789";

  /** The kid the runbook's incident revokes. */
  private static final String OLD_KID = "k-2025";

  /** JWT_KEY_ID_CURRENT of the healthy gateway. */
  private static final String NEW_KID = "k-2026";

  private static final String MISSING_KID = "k-2027";
  private static final Pattern NOT_GATEWAY =
      Pattern.compile("^<!--\\s*not-gateway:\\s*(.+?)\\s*-->$");
  private static final Pattern URL = Pattern.compile("https?://[^/\\s'\"]+");
  private static final Set<String> CANONICAL_HOSTS =
      Set.of("http://127.0.0.1:9090", "http://127.0.0.1:9091", "http://127.0.0.1:8080");
  private static final Pattern PLACEHOLDER = Pattern.compile("<[a-z][a-z0-9-]*>");
  private static final String CSV_HEADER =
      "time,actor,action,target,org,reason,source,request_id,outcome";

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private static KeyPair oldKey;
  private static KeyPair newKey;
  private static HttpServer upstream;
  private static Path work;
  private static Subprocess healthy;
  private static Subprocess broken;
  private static final Instant START = Instant.now().truncatedTo(ChronoUnit.SECONDS);

  /** The latest session cut-off set so far: tokens meant to pass are issued after it. */
  private static Instant lastCutoff = START.minusSeconds(60);

  @BeforeAll
  static void startGateways() throws Exception {
    Path jar = Path.of("target/portcullis.jar").toAbsolutePath();
    assertThat(jar).as("the fat jar (built in package, before failsafe)").exists();
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    oldKey = g.generateKeyPair();
    newKey = g.generateKeyPair();
    upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    upstream.createContext(
        "/",
        ex -> {
          byte[] body = "{\"upstream\":\"ok\"}".getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().add("Content-Type", "application/json");
          ex.sendResponseHeaders(200, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    upstream.start();
    work = Files.createTempDirectory("runbook-it");

    Map<String, String> env = new LinkedHashMap<>();
    env.put(
        "JWT_PUBLIC_KEYS_PEM",
        new JsonObject().put(OLD_KID, pem(oldKey)).put(NEW_KID, pem(newKey)).encode());
    env.put("PORTCULLIS_ISSUERS", ISSUER);
    env.put("PORTCULLIS_AUDIENCES", AUDIENCE);
    env.put("PORTCULLIS_ADMIN_TOKENS", "oncall=" + ADMIN_SECRET);
    env.put("PORTCULLIS_UPSTREAM", "http://127.0.0.1:" + upstream.getAddress().getPort() + "/");
    // "Suspected tenant isolation violation" switches the tenant-scoped route off: a config with
    // that route and the default one (which takes PORTCULLIS_UPSTREAM's place).
    Path config = work.resolve("portcullis.yaml");
    Files.writeString(
        config,
        """
        routes:
          - path: /orgs/{org}/
            upstream: %1$s
          - path: /
            upstream: %1$s
        """
            .formatted(env.get("PORTCULLIS_UPSTREAM")));
    env.put("PORTCULLIS_CONFIG", config.toString());
    // The standing limit the runbook's "Token abuse" section puts in the ConfigMap.
    env.put("RL_OVERRIDES_JSON", "{\"client:reporting-bot\": \"5/min burst 5\"}");

    Map<String, String> healthyEnv = new LinkedHashMap<>(env);
    healthyEnv.put("JWT_KEY_ID_CURRENT", NEW_KID);
    healthyEnv.put("PORTCULLIS_DATA_DIR", work.resolve("data-healthy").toString());
    healthy = Subprocess.start(jar, healthyEnv);

    // "Current signing key missing": JWT_KEY_ID_CURRENT names a kid absent from the keys.
    Map<String, String> brokenEnv = new LinkedHashMap<>(env);
    brokenEnv.put("JWT_KEY_ID_CURRENT", MISSING_KID);
    brokenEnv.put("PORTCULLIS_DATA_DIR", work.resolve("data-broken").toString());
    broken = Subprocess.start(jar, brokenEnv);
  }

  @AfterAll
  static void stopGateways() {
    for (Subprocess s : new Subprocess[] {healthy, broken}) {
      if (s != null) {
        s.stop();
      }
    }
    if (upstream != null) {
      upstream.stop(0);
    }
  }

  @Test
  void everyGatewayStepOfTheRunbookWorksAsWritten() throws Exception {
    List<Block> blocks = Block.parse(Files.readString(repoRoot().resolve("RUNBOOK.md")));
    Map<String, Step> steps = steps();

    List<Block> gateway = blocks.stream().filter(Block::gatewaySide).toList();
    List<String> excluded =
        blocks.stream()
            .filter(b -> b.notGateway != null)
            .map(
                b ->
                    b.section
                        + ": "
                        + b.text.lines().findFirst().orElse("")
                        + "  -- "
                        + b.notGateway)
            .toList();
    System.out.println("RUNBOOK.md blocks excluded (not gateway-side):");
    excluded.forEach(e -> System.out.println("  " + e));
    assertThat(gateway.stream().map(Block::key).toList())
        .as("every curl block of RUNBOOK.md is executed here or marked <!-- not-gateway: why -->")
        .containsExactlyElementsOf(steps.keySet());
    for (Block b : blocks) {
      if (b.notGateway != null) {
        // A block that calls Portcullis is gateway-side by definition: it cannot be marked away.
        assertThat(CANONICAL_HOSTS)
            .as("%s block marked not-gateway calls Portcullis:%n%s", b.section, b.text)
            .noneMatch(b.text::contains);
      }
    }

    for (Block b : gateway) {
      System.out.println("RUNBOOK.md executing " + b.key());
      steps.get(b.key()).run(b);
    }

    classificationIsVisibleInMetricsAndAccessLog();
  }

  /** One entry per gateway block of RUNBOOK.md, in document order. */
  private Map<String, Step> steps() {
    Map<String, Step> s = new LinkedHashMap<>();
    s.put(
        "Before you start #1",
        b -> {
          Run r = run(b, healthy, Map.of());
          assertThat(r.statuses).containsExactly(200);
          assertKeys(r.json(0), NEW_KID, true);
          // "A wrong admin secret answers 401 and is itself audited (admin.auth_failed)"
          assertThat(adminGet(healthy, "/admin/v1/keys", "wrong-secret-wrong-secret").statusCode())
              .isEqualTo(401);
          assertThat(audit("admin.auth_failed", null)).isNotEmpty();
        });
    s.put(
        "Auth failures spike #1",
        b -> {
          // The classes of the table, as the client sees them.
          assertProxy(
              token(NEW_KID, "globex", "u1", "web", Instant.now().minusSeconds(120)), 200, null);
          assertProxy(
              token(
                  NEW_KID,
                  "globex",
                  "u1",
                  "web",
                  null,
                  AUDIENCE,
                  issuedAt(),
                  Instant.now().minusSeconds(60)),
              401,
              "token_expired");
          assertProxy(
              token(NEW_KID, "globex", "u1", "web", null, "another-api", issuedAt(), inAnHour()),
              401,
              "invalid_token");
          assertProxy(
              token("k-unknown", "globex", "u1", "web", null, AUDIENCE, issuedAt(), inAnHour()),
              401,
              "unknown_key");
          Run r = run(b, healthy, Map.of());
          assertThat(r.statuses).containsExactly(200, 200);
          assertKeys(r.json(0), NEW_KID, true);
          JsonObject ready = r.json(1);
          assertThat(ready.getString("status")).isEqualTo("ready");
          assertThat(ready.getJsonObject("checks").fieldNames()).contains("keys", "revocations");
        });
    s.put(
        "Unknown kid spike #1",
        b -> assertKeys(run(b, healthy, Map.of()).statusesAre(200).json(0), NEW_KID, true));
    s.put(
        "Unknown kid spike #2",
        b -> {
          run(b, healthy, Map.of()).statusesAre(200);
          // Verify: "GET /admin/v1/audit?action=keys.refreshed&from=<start> shows your refresh"
          assertThat(audit("keys.refreshed", null))
              .anySatisfy(e -> assertThat(e.getString("outcome")).isEqualTo("success"));
        });
    s.put(
        "Keys refresh failing or stale #1",
        b -> assertKeys(run(b, healthy, Map.of()).statusesAre(200).json(0), NEW_KID, true));
    s.put(
        "Keys refresh failing or stale #2",
        b -> {
          run(b, healthy, Map.of()).statusesAre(200);
          assertThat(
                  metric(
                      healthy,
                      "portcullis_keyset_refresh_total{result=\"success\",source=\"pem\"}"))
              .isGreaterThanOrEqualTo(1);
          assertThat(healthy.get("/readyz").statusCode()).isEqualTo(200);
        });
    s.put(
        "Current signing key missing #1",
        b -> {
          // The pod whose JWT_KEY_ID_CURRENT names a kid it does not have.
          Run r = run(b, broken, Map.of()).statusesAre(200, 503);
          assertThat(r.stdout)
              .contains("\"current_kid_present\": false")
              .contains("\"current_kid\": \"" + MISSING_KID + "\"")
              .contains("\"status\": \"down\"")
              .contains("current kid " + MISSING_KID);
        });
    s.put(
        "Signing key compromise #1",
        b -> {
          String signedWithOld = token(OLD_KID, "acme", "user-7", "web", Instant.now());
          assertProxy(signedWithOld, 200, null); // cached as valid before the revocation
          run(b, healthy, Map.of("kid", OLD_KID)).statusesAre(200);
          assertProxy(signedWithOld, 401, "key_revoked");
          JsonObject keys = adminJson(healthy, "/admin/v1/keys");
          assertThat(keys.getJsonArray("revoked_kids").stream())
              .anySatisfy(k -> assertThat(((JsonObject) k).getString("kid")).isEqualTo(OLD_KID));
          assertThat(keyState(keys, OLD_KID)).isEqualTo("revoked");
          assertThat(metric(healthy, "portcullis_revocations_active{type=\"kid\"}")).isEqualTo(1);
        });
    s.put(
        "Signing key compromise #2",
        b -> {
          String acmeBefore =
              token(NEW_KID, "acme", "user-7", "web", Instant.now().minusSeconds(5));
          String userBefore =
              token(NEW_KID, "acme", "user-42", "web", Instant.now().minusSeconds(5));
          String otherTenant =
              token(NEW_KID, "globex", "user-7", "web", Instant.now().minusSeconds(5));
          assertProxy(acmeBefore, 200, null);
          Run r = run(b, healthy, Map.of()).statusesAre(201, 201);
          noteCutoff(r.json(0));
          noteCutoff(r.json(1));
          assertProxy(acmeBefore, 401, "token_revoked");
          assertProxy(userBefore, 401, "token_revoked");
          assertProxy(otherTenant, 200, null); // not broader than intended
          assertProxy(freshToken("acme", "user-7", "web"), 200, null); // new sign-ins work
        });
    s.put(
        "Signing key compromise #3",
        b -> {
          run(b, healthy, Map.of()).statusesAre(200, 200);
          assertThat(adminJson(healthy, "/admin/v1/rate-limits/org:acme").getString("limit"))
              .isEqualTo("1000/s");
          assertThat(adminJson(healthy, "/admin/v1/rate-limits/ip:203.0.113.7").getString("limit"))
              .isEqualTo("1/s");
        });
    s.put(
        "Signing key compromise #4",
        b -> {
          Run r = run(b, healthy, Map.of()).statusesAre(200, 200);
          assertThat(events(r.body(0)))
              .anySatisfy(
                  e -> {
                    assertThat(e.getString("action")).isEqualTo("key.revoked");
                    assertThat(e.getString("target")).contains(OLD_KID);
                    assertThat(e.getString("reason")).isEqualTo("INC-123 signing key leaked");
                    assertThat(e.getString("actor")).isEqualTo("oncall");
                    assertThat(e.getString("outcome")).isEqualTo("success");
                  });
          List<JsonObject> sessions = events(r.body(1));
          assertThat(sessions).hasSize(2);
          assertThat(sessions)
              .allSatisfy(
                  e -> {
                    assertThat(e.getString("action")).isEqualTo("sessions.revoked");
                    assertThat(e.getString("org")).isEqualTo("acme");
                    assertThat(e.getString("outcome")).isEqualTo("success");
                  });
        });
    s.put(
        "Current signing key revoked, or a kid revoked in error #1",
        b -> {
          // on-call pulled the current kid instead of the leaked one
          HttpResponse<String> revoked =
              adminPost(
                  healthy,
                  "/admin/v1/keys/" + NEW_KID + "/revoke",
                  new JsonObject().put("reason", "INC-124 wrong kid"));
          assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(200);
          assertThat(new JsonObject(revoked.body()).getBoolean("in_keyset")).isTrue();
          assertProxy(freshToken("acme", "user-5", "web"), 401, "key_revoked");
          assertThat(metric(healthy, "portcullis_keyset_current_kid_revoked")).isEqualTo(1);
          Run r = run(b, healthy, Map.of()).statusesAre(200);
          assertThat(r.stdout)
              .contains("\"current_kid_revoked\": true")
              .contains("\"reason\": \"INC-124 wrong kid\"");
        });
    s.put(
        "Current signing key revoked, or a kid revoked in error #2",
        b -> {
          run(b, healthy, Map.of("kid", NEW_KID)).statusesAre(200);
          assertProxy(freshToken("acme", "user-5", "web"), 200, null);
          assertThat(metric(healthy, "portcullis_keyset_current_kid_revoked")).isEqualTo(0);
          JsonObject keys = adminJson(healthy, "/admin/v1/keys");
          assertThat(keys.getBoolean("current_kid_revoked")).isFalse();
          assertThat(keyState(keys, NEW_KID)).isEqualTo("active");
          assertThat(keyState(keys, OLD_KID)).isEqualTo("revoked"); // the real leak stays pulled
          assertThat(audit("key.restored", null))
              .anySatisfy(
                  e -> assertThat(e.getString("reason")).isEqualTo("INC-124 wrong kid revoked"));
        });
    s.put(
        "Token abuse or lost device #1",
        b -> {
          String jti = UUID.randomUUID().toString();
          Instant exp = inAnHour().truncatedTo(ChronoUnit.SECONDS);
          String pasted =
              token(NEW_KID, "acme", "user-9", "web", jti, AUDIENCE, afterCutoffs(), exp);
          assertProxy(pasted, 200, null);
          run(b, healthy, Map.of("jti", jti, "exp", Long.toString(exp.getEpochSecond())))
              .statusesAre(201);
          assertProxy(pasted, 401, "token_revoked");
          assertProxy(freshToken("acme", "user-9", "web"), 200, null); // only that token
        });
    s.put(
        "Token abuse or lost device #2",
        b -> {
          String laptop = token(NEW_KID, "acme", "user-42", "web", afterCutoffs());
          awaitPast(afterCutoffs()); // the cut-off is "issued at or before now", in seconds
          assertProxy(laptop, 200, null);
          Run r = run(b, healthy, Map.of()).statusesAre(201);
          noteCutoff(r.json(0));
          assertProxy(laptop, 401, "token_revoked");
        });
    s.put(
        "Token abuse or lost device #3",
        b -> {
          Run r = run(b, healthy, Map.of()).statusesAre(200, 200, 200);
          // burst defaults to the count, so the gateway may show the short form
          assertThat(r.json(1).getString("limit")).isIn("5/min burst 5", "5/min");
          assertThat(r.json(1).getString("subject")).isEqualTo("client:reporting-bot");
          assertThat(r.json(1).getString("source")).isEqualTo("admin");
          // Deleted through the API: the RL_OVERRIDES_JSON entry of the ConfigMap applies again,
          // and GET says so.
          JsonObject after = adminJson(healthy, "/admin/v1/rate-limits/client:reporting-bot");
          assertThat(after.getString("source")).isEqualTo("RL_OVERRIDES_JSON");
          String bot = freshToken("initech", "svc-1", "reporting-bot");
          for (int i = 0; i < 5; i++) {
            assertProxy(bot, 200, null);
          }
          HttpResponse<String> limited = proxyGet(bot);
          assertThat(limited.statusCode()).isEqualTo(429);
          assertThat(new JsonObject(limited.body()).getString("error")).isEqualTo("rate_limited");
          assertThat(limited.headers().firstValue("Retry-After")).isPresent();
          assertProxy(freshToken("initech", "svc-1", "web"), 200, null); // other clients unaffected
        });
    s.put(
        "Token abuse or lost device #4",
        b -> {
          Run r = run(b, healthy, Map.of()).statusesAre(200, 200);
          assertThat(r.json(0).getJsonArray("revocations").stream().map(JsonObject.class::cast))
              .anySatisfy(
                  e -> {
                    assertThat(e.getString("sub")).isEqualTo("user-42");
                    assertThat(e.getString("org")).isEqualTo("acme");
                    assertThat(e.getString("reason")).isEqualTo("INC-124 lost laptop");
                  });
          assertThat(events(r.body(1)))
              .anySatisfy(e -> assertThat(e.getString("reason")).isEqualTo("INC-124 lost laptop"));
        });
    s.put(
        "Tenant misbehaving #1",
        b -> {
          JsonObject t = run(b, healthy, Map.of()).statusesAre(200).json(0);
          assertThat(t.getString("org")).isEqualTo("acme");
          assertThat(t.getString("state")).isEqualTo("active");
          assertThat(t.getString("rate_limit")).isEqualTo("1000/s");
          assertThat(t.getString("rate_limit_source")).isEqualTo("override");
        });
    s.put(
        "Tenant misbehaving #2",
        b -> {
          run(b, healthy, Map.of()).statusesAre(200);
          assertThat(adminJson(healthy, "/admin/v1/tenants/acme").getString("rate_limit"))
              .isEqualTo("10/s");
        });
    s.put(
        "Tenant misbehaving #3",
        b -> {
          run(b, healthy, Map.of()).statusesAre(200);
          assertProxy(freshToken("acme", "user-7", "web"), 403, "org_suspended");
          assertProxy(freshToken("globex", "user-7", "web"), 200, null);
          JsonObject t = adminJson(healthy, "/admin/v1/tenants/acme");
          assertThat(t.getString("state")).isEqualTo("suspended");
          assertThat(t.getString("state_reason"))
              .isEqualTo("INC-125 runaway client, owner informed");
        });
    s.put(
        "Tenant misbehaving #4",
        b -> {
          run(b, healthy, Map.of()).statusesAre(200);
          assertProxy(freshToken("acme", "user-7", "web"), 200, null);
          assertThat(adminJson(healthy, "/admin/v1/tenants/acme").getString("state"))
              .isEqualTo("active");
        });
    s.put(
        "Tenant misbehaving #5",
        b -> {
          Run r = run(b, healthy, Map.of()).statusesAre(200);
          assertThat(events(r.body(0)))
              .singleElement()
              .satisfies(
                  e -> {
                    assertThat(e.getString("action")).isEqualTo("tenant.resumed");
                    assertThat(e.getString("org")).isEqualTo("acme");
                    assertThat(e.getString("reason")).isEqualTo("INC-125 client fixed");
                    assertThat(e.getString("outcome")).isEqualTo("success");
                  });
        });
    s.put(
        "Tenant misbehaving #6",
        b -> {
          // acme was resumed by #4: nothing is suspended now, and acme is listed as active
          // (it still holds state: the 10/s override of #2 and its resume).
          JsonObject suspended = run(b, healthy, Map.of()).statusesAre(200).json(0);
          assertThat(suspended.getJsonArray("tenants")).isEmpty();
          JsonObject active = adminJson(healthy, "/admin/v1/tenants?state=active");
          assertThat(active.getJsonArray("tenants").stream().map(JsonObject.class::cast))
              .anySatisfy(
                  t -> {
                    assertThat(t.getString("org")).isEqualTo("acme");
                    assertThat(t.getString("state_reason")).isEqualTo("INC-125 client fixed");
                    assertThat(t.getString("rate_limit")).isEqualTo("10/s");
                  });
        });
    s.put(
        "Suspected tenant isolation violation #1",
        b -> {
          Run r = run(b, healthy, Map.of()).statusesAre(403, 403);
          assertThat(new JsonObject(r.body(0)).getString("error")).isEqualTo("org_mismatch");
          assertThat(new JsonObject(r.body(1)).getString("error")).isEqualTo("org_mismatch");
        });
    s.put(
        "Suspected tenant isolation violation #2",
        b -> {
          Run r = run(b, healthy, Map.of()).statusesAre(200, 200);
          assertThat(
                  r.json(0).getJsonArray("routes").stream()
                      .map(o -> ((JsonObject) o).getString("path")))
              .containsExactly("/orgs/{org}/", "/");
          assertThat(r.json(1).getBoolean("disabled")).isTrue();
          assertThat(proxyGet(freshToken("acme", "user-7", "web"), "/orgs/acme/x").statusCode())
              .isEqualTo(503);
          assertProxy(freshToken("acme", "user-7", "web"), 200, null);
          assertThat(metric(healthy, "portcullis_revocations_active{type=\"route\"}")).isEqualTo(1);
        });
    s.put(
        "Suspected tenant isolation violation #3",
        b -> {
          Run r = run(b, healthy, Map.of()).statusesAre(503, 200);
          assertThat(new JsonObject(r.body(0)).getString("error")).isEqualTo("route_disabled");
          assertThat(r.json(1).getString("org")).isEqualTo("acme");
        });
    s.put(
        "Suspected tenant isolation violation #4",
        b -> {
          Run r = run(b, healthy, Map.of()).statusesAre(200);
          assertThat(r.json(0).getBoolean("disabled")).isFalse();
          assertThat(proxyGet(freshToken("acme", "user-7", "web"), "/orgs/acme/x").statusCode())
              .isEqualTo(200);
        });
    s.put(
        "Suspected tenant isolation violation #5",
        b -> {
          Run r = run(b, healthy, Map.of()).statusesAre(200);
          assertThat(events(r.body(0)))
              .singleElement()
              .satisfies(
                  e -> {
                    assertThat(e.getString("actor")).isEqualTo("oncall");
                    assertThat(e.getString("target")).isEqualTo("route:/orgs/{org}/");
                    assertThat(e.getString("reason"))
                        .isEqualTo("INC-126 suspected cross-tenant read");
                  });
        });
    s.put(
        "Admin secret leaked or an admin leaves #1",
        b -> {
          Run r = run(b, healthy, Map.of("name", "oncall")).statusesAre(200, 200);
          JsonObject admins = r.json(0);
          assertThat(admins.getJsonArray("admins").getJsonObject(0).getString("name"))
              .isEqualTo("oncall");
          assertThat(admins.getJsonArray("admins").getJsonObject(0).getString("last_call_here"))
              .isNotNull();
          assertThat(r.body(0)).doesNotContain(ADMIN_SECRET);
          assertThat(events(r.body(1)))
              .isNotEmpty()
              .allSatisfy(e -> assertThat(e.getString("actor")).isEqualTo("oncall"));
        });
    s.put(
        "Proxy down or not ready #1",
        b -> {
          // The pod whose JWT_KEY_ID_CURRENT is missing: live but not ready.
          Run r = run(b, broken, Map.of()).statusesAre(200, 503);
          assertThat(r.stdout.lines().findFirst()).contains("200");
          JsonObject ready = new JsonObject(r.body(1));
          assertThat(ready.getString("status")).isEqualTo("not_ready");
          assertThat(ready.getJsonObject("checks").getJsonObject("keys").getString("status"))
              .isEqualTo("down");
          assertKeys(adminJson(broken, "/admin/v1/keys"), MISSING_KID, false);
          // "Current signing key missing", Verify: the gauge its alert reads.
          assertThat(metric(broken, "portcullis_keyset_current_kid_present")).isEqualTo(0);
          assertThat(metric(healthy, "portcullis_keyset_current_kid_present")).isEqualTo(1);
          // "No usable key": 503 auth_unavailable, never 401: here keys exist, so tokens pass.
          // And a healthy pod answers the same block 200 / 200.
          run(b, healthy, Map.of()).statusesAre(200, 200);
        });
    s.put(
        "Prove auth passes #1",
        b -> {
          Run r = run(b, healthy, Map.of()).statusesAre(200);
          JsonObject who = r.json(0);
          assertThat(who.getString("org")).isEqualTo("acme");
          assertThat(who.getString("sub")).isEqualTo("user-42");
          assertThat(who.getString("client")).isEqualTo("web");
          assertThat(who.getString("kid")).isEqualTo(NEW_KID);
          assertThat(who.getString("iss")).isEqualTo(ISSUER);
          assertThat(who.getJsonArray("scopes")).isNotNull();
          assertThat(who.getLong("exp")).isNotNull();
          assertThat(who.getString("request_id")).isNotBlank();
        });
    s.put(
        "Post-incident: audit export #1",
        b -> {
          Run r = run(b, healthy, Map.of()).statusesAre(200, 200);
          List<String> csv = Files.readAllLines(r.dir.resolve("audit-INC-123.csv"));
          assertThat(csv.get(0)).isEqualTo(CSV_HEADER);
          Set<String> actions =
              csv.stream().skip(1).map(l -> l.split(",", -1)[2]).collect(Collectors.toSet());
          assertThat(actions)
              .contains(
                  "admin.auth_failed",
                  "keys.refreshed",
                  "key.revoked",
                  "sessions.revoked",
                  "token.revoked",
                  "ratelimit.override_set",
                  "ratelimit.override_removed",
                  "tenant.suspended",
                  "tenant.resumed");
          assertThat(csv).noneMatch(l -> l.contains(ADMIN_SECRET));
          List<JsonObject> suspended = events(r.body(1));
          assertThat(suspended).hasSize(1);
          assertThat(suspended.get(0).getString("action")).isEqualTo("tenant.suspended");
          assertThat(suspended.get(0).getString("org")).isEqualTo("acme");
        });
    return s;
  }

  /**
   * "Auth failures spike", step 1: each class of the table is a {@code result} of {@code
   * portcullis_auth_results_total} and a {@code code} in the access log, beside {@code auth}.
   */
  private void classificationIsVisibleInMetricsAndAccessLog() throws Exception {
    Map<String, String> codeByResult = new LinkedHashMap<>();
    codeByResult.put("wrong_audience", "invalid_token"); // class invalid
    codeByResult.put("expired", "token_expired"); // class expired
    codeByResult.put("key_revoked", "key_revoked"); // class revoked
    codeByResult.put("token_revoked", "token_revoked"); // class revoked
    codeByResult.put("org_suspended", "org_suspended"); // class org_suspended
    codeByResult.put("unknown_kid", "unknown_key"); // its own alert
    for (var e : codeByResult.entrySet()) {
      assertThat(metric(healthy, "portcullis_auth_results_total{result=\"" + e.getKey() + "\"}"))
          .as("portcullis_auth_results_total{result=%s}", e.getKey())
          .isGreaterThanOrEqualTo(1);
      assertThat(healthy.metrics())
          .as("portcullis_requests_total with code %s", e.getValue())
          .containsPattern("portcullis_requests_total\\{[^}]*code=\"" + e.getValue() + "\"");
    }
    Set<String> logged = new LinkedHashSet<>();
    Set<String> orgs = new LinkedHashSet<>();
    for (String line : healthy.output()) {
      if (line.startsWith("{") && line.contains("\"portcullis.access\"")) {
        JsonObject l = new JsonObject(line);
        logged.add(l.getString("auth") + "->" + l.getString("code"));
        orgs.add(l.getString("auth") + "->" + l.getString("org"));
      }
    }
    // "Concentration": signed-but-refused tokens name their tenant, unknown-kid ones never do
    assertThat(orgs)
        .contains("expired->globex", "wrong_audience->globex", "unknown_kid->null")
        .doesNotContain("unknown_kid->globex");
    for (var e : codeByResult.entrySet()) {
      assertThat(logged)
          .as("access log auth/code pairs")
          .contains(e.getKey() + "->" + e.getValue());
    }
  }

  // ---- running a block ----

  private Run run(Block b, Subprocess pod, Map<String, String> values) throws Exception {
    for (Matcher m = URL.matcher(b.text); m.find(); ) {
      assertThat(CANONICAL_HOSTS)
          .as("%s: URL %s is one of the runbook's canonical addresses", b.key(), m.group())
          .contains(m.group());
    }
    String script = b.text;
    for (var v : values.entrySet()) {
      script = script.replace("<" + v.getKey() + ">", v.getValue());
    }
    Matcher left = PLACEHOLDER.matcher(script);
    if (left.find()) {
      fail("%s: placeholder %s has no value in RunbookIT", b.key(), left.group());
    }
    script =
        script
            .replace("http://127.0.0.1:9090", "http://127.0.0.1:" + healthy.adminPort)
            .replace("http://127.0.0.1:9091", "http://127.0.0.1:" + pod.adminPort)
            .replace("http://127.0.0.1:8080", "http://127.0.0.1:" + healthy.proxyPort);
    Path dir = Files.createTempDirectory(work, "block");
    String prelude =
        "set -euo pipefail\n"
            + "rb_n=0\n"
            // The counter lives in a file: a curl piped into jq runs in a subshell, where a
            // shell variable's increment would be lost and two calls would share one record.
            + "curl() { local rb_n=$(( $(cat \"$RB_DIR/n\" 2>/dev/null || echo 0) + 1 ));"
            + " echo \"$rb_n\" > \"$RB_DIR/n\";"
            + " command curl -D \"$RB_DIR/$rb_n.headers\" \"$@\""
            + " | tee \"$RB_DIR/$rb_n.body\"; }\n";
    ProcessBuilder pb = new ProcessBuilder("bash", "-c", prelude + script).directory(dir.toFile());
    Map<String, String> env = pb.environment();
    env.put("PORTCULLIS_ADMIN_TOKEN", ADMIN_SECRET);
    env.put("TOKEN", freshToken("acme", "user-42", "web"));
    env.put("START", START.toString());
    env.put("END", Instant.now().plusSeconds(60).truncatedTo(ChronoUnit.SECONDS).toString());
    env.put("RB_DIR", dir.toString());
    pb.redirectOutput(dir.resolve("stdout").toFile()).redirectError(dir.resolve("stderr").toFile());
    Process p = pb.start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("%s finishes", b.key()).isTrue();
    String stdout = Files.readString(dir.resolve("stdout"));
    String stderr = Files.readString(dir.resolve("stderr"));
    assertThat(p.exitValue())
        .as("%s exits 0; stdout: %s stderr: %s", b.key(), stdout, stderr)
        .isZero();
    List<Integer> statuses = new ArrayList<>();
    List<String> bodies = new ArrayList<>();
    for (int i = 1; Files.exists(dir.resolve(i + ".headers")); i++) {
      int status = -1;
      for (String h : Files.readAllLines(dir.resolve(i + ".headers"))) {
        if (h.startsWith("HTTP/")) {
          status = Integer.parseInt(h.split(" ")[1]);
        }
      }
      statuses.add(status);
      bodies.add(Files.readString(dir.resolve(i + ".body")));
    }
    return new Run(b.key(), stdout, statuses, bodies, dir);
  }

  private record Run(
      String key, String stdout, List<Integer> statuses, List<String> bodies, Path dir) {
    Run statusesAre(Integer... expected) {
      assertThat(statuses).as("%s statuses; bodies %s", key, bodies).containsExactly(expected);
      return this;
    }

    String body(int i) {
      return bodies.get(i);
    }

    JsonObject json(int i) {
      return new JsonObject(bodies.get(i));
    }
  }

  @FunctionalInterface
  private interface Step {
    void run(Block b) throws Exception;
  }

  /** A fenced block of RUNBOOK.md, with the section it is in and its not-gateway marker. */
  private record Block(String section, int ordinal, String text, String notGateway) {
    String key() {
      return section + " #" + ordinal;
    }

    boolean gatewaySide() {
      return notGateway == null && text.contains("curl");
    }

    static List<Block> parse(String markdown) {
      List<Block> out = new ArrayList<>();
      Map<String, Integer> counts = new LinkedHashMap<>();
      String section = "(top)";
      String previous = "";
      List<String> lines = markdown.lines().toList();
      for (int i = 0; i < lines.size(); i++) {
        String t = lines.get(i).strip();
        if (t.startsWith("#") && t.matches("#{1,6} .*")) {
          section = t.replaceFirst("#{1,6} ", "");
        } else if (t.startsWith("```")) {
          StringBuilder text = new StringBuilder();
          for (i++; i < lines.size() && !lines.get(i).strip().equals("```"); i++) {
            text.append(lines.get(i).strip()).append('\n');
          }
          Matcher marker = NOT_GATEWAY.matcher(previous);
          String reason = marker.matches() ? marker.group(1) : null;
          String body = text.toString();
          int ordinal = 0;
          if (reason == null && body.contains("curl")) {
            ordinal = counts.merge(section, 1, Integer::sum);
            checkOnlyCurl(section + " #" + ordinal, body);
          }
          out.add(new Block(section, ordinal, body, reason));
          t = "```";
        }
        if (!t.isEmpty()) {
          previous = t;
        }
      }
      return out;
    }

    /** A gateway block holds curl commands and comments only; anything else must be split off. */
    private static void checkOnlyCurl(String key, String body) {
      String joined = body.replace("\\\n", " ");
      for (String cmd : joined.split("\n")) {
        String c = cmd.strip();
        if (!c.isEmpty() && !c.startsWith("#")) {
          assertThat(c)
              .as(
                  "%s: a gateway block runs curl only (split other commands into a marked block)",
                  key)
              .startsWith("curl ");
        }
      }
    }
  }

  // ---- tokens ----

  private static String freshToken(String org, String sub, String client) {
    return token(NEW_KID, org, sub, client, afterCutoffs());
  }

  private static String token(String kid, String org, String sub, String client, Instant iat) {
    return token(kid, org, sub, client, null, AUDIENCE, iat, inAnHour());
  }

  /** An RS256 token; signed with the old key for {@link #OLD_KID}, else with the new one. */
  private static String token(
      String kid,
      String org,
      String sub,
      String client,
      String jti,
      String aud,
      Instant iat,
      Instant exp) {
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .issuer(ISSUER)
            .audience(aud)
            .subject(sub)
            .claim("org_id", org)
            .claim("client_id", client)
            .claim("scope", "orders:read")
            .jwtID(jti != null ? jti : UUID.randomUUID().toString())
            .issueTime(Date.from(iat))
            .expirationTime(Date.from(exp))
            .build();
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(kid).type(JOSEObjectType.JWT).build(),
            claims);
    try {
      jwt.sign(new RSASSASigner((OLD_KID.equals(kid) ? oldKey : newKey).getPrivate()));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return jwt.serialize();
  }

  private static Instant issuedAt() {
    return Instant.now().minusSeconds(5);
  }

  private static Instant inAnHour() {
    return Instant.now().plusSeconds(3600);
  }

  /**
   * An {@code iat} that passes every session cut-off set so far: cut-offs are whole seconds and
   * refuse tokens issued at or before them. In the future by at most a second, within the skew.
   */
  private static Instant afterCutoffs() {
    Instant next = lastCutoff.truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
    return next.isAfter(Instant.now()) ? next : Instant.now();
  }

  private static void noteCutoff(JsonObject entry) {
    Instant at = Instant.parse(entry.getString("revoked_before"));
    if (at.isAfter(lastCutoff)) {
      lastCutoff = at;
    }
  }

  private static void awaitPast(Instant t) throws InterruptedException {
    while (!Instant.now().isAfter(t)) {
      Thread.sleep(50);
    }
  }

  private static String pem(KeyPair pair) {
    return "-----BEGIN PUBLIC KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
            .encodeToString(pair.getPublic().getEncoded())
        + "\n-----END PUBLIC KEY-----\n";
  }

  // ---- HTTP from the test itself ----

  private static HttpResponse<String> proxyGet(String token) throws Exception {
    return proxyGet(token, "/orders/1");
  }

  private static HttpResponse<String> proxyGet(String token, String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + healthy.proxyPort + path))
            .header("Authorization", "Bearer " + token)
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static void assertProxy(String token, int status, String code) throws Exception {
    HttpResponse<String> r = proxyGet(token);
    assertThat(r.statusCode()).as("proxy answer %s", r.body()).isEqualTo(status);
    if (code != null) {
      assertThat(new JsonObject(r.body()).getString("error")).isEqualTo(code);
    }
  }

  private static HttpResponse<String> adminGet(Subprocess s, String path, String secret)
      throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.adminPort + path))
            .header("Authorization", "Bearer " + secret)
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> adminPost(Subprocess s, String path, JsonObject body)
      throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.adminPort + path))
            .header("Authorization", "Bearer " + ADMIN_SECRET)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.encode()))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static JsonObject adminJson(Subprocess s, String path) throws Exception {
    HttpResponse<String> r = adminGet(s, path, ADMIN_SECRET);
    assertThat(r.statusCode()).as("GET %s: %s", path, r.body()).isEqualTo(200);
    return new JsonObject(r.body());
  }

  private static List<JsonObject> audit(String action, String org) throws Exception {
    String q =
        "/admin/v1/audit?from=" + START + "&action=" + action + (org != null ? "&org=" + org : "");
    HttpResponse<String> r = adminGet(healthy, q, ADMIN_SECRET);
    assertThat(r.statusCode()).isEqualTo(200);
    return events(r.body());
  }

  private static List<JsonObject> events(String jsonArray) {
    return new JsonArray(jsonArray).stream().map(JsonObject.class::cast).toList();
  }

  private static double metric(Subprocess s, String series) throws Exception {
    for (String line : s.metrics().lines().toList()) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).strip());
      }
    }
    return fail("no metric line %s", series);
  }

  private static void assertKeys(JsonObject keys, String current, boolean present) {
    assertThat(keys.getString("current_kid")).isEqualTo(current);
    List<String> kids =
        keys.getJsonArray("keys").stream().map(k -> ((JsonObject) k).getString("kid")).toList();
    assertThat(kids).contains(OLD_KID, NEW_KID);
    assertThat(kids.contains(current))
        .as("current kid %s in the keyset", current)
        .isEqualTo(present);
  }

  private static String keyState(JsonObject keys, String kid) {
    return keys.getJsonArray("keys").stream()
        .map(JsonObject.class::cast)
        .filter(k -> kid.equals(k.getString("kid")))
        .map(k -> k.getString("state"))
        .findFirst()
        .orElseThrow();
  }

  private static Path repoRoot() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("RUNBOOK.md"))
          && Files.isRegularFile(p.resolve("pom.xml"))) {
        return p;
      }
    }
    throw new IllegalStateException("no RUNBOOK.md above the working directory");
  }

  /** The fat jar as a child process; its output is kept for the access-log assertions. */
  private static final class Subprocess {
    private static final Pattern LISTENING =
        Pattern.compile("portcullis listening proxy_port=(\\d+) admin_port=(\\d+)");
    private final Process process;
    private final List<String> lines = Collections.synchronizedList(new ArrayList<>());
    int proxyPort;
    int adminPort;

    private Subprocess(Process process) {
      this.process = process;
    }

    static Subprocess start(Path jar, Map<String, String> env) throws Exception {
      Path java = Path.of(System.getProperty("java.home"), "bin", "java");
      ProcessBuilder pb = new ProcessBuilder(java.toString(), "-jar", jar.toString());
      pb.environment()
          .keySet()
          .removeIf(
              k ->
                  k.startsWith("PORTCULLIS_")
                      || k.startsWith("JWT_")
                      || k.startsWith("RL_")
                      || k.equals("REDIS_URL")
                      || k.equals("DATABASE_URL"));
      pb.environment().putAll(env);
      pb.environment().put("PORTCULLIS_PORT", "0");
      pb.environment().put("PORTCULLIS_ADMIN_PORT", "0");
      pb.environment().put("PORTCULLIS_ADMIN_HOST", "127.0.0.1");
      pb.redirectErrorStream(true);
      Subprocess s = new Subprocess(pb.start());
      CountDownLatch up = new CountDownLatch(1);
      Thread reader =
          new Thread(
              () -> {
                try (BufferedReader r =
                    new BufferedReader(
                        new InputStreamReader(
                            s.process.getInputStream(), StandardCharsets.UTF_8))) {
                  for (String line; (line = r.readLine()) != null; ) {
                    s.lines.add(line);
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                      s.proxyPort = Integer.parseInt(m.group(1));
                      s.adminPort = Integer.parseInt(m.group(2));
                      up.countDown();
                    }
                  }
                } catch (IOException e) {
                  // the process ended
                }
                up.countDown();
              },
              "runbook-it-output");
      reader.setDaemon(true);
      reader.start();
      if (!up.await(90, TimeUnit.SECONDS) || s.adminPort == 0) {
        s.stop();
        fail(
            "the gateway did not print its listening line; output:%n%s",
            String.join("\n", s.output()));
      }
      return s;
    }

    List<String> output() {
      synchronized (lines) {
        return List.copyOf(lines);
      }
    }

    HttpResponse<String> get(String path) throws Exception {
      return HTTP.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
              .timeout(Duration.ofSeconds(10))
              .build(),
          HttpResponse.BodyHandlers.ofString());
    }

    String metrics() throws Exception {
      HttpResponse<String> r = get("/metrics");
      assertThat(r.statusCode()).isEqualTo(200);
      return r.body();
    }

    void stop() {
      process.destroy();
      try {
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
    }
  }
}
