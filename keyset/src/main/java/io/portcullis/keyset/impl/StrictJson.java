package io.portcullis.keyset.impl;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict, bounded JSON parser for token headers, payloads and JWKS documents (RFC 8259).
 *
 * <p>Why not hand attacker input straight to Nimbus: its Gson parser recurses once per nesting
 * level and bounds nesting only at Gson's default of 255 (older Gson not at all), so the safety of
 * a 10 000-deep header would rest on a library default. This parser refuses anything nested deeper
 * than {@link #MAX_DEPTH} (its recursion is bounded by it), refuses duplicate member names at every
 * level (RFC 7515 §5.2 step 4 lets a JWS validator reject them; accepting "the last one wins"
 * invites parser-differential attacks), refuses invalid UTF-8 and numbers beyond the range of a
 * double, and produces the same value types Nimbus does: {@code Map}, {@code List}, {@code String},
 * {@code Long} or {@code Double}, {@code Boolean}, {@code null}. Maps and lists it returns are
 * unmodifiable.
 */
public final class StrictJson {

  /** Deep enough for real claims (Keycloak's {@code resource_access.client.roles} is 3). */
  public static final int MAX_DEPTH = 16;

  /** A parse failure. Stackless: it is an expected outcome of bad input on the hot path. */
  public static final class JsonException extends Exception {
    JsonException(String message) {
      super(message, null, false, false);
    }
  }

  private final String s;
  private int pos;

  private StrictJson(String s) {
    this.s = s;
  }

  /** Parses UTF-8 bytes that must hold one JSON object. */
  public static Map<String, Object> parseObject(byte[] utf8) throws JsonException {
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(utf8))
              .toString();
    } catch (CharacterCodingException e) {
      throw new JsonException("invalid UTF-8");
    }
    StrictJson p = new StrictJson(text);
    p.skipWs();
    if (p.peek() != '{') {
      throw new JsonException("not a JSON object");
    }
    Map<String, Object> result = p.object(1);
    p.skipWs();
    if (p.pos != text.length()) {
      throw new JsonException("trailing characters after the JSON object");
    }
    return result;
  }

  private int peek() {
    return pos < s.length() ? s.charAt(pos) : -1;
  }

  private void skipWs() {
    while (pos < s.length()) {
      char c = s.charAt(pos);
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        pos++;
      } else {
        return;
      }
    }
  }

  private void expect(char c) throws JsonException {
    if (peek() != c) {
      throw new JsonException("expected '" + c + "' at offset " + pos);
    }
    pos++;
  }

  private Object value(int depth) throws JsonException {
    skipWs();
    int c = peek();
    switch (c) {
      case '{':
        return object(depth + 1);
      case '[':
        return array(depth + 1);
      case '"':
        return string();
      case 't':
        literal("true");
        return Boolean.TRUE;
      case 'f':
        literal("false");
        return Boolean.FALSE;
      case 'n':
        literal("null");
        return null;
      default:
        if (c == '-' || (c >= '0' && c <= '9')) {
          return number();
        }
        throw new JsonException("unexpected character at offset " + pos);
    }
  }

  private Map<String, Object> object(int depth) throws JsonException {
    if (depth > MAX_DEPTH) {
      throw new JsonException("nested deeper than " + MAX_DEPTH);
    }
    expect('{');
    Map<String, Object> map = new LinkedHashMap<>();
    skipWs();
    if (peek() == '}') {
      pos++;
      return Collections.unmodifiableMap(map);
    }
    while (true) {
      skipWs();
      if (peek() != '"') {
        throw new JsonException("expected a member name at offset " + pos);
      }
      String name = string();
      skipWs();
      expect(':');
      Object v = value(depth);
      if (map.containsKey(name)) {
        throw new JsonException("duplicate member name");
      }
      map.put(name, v);
      skipWs();
      int c = peek();
      if (c == ',') {
        pos++;
      } else if (c == '}') {
        pos++;
        return Collections.unmodifiableMap(map);
      } else {
        throw new JsonException("expected ',' or '}' at offset " + pos);
      }
    }
  }

  private List<Object> array(int depth) throws JsonException {
    if (depth > MAX_DEPTH) {
      throw new JsonException("nested deeper than " + MAX_DEPTH);
    }
    expect('[');
    List<Object> list = new ArrayList<>();
    skipWs();
    if (peek() == ']') {
      pos++;
      return Collections.unmodifiableList(list);
    }
    while (true) {
      list.add(value(depth));
      skipWs();
      int c = peek();
      if (c == ',') {
        pos++;
      } else if (c == ']') {
        pos++;
        return Collections.unmodifiableList(list);
      } else {
        throw new JsonException("expected ',' or ']' at offset " + pos);
      }
    }
  }

  private void literal(String word) throws JsonException {
    if (!s.startsWith(word, pos)) {
      throw new JsonException("unexpected literal at offset " + pos);
    }
    pos += word.length();
  }

  private String string() throws JsonException {
    expect('"');
    StringBuilder sb = null;
    int start = pos;
    while (true) {
      if (pos >= s.length()) {
        throw new JsonException("unterminated string");
      }
      char c = s.charAt(pos);
      if (c == '"') {
        String out = sb == null ? s.substring(start, pos) : sb.append(s, start, pos).toString();
        pos++;
        return out;
      }
      if (c < 0x20) {
        throw new JsonException("control character in string at offset " + pos);
      }
      if (c != '\\') {
        pos++;
        continue;
      }
      if (sb == null) {
        sb = new StringBuilder();
      }
      sb.append(s, start, pos);
      pos++;
      if (pos >= s.length()) {
        throw new JsonException("unterminated escape");
      }
      char e = s.charAt(pos++);
      switch (e) {
        case '"' -> sb.append('"');
        case '\\' -> sb.append('\\');
        case '/' -> sb.append('/');
        case 'b' -> sb.append('\b');
        case 'f' -> sb.append('\f');
        case 'n' -> sb.append('\n');
        case 'r' -> sb.append('\r');
        case 't' -> sb.append('\t');
        case 'u' -> {
          if (pos + 4 > s.length()) {
            throw new JsonException("short \\u escape");
          }
          int cp = 0;
          for (int i = 0; i < 4; i++) {
            int d = Character.digit(s.charAt(pos + i), 16);
            if (d < 0) {
              throw new JsonException("bad \\u escape");
            }
            cp = cp * 16 + d;
          }
          pos += 4;
          sb.append((char) cp);
        }
        default -> throw new JsonException("bad escape at offset " + (pos - 1));
      }
      start = pos;
    }
  }

  private Object number() throws JsonException {
    int start = pos;
    if (peek() == '-') {
      pos++;
    }
    if (peek() == '0') {
      pos++;
    } else if (peek() >= '1' && peek() <= '9') {
      while (peek() >= '0' && peek() <= '9') {
        pos++;
      }
    } else {
      throw new JsonException("bad number at offset " + start);
    }
    boolean integral = true;
    if (peek() == '.') {
      integral = false;
      pos++;
      if (!(peek() >= '0' && peek() <= '9')) {
        throw new JsonException("bad fraction at offset " + start);
      }
      while (peek() >= '0' && peek() <= '9') {
        pos++;
      }
    }
    if (peek() == 'e' || peek() == 'E') {
      integral = false;
      pos++;
      if (peek() == '+' || peek() == '-') {
        pos++;
      }
      if (!(peek() >= '0' && peek() <= '9')) {
        throw new JsonException("bad exponent at offset " + start);
      }
      while (peek() >= '0' && peek() <= '9') {
        pos++;
      }
    }
    String text = s.substring(start, pos);
    if (integral) {
      try {
        return Long.parseLong(text);
      } catch (NumberFormatException tooBig) {
        // falls through to a double, as Gson's LONG_OR_DOUBLE policy does
      }
    }
    double d = Double.parseDouble(text);
    if (Double.isInfinite(d)) {
      // RFC 8259 §6 lets a parser limit the range; beyond a double, a number has no value that
      // Nimbus (which refuses it) and the claim checks would agree on: exp 1e400 would be a token
      // valid forever here and invalid JSON there.
      throw new JsonException("number out of range at offset " + start);
    }
    return d;
  }
}
