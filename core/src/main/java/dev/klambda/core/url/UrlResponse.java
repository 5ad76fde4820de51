package dev.klambda.core.url;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The HTTP response a function URL sends.
 *
 * @param status the status code
 * @param headers the headers in order; a name may repeat (Set-Cookie)
 * @param body the body bytes
 */
public record UrlResponse(int status, List<Map.Entry<String, String>> headers, byte[] body) {

    /** A plain response of Lambda's own, e.g. {@code 502 Internal Server Error}. */
    public static UrlResponse of(int status, String contentType, String body) {
        return new UrlResponse(status, List.of(Map.entry("Content-Type", contentType)),
                body.getBytes(StandardCharsets.UTF_8));
    }

    /** This response with more headers, replacing any of the same names. */
    public UrlResponse withHeaders(List<Map.Entry<String, String>> added) {
        if (added.isEmpty()) {
            return this;
        }
        List<Map.Entry<String, String>> merged = new ArrayList<>();
        for (Map.Entry<String, String> header : headers) {
            if (added.stream().noneMatch(a -> a.getKey().equalsIgnoreCase(header.getKey()))) {
                merged.add(header);
            }
        }
        merged.addAll(added);
        return new UrlResponse(status, merged, body);
    }

    /** The first value of a header (any case), or null. */
    public String header(String name) {
        return firstHeader(headers, name);
    }

    /** The first value of a header named {@code name} in any case, or null: headers as function URLs carry them. */
    static String firstHeader(List<Map.Entry<String, String>> headers, String name) {
        for (Map.Entry<String, String> header : headers) {
            if (header.getKey().equalsIgnoreCase(name)) {
                return header.getValue();
            }
        }
        return null;
    }
}
