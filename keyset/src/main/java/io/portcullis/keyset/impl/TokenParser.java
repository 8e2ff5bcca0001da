package io.portcullis.keyset.impl;

import com.nimbusds.jose.util.Base64URL;
import io.portcullis.keyset.Validation;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The structural checks of SPEC §4 step 4 that run before any key work, in this order: size and
 * shape (a five-part JWE is refused), base64url, header JSON (bounded depth, no duplicate names),
 * {@code alg} ({@code none} in any casing and anything outside the allow-list), {@code crit} (this
 * validator understands no extension, so any is unsupported), {@code typ}, {@code kid}, then the
 * payload JSON. The token's {@code jwk}, {@code jku}, {@code x5u} and {@code x5c} are read by
 * nobody.
 */
public final class TokenParser {

  /** The gateway caps the Authorization header at 8 KiB; no real token is longer. */
  public static final int MAX_TOKEN_CHARS = 8 * 1024;

  /** {@code typ} values accepted, lower-cased (RFC 7519 §5.1, RFC 9068 §2.1). */
  private static final Set<String> TYPES = Set.of("jwt", "at+jwt", "application/at+jwt");

  private final Set<String> allowedAlgorithms;

  /** Either a parsed token or a rejection. */
  public record Result(ParsedToken token, Validation.Rejected rejected) {}

  public TokenParser(Set<String> allowedAlgorithms) {
    this.allowedAlgorithms = Set.copyOf(allowedAlgorithms);
  }

  public Result parse(String token) {
    if (token == null || token.isEmpty()) {
      return reject(Rejections.NOT_COMPACT);
    }
    if (token.length() > MAX_TOKEN_CHARS) {
      return reject(Rejections.TOO_LARGE);
    }
    int dots = 0;
    int first = -1;
    int second = -1;
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      if (c == '.') {
        dots++;
        if (dots == 1) {
          first = i;
        } else if (dots == 2) {
          second = i;
        }
      } else if (!isBase64Url(c)) {
        return reject(Rejections.BAD_BASE64);
      }
    }
    if (dots == 4) {
      return reject(Rejections.JWE); // RFC 7516 §7.1: five parts
    }
    if (dots != 2 || first == 0 || second == first + 1) {
      return reject(Rejections.NOT_COMPACT);
    }
    Map<String, Object> header;
    try {
      header = StrictJson.parseObject(decode(token, 0, first));
    } catch (IllegalArgumentException | StrictJson.JsonException e) {
      return reject(Rejections.BAD_HEADER);
    }
    if (!(header.get("alg") instanceof String alg)) {
      return reject(Rejections.NO_ALG);
    }
    if (alg.trim().toLowerCase(Locale.ROOT).equals("none")) {
      return reject(Rejections.ALG_NONE);
    }
    if (header.containsKey("enc")) {
      return reject(Rejections.ENC_IN_HEADER);
    }
    if (!allowedAlgorithms.contains(alg)) {
      return reject(Rejections.algNotAllowed(alg));
    }
    if (header.containsKey("crit")) {
      // RFC 7515 §4.1.11: we understand no extension (not even b64, RFC 7797), so any listed
      // critical extension makes the token unacceptable.
      return reject(
          header.get("crit") instanceof List<?> crit
                  && !crit.isEmpty()
                  && crit.stream().allMatch(String.class::isInstance)
              ? Rejections.UNSUPPORTED_CRIT
              : Rejections.BAD_CRIT);
    }
    Object typ = header.get("typ");
    if (typ != null) {
      if (!(typ instanceof String t)) {
        return reject(Rejections.BAD_TYP);
      }
      if (!TYPES.contains(t.toLowerCase(Locale.ROOT))) {
        return reject(Rejections.WRONG_TYPE);
      }
    }
    Object kidValue = header.get("kid");
    if (kidValue != null && !(kidValue instanceof String)) {
      return reject(Rejections.BAD_KID);
    }
    Map<String, Object> claims;
    try {
      claims = StrictJson.parseObject(decode(token, first + 1, second));
    } catch (IllegalArgumentException | StrictJson.JsonException e) {
      return reject(Rejections.BAD_PAYLOAD);
    }
    Base64URL signature = new Base64URL(token.substring(second + 1));
    try {
      decode(token, second + 1, token.length()); // strict check only; Nimbus decodes leniently
    } catch (IllegalArgumentException e) {
      return reject(Rejections.BAD_BASE64);
    }
    byte[] signingInput = token.substring(0, second).getBytes(StandardCharsets.US_ASCII);
    return new Result(
        new ParsedToken(alg, (String) kidValue, signingInput, signature, claims), null);
  }

  private static Result reject(Validation.Rejected r) {
    return new Result(null, r);
  }

  private static boolean isBase64Url(char c) {
    return (c >= 'A' && c <= 'Z')
        || (c >= 'a' && c <= 'z')
        || (c >= '0' && c <= '9')
        || c == '-'
        || c == '_';
  }

  private static byte[] decode(String token, int from, int to) {
    return Base64.getUrlDecoder().decode(token.substring(from, to));
  }
}
