package io.portcullis.gateway.pipeline;

import io.portcullis.gateway.config.RouteConfig;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A configured route compiled for matching: its path prefix as a regular expression where {@code
 * {org}} matches one path segment.
 *
 * @param whoami whether this is the built-in {@code /_portcullis/whoami} route
 */
public record Route(RouteConfig config, Pattern prefix, boolean hasOrg, boolean whoami) {

  static Route compile(RouteConfig config, boolean whoami) {
    String path = config.path();
    StringBuilder re = new StringBuilder();
    int i = 0;
    boolean hasOrg = false;
    while (i < path.length()) {
      int at = path.indexOf("{org}", i);
      if (at < 0) {
        re.append(Pattern.quote(path.substring(i)));
        break;
      }
      re.append(Pattern.quote(path.substring(i, at))).append("(?<org>[^/]+)");
      hasOrg = true;
      i = at + "{org}".length();
    }
    return new Route(config, Pattern.compile(re.toString()), hasOrg, whoami);
  }

  /**
   * The {@code {org}} value when {@code path} starts with this prefix, "" without one, else null.
   */
  String match(String path) {
    Matcher m = prefix.matcher(path);
    if (!m.lookingAt()) {
      return null;
    }
    return hasOrg ? m.group("org") : "";
  }
}
