package io.portcullis.gateway.state;

import io.portcullis.gateway.config.Defaults;
import io.portcullis.gateway.config.GatewayConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How the durable state is kept and propagated (SPEC §6). Immutable; construction rejects bad
 * values with a message naming the key.
 *
 * @param databaseUrl {@code DATABASE_URL} ({@code postgresql://user[:pw]@host:port/db}), or {@code
 *     null} for the embedded store
 * @param dataDir {@code PORTCULLIS_DATA_DIR}: where the embedded store keeps its journal
 * @param redisUrl {@code REDIS_URL} for pub/sub propagation, or {@code null}: changes then reach
 *     other instances by catch-up only (and without a database there is only one instance)
 * @param syncInterval catch-up period from the store; a lost pub/sub message costs at most this
 * @param maxStaleness readiness fails when the last successful catch-up is older than this
 * @param channel the Redis pub/sub channel; tests give each run its own
 */
public record StateOptions(
    String databaseUrl,
    Path dataDir,
    String redisUrl,
    Duration syncInterval,
    Duration maxStaleness,
    String channel) {

  public static final String DEFAULT_CHANNEL = "portcullis:state";

  public StateOptions {
    Objects.requireNonNull(dataDir, "PORTCULLIS_DATA_DIR must be set");
    if (databaseUrl != null && databaseUrl.isBlank()) {
      databaseUrl = null;
    }
    if (redisUrl != null && redisUrl.isBlank()) {
      redisUrl = null;
    }
    if (databaseUrl != null
        && !(databaseUrl.startsWith("postgresql://") || databaseUrl.startsWith("postgres://"))) {
      throw new IllegalArgumentException(
          "DATABASE_URL must start with postgresql:// (got a URL of another scheme)");
    }
    if (syncInterval == null || syncInterval.isNegative() || syncInterval.isZero()) {
      throw new IllegalArgumentException("PORTCULLIS_REVOCATION_SYNC_INTERVAL must be positive");
    }
    if (maxStaleness == null || maxStaleness.compareTo(syncInterval) <= 0) {
      throw new IllegalArgumentException(
          "PORTCULLIS_REVOCATION_MAX_STALENESS must be longer than the sync interval");
    }
    if (channel == null || channel.isBlank()) {
      channel = DEFAULT_CHANNEL;
    }
  }

  /**
   * From the loaded configuration: {@code DATABASE_URL}, {@code PORTCULLIS_DATA_DIR}, {@code
   * REDIS_URL} (the rate limiter's Redis carries the pub/sub doorbell too), the sync interval and
   * the staleness bound.
   */
  public static StateOptions from(GatewayConfig config) {
    GatewayConfig.State s = config.state();
    return new StateOptions(
        s.databaseUrl(),
        s.dataDir(),
        config.rateLimits().redisUrl(),
        s.syncInterval(),
        s.maxStaleness(),
        DEFAULT_CHANNEL);
  }

  /** Whether the state lives in the embedded journal (no {@code DATABASE_URL}). */
  public boolean embedded() {
    return databaseUrl == null;
  }

  /** The defaults of {@link Defaults} for the given sources. */
  public static StateOptions of(String databaseUrl, Path dataDir, String redisUrl) {
    return new StateOptions(
        databaseUrl,
        dataDir,
        redisUrl,
        Defaults.REVOCATION_SYNC_INTERVAL,
        Defaults.REVOCATION_MAX_STALENESS,
        DEFAULT_CHANNEL);
  }

  public StateOptions withSyncInterval(Duration interval, Duration staleness) {
    return new StateOptions(databaseUrl, dataDir, redisUrl, interval, staleness, channel);
  }

  public StateOptions withChannel(String newChannel) {
    return new StateOptions(databaseUrl, dataDir, redisUrl, syncInterval, maxStaleness, newChannel);
  }
}
