package io.portcullis.gateway.proxy;

import java.util.Collection;
import java.util.Locale;

/**
 * An immutable set of header names matched ignoring ASCII case, without allocating per lookup: an
 * open-addressing table of lower-case names. Every proxied request asks it once per header in each
 * direction; the {@code TreeSet(CASE_INSENSITIVE_ORDER)} it replaces compared through a tree.
 */
final class HeaderNames {
  private final String[] table;
  private final int mask;

  private HeaderNames(Collection<String> names) {
    int size = Integer.highestOneBit(Math.max(4, names.size() * 4) - 1) << 1;
    table = new String[size];
    mask = size - 1;
    for (String name : names) {
      String lower = name.toLowerCase(Locale.ROOT);
      if (!contains(lower)) {
        int i = hash(lower) & mask;
        while (table[i] != null) {
          i = (i + 1) & mask;
        }
        table[i] = lower;
      }
    }
  }

  static HeaderNames of(Collection<String> names) {
    return new HeaderNames(names);
  }

  static HeaderNames of(String... names) {
    return new HeaderNames(java.util.List.of(names));
  }

  boolean contains(String name) {
    for (int i = hash(name) & mask; table[i] != null; i = (i + 1) & mask) {
      if (table[i].equalsIgnoreCase(name)) {
        return true;
      }
    }
    return false;
  }

  /** The same for any ASCII case of {@code s}. */
  private static int hash(String s) {
    int h = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      h = 31 * h + (c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    }
    return h ^ (h >>> 16);
  }
}
