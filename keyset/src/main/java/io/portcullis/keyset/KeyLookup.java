package io.portcullis.keyset;

/**
 * The answer of {@link KeySet#lookup(String)}: the key, or why there is none. Non-found answers are
 * preallocated constants: a lookup allocates nothing.
 *
 * @param status what was found
 * @param key the key when {@code status} is {@link Status#FOUND}, else {@code null}
 */
public record KeyLookup(Status status, VerificationKey key) {

  /** What a lookup found. */
  public enum Status {
    /** The kid names a usable key. */
    FOUND,
    /** The kid names no key, while other keys are usable. */
    UNKNOWN,
    /** The kid names a key whose source is past its max staleness (an infrastructure failure). */
    STALE,
    /** The keyset has no usable key at all (an infrastructure failure). */
    NO_KEYS
  }

  public static final KeyLookup UNKNOWN = new KeyLookup(Status.UNKNOWN, null);
  public static final KeyLookup STALE = new KeyLookup(Status.STALE, null);
  public static final KeyLookup NO_KEYS = new KeyLookup(Status.NO_KEYS, null);

  public KeyLookup {
    if ((status == Status.FOUND) != (key != null)) {
      throw new IllegalArgumentException("a key exactly when FOUND");
    }
  }

  public static KeyLookup found(VerificationKey key) {
    return new KeyLookup(Status.FOUND, key);
  }
}
