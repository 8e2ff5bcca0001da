package io.portcullis.gateway.health;

import io.portcullis.keyset.KeySet;
import io.portcullis.keyset.KeySetHealth;

/**
 * The keyset part of {@code /readyz} (SPEC §5): not ready with no usable key, with a source past
 * its max staleness, or with {@code JWT_KEY_ID_CURRENT} set but missing from the keyset.
 */
public final class KeySetReadiness implements ReadinessCheck {
  private final KeySet keySet;

  public KeySetReadiness(KeySet keySet) {
    this.keySet = keySet;
  }

  @Override
  public String name() {
    return "keys";
  }

  @Override
  public Status status() {
    KeySetHealth h = keySet.health();
    if (h.usableKeys() == 0) {
      return Status.down("no usable signing key");
    }
    if (!h.currentKidPresent()) {
      return Status.down("current kid " + h.currentKid() + " not in keyset");
    }
    if (!h.staleSources().isEmpty()) {
      return Status.down("stale key sources: " + String.join(", ", h.staleSources()));
    }
    return Status.up(h.usableKeys() + " usable keys");
  }
}
