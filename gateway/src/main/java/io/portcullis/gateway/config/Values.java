package io.portcullis.gateway.config;

import io.portcullis.ratelimit.RateLimitPolicy;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parsers for one raw value (a YAML scalar, list or map, or an environment string). Each failure is
 * a {@link ConfigException} naming {@code key}; a secret value is never echoed.
 */
final class Values {
  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)");
  private static final Pattern SIZE =
      Pattern.compile("(\\d{1,12})\\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?");

  /** Largest size accepted, 1 TiB: far above any sane limit, far below overflow. */
  private static final long MAX_SIZE = 1024L * 1024 * 1024 * 1024;

  private Values() {}

  static String string(String key, Object raw) {
    if (raw instanceof Map || raw instanceof List) {
      throw new ConfigException(key, "expected a single value, got a " + kind(raw));
    }
    String s = raw.toString().trim();
    if (s.isEmpty()) {
      throw new ConfigException(key, "must not be empty");
    }
    return s;
  }

  /** {@code 30s}, {@code 5m}, {@code 1h}, {@code 250ms}; zero is allowed only if {@code zeroOk}. */
  /** {@code true}/{@code false} (YAML booleans or their text, any case). */
  static boolean bool(String key, Object raw) {
    if (raw instanceof Boolean b) {
      return b;
    }
    if (raw instanceof String text) {
      switch (text.trim().toLowerCase(java.util.Locale.ROOT)) {
        case "true":
          return true;
        case "false":
          return false;
        default:
          break;
      }
    }
    throw new ConfigException(key, "bad value '" + raw + "'; expected true or false");
  }

  static Duration duration(String key, Object raw, boolean zeroOk) {
    String s = string(key, raw).toLowerCase(Locale.ROOT);
    Matcher m = DURATION.matcher(s);
    if (!m.matches()) {
      throw new ConfigException(
          key, "bad duration '" + s + "'; expected a number and a unit ms, s, m or h, e.g. 30s");
    }
    long n = Long.parseLong(m.group(1));
    Duration d =
        switch (m.group(2)) {
          case "ms" -> Duration.ofMillis(n);
          case "s" -> Duration.ofSeconds(n);
          case "m" -> Duration.ofMinutes(n);
          default -> Duration.ofHours(n);
        };
    if (d.isZero() && !zeroOk) {
      throw new ConfigException(key, "must be greater than zero");
    }
    return d;
  }

  /** Bytes: {@code 8192}, {@code 8KiB}, {@code 32MiB} (k/m/g are binary multiples). */
  static long size(String key, Object raw) {
    String s = string(key, raw).toLowerCase(Locale.ROOT);
    Matcher m = SIZE.matcher(s);
    if (!m.matches()) {
      throw new ConfigException(
          key, "bad size '" + s + "'; expected bytes or a number with KiB, MiB or GiB, e.g. 8KiB");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "b" : m.group(2);
    long mult =
        switch (unit.charAt(0)) {
          case 'k' -> 1024L;
          case 'm' -> 1024L * 1024;
          case 'g' -> 1024L * 1024 * 1024;
          default -> 1L;
        };
    if (n <= 0) {
      throw new ConfigException(key, "must be greater than zero");
    }
    if (n > MAX_SIZE / mult) {
      // 12 digits times GiB overflows a long; refuse rather than wrap to a bogus limit.
      throw new ConfigException(key, "too large '" + s + "'; at most 1024GiB");
    }
    return n * mult;
  }

  static int integer(String key, Object raw, int min, int max) {
    String s = string(key, raw);
    int v;
    try {
      v = Integer.parseInt(s);
    } catch (NumberFormatException e) {
      throw new ConfigException(key, "expected an integer, got '" + s + "'");
    }
    if (v < min || v > max) {
      throw new ConfigException(key, "must be between " + min + " and " + max + ", got " + v);
    }
    return v;
  }

  static int port(String key, Object raw) {
    return integer(key, raw, 0, 65535);
  }

  /** An absolute http(s) URL with a host, without query or fragment. */
  static URI url(String key, Object raw) {
    String s = string(key, raw);
    URI uri;
    try {
      uri = new URI(s);
    } catch (URISyntaxException e) {
      throw new ConfigException(key, "bad URL '" + s + "'");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new ConfigException(key, "bad URL '" + s + "'; expected http:// or https://");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw new ConfigException(key, "bad URL '" + s + "'; no host");
    }
    if (uri.getPort() > 65535) {
      throw new ConfigException(key, "bad URL '" + s + "'; port out of range");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new ConfigException(key, "bad URL '" + s + "'; no query or fragment allowed");
    }
    return uri;
  }

  static RateLimitPolicy rateLimit(String key, Object raw) {
    try {
      return RateLimitPolicy.parse(string(key, raw));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(key, e.getMessage());
    }
  }

  /** A comma-separated string or a YAML list; empty entries are dropped. */
  static List<String> list(String key, Object raw) {
    List<String> out = new ArrayList<>();
    if (raw instanceof List<?> items) {
      for (Object item : items) {
        if (item == null || item instanceof Map || item instanceof List) {
          throw new ConfigException(key, "expected a list of plain values");
        }
        out.add(item.toString().trim());
      }
    } else if (raw instanceof Map) {
      throw new ConfigException(key, "expected a comma list or a YAML list, got a map");
    } else {
      for (String part : raw.toString().split(",")) {
        out.add(part.trim());
      }
    }
    out.removeIf(String::isEmpty);
    return out;
  }

  /** A JSON object string (environment) or a YAML map; values as parsed (maps stay maps). */
  static Map<String, Object> objectMap(String key, Object raw) {
    Map<String, Object> in = new LinkedHashMap<>();
    if (raw instanceof Map<?, ?> map) {
      map.forEach((k, v) -> in.put(String.valueOf(k), v));
    } else if (raw instanceof List) {
      throw new ConfigException(key, "expected a JSON object or a YAML map, got a list");
    } else {
      try {
        new JsonObject(raw.toString())
            .forEach(
                e ->
                    in.put(
                        e.getKey(),
                        e.getValue() instanceof JsonObject o ? o.getMap() : e.getValue()));
      } catch (DecodeException | ClassCastException e) {
        throw new ConfigException(key, "expected a JSON object, e.g. {\"k1\": \"...\"}");
      }
    }
    return in;
  }

  /** A JSON object string (environment) or a YAML map, of string values. */
  static Map<String, String> stringMap(String key, Object raw, boolean secret) {
    Map<String, Object> in = objectMap(key, raw);
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : in.entrySet()) {
      if (!(e.getValue() instanceof String s) || s.isBlank()) {
        throw new ConfigException(
            key + "." + e.getKey(),
            secret ? "expected a non-empty string" : "expected a non-empty string value");
      }
      out.put(e.getKey(), s);
    }
    return out;
  }

  static String kind(Object raw) {
    return raw instanceof Map ? "map" : raw instanceof List ? "list" : "value";
  }
}
