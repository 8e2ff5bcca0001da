package io.portcullis.keyset;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.portcullis.keyset.impl.Rejections;
import io.portcullis.keyset.impl.StrictJson;
import io.portcullis.testkit.Slowest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A validator over {@link FuzzKeys} at the fixed instant {@link TokenFixtures#NOW}, and the checks
 * every fuzz input must pass:
 *
 * <ul>
 *   <li>{@code validate} neither throws nor fails its future, and the future completes within
 *       {@link #NOT_HUNG};
 *   <li>the answer is not the validator's internal-exception safety net ({@code
 *       Rejections.INTERNAL}): an exception caught there is a bug the net merely hides;
 *   <li>a rejection's detail is one of the fixed sentences or a known template whose only echoed
 *       values are the header's own {@code kid} or {@code alg}, short and plain;
 *   <li>a valid answer comes only from a token whose signature verifies with a fuzz key checked
 *       directly with Nimbus (not through the keyset), whose header names that key and its
 *       algorithm, and whose claims, parsed by Nimbus, really satisfy iss, aud, exp, nbf and iat.
 * </ul>
 */
final class ValidationOracle implements AutoCloseable {
  /** A generous bound: no input may hang; timings are reported, not asserted. */
  static final Duration NOT_HUNG = Duration.ofSeconds(5);

  private static final long SKEW = 30;
  private static final Set<String> FIXED_DETAILS = fixedDetails();
  private static final String Q = "(?:'([A-Za-z0-9._:+-]{1,64})'|\\(not shown\\))";
  private static final Pattern ALG_NOT_ALLOWED =
      Pattern.compile("algorithm " + Q + " is not allowed");
  private static final Pattern UNKNOWN_KID = Pattern.compile("unknown kid " + Q);
  private static final Pattern MISMATCH =
      Pattern.compile("kid " + Q + " is bound to [A-Za-z0-9]{5,6}, not " + Q);

  private final Vertx vertx = Vertx.vertx();
  private final TokenValidator validator;

  ValidationOracle() {
    this(ValidatorOptions.DEFAULT_CACHE_SIZE);
  }

  /**
   * @param cacheSize of the verified-token cache; 0 to re-time the same token without cache hits
   */
  ValidationOracle(int cacheSize) {
    MutableClock clock = new MutableClock(TokenFixtures.NOW_INSTANT);
    KeySet keys = KeySet.create(vertx, FuzzKeys.options(), clock, new SimpleMeterRegistry());
    ValidatorOptions options =
        ValidatorOptions.builder()
            .issuers(java.util.Set.of(TokenFixtures.ISSUER))
            .audiences(java.util.Set.of(TokenFixtures.AUDIENCE))
            .clockSkew(Duration.ofSeconds(SKEW))
            .cacheSize(cacheSize)
            .build();
    validator = TokenValidator.create(keys, options, clock, new SimpleMeterRegistry());
  }

  /** Validates without the checks (warm-up, corpus meaning tests). */
  Validation validate(String token) {
    return await(validator.validate(token), token);
  }

  /**
   * Validates {@code token}, records its time in {@code slowest} and checks every invariant;
   * returns the outcome.
   */
  Validation check(Slowest slowest, String token) {
    long start = System.nanoTime();
    Future<Validation> future;
    try {
      future = validator.validate(token);
    } catch (Throwable t) {
      throw new AssertionError("validate threw " + t + " for " + describe(token), t);
    }
    Validation v = await(future, token);
    long nanos = System.nanoTime() - start;
    slowest.record(nanos, token == null ? new byte[0] : token.getBytes(StandardCharsets.UTF_8));
    if (nanos > NOT_HUNG.toNanos()) {
      throw new AssertionError("validate took " + nanos / 1_000_000 + " ms for " + describe(token));
    }
    if (v == null) {
      throw new AssertionError("validate answered null for " + describe(token));
    }
    if (v instanceof Validation.Rejected r) {
      checkRejected(token, r);
    } else {
      checkValid(token, ((Validation.Valid) v).token());
    }
    return v;
  }

  private static Validation await(Future<Validation> future, String token) {
    if (future == null) {
      throw new AssertionError("validate returned no future for " + describe(token));
    }
    try {
      return future
          .toCompletionStage()
          .toCompletableFuture()
          .get(NOT_HUNG.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("validate hung (> " + NOT_HUNG + ") for " + describe(token));
    } catch (ExecutionException e) {
      throw new AssertionError(
          "validate failed its future with " + e.getCause() + " for " + describe(token), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static void checkRejected(String token, Validation.Rejected r) {
    String detail = r.detail();
    if (r == Rejections.INTERNAL || detail.equals(Rejections.INTERNAL.detail())) {
      throw new AssertionError(
          "validate hit its internal-exception safety net (see the WARN log for the exception"
              + " class) for "
              + describe(token));
    }
    if (FIXED_DETAILS.contains(detail)) {
      return;
    }
    Map<String, Object> header = header(token);
    Matcher m;
    if ((m = ALG_NOT_ALLOWED.matcher(detail)).matches()) {
      echoOf(m.group(1), header, "alg", detail, token);
    } else if ((m = UNKNOWN_KID.matcher(detail)).matches()) {
      echoOf(m.group(1), header, "kid", detail, token);
    } else if ((m = MISMATCH.matcher(detail)).matches()) {
      echoOf(m.group(1), header, "kid", detail, token);
      echoOf(m.group(2), header, "alg", detail, token);
    } else {
      throw new AssertionError(
          "rejection detail is neither fixed nor a known template: '"
              + abbreviate(detail)
              + "' for "
              + describe(token));
    }
  }

  /** A quoted value in a detail must be exactly the header's own kid or alg. */
  private static void echoOf(
      String quoted, Map<String, Object> header, String member, String detail, String token) {
    if (quoted == null) {
      return; // "(not shown)"
    }
    if (header == null || !quoted.equals(header.get(member))) {
      throw new AssertionError(
          "detail '"
              + abbreviate(detail)
              + "' echoes a value that is not the header "
              + member
              + " for "
              + describe(token));
    }
  }

  private static void checkValid(String token, VerifiedToken t) {
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3) {
      throw new AssertionError("valid answer for a token without three parts: " + describe(token));
    }
    try {
      Map<String, Object> header = JSONObjectUtils.parse(utf8(parts[0]));
      Map<String, Object> claims = JSONObjectUtils.parse(utf8(parts[1]));
      FuzzKeys.Key key = FuzzKeys.byKid(t.kid());
      require(key != null, "valid answer names kid that is no fuzz key", token);
      require(key.alg().equals(t.algorithm()), "valid answer under a foreign algorithm", token);
      require(t.algorithm().equals(header.get("alg")), "header alg differs from the answer", token);
      require(t.kid().equals(header.get("kid")), "header kid differs from the answer", token);
      require(!header.containsKey("crit"), "valid answer for a token with crit", token);
      Base64.getUrlDecoder().decode(parts[2]); // strict: the validator must have refused lenient
      byte[] signingInput = (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII);
      boolean verifies =
          key.oracle()
              .verify(
                  new JWSHeader(JWSAlgorithm.parse(key.alg())),
                  signingInput,
                  new Base64URL(parts[2]));
      require(verifies, "valid answer but the signature does not verify with the fuzz key", token);
      require(TokenFixtures.ISSUER.equals(claims.get("iss")), "valid answer with wrong iss", token);
      require(TokenFixtures.ISSUER.equals(t.issuer()), "answer issuer differs", token);
      Object aud = claims.get("aud");
      require(
          TokenFixtures.AUDIENCE.equals(aud)
              || (aud instanceof List<?> l && l.contains(TokenFixtures.AUDIENCE)),
          "valid answer without the audience",
          token);
      long now = TokenFixtures.NOW;
      require(
          claims.get("exp") instanceof Number exp && now < exp.doubleValue() + SKEW,
          "valid answer for an expired token or one without exp",
          token);
      for (String notAfterNow : List.of("nbf", "iat")) {
        Object v = claims.get(notAfterNow);
        require(
            v == null || (v instanceof Number n && n.doubleValue() <= now + SKEW),
            "valid answer with " + notAfterNow + " in the future",
            token);
      }
    } catch (ParseException | IllegalArgumentException | JOSEException e) {
      throw new AssertionError(
          "valid answer for a token Nimbus cannot read (" + e + "): " + describe(token), e);
    }
  }

  private static void require(boolean ok, String what, String token) {
    if (!ok) {
      throw new AssertionError(what + ": " + describe(token));
    }
  }

  private static Map<String, Object> header(String token) {
    try {
      int dot = token.indexOf('.');
      return StrictJson.parseObject(Base64.getUrlDecoder().decode(token.substring(0, dot)));
    } catch (RuntimeException | StrictJson.JsonException e) {
      return null;
    }
  }

  private static String utf8(String b64url) {
    return new String(Base64.getUrlDecoder().decode(b64url), StandardCharsets.UTF_8);
  }

  private static Set<String> fixedDetails() {
    Set<String> out = new HashSet<>();
    for (Field f : Rejections.class.getFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == Validation.Rejected.class) {
        try {
          Validation.Rejected r = (Validation.Rejected) f.get(null);
          if (r != Rejections.INTERNAL) {
            out.add(r.detail());
          }
        } catch (IllegalAccessException e) {
          throw new IllegalStateException(e);
        }
      }
    }
    return Set.copyOf(out);
  }

  /** A failure message names the input by length, fingerprint and an escaped prefix. */
  static String describe(String token) {
    if (token == null) {
      return "<null>";
    }
    return token.length()
        + " chars, fingerprint "
        + TokenValidator.fingerprint(token)
        + ", starting '"
        + abbreviate(token)
        + "'";
  }

  private static String abbreviate(String s) {
    StringBuilder sb = new StringBuilder();
    s.codePoints()
        .limit(120)
        .forEach(
            c -> {
              if (c >= 0x20 && c < 0x7f) {
                sb.append((char) c);
              } else {
                sb.append(String.format("\\u%04x", c));
              }
            });
    return s.length() > 120 ? sb + "..." : sb.toString();
  }

  @Override
  public void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }
}
