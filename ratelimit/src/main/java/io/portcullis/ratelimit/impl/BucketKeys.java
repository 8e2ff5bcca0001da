package io.portcullis.ratelimit.impl;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * Builds namespaced bucket keys. Every component is percent-encoded so that {@code :} separates
 * components unambiguously (an org id may itself contain {@code :}) and no key contains {@code {}
 * or {@code }} (which would break the Redis Cluster hash tag around the bucket key). Two different
 * subjects therefore never map to the same bucket.
 */
public final class BucketKeys {
  private static final Pattern IPV4 =
      Pattern.compile(
          "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
  private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]{2,45}");
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private BucketKeys() {}

  /** {@code kind:enc(a)[:enc(b)...]}. */
  public static String key(String kind, String... components) {
    StringBuilder sb = new StringBuilder(kind.length() + 32).append(kind);
    for (String c : components) {
      sb.append(':');
      encode(c, sb);
    }
    return sb.toString();
  }

  static void encode(String s, StringBuilder out) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || c == '.'
          || c == '_'
          || c == '-') {
        out.append(c);
      } else {
        for (byte b : String.valueOf(c).getBytes(StandardCharsets.UTF_8)) {
          out.append('%').append(HEX[(b >> 4) & 0xF]).append(HEX[b & 0xF]);
        }
      }
    }
  }

  /**
   * The canonical text of an IPv4 or IPv6 literal, so {@code ::1} and {@code 0:0:0:0:0:0:0:1} name
   * one bucket. Never resolves names: anything that is not a literal is rejected before {@link
   * InetAddress} sees it (a DNS lookup on the request path would block an event loop).
   *
   * @throws IllegalArgumentException if {@code ip} is not an address literal
   */
  public static String canonicalIp(String ip) {
    if (ip == null) {
      throw new IllegalArgumentException("missing IP address");
    }
    if (IPV4.matcher(ip).matches()) {
      return ip;
    }
    String literal = ip;
    int zone = literal.indexOf('%');
    if (zone >= 0) {
      literal = literal.substring(0, zone);
    }
    if (literal.startsWith("[") && literal.endsWith("]")) {
      literal = literal.substring(1, literal.length() - 1);
    }
    if (literal.indexOf(':') < 0 || !IPV6_CHARS.matcher(literal).matches()) {
      throw new IllegalArgumentException("'" + ip + "' is not an IPv4 or IPv6 address literal");
    }
    try {
      // A string containing ':' is parsed as an IPv6 literal: no lookup happens.
      return InetAddress.getByName(literal).getHostAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("'" + ip + "' is not an IPv4 or IPv6 address literal");
    }
  }
}
