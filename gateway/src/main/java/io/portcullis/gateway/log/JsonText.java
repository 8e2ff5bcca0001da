package io.portcullis.gateway.log;

/**
 * JSON string members written byte for byte as logstash's Jackson generator writes them: quote and
 * backslash escaped, control characters as the short escapes (b, t, n, f, r) or a six-character
 * backslash-u escape with upper-case hex, surrogates (paired or not) escaped the same way, every
 * other character as itself (UTF-8 on output).
 */
final class JsonText {
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private JsonText() {}

  /** {@code ,"name":value}; a {@code null} value as JSON {@code null}. */
  static void member(StringBuilder out, String name, String value) {
    out.append(",\"").append(name).append("\":");
    string(out, value);
  }

  static void string(StringBuilder out, String s) {
    if (s == null) {
      out.append("null");
      return;
    }
    out.append('"');
    int n = s.length();
    int clean = 0;
    while (clean < n && plain(s.charAt(clean))) {
      clean++;
    }
    if (clean == n) {
      out.append(s).append('"'); // the usual case: one bulk copy instead of a char at a time
      return;
    }
    out.append(s, 0, clean);
    for (int i = clean; i < n; i++) {
      char c = s.charAt(i);
      if (plain(c)) {
        out.append(c);
      } else if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20) {
        control(out, c);
      } else {
        unicodeEscape(out, c); // a surrogate, paired or not
      }
    }
    out.append('"');
  }

  /** Written as itself: not a control character, quote, backslash or surrogate. */
  private static boolean plain(char c) {
    return c >= 0x20 && c != '"' && c != '\\' && !Character.isSurrogate(c);
  }

  private static void control(StringBuilder out, char c) {
    switch (c) {
      case '\b' -> out.append("\\b");
      case '\t' -> out.append("\\t");
      case '\n' -> out.append("\\n");
      case '\f' -> out.append("\\f");
      case '\r' -> out.append("\\r");
      default -> unicodeEscape(out, c);
    }
  }

  private static void unicodeEscape(StringBuilder out, char c) {
    out.append("\\u")
        .append(HEX[(c >> 12) & 15])
        .append(HEX[(c >> 8) & 15])
        .append(HEX[(c >> 4) & 15])
        .append(HEX[c & 15]);
  }
}
