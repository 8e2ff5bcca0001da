package io.portcullis.gateway.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.keyset.KeyInfo;
import io.portcullis.keyset.KeyLookup;
import io.portcullis.keyset.KeySet;
import io.portcullis.keyset.KeySetHealth;
import io.portcullis.keyset.SourceStatus;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The keyset part of /readyz and the composite report. */
class ReadinessTest {

  /** A keyset whose health the test sets; nothing else is used by the readiness check. */
  static final class FixedHealthKeySet implements KeySet {
    KeySetHealth health;

    FixedHealthKeySet(KeySetHealth health) {
      this.health = health;
    }

    @Override
    public KeySetHealth health() {
      return health;
    }

    @Override
    public Future<Void> start() {
      return Future.succeededFuture();
    }

    @Override
    public Future<Void> close() {
      return Future.succeededFuture();
    }

    @Override
    public Future<Void> refresh() {
      return Future.succeededFuture();
    }

    @Override
    public List<KeyInfo> keys() {
      return List.of();
    }

    @Override
    public List<SourceStatus> sources() {
      return List.of();
    }

    @Override
    public Set<String> algorithms() {
      return Set.of();
    }

    @Override
    public KeyLookup lookup(String kid) {
      throw new UnsupportedOperationException("not used by readiness");
    }

    @Override
    public Future<Void> refreshForUnknownKid() {
      return Future.succeededFuture();
    }
  }

  @Test
  void keysetStates() {
    FixedHealthKeySet ks = new FixedHealthKeySet(new KeySetHealth(2, List.of(), "k1", true));
    KeySetReadiness check = new KeySetReadiness(ks);
    assertThat(check.status()).isEqualTo(ReadinessCheck.Status.up("2 usable keys"));

    ks.health = new KeySetHealth(0, List.of(), null, true);
    assertThat(check.status()).isEqualTo(ReadinessCheck.Status.down("no usable signing key"));

    ks.health = new KeySetHealth(1, List.of("jwks:https://idp/jwks"), null, true);
    assertThat(check.status())
        .isEqualTo(ReadinessCheck.Status.down("stale key sources: jwks:https://idp/jwks"));

    ks.health = new KeySetHealth(1, List.of(), "k2", false);
    assertThat(check.status())
        .isEqualTo(ReadinessCheck.Status.down("current kid k2 not in keyset"));
  }

  @Test
  void compositeReportAndDraining() {
    Readiness r = new Readiness();
    r.add(new KeySetReadiness(new FixedHealthKeySet(new KeySetHealth(1, List.of(), null, true))));
    JsonObject ok = r.report();
    assertThat(ok.getString("status")).isEqualTo("ready");
    assertThat(ok.getJsonObject("checks").fieldNames())
        .containsExactlyInAnyOrder("keys", "draining");
    r.startDraining();
    JsonObject draining = r.report();
    assertThat(draining.getString("status")).isEqualTo("not_ready");
    assertThat(draining.getJsonObject("checks").getJsonObject("draining").getString("status"))
        .isEqualTo("down");
  }

  @Test
  void aThrowingCheckIsNotReadyRatherThanAnError() {
    Readiness r = new Readiness();
    r.add(
        new ReadinessCheck() {
          @Override
          public String name() {
            return "broken";
          }

          @Override
          public Status status() {
            throw new IllegalStateException("boom");
          }
        });
    JsonObject report = r.report();
    assertThat(report.getString("status")).isEqualTo("not_ready");
    assertThat(report.getJsonObject("checks").getJsonObject("broken").getString("detail"))
        .isEqualTo("check failed: IllegalStateException");
  }

  @Test
  void aSecondCheckOfTheSameNameIsRefusedRatherThanHidden() {
    Readiness readiness = new Readiness();
    readiness.add(named("keys"));
    assertThatThrownBy(() -> readiness.add(named("keys")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a readiness check named 'keys' exists already");
    assertThatThrownBy(() -> readiness.add(named("draining")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static ReadinessCheck named(String name) {
    return new ReadinessCheck() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public Status status() {
        return Status.up("fine");
      }
    };
  }
}
