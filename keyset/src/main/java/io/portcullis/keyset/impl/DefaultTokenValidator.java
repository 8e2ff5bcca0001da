package io.portcullis.keyset.impl;

import com.nimbusds.jose.JOSEException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.portcullis.keyset.KeyLookup;
import io.portcullis.keyset.KeySet;
import io.portcullis.keyset.TokenValidator;
import io.portcullis.keyset.Validation;
import io.portcullis.keyset.ValidatorOptions;
import io.portcullis.keyset.VerificationKey;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link TokenValidator}: cache, then {@link TokenParser} (no key work), then the key by kid
 * from the {@link KeySet} (bound to the header's alg), then the signature, then {@link
 * ClaimsChecker}. Signature checks run inline on the caller's thread; only an unknown kid waits,
 * for the keyset's shared refresh, and the answer then comes back on the caller's context.
 *
 * <p>Nothing escapes {@link #validate}: any exception (or a stack overflow) is caught at this edge
 * and answered as MALFORMED.
 */
public final class DefaultTokenValidator implements TokenValidator {
  private static final Logger LOG = LoggerFactory.getLogger(DefaultTokenValidator.class);

  private final KeySet keys;
  private final Clock clock;
  private final TokenParser parser;
  private final ClaimsChecker claims;
  private final TokenCache cache;
  private final Timer duration;
  private final Counter hits;
  private final Counter misses;

  public DefaultTokenValidator(
      KeySet keys, ValidatorOptions options, Clock clock, MeterRegistry registry) {
    this.keys = keys;
    this.clock = clock;
    this.parser = new TokenParser(keys.algorithms());
    this.claims = new ClaimsChecker(options);
    this.cache = options.cacheSize() == 0 ? null : new TokenCache(options.cacheSize(), clock);
    this.duration =
        Timer.builder("portcullis.auth.validate.duration")
            .description("Time to validate one token, cache hits included")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofNanos(1_000))
            .maximumExpectedValue(Duration.ofSeconds(10))
            .register(registry);
    this.hits =
        Counter.builder("portcullis.token.cache.requests")
            .description("Verified-token cache lookups")
            .tag("result", "hit")
            .register(registry);
    this.misses =
        Counter.builder("portcullis.token.cache.requests")
            .description("Verified-token cache lookups")
            .tag("result", "miss")
            .register(registry);
  }

  @Override
  public Future<Validation> validate(String compactToken) {
    long start = System.nanoTime();
    Future<Validation> result;
    try {
      result = validateGuarded(compactToken);
    } catch (RuntimeException | StackOverflowError e) {
      result = Future.succeededFuture(internal(compactToken, e));
    }
    if (result.isComplete()) {
      duration.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
      return result;
    }
    return result
        .recover(e -> Future.succeededFuture(internal(compactToken, e)))
        .onComplete(
            ar ->
                duration.record(
                    System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS));
  }

  private Future<Validation> validateGuarded(String token) {
    if (token == null || token.length() > TokenParser.MAX_TOKEN_CHARS) {
      return Future.succeededFuture(token == null ? Rejections.NOT_COMPACT : Rejections.TOO_LARGE);
    }
    byte[] digest = Fingerprint.sha256(token);
    if (cache != null) {
      TokenCache.Entry cached = cache.get(digest);
      // The kid must still name the very key that verified the token, fresh: a kid that left its
      // source, was replaced by another key, or went stale stops serving its cached tokens.
      if (cached != null && stillBacked(cached)) {
        hits.increment();
        return Future.succeededFuture(new Validation.Valid(cached.token()));
      }
      misses.increment();
    }
    TokenParser.Result parsed = parser.parse(token);
    if (parsed.rejected() != null) {
      return Future.succeededFuture(parsed.rejected());
    }
    ParsedToken t = parsed.token();
    if (t.kid() == null) {
      return Future.succeededFuture(Rejections.NO_KID);
    }
    KeyLookup lookup = keys.lookup(t.kid());
    if (lookup.status() == KeyLookup.Status.FOUND || lookup.status() == KeyLookup.Status.STALE) {
      return Future.succeededFuture(withKey(t, lookup, digest));
    }
    // Unknown kid (or no key at all yet): wait for the shared, cooldown-limited refresh of the
    // remote sources, then look once more.
    return onCallerContext(keys.refreshForUnknownKid())
        .map(
            v -> {
              KeyLookup again = keys.lookup(t.kid());
              return again.status() == KeyLookup.Status.UNKNOWN
                  ? Rejections.unknownKid(t.kid())
                  : withKey(t, again, digest);
            });
  }

  private boolean stillBacked(TokenCache.Entry cached) {
    KeyLookup now = keys.lookup(cached.token().kid());
    return now.status() == KeyLookup.Status.FOUND && now.key() == cached.key();
  }

  private Validation withKey(ParsedToken t, KeyLookup lookup, byte[] digest) {
    switch (lookup.status()) {
      case NO_KEYS:
        return Rejections.NO_KEYS;
      case STALE:
        return Rejections.STALE_KEY;
      case UNKNOWN:
        return Rejections.unknownKid(t.kid());
      default:
        break;
    }
    VerificationKey key = lookup.key();
    if (!key.algorithm().equals(t.algorithm())) {
      return Rejections.keyAlgMismatch(t.kid(), key.algorithm(), t.algorithm());
    }
    boolean verified;
    try {
      verified =
          key.verifier().verify(Algorithms.header(t.algorithm()), t.signingInput(), t.signature());
    } catch (JOSEException e) {
      verified = false; // e.g. an ECDSA signature of the wrong length
    }
    if (!verified) {
      return Rejections.BAD_SIGNATURE;
    }
    Validation v = claims.check(t, key.kid(), key.algorithm(), digest, clock.instant());
    if (v instanceof Validation.Rejected refused) {
      // Signed by a trusted key, refused for its claims: the claims are authentic (Validation)
      return refused.withSignedClaims(t.claims());
    }
    if (cache != null && v instanceof Validation.Valid valid) {
      cache.put(digest, valid.token(), key);
    }
    return v;
  }

  /** Completes on the caller's Vert.x context even when the shared refresh ends on another. */
  private static <T> Future<T> onCallerContext(Future<T> shared) {
    Context ctx = Vertx.currentContext();
    if (ctx == null || shared.isComplete()) {
      return shared;
    }
    Promise<T> promise = Promise.promise();
    shared.onComplete(ar -> ctx.runOnContext(x -> promise.handle(ar)));
    return promise.future();
  }

  private static Validation internal(String token, Throwable e) {
    // Never the message: it could quote token content.
    LOG.warn(
        "token {} could not be processed ({}); answered as malformed",
        Fingerprint.of(token),
        e.getClass().getName());
    return Rejections.INTERNAL;
  }

  @Override
  public void invalidateKid(String kid) {
    if (cache != null) {
      cache.invalidateKid(kid);
    }
  }

  /** The cache, for tests in this module. */
  TokenCache cache() {
    return cache;
  }
}
