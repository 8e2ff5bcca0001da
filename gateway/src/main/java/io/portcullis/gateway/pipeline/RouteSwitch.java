package io.portcullis.gateway.pipeline;

/**
 * Step 2's runtime kill switch: whether an operator has switched a configured route off (admin API
 * {@code POST /admin/v1/routes/disable}). A disabled route answers 503 {@code route_disabled}
 * before any token work and never reaches its upstream; every other route keeps serving. Answered
 * from the in-memory state snapshot, never by I/O.
 */
@FunctionalInterface
public interface RouteSwitch {

  /** Every route on: the gateway without a state service. */
  RouteSwitch NONE = path -> false;

  /**
   * @param routePath the route's path as configured, e.g. {@code /orgs/{org}/}
   */
  boolean disabled(String routePath);
}
