package io.portcullis.gateway.config;

/**
 * A configuration error: one line naming the key and what is wrong. {@code Main} prints it and
 * exits with status 2.
 */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String key, String problem) {
    super(oneLine(key + ": " + problem), null, false, false);
  }

  /**
   * Keys and values echoed from the file or environment may hold line breaks or other control
   * characters; escaped, the message stays one line and cannot forge extra log lines.
   */
  private static String oneLine(String message) {
    StringBuilder out = new StringBuilder(message.length());
    for (int i = 0; i < message.length(); i++) {
      char c = message.charAt(i);
      switch (c) {
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.toString();
  }
}
