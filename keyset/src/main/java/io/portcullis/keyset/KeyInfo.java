package io.portcullis.keyset;

import java.time.Instant;

/**
 * One key as the admin API shows it.
 *
 * @param kid key id
 * @param algorithm the one JWS algorithm this key verifies
 * @param source the source name, e.g. {@code pem}, {@code dir}, {@code jwks:https://idp/jwks}
 * @param state {@code active}, or {@code stale} when its source has not refreshed within the max
 *     staleness
 * @param firstSeen when this kid first appeared in its source
 * @param lastSeen when its source last confirmed it
 */
public record KeyInfo(
    String kid,
    String algorithm,
    String source,
    String state,
    Instant firstSeen,
    Instant lastSeen) {}
