package io.portcullis.gateway.config;

import io.portcullis.keyset.KeySetOptions;
import io.portcullis.keyset.ValidatorOptions;
import java.net.URI;
import java.util.Base64;
import java.util.LinkedHashSet;

/**
 * Maps the gateway configuration onto the keyset module's options. The keyset builders check
 * combinations (e.g. an HMAC key without an HS algorithm); their messages name their own option,
 * which is translated back to the operator's setting here.
 */
public final class KeysetWiring {
  private KeysetWiring() {}

  public static KeySetOptions keySetOptions(GatewayConfig config) {
    GatewayConfig.Keys k = config.keys();
    KeySetOptions.Builder b =
        KeySetOptions.builder()
            .algorithms(new LinkedHashSet<>(config.auth().algorithms()))
            .currentKid(k.currentKid())
            .keysDir(k.keysDir())
            .jwksRefreshInterval(k.jwksRefreshInterval())
            .jwksMinRefresh(min(Defaults.JWKS_MIN_REFRESH, k.jwksRefreshInterval()))
            .maxStaleness(k.maxStaleness())
            .unknownKidCooldown(k.unknownKidCooldown())
            .fetchTimeout(Defaults.JWKS_FETCH_TIMEOUT);
    k.jwksUrls().forEach(u -> b.jwksUrl(URI.create(u)));
    k.publicKeysPem().forEach((kid, pk) -> b.pemKey(kid, pk.pem(), pk.algorithm()));
    k.hmacKeys()
        .forEach(
            (kid, secret) -> {
              byte[] bytes;
              try {
                bytes = Base64.getUrlDecoder().decode(secret.replace('+', '-').replace('/', '_'));
              } catch (IllegalArgumentException e) {
                throw new ConfigException(
                    Setting.HMAC_KEYS.env() + "." + kid, "secret is not base64url");
              }
              String alg =
                  config.auth().algorithms().stream()
                      .filter(a -> a.startsWith("HS"))
                      .findFirst()
                      .orElse("HS256");
              b.hmacKey(kid, bytes, alg);
            });
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      if (String.valueOf(e.getMessage()).contains("no key source configured")) {
        throw new ConfigException(
            "keys",
            "no key source configured; set PORTCULLIS_JWKS_URLS, JWT_PUBLIC_KEYS_PEM or"
                + " PORTCULLIS_KEYS_DIR");
      }
      throw new ConfigException(settingFor(e.getMessage()), afterColon(e.getMessage()));
    }
  }

  public static ValidatorOptions validatorOptions(GatewayConfig config) {
    GatewayConfig.Auth a = config.auth();
    try {
      return ValidatorOptions.builder()
          .issuers(new LinkedHashSet<>(a.issuers()))
          .audiences(new LinkedHashSet<>(a.audiences()))
          .clockSkew(a.clockSkew())
          .cacheSize(a.tokenCacheSize())
          .build();
    } catch (IllegalArgumentException e) {
      throw new ConfigException(settingFor(e.getMessage()), afterColon(e.getMessage()));
    }
  }

  private static java.time.Duration min(java.time.Duration a, java.time.Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  /** The operator-facing setting for a keyset option named at the start of {@code message}. */
  static String settingFor(String message) {
    String option = message == null ? "" : message.split("[:\\[]", 2)[0];
    Setting s =
        switch (option) {
          case "pemKeys" -> Setting.JWT_PUBLIC_KEYS_PEM;
          case "hmacKeys" -> Setting.HMAC_KEYS;
          case "jwksUrls" -> Setting.JWKS_URLS;
          case "algorithms" -> Setting.ALGORITHMS;
          case "currentKid" -> Setting.JWT_KEY_ID_CURRENT;
          case "keysDir", "keysDirPollInterval" -> Setting.KEYS_DIR;
          case "jwksRefreshInterval", "jwksMinRefresh", "jwksMaxRefresh" ->
              Setting.JWKS_REFRESH_INTERVAL;
          case "maxStaleness" -> Setting.KEYS_MAX_STALENESS;
          case "unknownKidCooldown" -> Setting.UNKNOWN_KID_COOLDOWN;
          case "issuers" -> Setting.ISSUERS;
          case "audiences" -> Setting.AUDIENCES;
          case "clockSkew" -> Setting.CLOCK_SKEW;
          case "cacheSize" -> Setting.TOKEN_CACHE_SIZE;
          default -> null;
        };
    if (s == null) {
      return "keys";
    }
    // Keep a per-entry suffix such as [k1] so the operator sees which key is wrong.
    int bracket = message.indexOf('[');
    int colon = message.indexOf(':');
    String entry =
        bracket >= 0 && (colon < 0 || bracket < colon)
            ? message.substring(bracket, colon < 0 ? message.length() : colon)
            : "";
    return s.env() + entry;
  }

  private static String afterColon(String message) {
    int i = message == null ? -1 : message.indexOf(": ");
    return i < 0 ? String.valueOf(message) : message.substring(i + 2);
  }
}
