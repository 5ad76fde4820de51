package dev.klambda.invoker.auth;

import java.util.List;
import java.util.Map;

/**
 * A request as it came over the wire, for signature verification.
 *
 * @param method the HTTP method
 * @param rawPath the path still percent-encoded exactly as received
 * @param rawQuery the query string as received, or null
 * @param headers the headers; the map must look names up case-insensitively
 * @param body the body bytes (empty when none)
 */
public record SignedRequest(String method, String rawPath, String rawQuery, Map<String, List<String>> headers,
        byte[] body) {

    /** The first value of a header, or null. */
    public String header(String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}
