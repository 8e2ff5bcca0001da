package io.portcullis.gateway.http;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The one shape of an identifier the gateway accepts from outside: tenant ids (the org claim, the
 * admin API's {@code org}) and request ids ({@code X-Request-Id}) are 1–128 characters of {@code
 * [A-Za-z0-9._:-]} (SPEC §4 steps 1 and 6). Safe as they are in a header, a log line and a URL path
 * segment.
 *
 * <p>A loop rather than a regular expression: the request path checks two of these per request, and
 * a {@code Matcher} allocates.
 */
public final class Ids {
  /** The longest id accepted. */
  public static final int MAX_LENGTH = 128;

  /** The pattern, for messages: {@code must match [A-Za-z0-9._:-]{1,128}}. */
  public static final String PATTERN = "[A-Za-z0-9._:-]{1,128}";

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private Ids() {}

  /** Whether {@code s} is 1–128 characters of {@code [A-Za-z0-9._:-]}; {@code null} is not. */
  public static boolean wellFormed(String s) {
    if (s == null || s.isEmpty() || s.length() > MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '.'
              || c == '_'
              || c == ':'
              || c == '-';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** A fresh request id: 32 lower-case hex characters, as step 1 mints them. */
  public static String newRequestId() {
    return randomHex(16);
  }

  /**
   * {@code bytes} random bytes as lower-case hex, never all zeros (W3C: all-zero ids are invalid).
   */
  public static String randomHex(int bytes) {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    char[] out = new char[bytes * 2];
    int seen = 0;
    long v = 0;
    for (int i = 0; i < out.length; i++) {
      if (i % 16 == 0) {
        v = r.nextLong();
      }
      int nibble = (int) (v >>> 60);
      v <<= 4;
      seen |= nibble;
      out[i] = HEX[nibble];
    }
    if (seen == 0) {
      out[0] = '1';
    }
    return new String(out);
  }
}
