package io.portcullis.keyset;

import static io.portcullis.keyset.TokenFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.RSAKey;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The key directory ({@code PORTCULLIS_KEYS_DIR}): files added, changed and removed are seen. */
class KeyDirTest {
  @TempDir Path dir;
  Vertx vertx;
  MutableClock clock;
  KeySet keys;
  TokenValidator validator;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    clock = new MutableClock(NOW_INSTANT);
  }

  void start(Path keysDir) throws Exception {
    keys =
        KeySet.create(
            vertx,
            KeySetOptions.builder()
                .keysDir(keysDir)
                .keysDirPollInterval(Duration.ofMillis(100))
                .build(),
            clock,
            new SimpleMeterRegistry());
    await(keys.start());
    validator = TokenValidator.create(keys, validatorOptions(), clock, new SimpleMeterRegistry());
  }

  @AfterEach
  void tearDown() throws Exception {
    if (keys != null) {
      await(keys.close());
    }
    await(vertx.close());
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  ValidationResult result(String token) throws Exception {
    return await(validator.validate(token)).result();
  }

  boolean hasKid(String kid) {
    return keys.keys().stream().anyMatch(k -> k.kid().equals(kid));
  }

  static void eventually(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 10 s");
      }
      Thread.sleep(20);
    }
  }

  @Test
  void filesAddedChangedAndRemovedArePickedUpByPolling() throws Exception {
    Files.writeString(dir.resolve("rsa-1.pem"), TestKeys.pem(TestKeys.RSA));
    start(dir);
    assertThat(result(GOOD_RS256_TOKEN)).isEqualTo(ValidationResult.OK);
    assertThat(keys.keys()).extracting(KeyInfo::source).containsOnly("dir");

    // added: seen by the poller alone (no token asks for it, so no refresh is triggered)
    Files.writeString(dir.resolve("ec-1.pem"), TestKeys.pem(TestKeys.EC));
    eventually(() -> hasKid("ec-1"));
    assertThat(result(GOOD_ES256_TOKEN)).isEqualTo(ValidationResult.OK);

    // changed in place: rsa-1 now holds another key
    RSAKey replacement = TestKeys.rsa("rsa-1");
    String replacementToken = jws("RS256", "rsa-1", replacement, PAYLOAD);
    Thread.sleep(20); // a distinct modification time
    Files.writeString(dir.resolve("rsa-1.pem"), TestKeys.pem(replacement));
    eventually(
        () -> {
          try {
            return result(replacementToken) == ValidationResult.OK;
          } catch (Exception e) {
            throw new AssertionError(e);
          }
        });
    assertThat(result(GOOD_RS256_TOKEN)).isEqualTo(ValidationResult.BAD_SIGNATURE);

    // removed
    Files.delete(dir.resolve("ec-1.pem"));
    eventually(() -> !hasKid("ec-1"));
  }

  @Test
  void aKubernetesSecretSymlinkSwapIsPickedUp() throws Exception {
    // The layout kubelet writes: <kid>.pem -> ..data/<kid>.pem, ..data -> ..<timestamp>/
    Path v1 = Files.createDirectory(dir.resolve("..2027_01_15_v1"));
    Files.writeString(v1.resolve("rsa-1.pem"), TestKeys.pem(TestKeys.RSA));
    Files.createSymbolicLink(dir.resolve("..data"), v1.getFileName());
    Files.createSymbolicLink(dir.resolve("rsa-1.pem"), Path.of("..data", "rsa-1.pem"));
    start(dir);
    assertThat(keys.keys()).extracting(KeyInfo::kid).containsExactly("rsa-1");
    assertThat(result(GOOD_RS256_TOKEN)).isEqualTo(ValidationResult.OK);

    RSAKey rotated = TestKeys.rsa("rsa-1");
    Path v2 = Files.createDirectory(dir.resolve("..2027_01_15_v2"));
    Files.writeString(v2.resolve("rsa-1.pem"), TestKeys.pem(rotated));
    Path tmp = Files.createSymbolicLink(dir.resolve("..data_tmp"), v2.getFileName());
    Files.move(tmp, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);

    String rotatedToken = jws("RS256", "rsa-1", rotated, PAYLOAD);
    eventually(
        () -> {
          try {
            return result(rotatedToken) == ValidationResult.OK;
          } catch (Exception e) {
            throw new AssertionError(e);
          }
        });
    assertThat(keys.keys()).extracting(KeyInfo::kid).containsExactly("rsa-1");
  }

  @Test
  void aBadFileIsReportedAndDoesNotDropTheOtherKeys() throws Exception {
    Files.writeString(dir.resolve("rsa-1.pem"), TestKeys.pem(TestKeys.RSA));
    Files.writeString(
        dir.resolve("broken.pem"), "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");
    Files.writeString(dir.resolve("notes.txt"), "not a key");
    start(dir);
    assertThat(keys.keys()).extracting(KeyInfo::kid).containsExactly("rsa-1");
    assertThat(result(GOOD_RS256_TOKEN)).isEqualTo(ValidationResult.OK);
  }

  @Test
  void aMissingDirectoryIsAFailedSourceNotACrash() throws Exception {
    start(dir.resolve("absent"));
    SourceStatus status = keys.sources().get(0);
    assertThat(status.source()).isEqualTo("dir");
    assertThat(status.lastError()).contains("absent");
    assertThat(keys.health().ready()).isFalse();
    assertThat(result(GOOD_RS256_TOKEN)).isEqualTo(ValidationResult.NO_KEYS);
  }

  /**
   * An unchanged, readable directory is confirmed by every poll and never ages; only a directory
   * that cannot be read for longer than the max staleness goes stale, and it recovers on the next
   * good read. Each poll is a refresh: success while readable, failure while not, so the refresh
   * alert (failures without successes) clears once the directory reads again.
   */
  @Test
  void theDirectoryGoesStaleOnlyWhenUnreadableLongerThanTheMaxStaleness() throws Exception {
    Path keysDir = Files.createDirectory(dir.resolve("keys"));
    Files.writeString(keysDir.resolve("rsa-1.pem"), TestKeys.pem(TestKeys.RSA));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    keys =
        KeySet.create(
            vertx,
            KeySetOptions.builder()
                .keysDir(keysDir)
                .keysDirPollInterval(Duration.ofMillis(50))
                .maxStaleness(Duration.ofMinutes(10))
                .build(),
            clock,
            registry);
    await(keys.start());

    // readable and unchanged for an hour: every poll confirms it
    for (int i = 0; i < 12; i++) {
      clock.advance(Duration.ofMinutes(5));
      eventually(() -> clock.instant().equals(keys.sources().get(0).lastSuccess()));
      assertThat(keys.health().ready()).isTrue();
    }
    double successes = refreshes(registry, "success");
    assertThat(successes).as("unchanged reads count as successful refreshes").isGreaterThan(12);

    // unreadable (the directory is gone): last good keys kept until the max staleness
    Path away = dir.resolve("keys-away");
    Files.move(keysDir, away);
    eventually(() -> keys.sources().get(0).lastError() != null);
    assertThat(refreshes(registry, "failure")).isPositive();
    clock.advance(Duration.ofMinutes(9));
    assertThat(keys.health().staleSources()).isEmpty();
    assertThat(keys.lookup("rsa-1").status()).isEqualTo(KeyLookup.Status.FOUND);
    clock.advance(Duration.ofMinutes(2)); // 11 min unreadable > 10 min
    assertThat(keys.health().staleSources()).containsExactly("dir");
    assertThat(keys.health().ready()).isFalse();
    assertThat(keys.keys()).extracting(KeyInfo::state).containsOnly("stale");

    // readable again: fresh at the next poll, and successes follow the failures
    Files.move(away, keysDir);
    eventually(() -> keys.health().ready());
    assertThat(keys.sources().get(0).lastError()).isNull();
    double after = refreshes(registry, "success");
    eventually(() -> refreshes(registry, "success") > after);
  }

  static double refreshes(SimpleMeterRegistry registry, String result) {
    return registry
        .get("portcullis.keyset.refresh")
        .tags("source", "dir", "result", result)
        .counter()
        .count();
  }

  @Test
  void anUnknownKidRereadsTheDirectoryAtOnce() throws Exception {
    Files.writeString(dir.resolve("rsa-1.pem"), TestKeys.pem(TestKeys.RSA));
    keys =
        KeySet.create(
            vertx,
            KeySetOptions.builder()
                .keysDir(dir)
                .keysDirPollInterval(Duration.ofHours(1)) // polling will not see it in time
                .build(),
            clock,
            new SimpleMeterRegistry());
    await(keys.start());
    validator = TokenValidator.create(keys, validatorOptions(), clock, new SimpleMeterRegistry());
    Files.writeString(dir.resolve("ec-1.pem"), TestKeys.pem(TestKeys.EC));
    assertThat(result(GOOD_ES256_TOKEN)).isEqualTo(ValidationResult.OK);
  }
}
