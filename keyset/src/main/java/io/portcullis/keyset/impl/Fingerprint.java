package io.portcullis.keyset.impl;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256 of a compact token: the verified-token cache key (32 bytes, not the token string) and the
 * 12-hex-character fingerprint logs use to name a token.
 */
public final class Fingerprint {
  private Fingerprint() {}

  private static final ThreadLocal<MessageDigest> SHA256 =
      ThreadLocal.withInitial(
          () -> {
            try {
              return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
              throw new IllegalStateException("SHA-256 is required by every JDK", e);
            }
          });

  /** The SHA-256 of the token's UTF-8 bytes. */
  public static byte[] sha256(String token) {
    MessageDigest md = SHA256.get();
    md.reset();
    return md.digest(token.getBytes(StandardCharsets.UTF_8));
  }

  /** The first 12 hex characters of a SHA-256 digest. */
  public static String of(byte[] sha256) {
    return HexFormat.of().formatHex(sha256, 0, 6);
  }

  /** The first 12 hex characters of the token's SHA-256; {@code "-"} for null. */
  public static String of(String token) {
    return token == null ? "-" : of(sha256(token));
  }
}
