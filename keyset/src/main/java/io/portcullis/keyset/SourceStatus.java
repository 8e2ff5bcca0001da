package io.portcullis.keyset;

import java.time.Instant;

/**
 * The refresh status of one key source.
 *
 * @param source the source name, as in {@link KeyInfo#source()}
 * @param keys how many keys it currently contributes
 * @param lastAttempt last refresh attempt, or {@code null}
 * @param lastSuccess last successful refresh, or {@code null} if it never succeeded
 * @param lastError the last failure as a short sentence, or {@code null}
 * @param stale whether its keys are older than the max staleness
 */
public record SourceStatus(
    String source,
    int keys,
    Instant lastAttempt,
    Instant lastSuccess,
    String lastError,
    boolean stale) {}
