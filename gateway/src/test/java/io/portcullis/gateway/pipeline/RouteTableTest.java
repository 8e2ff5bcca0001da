package io.portcullis.gateway.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.gateway.config.Defaults;
import io.portcullis.gateway.config.RouteConfig;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Longest-prefix matching and the {@code {org}} path parameter (SPEC §3). */
class RouteTableTest {
  static final List<String> PATHS =
      List.of("/", "/reports/", "/reports/daily/", "/orgs/{org}/", "/v1/orgs/{org}", "/t/{org}/x/");

  static RouteTable table() {
    return new RouteTable(PATHS.stream().map(RouteTableTest::route).toList());
  }

  static RouteConfig route(String path) {
    return new RouteConfig(
        path, URI.create("http://up:8080"), true, List.of(), Duration.ofSeconds(5), null, false);
  }

  static String matched(String path) {
    RouteTable.Match m = table().match(path);
    return m == null ? null : m.route().config().path() + (m.org() == null ? "" : " " + m.org());
  }

  @Test
  void theLongestPrefixWins() {
    assertThat(matched("/reports/daily/2026")).isEqualTo("/reports/daily/");
    assertThat(matched("/reports/weekly")).isEqualTo("/reports/");
    assertThat(matched("/reportsX")).isEqualTo("/");
    assertThat(matched(Defaults.WHOAMI_PATH)).isEqualTo(Defaults.WHOAMI_PATH);
  }

  /** The gateway's namespace never reaches an upstream, not even through the catch-all "/". */
  @Test
  void nothingElseUnderTheReservedPrefixMatches() {
    assertThat(matched("/_portcullis/whoami/")).isNull();
    assertThat(matched("/_portcullis/other")).isNull();
    assertThat(matched("/_portcullis/")).isNull();
    assertThat(matched("/_portcullisX")).isEqualTo("/");
  }

  @Test
  void orgIsOneNonEmptySegment() {
    assertThat(matched("/orgs/acme/invoices")).isEqualTo("/orgs/{org}/ acme");
    assertThat(matched("/orgs/acme/")).isEqualTo("/orgs/{org}/ acme");
    // no segment after /orgs/, or no slash after it: the {org} route does not match
    assertThat(matched("/orgs//invoices")).isEqualTo("/");
    assertThat(matched("/orgs/acme")).isEqualTo("/");
    // {org} at the end of the prefix: the rest of the segment, or up to the next slash
    assertThat(matched("/v1/orgs/acme")).isEqualTo("/v1/orgs/{org} acme");
    assertThat(matched("/v1/orgs/acme/x")).isEqualTo("/v1/orgs/{org} acme");
    assertThat(matched("/v1/orgs/")).isEqualTo("/");
    // literal text after {org} must follow the segment
    assertThat(matched("/t/acme/x/1")).isEqualTo("/t/{org}/x/ acme");
    assertThat(matched("/t/acme/y/1")).isEqualTo("/");
  }

  @Test
  void aSecondOrgIsRefusedAtCompileTime() {
    assertThatThrownBy(() -> Route.compile(route("/o/{org}/t/{org}/"), false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("more than one {org}");
  }

  /**
   * The matcher against the regular expression it replaced ({@code {org}} as {@code [^/]+}, the
   * rest quoted, matched with {@code lookingAt}), on random paths over a small alphabet that hits
   * every edge: empty segments, missing slashes, near-miss literals.
   */
  @Test
  void agreesWithTheRegularExpressionItReplaced() {
    Random random = new Random(42);
    String alphabet = "/otrgsx1a";
    for (String configured : PATHS) {
      Route route = Route.compile(route(configured), false);
      Pattern oracle = oracle(configured);
      for (int i = 0; i < 20_000; i++) {
        StringBuilder p = new StringBuilder();
        if (random.nextBoolean()) {
          p.append(configured.replace("{org}", random.nextBoolean() ? "acme" : ""));
        }
        int extra = random.nextInt(8);
        for (int j = 0; j < extra; j++) {
          p.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        String path = p.toString();
        Matcher m = oracle.matcher(path);
        String expected = !m.lookingAt() ? null : route.hasOrg() ? m.group("org") : "";
        assertThat(route.match(path)).as("%s against %s", path, configured).isEqualTo(expected);
      }
    }
  }

  private static Pattern oracle(String path) {
    int at = path.indexOf("{org}");
    if (at < 0) {
      return Pattern.compile(Pattern.quote(path));
    }
    return Pattern.compile(
        Pattern.quote(path.substring(0, at))
            + "(?<org>[^/]+)"
            + Pattern.quote(path.substring(at + "{org}".length())));
  }
}
