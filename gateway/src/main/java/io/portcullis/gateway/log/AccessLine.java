package io.portcullis.gateway.log;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import net.logstash.logback.argument.StructuredArgument;

/**
 * The fields of one access-log line, in their documented order (docs/CONFIGURATION.md, "Logs").
 *
 * <p>It is the single argument of the {@code portcullis.access} event: the event loop only builds
 * this record; the log thread writes it, through {@link JsonLogEncoder}'s direct path or, with any
 * other logstash encoder, as a structured argument with the same fields.
 *
 * @param upstreamMs {@code null} when no upstream was called
 * @param sub the verified token's {@code sub}, or {@code null} (no token, or not verified)
 * @param clientId the verified token's {@code client_id} (else {@code azp}), or {@code null}
 * @param kid the verified token's key id, or {@code null}
 */
public record AccessLine(
    String method,
    String path,
    int status,
    String requestId,
    String route,
    String code,
    double durationMs,
    Double upstreamMs,
    String org,
    String auth,
    String tokenFp,
    String sub,
    String clientId,
    String kid,
    String clientIp,
    String traceparent)
    implements StructuredArgument {

  /** Appends {@code ,"method":...} and the rest as JSON members, exactly as Jackson writes them. */
  void appendMembers(StringBuilder out) {
    JsonText.member(out, "method", method);
    JsonText.member(out, "path", path);
    out.append(",\"status\":").append(status);
    JsonText.member(out, "request_id", requestId);
    JsonText.member(out, "route", route);
    JsonText.member(out, "code", code);
    out.append(",\"duration_ms\":").append(durationMs);
    out.append(",\"upstream_ms\":");
    if (upstreamMs == null) {
      out.append("null");
    } else {
      out.append(upstreamMs.doubleValue());
    }
    JsonText.member(out, "org", org);
    JsonText.member(out, "auth", auth);
    JsonText.member(out, "token_fp", tokenFp);
    JsonText.member(out, "sub", sub);
    JsonText.member(out, "client_id", clientId);
    JsonText.member(out, "kid", kid);
    JsonText.member(out, "client_ip", clientIp);
    JsonText.member(out, "traceparent", traceparent);
  }

  /** The same members through Jackson, for a logstash encoder without the direct path. */
  @Override
  public void writeTo(JsonGenerator g) throws IOException {
    g.writeStringField("method", method);
    g.writeStringField("path", path);
    g.writeNumberField("status", status);
    g.writeStringField("request_id", requestId);
    g.writeStringField("route", route);
    g.writeStringField("code", code);
    g.writeNumberField("duration_ms", durationMs);
    if (upstreamMs == null) {
      g.writeNullField("upstream_ms");
    } else {
      g.writeNumberField("upstream_ms", upstreamMs.doubleValue());
    }
    g.writeStringField("org", org);
    g.writeStringField("auth", auth);
    g.writeStringField("token_fp", tokenFp);
    g.writeStringField("sub", sub);
    g.writeStringField("client_id", clientId);
    g.writeStringField("kid", kid);
    g.writeStringField("client_ip", clientIp);
    g.writeStringField("traceparent", traceparent);
  }

  /** The line's {@code message}: {@code method=GET path=/x status=200}. */
  @Override
  public String toString() {
    return "method=" + method + " path=" + path + " status=" + status;
  }
}
