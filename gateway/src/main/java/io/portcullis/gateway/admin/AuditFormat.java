package io.portcullis.gateway.admin;

import io.portcullis.gateway.state.AuditEvent;
import java.util.List;

/**
 * The two export formats. CSV follows RFC 4180 and neutralises spreadsheet formulas (OWASP "CSV
 * injection"): a value starting with {@code = + - @}, tab or carriage return gets a leading {@code
 * '} so no spreadsheet evaluates it; values with a comma, quote or line break are quoted with
 * quotes doubled.
 */
enum AuditFormat {
  JSON("application/json"),
  CSV("text/csv; charset=utf-8");

  private final String contentType;

  AuditFormat(String contentType) {
    this.contentType = contentType;
  }

  String contentType() {
    return contentType;
  }

  String open() {
    return this == JSON ? "[" : String.join(",", AuditEvent.FIELDS) + "\r\n";
  }

  String row(AuditEvent event, boolean first) {
    if (this == JSON) {
      return (first ? "\n" : ",\n") + event.toJson().encode();
    }
    List<String> values = event.values();
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < values.size(); i++) {
      if (i > 0) {
        line.append(',');
      }
      line.append(csv(values.get(i)));
    }
    return line.append("\r\n").toString();
  }

  String close() {
    return this == JSON ? "\n]\n" : "";
  }

  static String csv(String value) {
    if (value == null || value.isEmpty()) {
      return "";
    }
    String v = value;
    char first = v.charAt(0);
    if (first == '='
        || first == '+'
        || first == '-'
        || first == '@'
        || first == '\t'
        || first == '\r') {
      v = "'" + v;
    }
    if (v.indexOf(',') >= 0
        || v.indexOf('"') >= 0
        || v.indexOf('\n') >= 0
        || v.indexOf('\r') >= 0
        || v.startsWith("'")) {
      v = '"' + v.replace("\"", "\"\"") + '"';
    }
    return v;
  }
}
