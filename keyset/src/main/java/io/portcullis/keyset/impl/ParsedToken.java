package io.portcullis.keyset.impl;

import com.nimbusds.jose.util.Base64URL;
import java.util.Map;

/**
 * A compact JWS that passed the structural checks, not yet verified.
 *
 * @param algorithm header {@code alg}, already checked against the allow-list
 * @param kid header {@code kid}, or {@code null}
 * @param signingInput the ASCII bytes of {@code header.payload} (RFC 7515 §5.2 step 8)
 * @param signature the decoded third part
 * @param claims the payload as a JSON object (not yet trusted)
 */
public record ParsedToken(
    String algorithm,
    String kid,
    byte[] signingInput,
    Base64URL signature,
    Map<String, Object> claims) {}
