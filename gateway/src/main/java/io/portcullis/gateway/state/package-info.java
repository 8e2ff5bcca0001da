/**
 * Durable state and its in-memory snapshot (SPEC §4 step 5, §6): revocations, tenant suspensions,
 * rate-limit overrides and the audit log.
 *
 * <p>Wiring, once per process:
 *
 * <pre>{@code
 * StateOptions opts = new StateOptions(databaseUrl, dataDir, redisUrl, syncInterval,
 *     maxStaleness, StateOptions.DEFAULT_CHANNEL);
 * StateService state = StateService.create(vertx, opts, clock, meterRegistry);
 * state.onKidRevoked(tokenValidator::invalidateKid);          // every instance
 * state.onOverridesChanged(rateLimiterOverrides::replace);    // admin overrides
 * state.start();                                             // background; never fails
 * RevocationCheck step5 = state.snapshot();                  // pipeline step 5
 * ReadinessCheck ready = state.readiness();                  // /readyz "revocations"
 * }</pre>
 *
 * <p>A change goes: admin call → {@link io.portcullis.gateway.state.Store#apply} (change and audit
 * event durable together, next revision) → applied to this instance's {@link
 * io.portcullis.gateway.state.Snapshot} → published on Redis; every instance also reads {@code
 * changesSince(lastRevision)} every sync interval. The embedded store serves one process only;
 * several instances need {@code DATABASE_URL}.
 */
package io.portcullis.gateway.state;
