package io.portcullis.keyset;

import java.util.List;

/**
 * Readiness of the keyset (SPEC §5): ready only with at least one usable key, no source past its
 * max staleness, and the configured current kid present.
 *
 * @param usableKeys keys that can verify tokens now
 * @param staleSources sources whose keys are older than their max staleness
 * @param currentKid the configured {@code JWT_KEY_ID_CURRENT}, or {@code null}
 * @param currentKidPresent whether {@code currentKid} is in the keyset (true when none is set)
 */
public record KeySetHealth(
    int usableKeys, List<String> staleSources, String currentKid, boolean currentKidPresent) {

  public KeySetHealth {
    staleSources = List.copyOf(staleSources);
  }

  public boolean ready() {
    return usableKeys > 0 && staleSources.isEmpty() && currentKidPresent;
  }
}
