package io.portcullis.keyset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Each bad configuration is refused by build() with a message that names the option. */
class OptionsTest {
  static final String RSA_PEM = TestKeys.pem(TestKeys.RSA);

  static KeySetOptions.Builder base() {
    return KeySetOptions.builder().pemKey("rsa-1", RSA_PEM);
  }

  @Test
  void defaultsMatchTheGatewayDefaults() {
    KeySetOptions o = base().build();
    assertThat(o.algorithms()).containsExactly("RS256", "PS256", "ES256", "EdDSA");
    assertThat(o.jwksRefreshInterval()).isEqualTo(Duration.ofMinutes(5));
    assertThat(o.jwksMinRefresh()).isEqualTo(Duration.ofMinutes(1));
    assertThat(o.jwksMaxRefresh()).isEqualTo(Duration.ofHours(24));
    assertThat(o.fetchTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(o.maxStaleness()).isEqualTo(Duration.ofHours(6));
    assertThat(o.unknownKidCooldown()).isEqualTo(Duration.ofSeconds(30));
    assertThat(o.keysDirPollInterval()).isEqualTo(Duration.ofSeconds(2));
    ValidatorOptions v =
        ValidatorOptions.builder().issuers(Set.of("i")).audiences(Set.of("a")).build();
    assertThat(v.clockSkew()).isEqualTo(Duration.ofSeconds(30));
    assertThat(v.cacheSize()).isEqualTo(100_000);
  }

  @Test
  void badKeySetOptions() {
    assertThatThrownBy(() -> KeySetOptions.builder().build())
        .hasMessage(
            "pemKeys: no key source configured (set pemKeys, keysDir, jwksUrls or hmacKeys)");
    assertThatThrownBy(() -> base().algorithms(Set.of("RS256", "none")).build())
        .hasMessage("algorithms: 'none' is never allowed (unsecured tokens are rejected)");
    assertThatThrownBy(() -> base().algorithms(Set.of("rs256")).build())
        .hasMessageStartingWith("algorithms: 'rs256' is not a supported JWS algorithm");
    assertThatThrownBy(() -> base().algorithms(Set.of()).build())
        .hasMessage("algorithms: must name at least one JWS algorithm");
    assertThatThrownBy(() -> KeySetOptions.builder().pemKey("k", "hello").build())
        .hasMessage("pemKeys[k]: not a PEM block (-----BEGIN ...----- / -----END ...-----)");
    assertThatThrownBy(
            () -> KeySetOptions.builder().pemKey("k", RSA_PEM).algorithms(Set.of("ES256")).build())
        .hasMessage("pemKeys[k]: the key is bound to RS256, which is not in algorithms");
    assertThatThrownBy(() -> KeySetOptions.builder().pemKey("k", RSA_PEM, "ES256").build())
        .hasMessage("pemKeys[k]: an RSA key cannot verify ES256");
    assertThatThrownBy(() -> base().hmacKey("h", TestKeys.HMAC_SECRET, "HS256").build())
        .hasMessage("hmacKeys[h]: HS256 is not in algorithms; HMAC must be allowed explicitly");
    assertThatThrownBy(
            () ->
                base()
                    .algorithms(Set.of("RS256", "HS256"))
                    .hmacKey("h", new byte[31], "HS256")
                    .build())
        .hasMessage(
            "hmacKeys[h]: the secret has 248 bits; HS256 needs at least 256 (RFC 7518 §3.2)");
    assertThatThrownBy(
            () ->
                base()
                    .algorithms(Set.of("RS256", "HS512"))
                    .hmacKey("h", TestKeys.HMAC_SECRET, "HS512")
                    .build())
        .hasMessage(
            "hmacKeys[h]: the secret has 256 bits; HS512 needs at least 512 (RFC 7518 §3.2)");
    assertThatThrownBy(() -> base().jwksUrl(URI.create("file:///etc/jwks")).build())
        .hasMessage("jwksUrls: 'file:///etc/jwks' is not an absolute http(s) URL");
    assertThatThrownBy(
            () ->
                base()
                    .jwksUrl(URI.create("https://idp/jwks"))
                    .jwksUrl(URI.create("https://idp/jwks"))
                    .build())
        .hasMessage("jwksUrls: 'https://idp/jwks' is listed twice");
    assertThatThrownBy(() -> base().fetchTimeout(Duration.ZERO).build())
        .hasMessage("fetchTimeout: must be a positive duration, not PT0S");
    assertThatThrownBy(
            () ->
                base()
                    .jwksMinRefresh(Duration.ofHours(2))
                    .jwksMaxRefresh(Duration.ofHours(1))
                    .build())
        .hasMessage("jwksMinRefresh: PT2H is above jwksMaxRefresh PT1H");
    assertThatThrownBy(
            () ->
                base()
                    .jwksUrl(URI.create("https://idp/jwks"))
                    .maxStaleness(Duration.ofMinutes(5))
                    .build())
        .hasMessage(
            "maxStaleness: PT5M must be longer than jwksRefreshInterval PT5M, or keys go stale"
                + " between two refreshes");
    assertThatThrownBy(() -> base().currentKid(" ").build())
        .hasMessage("currentKid: must not be blank");
  }

  @Test
  void pemKeysJsonAcceptsStringsAndValueObjects() {
    String json =
        "{\"rsa-1\":"
            + io.vertx.core.json.Json.encode(RSA_PEM)
            + ",\"rsa-ps\":{\"pem\":"
            + io.vertx.core.json.Json.encode(TestKeys.pem(TestKeys.RSA_PS))
            + ",\"alg\":\"PS256\"}}";
    KeySetOptions o = KeySetOptions.builder().pemKeysJson(json).build();
    assertThat(o.pemKeys().get("rsa-1").algorithm()).isNull();
    assertThat(o.pemKeys().get("rsa-ps").algorithm()).isEqualTo("PS256");
    assertThatThrownBy(() -> KeySetOptions.builder().pemKeysJson("[1]"))
        .hasMessageStartingWith("pemKeys: not a JSON object");
    assertThatThrownBy(() -> KeySetOptions.builder().pemKeysJson("{\"k\":42}"))
        .hasMessage("pemKeys[k]: expected a PEM string or {\"pem\": ..., \"alg\": ...}");
  }

  @Test
  void badValidatorOptions() {
    assertThatThrownBy(() -> ValidatorOptions.builder().audiences(Set.of("a")).build())
        .hasMessage("issuers: at least one accepted issuer is required");
    assertThatThrownBy(() -> ValidatorOptions.builder().issuers(Set.of("i")).build())
        .hasMessage("audiences: at least one accepted audience is required");
    assertThatThrownBy(
            () ->
                ValidatorOptions.builder()
                    .issuers(Set.of("i"))
                    .audiences(Set.of("a"))
                    .clockSkew(Duration.ofHours(1))
                    .build())
        .hasMessage("clockSkew: must be between 0s and 10m, not 1h");
    assertThatThrownBy(
            () ->
                ValidatorOptions.builder()
                    .issuers(Set.of("i"))
                    .audiences(Set.of("a"))
                    .cacheSize(-1)
                    .build())
        .hasMessage("cacheSize: must be 0 (off) or more, not -1");
  }

  @Test
  void theRecordConstructorsCheckToo() {
    assertThatThrownBy(() -> new ValidatorOptions(Set.of(), Set.of("a"), Duration.ZERO, 0))
        .hasMessage("issuers: at least one accepted issuer is required");
    KeySetOptions ok = base().build();
    assertThatThrownBy(
            () ->
                new KeySetOptions(
                    ok.pemKeys(),
                    null,
                    ok.keysDirPollInterval(),
                    ok.jwksUrls(),
                    ok.hmacKeys(),
                    Set.of("none"),
                    null,
                    ok.jwksRefreshInterval(),
                    ok.jwksMinRefresh(),
                    ok.jwksMaxRefresh(),
                    ok.fetchTimeout(),
                    ok.maxStaleness(),
                    ok.unknownKidCooldown()))
        .hasMessageStartingWith("algorithms: 'none' is never allowed");
  }
}
