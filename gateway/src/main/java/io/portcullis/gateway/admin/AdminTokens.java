package io.portcullis.gateway.admin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The admin secrets of {@code PORTCULLIS_ADMIN_TOKENS}: {@code name=secret,...}. The name is the
 * audit actor; the secret is only ever held as its SHA-256 digest and compared in constant time.
 * With no token configured the admin API refuses every call.
 *
 * @param tokens the named digests
 */
public record AdminTokens(List<Named> tokens) {
  private static final String KEY = "PORTCULLIS_ADMIN_TOKENS";
  private static final int MIN_SECRET_LENGTH = 16;

  /** One admin identity: its name and the SHA-256 of its secret. */
  public record Named(String name, byte[] digest) {
    @Override
    public String toString() {
      return "Named[" + name + "]"; // never the digest
    }
  }

  public AdminTokens {
    tokens = List.copyOf(tokens);
  }

  public static AdminTokens none() {
    return new AdminTokens(List.of());
  }

  /**
   * Parses {@code name=secret,name2=secret2}; {@code null} or blank means none.
   *
   * @throws IllegalArgumentException naming the key and the entry's position, never the secret
   */
  public static AdminTokens parse(String text) {
    if (text == null || text.isBlank()) {
      return none();
    }
    List<Named> named = new ArrayList<>();
    Set<String> names = new HashSet<>();
    String[] entries = text.split(",", -1);
    for (int i = 0; i < entries.length; i++) {
      String entry = entries[i].trim();
      int eq = entry.indexOf('=');
      String where = KEY + " entry " + (i + 1);
      if (eq <= 0) {
        throw new IllegalArgumentException(where + " must be name=secret");
      }
      named.add(named(where, entry.substring(0, eq).trim(), entry.substring(eq + 1).trim(), names));
    }
    return new AdminTokens(named);
  }

  /**
   * The name → secret pairs of the loaded configuration (YAML map or the parsed environment list),
   * checked by the same rules as {@link #parse}.
   *
   * @throws IllegalArgumentException naming the entry, never the secret (the caller adds the key)
   */
  public static AdminTokens of(Map<String, String> nameToSecret) {
    List<Named> named = new ArrayList<>();
    Set<String> names = new HashSet<>();
    nameToSecret.forEach(
        (name, secret) ->
            named.add(named("entry", name.trim(), secret == null ? "" : secret, names)));
    return new AdminTokens(named);
  }

  private static Named named(String where, String name, String secret, Set<String> names) {
    if (!name.matches("[A-Za-z0-9._@-]{1,64}")) {
      throw new IllegalArgumentException(
          where + ": name must be 1-64 characters of [A-Za-z0-9._@-]");
    }
    if (secret.length() < MIN_SECRET_LENGTH) {
      throw new IllegalArgumentException(
          where + " (" + name + "): secret must be at least " + MIN_SECRET_LENGTH + " characters");
    }
    if (!names.add(name)) {
      throw new IllegalArgumentException(where + ": name " + name + " is repeated");
    }
    return new Named(name, sha256(secret));
  }

  public boolean isEmpty() {
    return tokens.isEmpty();
  }

  /**
   * The name whose secret equals {@code presented}, or {@code null}. Compares digests (equal
   * lengths) with {@link MessageDigest#isEqual} against every token, so timing tells nothing.
   */
  public String authenticate(String presented) {
    if (presented == null) {
      return null;
    }
    byte[] digest = sha256(presented);
    String match = null;
    for (Named t : tokens) {
      if (MessageDigest.isEqual(digest, t.digest()) && match == null) {
        match = t.name();
      }
    }
    return match;
  }

  static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }

  @Override
  public String toString() {
    return "AdminTokens" + tokens.stream().map(Named::name).toList();
  }
}
