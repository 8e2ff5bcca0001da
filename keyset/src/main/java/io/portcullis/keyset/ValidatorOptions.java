package io.portcullis.keyset;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * What a valid token must say and how verified tokens are cached. Immutable; build with {@link
 * #builder()}, whose {@link Builder#build()} rejects bad values with a message naming the option.
 *
 * @param issuers accepted {@code iss} values ({@code PORTCULLIS_ISSUERS}); a token must match one
 * @param audiences accepted audiences ({@code PORTCULLIS_AUDIENCES}); {@code aud} (a string or an
 *     array) must name at least one
 * @param clockSkew leeway for {@code exp}, {@code nbf} and {@code iat} ({@code
 *     PORTCULLIS_CLOCK_SKEW})
 * @param cacheSize maximum number of verified tokens cached; {@code 0} disables the cache
 */
public record ValidatorOptions(
    Set<String> issuers, Set<String> audiences, Duration clockSkew, int cacheSize) {

  public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofSeconds(30);
  public static final int DEFAULT_CACHE_SIZE = 100_000;

  /** A skew beyond this would make {@code exp} meaningless; refused. */
  public static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(10);

  /**
   * Checks every value, so that no instance with a bad value exists.
   *
   * @throws IllegalArgumentException with a message that starts with the option's name
   */
  public ValidatorOptions {
    if (issuers == null || issuers.isEmpty()) {
      throw new IllegalArgumentException("issuers: at least one accepted issuer is required");
    }
    if (issuers.stream().anyMatch(s -> s == null || s.isBlank())) {
      throw new IllegalArgumentException("issuers: an issuer must not be blank");
    }
    if (audiences == null || audiences.isEmpty()) {
      throw new IllegalArgumentException("audiences: at least one accepted audience is required");
    }
    if (audiences.stream().anyMatch(s -> s == null || s.isBlank())) {
      throw new IllegalArgumentException("audiences: an audience must not be blank");
    }
    if (clockSkew == null || clockSkew.isNegative() || clockSkew.compareTo(MAX_CLOCK_SKEW) > 0) {
      throw new IllegalArgumentException(
          "clockSkew: must be between 0s and "
              + human(MAX_CLOCK_SKEW)
              + ", not "
              + (clockSkew == null ? "null" : human(clockSkew)));
    }
    if (cacheSize < 0) {
      throw new IllegalArgumentException("cacheSize: must be 0 (off) or more, not " + cacheSize);
    }
    issuers = Collections.unmodifiableSet(new LinkedHashSet<>(issuers));
    audiences = Collections.unmodifiableSet(new LinkedHashSet<>(audiences));
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builds {@link ValidatorOptions}; issuers and audiences are required. */
  public static final class Builder {
    private Set<String> issuers = Set.of();
    private Set<String> audiences = Set.of();
    private Duration clockSkew = DEFAULT_CLOCK_SKEW;
    private int cacheSize = DEFAULT_CACHE_SIZE;

    private Builder() {}

    public Builder issuers(Set<String> issuers) {
      this.issuers = new LinkedHashSet<>(issuers);
      return this;
    }

    public Builder audiences(Set<String> audiences) {
      this.audiences = new LinkedHashSet<>(audiences);
      return this;
    }

    public Builder clockSkew(Duration skew) {
      this.clockSkew = skew;
      return this;
    }

    public Builder cacheSize(int size) {
      this.cacheSize = size;
      return this;
    }

    /**
     * @throws IllegalArgumentException with a message that starts with the option's name
     */
    public ValidatorOptions build() {
      return new ValidatorOptions(issuers, audiences, clockSkew, cacheSize);
    }
  }

  /** {@code 10m}, {@code 1h}, {@code 90s}: the unit an operator writes, not ISO-8601's PT10M. */
  private static String human(Duration d) {
    long s = d.toSeconds();
    if (s != 0 && s % 3600 == 0) {
      return s / 3600 + "h";
    }
    if (s != 0 && s % 60 == 0) {
      return s / 60 + "m";
    }
    return d.toMillis() % 1000 == 0 ? s + "s" : d.toMillis() + "ms";
  }
}
