package io.portcullis.gateway.config;

import java.util.ArrayDeque;
import java.util.Deque;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Parse;
import org.snakeyaml.engine.v2.events.Event;

/**
 * Refuses hostile YAML before it is composed into objects. SnakeYAML's composer and constructor
 * recurse once per nesting level, so a deeply nested document ends in a {@link StackOverflowError},
 * and a list or map used as a mapping key is hashed in full (a self-referencing or alias-multiplied
 * key never finishes). The parser's event stream is flat, so this pass walks it with an explicit
 * stack: no recursion, linear time. A configuration needs neither: its deepest value (routes, a
 * route, its scopes) is three levels down and every key is a plain word.
 */
final class YamlGuard {
  /** Largest configuration text accepted, in characters (the file is read only up to this). */
  static final int MAX_CHARS = 1 << 20;

  /** Deepest nesting of lists and maps accepted. */
  static final int MAX_DEPTH = 32;

  private YamlGuard() {}

  /**
   * Throws {@link ConfigException} for text that is too long, nested deeper than {@link #MAX_DEPTH}
   * or uses a list, map or alias as a mapping key; YAML syntax errors are left to the loader.
   */
  static void check(String text, LoadSettings settings) {
    if (text.length() > MAX_CHARS) {
      throw new ConfigException("config file", "larger than " + MAX_CHARS + " characters");
    }
    // One entry per open collection: true for a map whose next node is a key.
    Deque<boolean[]> open = new ArrayDeque<>();
    for (Event e : new Parse(settings).parseString(text)) {
      switch (e.getEventId()) {
        case Scalar, Alias, SequenceStart, MappingStart -> {
          boolean[] parent = open.peek();
          if (parent != null && parent.length == 1) {
            if (parent[0] && e.getEventId() != Event.ID.Scalar) {
              throw new ConfigException(
                  "config file", "a mapping key must be a plain value, not a list, map or alias");
            }
            parent[0] = !parent[0];
          }
          if (e.getEventId() == Event.ID.MappingStart) {
            open.push(new boolean[] {true});
          } else if (e.getEventId() == Event.ID.SequenceStart) {
            open.push(new boolean[0]);
          }
          if (open.size() > MAX_DEPTH) {
            throw new ConfigException(
                "config file", "lists and maps nested deeper than " + MAX_DEPTH + " levels");
          }
        }
        case SequenceEnd, MappingEnd -> open.pop();
        default -> {}
      }
    }
  }
}
