package io.portcullis.keyset;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The verified content of a token. Everything here has passed signature and claim validation; the
 * gateway builds identity headers from this and nothing else.
 *
 * @param kid the key id that verified the signature
 * @param algorithm the JWS algorithm, e.g. {@code RS256}
 * @param issuer {@code iss}
 * @param subject {@code sub}, or {@code null} when absent
 * @param audience {@code aud} as a list (a single string becomes a one-element list)
 * @param expiresAt {@code exp}
 * @param issuedAt {@code iat}, or {@code null} when absent
 * @param jti {@code jti}, or {@code null} when absent
 * @param claims every claim of the payload, unmodifiable
 * @param fingerprint short hex SHA-256 of the compact token, the only way logs name a token
 * @param scopes the granted scopes, from {@code scope} (space-separated string, RFC 8693 / RFC
 *     9068) or {@code scp} (array or space-separated string, as Azure AD and Okta issue it);
 *     derived from {@code claims} once, when the token is verified, not per request
 */
public record VerifiedToken(
    String kid,
    String algorithm,
    String issuer,
    String subject,
    List<String> audience,
    Instant expiresAt,
    Instant issuedAt,
    String jti,
    Map<String, Object> claims,
    String fingerprint,
    List<String> scopes) {

  public VerifiedToken {
    audience = List.copyOf(audience);
    claims = Map.copyOf(claims);
    scopes = List.copyOf(scopes);
  }

  /** A verified token whose scopes are read from its claims. */
  public VerifiedToken(
      String kid,
      String algorithm,
      String issuer,
      String subject,
      List<String> audience,
      Instant expiresAt,
      Instant issuedAt,
      String jti,
      Map<String, Object> claims,
      String fingerprint) {
    this(
        kid,
        algorithm,
        issuer,
        subject,
        audience,
        expiresAt,
        issuedAt,
        jti,
        claims,
        fingerprint,
        scopesOf(claims));
  }

  private static final java.util.regex.Pattern WHITESPACE = java.util.regex.Pattern.compile("\\s+");

  /** A claim as a string, empty when absent or not a string. */
  public Optional<String> stringClaim(String name) {
    return claims.get(name) instanceof String s ? Optional.of(s) : Optional.empty();
  }

  private static List<String> scopesOf(Map<String, Object> claims) {
    Object raw = claims.containsKey("scope") ? claims.get("scope") : claims.get("scp");
    if (raw instanceof String s) {
      return s.isBlank() ? List.of() : List.of(WHITESPACE.split(s.trim()));
    }
    if (raw instanceof List<?> list) {
      return list.stream().filter(String.class::isInstance).map(String.class::cast).toList();
    }
    return List.of();
  }
}
