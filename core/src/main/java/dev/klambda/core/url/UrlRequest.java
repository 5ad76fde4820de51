package dev.klambda.core.url;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP request to a function URL, as received.
 *
 * @param method the HTTP method
 * @param rawPath the path after the function's prefix, still percent-encoded, starting with {@code /}
 * @param rawQuery the query string as received, or null
 * @param headers the headers in the order received, with their original names
 * @param body the body bytes, empty when none
 * @param sourceIp the client's address
 * @param protocol e.g. {@code HTTP/1.1}
 * @param domainName the host the URL is served on
 * @param urlId the URL's id: the first label of its domain name
 * @param requestId the invocation's request id
 * @param timeEpochMillis when the request arrived
 * @param caller the SigV4-authenticated caller of an AWS_IAM URL, or null for a public one
 */
public record UrlRequest(String method, String rawPath, String rawQuery, List<Map.Entry<String, String>> headers,
        byte[] body, String sourceIp, String protocol, String domainName, String urlId, String requestId,
        long timeEpochMillis, IamCaller caller) {

    /**
     * The identity of an AWS_IAM URL's caller.
     *
     * @param accessKey the access key that signed
     * @param accountId the caller's account
     * @param userArn the caller's principal ARN
     */
    public record IamCaller(String accessKey, String accountId, String userArn) {
    }

    /** The first value of a header (any case), or null. */
    public String header(String name) {
        return UrlResponse.firstHeader(headers, name);
    }

    /** The request's content type without parameters, lower case, or null. */
    String contentType() {
        String type = header("Content-Type");
        if (type == null) {
            return null;
        }
        int semicolon = type.indexOf(';');
        return (semicolon < 0 ? type : type.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
    }
}
