package io.portcullis.keyset.impl;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JWS algorithms this module can verify, and a preallocated minimal header per algorithm.
 *
 * <p>Verifiers are handed the minimal header (algorithm only) instead of the token's own: the
 * token's {@code jwk}, {@code jku}, {@code x5u} and {@code x5c} are then never even parsed, let
 * alone used or fetched (SPEC §4 step 4), and {@code crit} has already been rejected.
 */
public final class Algorithms {
  private Algorithms() {}

  /** Case-sensitive names, as RFC 7518 §3.1 registers them. */
  public static final List<String> SUPPORTED =
      List.of(
          "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA",
          "HS256", "HS384", "HS512");

  private static final Map<String, JWSHeader> HEADERS = new LinkedHashMap<>();

  static {
    for (String name : SUPPORTED) {
      HEADERS.put(name, new JWSHeader(JWSAlgorithm.parse(name)));
    }
  }

  public static boolean isSupported(String name) {
    return HEADERS.containsKey(name);
  }

  /** The minimal header for {@code name}, or {@code null} if unsupported. */
  public static JWSHeader header(String name) {
    return HEADERS.get(name);
  }

  /** Minimum HMAC secret size in bits (RFC 7518 §3.2: at least the hash size), or -1. */
  public static int hmacMinBits(String name) {
    return switch (name == null ? "" : name) {
      case "HS256" -> 256;
      case "HS384" -> 384;
      case "HS512" -> 512;
      default -> -1;
    };
  }
}
