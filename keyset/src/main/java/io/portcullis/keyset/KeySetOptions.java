package io.portcullis.keyset;

import io.portcullis.keyset.impl.Algorithms;
import io.portcullis.keyset.impl.PemKeys;
import io.portcullis.keyset.impl.StrictJson;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Where the keys come from and how they are refreshed. Immutable; build with {@link #builder()},
 * whose {@link Builder#build()} rejects bad values and bad combinations with a message that names
 * the option.
 *
 * <p>Sources are merged by {@code kid}. When two sources publish the same kid, the first in this
 * order wins and the other is logged and ignored: {@code pem}, {@code hmac}, {@code dir}, then the
 * JWKS URLs in their configured order.
 *
 * @param pemKeys kid → PEM public key ({@code JWT_PUBLIC_KEYS_PEM}); each with an optional explicit
 *     algorithm, else bound from its key type (RSA → RS256, EC P-256 → ES256, Ed25519 → EdDSA)
 * @param keysDir directory of {@code <kid>.pem} files ({@code PORTCULLIS_KEYS_DIR}), or {@code
 *     null}
 * @param keysDirPollInterval how often the key directory's file times are polled
 * @param jwksUrls JWKS endpoints ({@code PORTCULLIS_JWKS_URLS}), fetched in the background
 * @param hmacKeys kid → shared secret; only with an HS algorithm in {@code algorithms} and a secret
 *     of at least the hash size (RFC 7518 §3.2)
 * @param algorithms the JWS allow-list ({@code PORTCULLIS_ALGORITHMS}); {@code none} never
 * @param currentKid the kid the issuer signs with now ({@code JWT_KEY_ID_CURRENT}), or {@code null}
 * @param jwksRefreshInterval JWKS refresh period when the response has no Cache-Control max-age
 * @param jwksMinRefresh lower bound applied to a JWKS max-age
 * @param jwksMaxRefresh upper bound applied to a JWKS max-age
 * @param fetchTimeout timeout of one JWKS fetch
 * @param maxStaleness a source whose last success is older than this is stale: its keys stop
 *     verifying (NO_KEYS, a 503) and readiness fails
 * @param unknownKidCooldown an unknown kid triggers at most one remote refresh per this period
 */
public record KeySetOptions(
    Map<String, PemKey> pemKeys,
    Path keysDir,
    Duration keysDirPollInterval,
    List<URI> jwksUrls,
    Map<String, HmacKey> hmacKeys,
    Set<String> algorithms,
    String currentKid,
    Duration jwksRefreshInterval,
    Duration jwksMinRefresh,
    Duration jwksMaxRefresh,
    Duration fetchTimeout,
    Duration maxStaleness,
    Duration unknownKidCooldown) {

  /** SPEC §3 {@code PORTCULLIS_ALGORITHMS}. */
  public static final Set<String> DEFAULT_ALGORITHMS =
      Collections.unmodifiableSet(new LinkedHashSet<>(List.of("RS256", "PS256", "ES256", "EdDSA")));

  /**
   * The key directory is polled rather than watched: Kubernetes Secret volumes update by swapping a
   * {@code ..data} symlink, which {@code WatchService} does not report reliably.
   */
  public static final Duration DEFAULT_KEYS_DIR_POLL_INTERVAL = Duration.ofSeconds(2);

  public static final Duration DEFAULT_JWKS_REFRESH_INTERVAL = Duration.ofMinutes(5);
  public static final Duration DEFAULT_JWKS_MIN_REFRESH = Duration.ofMinutes(1);
  public static final Duration DEFAULT_JWKS_MAX_REFRESH = Duration.ofHours(24);
  public static final Duration DEFAULT_FETCH_TIMEOUT = Duration.ofSeconds(5);
  public static final Duration DEFAULT_MAX_STALENESS = Duration.ofHours(6);
  public static final Duration DEFAULT_UNKNOWN_KID_COOLDOWN = Duration.ofSeconds(30);

  /**
   * One configured PEM key.
   *
   * @param pem the PEM text: {@code PUBLIC KEY} (SPKI), {@code RSA PUBLIC KEY} (PKCS#1) or {@code
   *     CERTIFICATE}
   * @param algorithm the one algorithm it verifies, or {@code null} to derive it from the key type
   *     (needed for PS256: an RSA key without an explicit algorithm is RS256 only)
   */
  public record PemKey(String pem, String algorithm) {
    public PemKey {
      Objects.requireNonNull(pem, "pem");
    }
  }

  /**
   * One HMAC secret.
   *
   * @param secret the raw secret bytes
   * @param algorithm HS256, HS384 or HS512
   */
  public record HmacKey(byte[] secret, String algorithm) {
    public HmacKey {
      secret = secret.clone();
      Objects.requireNonNull(algorithm, "algorithm");
    }

    @Override
    public byte[] secret() {
      return secret.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof HmacKey h
          && Arrays.equals(secret, h.secret)
          && algorithm.equals(h.algorithm);
    }

    @Override
    public int hashCode() {
      return 31 * Arrays.hashCode(secret) + algorithm.hashCode();
    }

    /** Never prints the secret. */
    @Override
    public String toString() {
      return "HmacKey[" + algorithm + ", " + secret.length * 8 + " bits]";
    }
  }

  /**
   * Checks every value and combination, so that no instance with a bad value exists.
   *
   * @throws IllegalArgumentException with a message that starts with the option's name
   */
  public KeySetOptions {
    if (algorithms == null || algorithms.isEmpty()) {
      throw new IllegalArgumentException("algorithms: must name at least one JWS algorithm");
    }
    for (String alg : algorithms) {
      if (alg == null || alg.trim().toLowerCase(Locale.ROOT).equals("none")) {
        throw new IllegalArgumentException(
            "algorithms: 'none' is never allowed (unsecured tokens are rejected)");
      }
      if (!Algorithms.isSupported(alg)) {
        throw new IllegalArgumentException(
            "algorithms: '"
                + alg
                + "' is not a supported JWS algorithm (names are case-sensitive: "
                + String.join(",", Algorithms.SUPPORTED)
                + ")");
      }
    }
    if (pemKeys.isEmpty() && keysDir == null && jwksUrls.isEmpty() && hmacKeys.isEmpty()) {
      throw new IllegalArgumentException(
          "pemKeys: no key source configured (set pemKeys, keysDir, jwksUrls or hmacKeys)");
    }
    for (var e : pemKeys.entrySet()) {
      String kid = e.getKey();
      requireKid("pemKeys", kid);
      String where = "pemKeys[" + kid + "]";
      PemKey pk = e.getValue();
      String bound;
      try {
        bound = PemKeys.parse(pk.pem(), pk.algorithm()).algorithm();
      } catch (IllegalArgumentException ex) {
        throw new IllegalArgumentException(where + ": " + ex.getMessage());
      }
      if (!algorithms.contains(bound)) {
        throw new IllegalArgumentException(
            where + ": the key is bound to " + bound + ", which is not in algorithms");
      }
    }
    for (var e : hmacKeys.entrySet()) {
      String kid = e.getKey();
      requireKid("hmacKeys", kid);
      String where = "hmacKeys[" + kid + "]";
      HmacKey hk = e.getValue();
      int minBits = Algorithms.hmacMinBits(hk.algorithm());
      if (minBits < 0) {
        throw new IllegalArgumentException(
            where + ": algorithm must be HS256, HS384 or HS512, not '" + hk.algorithm() + "'");
      }
      if (!algorithms.contains(hk.algorithm())) {
        throw new IllegalArgumentException(
            where
                + ": "
                + hk.algorithm()
                + " is not in algorithms; HMAC must be allowed explicitly");
      }
      int bits = hk.secret.length * 8;
      if (bits < minBits) {
        throw new IllegalArgumentException(
            where
                + ": the secret has "
                + bits
                + " bits; "
                + hk.algorithm()
                + " needs at least "
                + minBits
                + " (RFC 7518 §3.2)");
      }
    }
    if (pemKeys.keySet().stream().anyMatch(hmacKeys::containsKey)) {
      throw new IllegalArgumentException("hmacKeys: a kid is also in pemKeys");
    }
    Set<URI> seen = new LinkedHashSet<>();
    for (URI url : jwksUrls) {
      if (url == null
          || url.getScheme() == null
          || !(url.getScheme().equalsIgnoreCase("http")
              || url.getScheme().equalsIgnoreCase("https"))
          || url.getHost() == null) {
        throw new IllegalArgumentException(
            "jwksUrls: '" + url + "' is not an absolute http(s) URL");
      }
      if (!seen.add(url)) {
        throw new IllegalArgumentException("jwksUrls: '" + url + "' is listed twice");
      }
    }
    if (currentKid != null && currentKid.isBlank()) {
      throw new IllegalArgumentException("currentKid: must not be blank");
    }
    positive("keysDirPollInterval", keysDirPollInterval);
    positive("jwksRefreshInterval", jwksRefreshInterval);
    positive("jwksMinRefresh", jwksMinRefresh);
    positive("jwksMaxRefresh", jwksMaxRefresh);
    positive("fetchTimeout", fetchTimeout);
    positive("maxStaleness", maxStaleness);
    positive("unknownKidCooldown", unknownKidCooldown);
    if (jwksMinRefresh.compareTo(jwksMaxRefresh) > 0) {
      throw new IllegalArgumentException(
          "jwksMinRefresh: " + jwksMinRefresh + " is above jwksMaxRefresh " + jwksMaxRefresh);
    }
    if (!jwksUrls.isEmpty() && maxStaleness.compareTo(jwksRefreshInterval) <= 0) {
      throw new IllegalArgumentException(
          "maxStaleness: "
              + maxStaleness
              + " must be longer than jwksRefreshInterval "
              + jwksRefreshInterval
              + ", or keys go stale between two refreshes");
    }
    pemKeys = Collections.unmodifiableMap(new LinkedHashMap<>(pemKeys));
    jwksUrls = List.copyOf(jwksUrls);
    hmacKeys = Collections.unmodifiableMap(new LinkedHashMap<>(hmacKeys));
    algorithms = Collections.unmodifiableSet(new LinkedHashSet<>(algorithms));
  }

  private static void requireKid(String option, String kid) {
    if (kid == null || kid.isBlank()) {
      throw new IllegalArgumentException(option + ": a kid must not be blank");
    }
  }

  private static void positive(String option, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(option + ": must be a positive duration, not " + d);
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builds {@link KeySetOptions}; every setter is optional, {@link #build()} checks the result. */
  public static final class Builder {
    private final Map<String, PemKey> pemKeys = new LinkedHashMap<>();
    private Path keysDir;
    private Duration keysDirPollInterval = DEFAULT_KEYS_DIR_POLL_INTERVAL;
    private final List<URI> jwksUrls = new ArrayList<>();
    private final Map<String, HmacKey> hmacKeys = new LinkedHashMap<>();
    private Set<String> algorithms = DEFAULT_ALGORITHMS;
    private String currentKid;
    private Duration jwksRefreshInterval = DEFAULT_JWKS_REFRESH_INTERVAL;
    private Duration jwksMinRefresh = DEFAULT_JWKS_MIN_REFRESH;
    private Duration jwksMaxRefresh = DEFAULT_JWKS_MAX_REFRESH;
    private Duration fetchTimeout = DEFAULT_FETCH_TIMEOUT;
    private Duration maxStaleness = DEFAULT_MAX_STALENESS;
    private Duration unknownKidCooldown = DEFAULT_UNKNOWN_KID_COOLDOWN;

    private Builder() {}

    /** Adds kid → PEM entries, each bound to the algorithm of its key type. */
    public Builder pemKeys(Map<String, String> kidToPem) {
      kidToPem.forEach(this::pemKey);
      return this;
    }

    /** Adds one PEM key bound to the algorithm of its key type. */
    public Builder pemKey(String kid, String pem) {
      return pemKey(kid, pem, null);
    }

    /** Adds one PEM key bound to {@code algorithm} ({@code null}: from the key type). */
    public Builder pemKey(String kid, String pem, String algorithm) {
      pemKeys.put(kid, new PemKey(pem, algorithm));
      return this;
    }

    /**
     * Adds the entries of a {@code JWT_PUBLIC_KEYS_PEM} JSON object. Each value is either the PEM
     * text, or an object {@code {"pem": "...", "alg": "PS256"}} to bind the key to an explicit
     * algorithm.
     *
     * @throws IllegalArgumentException naming {@code pemKeys} when the JSON is not of that shape
     */
    public Builder pemKeysJson(String json) {
      Map<String, Object> parsed;
      try {
        parsed = StrictJson.parseObject(json.getBytes(StandardCharsets.UTF_8));
      } catch (StrictJson.JsonException e) {
        throw new IllegalArgumentException("pemKeys: not a JSON object (" + e.getMessage() + ")");
      }
      parsed.forEach(
          (kid, value) -> {
            if (value instanceof String pem) {
              pemKey(kid, pem);
            } else if (value instanceof Map<?, ?> obj
                && obj.get("pem") instanceof String pem
                && (obj.get("alg") == null || obj.get("alg") instanceof String)) {
              pemKey(kid, pem, (String) obj.get("alg"));
            } else {
              throw new IllegalArgumentException(
                  "pemKeys[" + kid + "]: expected a PEM string or {\"pem\": ..., \"alg\": ...}");
            }
          });
      return this;
    }

    public Builder keysDir(Path dir) {
      this.keysDir = dir;
      return this;
    }

    public Builder keysDirPollInterval(Duration interval) {
      this.keysDirPollInterval = interval;
      return this;
    }

    public Builder jwksUrls(List<URI> urls) {
      jwksUrls.addAll(urls);
      return this;
    }

    public Builder jwksUrl(URI url) {
      jwksUrls.add(url);
      return this;
    }

    /** Adds kid → secret entries, each bound to HS256. */
    public Builder hmacKeys(Map<String, byte[]> kidToSecret) {
      kidToSecret.forEach((kid, secret) -> hmacKey(kid, secret, "HS256"));
      return this;
    }

    /** Adds one HMAC secret bound to {@code algorithm} (HS256, HS384 or HS512). */
    public Builder hmacKey(String kid, byte[] secret, String algorithm) {
      hmacKeys.put(kid, new HmacKey(secret, algorithm));
      return this;
    }

    public Builder algorithms(Set<String> algorithms) {
      this.algorithms = new LinkedHashSet<>(algorithms);
      return this;
    }

    public Builder currentKid(String kid) {
      this.currentKid = kid;
      return this;
    }

    public Builder jwksRefreshInterval(Duration d) {
      this.jwksRefreshInterval = d;
      return this;
    }

    public Builder jwksMinRefresh(Duration d) {
      this.jwksMinRefresh = d;
      return this;
    }

    public Builder jwksMaxRefresh(Duration d) {
      this.jwksMaxRefresh = d;
      return this;
    }

    public Builder fetchTimeout(Duration d) {
      this.fetchTimeout = d;
      return this;
    }

    public Builder maxStaleness(Duration d) {
      this.maxStaleness = d;
      return this;
    }

    public Builder unknownKidCooldown(Duration d) {
      this.unknownKidCooldown = d;
      return this;
    }

    /**
     * Checks every value and combination.
     *
     * @throws IllegalArgumentException with a message that starts with the option's name
     */
    public KeySetOptions build() {
      return new KeySetOptions(
          pemKeys,
          keysDir,
          keysDirPollInterval,
          jwksUrls,
          hmacKeys,
          algorithms,
          currentKid,
          jwksRefreshInterval,
          jwksMinRefresh,
          jwksMaxRefresh,
          fetchTimeout,
          maxStaleness,
          unknownKidCooldown);
    }
  }
}
