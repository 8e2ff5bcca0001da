package io.portcullis.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AdminTokensTest {
  @Test
  void parsesNamesAndAuthenticatesBySecret() {
    AdminTokens tokens = AdminTokens.parse(" ops = aaaaaaaaaaaaaaaa1 , sre=bbbbbbbbbbbbbbbb2");
    assertThat(tokens.authenticate("aaaaaaaaaaaaaaaa1")).isEqualTo("ops");
    assertThat(tokens.authenticate("bbbbbbbbbbbbbbbb2")).isEqualTo("sre");
    assertThat(tokens.authenticate("aaaaaaaaaaaaaaaa")).isNull();
    assertThat(tokens.authenticate(null)).isNull();
    assertThat(tokens.toString()).isEqualTo("AdminTokens[ops, sre]");
  }

  @Test
  void noneRefusesEverything() {
    assertThat(AdminTokens.parse(null).isEmpty()).isTrue();
    assertThat(AdminTokens.parse("  ").authenticate("")).isNull();
  }

  @Test
  void badValuesNameTheKeyButNeverTheSecret() {
    assertThatThrownBy(() -> AdminTokens.parse("ops"))
        .hasMessage("PORTCULLIS_ADMIN_TOKENS entry 1 must be name=secret");
    assertThatThrownBy(() -> AdminTokens.parse("ops=aaaaaaaaaaaaaaaa1,=x"))
        .hasMessage("PORTCULLIS_ADMIN_TOKENS entry 2 must be name=secret");
    assertThatThrownBy(() -> AdminTokens.parse("ops=short"))
        .hasMessage("PORTCULLIS_ADMIN_TOKENS entry 1 (ops): secret must be at least 16 characters")
        .message()
        .doesNotContain("short\"");
    assertThatThrownBy(() -> AdminTokens.parse("ops=aaaaaaaaaaaaaaaa1,ops=bbbbbbbbbbbbbbbb2"))
        .hasMessage("PORTCULLIS_ADMIN_TOKENS entry 2: name ops is repeated");
    assertThatThrownBy(() -> AdminTokens.parse("o p=aaaaaaaaaaaaaaaa1"))
        .hasMessageContaining("entry 1: name must be");
  }
}
