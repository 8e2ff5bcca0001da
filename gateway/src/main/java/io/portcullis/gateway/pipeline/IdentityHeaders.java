package io.portcullis.gateway.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The identity headers the gateway owns (SPEC §4 step 8): whatever a client sends under these names
 * is removed before any step runs; the forward step sets them from verified claims only.
 */
public final class IdentityHeaders {
  public static final String ORG = "X-Org-Id";
  public static final String SUBJECT = "X-Subject";
  public static final String CLIENT = "X-Client-Id";
  public static final String SCOPES = "X-Scopes";

  private final List<String> all;

  public IdentityHeaders(List<String> extra) {
    List<String> names = new ArrayList<>(List.of(ORG, SUBJECT, CLIENT, SCOPES));
    for (String e : extra) {
      if (names.stream().noneMatch(n -> n.equalsIgnoreCase(e))) {
        names.add(e.toLowerCase(Locale.ROOT));
      }
    }
    this.all = List.copyOf(names);
  }

  /** Every header name to strip, the four of SPEC §4 and the configured extras. */
  public List<String> all() {
    return all;
  }
}
