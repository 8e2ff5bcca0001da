package io.portcullis.gateway.pipeline;

import io.portcullis.gateway.config.Defaults;
import io.portcullis.gateway.config.RouteConfig;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Longest-prefix route matching (SPEC §3). Immutable, shared by every event loop. */
public final class RouteTable {
  /** Whoami runs steps 1–7 like any authenticated route, and never forwards. */
  static final Route WHOAMI =
      Route.compile(
          new RouteConfig(
              Defaults.WHOAMI_PATH,
              URI.create("http://whoami.invalid"),
              true,
              List.of(),
              Duration.ofSeconds(1),
              null),
          true);

  private final List<Route> routes;

  public RouteTable(List<RouteConfig> configs) {
    this.routes = matchingOrder(configs).stream().map(c -> Route.compile(c, false)).toList();
  }

  /**
   * The routes in the order they are tried: longest configured prefix first, so {@code
   * /reports/daily/} wins over {@code /reports/} and {@code /}.
   */
  public static List<RouteConfig> matchingOrder(List<RouteConfig> configs) {
    List<RouteConfig> sorted = new ArrayList<>(configs);
    sorted.sort(Comparator.comparingInt((RouteConfig c) -> c.path().length()).reversed());
    return List.copyOf(sorted);
  }

  /** The matching route and its {@code {org}}, or {@code null}. */
  public Match match(String path) {
    if (path.startsWith(Defaults.RESERVED_PREFIX)) {
      // the gateway's own namespace: whoami, and nothing of it reaches an upstream
      return path.equals(Defaults.WHOAMI_PATH) ? new Match(WHOAMI, null) : null;
    }
    for (Route r : routes) {
      String org = r.match(path);
      if (org != null) {
        return new Match(r, r.hasOrg() ? org : null);
      }
    }
    return null;
  }

  /** A matched route and its {@code {org}} path parameter (or {@code null}). */
  public record Match(Route route, String org) {}
}
