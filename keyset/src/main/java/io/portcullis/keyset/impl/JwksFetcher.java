package io.portcullis.keyset.impl;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import io.portcullis.keyset.KeySetOptions;
import io.portcullis.keyset.VerificationKey;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The background fetcher of one JWKS URL, on the Vert.x HTTP client (never blocks an event loop).
 *
 * <p>After a success the next fetch is scheduled after the response's {@code Cache-Control:
 * max-age} clamped to [{@code jwksMinRefresh}, {@code jwksMaxRefresh}], or after {@code
 * jwksRefreshInterval} without one. After a failure the last good keys stay (until the source is
 * stale) and the fetch is retried sooner, with exponential backoff from 1 s up to the smaller of
 * {@code jwksMinRefresh} and {@code jwksRefreshInterval}. Concurrent fetch requests (timer, admin
 * refresh, unknown kid) share one in-flight request.
 */
public final class JwksFetcher {
  private static final Logger LOG = LoggerFactory.getLogger(JwksFetcher.class);

  /** A JWKS larger than this is refused: real ones are a few KiB. */
  static final int MAX_JWKS_BYTES = 512 * 1024;

  static final Duration BACKOFF_BASE = Duration.ofSeconds(1);

  private final Vertx vertx;
  private final HttpClient client;
  private final URI url;
  private final SourceState state;
  private final KeySetOptions options;
  private final Clock clock;
  private final Runnable onChange;
  private final KeySetMetrics metrics;
  private final Context context;
  private Future<Void> inFlight;
  private long timerId = -1;

  /**
   * The key material behind each installed key. An unchanged key keeps its {@link VerificationKey}
   * instance across refreshes, so cached tokens it verified stay served; a kid whose material
   * changed gets a new instance, which retires them.
   */
  private record Loaded(String material, VerificationKey key) {}

  private volatile Map<String, Loaded> loaded = Map.of();
  private int consecutiveFailures;
  private boolean closed;

  public JwksFetcher(
      Vertx vertx,
      HttpClient client,
      URI url,
      SourceState state,
      KeySetOptions options,
      Clock clock,
      Runnable onChange,
      KeySetMetrics metrics) {
    this.vertx = vertx;
    this.client = client;
    this.url = url;
    this.state = state;
    this.options = options;
    this.clock = clock;
    this.onChange = onChange;
    this.metrics = metrics;
    this.context = vertx.getOrCreateContext();
  }

  /** Fetches now (or joins the fetch in flight) and reschedules. Never fails. */
  public synchronized Future<Void> fetch() {
    if (closed) {
      return Future.succeededFuture();
    }
    if (inFlight != null) {
      LOG.debug("JWKS {}: joining the fetch in flight", url);
      return inFlight;
    }
    LOG.debug("JWKS {}: fetching", url);
    // Always on this fetcher's own context, whoever asks (timer, admin refresh, a validation on
    // any event loop, a non-Vert.x thread), with an overall bound on top of the client's
    // connect and idle timeouts so that a fetch always ends.
    Promise<Fetched> fetched = Promise.promise();
    context.runOnContext(v -> fetchOnce().onComplete(fetched));
    Future<Void> f =
        fetched
            .future()
            .timeout(options.fetchTimeout().toMillis() * 2, TimeUnit.MILLISECONDS)
            .map(this::succeeded)
            .recover(err -> Future.succeededFuture(failed(err)))
            .map(this::schedule);
    inFlight = f;
    f.onComplete(ar -> clear(f));
    return f;
  }

  /** Cancels the next scheduled fetch. */
  public synchronized void close() {
    closed = true;
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
  }

  private synchronized void clear(Future<Void> done) {
    if (inFlight == done) {
      inFlight = null;
    }
  }

  private record Fetched(Buffer body, String cacheControl) {}

  private Future<Fetched> fetchOnce() {
    RequestOptions request =
        new RequestOptions()
            .setMethod(HttpMethod.GET)
            .setAbsoluteURI(url.toString())
            .setTimeout(options.fetchTimeout().toMillis())
            .setFollowRedirects(false)
            .putHeader(HttpHeaders.ACCEPT, "application/jwk-set+json, application/json");
    return client
        .request(request)
        .compose(req -> req.send())
        .compose(
            resp -> {
              String length = resp.getHeader(HttpHeaders.CONTENT_LENGTH);
              if (length != null && parseLong(length) > MAX_JWKS_BYTES) {
                resp.request().reset();
                return Future.failedFuture("response larger than " + MAX_JWKS_BYTES + " bytes");
              }
              return resp.body()
                  .compose(
                      body -> {
                        if (resp.statusCode() != 200) {
                          return Future.failedFuture("HTTP " + resp.statusCode());
                        }
                        if (body.length() > MAX_JWKS_BYTES) {
                          return Future.failedFuture(
                              "response larger than " + MAX_JWKS_BYTES + " bytes");
                        }
                        return Future.succeededFuture(
                            new Fetched(body, resp.getHeader(HttpHeaders.CACHE_CONTROL)));
                      });
            });
  }

  private static long parseLong(String s) {
    try {
      return Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** Parses and installs the keys; returns the delay before the next fetch. */
  private Duration succeeded(Fetched fetched) {
    Map<String, VerificationKey> keys;
    try {
      keys = parse(fetched.body().getBytes());
    } catch (IllegalArgumentException e) {
      return failed(e);
    }
    consecutiveFailures = 0;
    state.succeeded(keys, clock.instant());
    metrics.refreshed(state.name(), true);
    onChange.run();
    if (keys.isEmpty()) {
      LOG.warn("JWKS {} has no usable key", url);
    } else {
      LOG.debug("JWKS {} loaded {} keys", url, keys.size());
    }
    return nextRefresh(fetched.cacheControl());
  }

  private Duration failed(Throwable err) {
    consecutiveFailures++;
    String reason = err.getMessage() == null ? err.getClass().getSimpleName() : err.getMessage();
    state.failed(reason, clock.instant());
    metrics.refreshed(state.name(), false);
    Duration delay = backoff();
    LOG.warn(
        "JWKS {} fetch failed ({}); keeping the last good keys, retrying in {}",
        url,
        reason,
        delay);
    return delay;
  }

  private Map<String, VerificationKey> parse(byte[] body) {
    JWKSet set;
    try {
      set = JWKSet.parse(StrictJson.parseObject(body));
    } catch (StrictJson.JsonException | java.text.ParseException e) {
      throw new IllegalArgumentException("not a JWK set: " + e.getMessage());
    }
    Map<String, VerificationKey> keys = new LinkedHashMap<>();
    Map<String, Loaded> nextLoaded = new LinkedHashMap<>();
    for (JWK jwk : set.getKeys()) {
      String kid = jwk.getKeyID();
      if (kid == null || kid.isEmpty()) {
        LOG.info("JWKS {}: skipping a key without kid", url);
        continue;
      }
      if (keys.containsKey(kid)) {
        LOG.warn("JWKS {}: kid {} appears twice; keeping the first", url, kid);
        continue;
      }
      try {
        KeyBinder.Bound bound = KeyBinder.bind(jwk.toPublicJWK(), null);
        if (!options.algorithms().contains(bound.algorithm())) {
          LOG.info(
              "JWKS {}: skipping kid {}: {} is not in the allowed algorithms",
              url,
              kid,
              bound.algorithm());
          continue;
        }
        String material = jwk.toPublicJWK().toJSONString();
        Loaded previous = loaded.get(kid);
        VerificationKey key =
            previous != null && previous.material().equals(material)
                ? previous.key()
                : new VerificationKey(kid, bound.algorithm(), state.name(), bound.verifier());
        keys.put(kid, key);
        nextLoaded.put(kid, new Loaded(material, key));
      } catch (IllegalArgumentException e) {
        LOG.info("JWKS {}: skipping kid {}: {}", url, kid, e.getMessage());
      }
    }
    loaded = nextLoaded;
    return keys;
  }

  Duration nextRefresh(String cacheControl) {
    Long maxAge = maxAge(cacheControl);
    if (maxAge == null) {
      return options.jwksRefreshInterval();
    }
    Duration d = Duration.ofSeconds(maxAge);
    if (d.compareTo(options.jwksMinRefresh()) < 0) {
      return options.jwksMinRefresh();
    }
    return d.compareTo(options.jwksMaxRefresh()) > 0 ? options.jwksMaxRefresh() : d;
  }

  /** The {@code max-age} directive of RFC 9111 §5.2.2.1, or {@code null}. */
  static Long maxAge(String cacheControl) {
    if (cacheControl == null) {
      return null;
    }
    for (String directive : cacheControl.split(",")) {
      String d = directive.trim().toLowerCase(Locale.ROOT);
      if (d.startsWith("max-age=")) {
        String v = d.substring("max-age=".length()).replace("\"", "").trim();
        long n = parseLong(v);
        return n >= 0 ? n : null;
      }
    }
    return null;
  }

  private Duration backoff() {
    Duration cap =
        options.jwksMinRefresh().compareTo(options.jwksRefreshInterval()) < 0
            ? options.jwksMinRefresh()
            : options.jwksRefreshInterval();
    int shift = Math.min(consecutiveFailures - 1, 20);
    Duration d = BACKOFF_BASE.multipliedBy(1L << shift);
    return d.compareTo(cap) > 0 ? cap : d;
  }

  private synchronized Void schedule(Duration delay) {
    if (closed) {
      return null;
    }
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
    timerId = vertx.setTimer(Math.max(1, delay.toMillis()), id -> fetch());
    return null;
  }
}
