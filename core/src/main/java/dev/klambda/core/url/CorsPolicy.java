package dev.klambda.core.url;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import dev.klambda.crds.v1alpha1.common.Cors;

/**
 * A function URL's CORS settings applied as Lambda applies them: Lambda answers preflight requests
 * itself (the function is not invoked) and, for an allowed origin, sets the CORS headers on every
 * response, replacing any the function set.
 */
public final class CorsPolicy {

    private final Cors cors;

    /** @param cors the URL's settings, or null for none (no CORS headers, preflights reach the function) */
    public CorsPolicy(Cors cors) {
        this.cors = cors;
    }

    /** Lambda's answer to a preflight request, or empty when {@code request} is not one Lambda answers. */
    public Optional<UrlResponse> preflight(UrlRequest request) {
        String origin = request.header("Origin");
        String method = request.header("Access-Control-Request-Method");
        if (cors == null || !request.method().equals("OPTIONS") || origin == null || method == null) {
            return Optional.empty();
        }
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        if (originAllowed(origin) && contains(cors.allowMethods(), method)) {
            headers.add(Map.entry("Access-Control-Allow-Origin", allowedOrigin(origin)));
            headers.add(Map.entry("Access-Control-Allow-Methods", String.join(",", cors.allowMethods())));
            if (cors.allowHeaders() != null && !cors.allowHeaders().isEmpty()) {
                headers.add(Map.entry("Access-Control-Allow-Headers", String.join(",", cors.allowHeaders())));
            }
            if (Boolean.TRUE.equals(cors.allowCredentials())) {
                headers.add(Map.entry("Access-Control-Allow-Credentials", "true"));
            }
            if (cors.maxAge() != null) {
                headers.add(Map.entry("Access-Control-Max-Age", cors.maxAge().toString()));
            }
            headers.add(Map.entry("Vary", "Origin"));
        }
        return Optional.of(new UrlResponse(200, headers, new byte[0]));
    }

    /** {@code response} with Lambda's CORS headers for the request's origin in place of the function's. */
    public UrlResponse apply(UrlRequest request, UrlResponse response) {
        if (cors == null) {
            return response;
        }
        List<Map.Entry<String, String>> kept = new ArrayList<>();
        for (Map.Entry<String, String> header : response.headers()) {
            if (!header.getKey().toLowerCase(Locale.ROOT).startsWith("access-control-")) {
                kept.add(header);
            }
        }
        List<Map.Entry<String, String>> added = new ArrayList<>();
        String origin = request.header("Origin");
        if (origin != null && originAllowed(origin)) {
            added.add(Map.entry("Access-Control-Allow-Origin", allowedOrigin(origin)));
            if (cors.exposeHeaders() != null && !cors.exposeHeaders().isEmpty()) {
                added.add(Map.entry("Access-Control-Expose-Headers", String.join(",", cors.exposeHeaders())));
            }
            if (Boolean.TRUE.equals(cors.allowCredentials())) {
                added.add(Map.entry("Access-Control-Allow-Credentials", "true"));
            }
            added.add(Map.entry("Vary", "Origin"));
        }
        return new UrlResponse(response.status(), kept, response.body()).withHeaders(added);
    }

    private boolean originAllowed(String origin) {
        return contains(cors.allowOrigins(), origin);
    }

    /** The echoed origin when credentials are allowed (a browser refuses * with credentials), else the setting. */
    private String allowedOrigin(String origin) {
        boolean wildcard = cors.allowOrigins().contains("*");
        return wildcard && !Boolean.TRUE.equals(cors.allowCredentials()) ? "*" : origin;
    }

    private static boolean contains(List<String> allowed, String value) {
        if (allowed == null) {
            return false;
        }
        for (String entry : allowed) {
            if (entry.equals("*") || entry.equalsIgnoreCase(value)) {
                return true;
            }
        }
        return false;
    }
}
