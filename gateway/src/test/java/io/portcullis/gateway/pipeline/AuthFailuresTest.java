package io.portcullis.gateway.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.gateway.http.ErrorCode;
import io.portcullis.gateway.http.GatewayFailure;
import io.portcullis.keyset.Validation;
import io.portcullis.keyset.ValidationResult;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The one ValidationResult → SPEC error code mapping. */
class AuthFailuresTest {

  @Test
  void specialCases() {
    assertThat(AuthFailures.code(ValidationResult.EXPIRED)).isEqualTo(ErrorCode.TOKEN_EXPIRED);
    assertThat(AuthFailures.code(ValidationResult.UNKNOWN_KID)).isEqualTo(ErrorCode.UNKNOWN_KEY);
    // No usable key is infrastructure: 503, never 401.
    assertThat(AuthFailures.code(ValidationResult.NO_KEYS)).isEqualTo(ErrorCode.AUTH_UNAVAILABLE);
    assertThat(ErrorCode.AUTH_UNAVAILABLE.status()).isEqualTo(503);
  }

  @ParameterizedTest
  @EnumSource(
      value = ValidationResult.class,
      names = {"OK", "EXPIRED", "UNKNOWN_KID", "NO_KEYS"},
      mode = EnumSource.Mode.EXCLUDE)
  void everyOtherRejectionIsInvalidToken(ValidationResult result) {
    assertThat(AuthFailures.code(result)).isEqualTo(ErrorCode.INVALID_TOKEN);
    GatewayFailure f = AuthFailures.failure(new Validation.Rejected(result, "why"));
    assertThat(f.code()).isEqualTo(ErrorCode.INVALID_TOKEN);
    assertThat(f.getMessage()).isEqualTo("why");
    assertThat(f.retryAfter()).isNull();
  }

  @Test
  void noKeysTellsTheClientWhenToRetry() {
    GatewayFailure f =
        AuthFailures.failure(new Validation.Rejected(ValidationResult.NO_KEYS, "no keys"));
    assertThat(f.status()).isEqualTo(503);
    assertThat(f.retryAfter()).isEqualTo(AuthFailures.NO_KEYS_RETRY);
  }

  @Test
  void okIsNotAFailure() {
    assertThatThrownBy(() -> AuthFailures.code(ValidationResult.OK))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void onlyClientCredentialFailuresCountAgainstTheBudget() {
    EnumSet<ErrorCode> counted = EnumSet.noneOf(ErrorCode.class);
    for (ErrorCode c : ErrorCode.values()) {
      if (FailureHandler.countsAgainstBudget(c)) {
        counted.add(c);
      }
    }
    assertThat(counted)
        .containsExactlyInAnyOrder(
            ErrorCode.MISSING_TOKEN,
            ErrorCode.INVALID_REQUEST,
            ErrorCode.INVALID_TOKEN,
            ErrorCode.TOKEN_EXPIRED,
            ErrorCode.TOKEN_REVOKED,
            ErrorCode.UNKNOWN_KEY,
            ErrorCode.KEY_REVOKED,
            ErrorCode.ORG_CONTEXT_MISSING,
            ErrorCode.ORG_MISMATCH,
            ErrorCode.ORG_SUSPENDED);
  }
}
