package io.portcullis.gateway.pipeline;

import io.portcullis.gateway.config.RouteConfig;

/**
 * A configured route compiled for matching: its path prefix split at {@code {org}}, which stands
 * for one whole path segment (configuration allows at most one).
 *
 * @param before the literal prefix up to {@code {org}}, or the whole path without one
 * @param after the literal text after {@code {org}} (starts with {@code /}, or is empty)
 * @param whoami whether this is the built-in {@code /_portcullis/whoami} route
 */
public record Route(
    RouteConfig config, String before, String after, boolean hasOrg, boolean whoami) {
  private static final String ORG = "{org}";

  static Route compile(RouteConfig config, boolean whoami) {
    String path = config.path();
    int at = path.indexOf(ORG);
    if (at < 0) {
      return new Route(config, path, "", false, whoami);
    }
    if (path.indexOf(ORG, at + 1) >= 0) {
      throw new IllegalArgumentException("more than one {org} in route path " + path);
    }
    return new Route(
        config, path.substring(0, at), path.substring(at + ORG.length()), true, whoami);
  }

  /**
   * The {@code {org}} value when {@code path} starts with this prefix, "" without one, else null.
   * {@code {org}} matches one non-empty segment: the characters up to the next {@code /}.
   */
  String match(String path) {
    if (!path.startsWith(before)) {
      return null;
    }
    if (!hasOrg) {
      return "";
    }
    int start = before.length();
    int end = path.indexOf('/', start);
    if (end < 0) {
      end = path.length();
    }
    if (end == start || !path.startsWith(after, end)) {
      return null;
    }
    return path.substring(start, end);
  }
}
