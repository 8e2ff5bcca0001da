package io.portcullis.keyset;

import java.util.List;
import java.util.Map;

/**
 * A tiny JSON writer for the structured fuzz target: objects are member lists, so a name may repeat
 * (duplicate members are one of the hostile shapes), and {@link Raw} text is written as is (deep
 * nesting, broken literals). Doubles that JSON cannot express (NaN, Infinity) come out as their
 * Java names, which is invalid JSON on purpose.
 */
final class MiniJson {
  private MiniJson() {}

  /** An object whose members may repeat. */
  record Obj(List<Map.Entry<String, Object>> members) {}

  /** Text written verbatim. */
  record Raw(String text) {}

  static Raw raw(String text) {
    return new Raw(text);
  }

  static String write(List<Map.Entry<String, Object>> members) {
    StringBuilder sb = new StringBuilder();
    value(sb, new Obj(members));
    return sb.toString();
  }

  private static void value(StringBuilder sb, Object v) {
    if (v == null) {
      sb.append("null");
    } else if (v instanceof String s) {
      string(sb, s);
    } else if (v instanceof Number || v instanceof Boolean) {
      sb.append(v);
    } else if (v instanceof Raw r) {
      sb.append(r.text());
    } else if (v instanceof Obj o) {
      sb.append('{');
      boolean first = true;
      for (Map.Entry<String, Object> e : o.members()) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        string(sb, e.getKey());
        sb.append(':');
        value(sb, e.getValue());
      }
      sb.append('}');
    } else if (v instanceof List<?> list) {
      sb.append('[');
      for (int i = 0; i < list.size(); i++) {
        if (i > 0) {
          sb.append(',');
        }
        value(sb, list.get(i));
      }
      sb.append(']');
    } else {
      throw new IllegalArgumentException("not a JSON value: " + v.getClass());
    }
  }

  private static void string(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c < 0x20) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    sb.append('"');
  }
}
