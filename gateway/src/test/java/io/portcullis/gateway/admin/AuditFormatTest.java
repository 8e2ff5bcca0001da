package io.portcullis.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.gateway.state.AuditEvent;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class AuditFormatTest {
  @Test
  void csvQuotesDelimitersAndNeutralisesFormulas() {
    assertThat(AuditFormat.csv("plain")).isEqualTo("plain");
    assertThat(AuditFormat.csv(null)).isEmpty();
    assertThat(AuditFormat.csv("a,b")).isEqualTo("\"a,b\"");
    assertThat(AuditFormat.csv("say \"hi\"")).isEqualTo("\"say \"\"hi\"\"\"");
    assertThat(AuditFormat.csv("two\nlines")).isEqualTo("\"two\nlines\"");
    assertThat(AuditFormat.csv("=1+1")).isEqualTo("\"'=1+1\"");
    assertThat(AuditFormat.csv("+1")).isEqualTo("\"'+1\"");
    assertThat(AuditFormat.csv("-1")).isEqualTo("\"'-1\"");
    assertThat(AuditFormat.csv("@SUM(A1)")).isEqualTo("\"'@SUM(A1)\"");
    assertThat(AuditFormat.csv("\tcmd")).isEqualTo("\"'\tcmd\"");
    assertThat(AuditFormat.csv("a=b")).isEqualTo("a=b");
  }

  @Test
  void jsonAndCsvFraming() {
    AuditEvent e =
        new AuditEvent(
            Instant.parse("2026-01-01T00:00:00Z"),
            "ops",
            "key.revoked",
            "kid:k1",
            null,
            "r",
            "10.0.0.1",
            "rid",
            "success");
    assertThat(AuditFormat.CSV.open())
        .isEqualTo("time,actor,action,target,org,reason,source,request_id,outcome\r\n");
    assertThat(AuditFormat.CSV.row(e, true))
        .isEqualTo("2026-01-01T00:00:00Z,ops,key.revoked,kid:k1,,r,10.0.0.1,rid,success\r\n");
    String json =
        AuditFormat.JSON.open()
            + AuditFormat.JSON.row(e, true)
            + AuditFormat.JSON.row(e, false)
            + AuditFormat.JSON.close();
    assertThat(new io.vertx.core.json.JsonArray(json)).hasSize(2);
    assertThat(new io.vertx.core.json.JsonArray(AuditFormat.JSON.open() + AuditFormat.JSON.close()))
        .isEmpty();
  }
}
