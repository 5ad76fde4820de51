package dev.klambda.core.url;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.klambda.crds.v1alpha1.common.Cors;

class CorsPolicyTest {

    static final Cors CORS = new Cors(false, List.of("content-type"), List.of("GET", "POST"),
            List.of("https://www.example.com"), List.of("x-total"), 300);

    static UrlRequest request(String method, String... headers) {
        return UrlEventsTest.request(method, null, new byte[0], null, headers);
    }

    @Test
    void answersAnAllowedPreflightItself() {
        UrlResponse response = new CorsPolicy(CORS).preflight(request("OPTIONS", "Origin", "https://www.example.com",
                "Access-Control-Request-Method", "POST")).orElseThrow();
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.header("Access-Control-Allow-Origin")).isEqualTo("https://www.example.com");
        assertThat(response.header("Access-Control-Allow-Methods")).isEqualTo("GET,POST");
        assertThat(response.header("Access-Control-Allow-Headers")).isEqualTo("content-type");
        assertThat(response.header("Access-Control-Max-Age")).isEqualTo("300");
    }

    @Test
    void givesNoCorsHeadersToAnOriginOrMethodNotAllowed() {
        CorsPolicy policy = new CorsPolicy(CORS);
        assertThat(policy.preflight(request("OPTIONS", "Origin", "https://evil.example", "Access-Control-Request-Method",
                "POST")).orElseThrow().header("Access-Control-Allow-Origin")).isNull();
        assertThat(policy.preflight(request("OPTIONS", "Origin", "https://www.example.com",
                "Access-Control-Request-Method", "DELETE")).orElseThrow().header("Access-Control-Allow-Origin")).isNull();
        assertThat(policy.preflight(request("GET", "Origin", "https://www.example.com"))).isEmpty();
        assertThat(new CorsPolicy(null).preflight(request("OPTIONS", "Origin", "https://www.example.com",
                "Access-Control-Request-Method", "GET"))).as("without CORS settings the function answers").isEmpty();
    }

    @Test
    void replacesTheFunctionsCorsHeadersOnResponses() {
        UrlResponse fromFunction = new UrlResponse(200, List.of(Map.entry("Access-Control-Allow-Origin", "*"),
                Map.entry("Content-Type", "text/plain")), new byte[0]);

        UrlResponse allowed = new CorsPolicy(CORS).apply(request("GET", "Origin", "https://www.example.com"), fromFunction);
        assertThat(allowed.header("Access-Control-Allow-Origin")).isEqualTo("https://www.example.com");
        assertThat(allowed.header("Access-Control-Expose-Headers")).isEqualTo("x-total");
        assertThat(allowed.header("Content-Type")).isEqualTo("text/plain");

        UrlResponse other = new CorsPolicy(CORS).apply(request("GET", "Origin", "https://evil.example"), fromFunction);
        assertThat(other.header("Access-Control-Allow-Origin")).isNull();
    }

    @Test
    void echoesTheOriginForAWildcardWithCredentials() {
        Cors withCredentials = new Cors(true, null, List.of("*"), List.of("*"), null, null);
        UrlResponse response = new CorsPolicy(withCredentials).apply(request("GET", "Origin", "https://a.example"),
                new UrlResponse(200, List.of(), new byte[0]));
        assertThat(response.header("Access-Control-Allow-Origin")).isEqualTo("https://a.example");
        assertThat(response.header("Access-Control-Allow-Credentials")).isEqualTo("true");
        assertThat(new CorsPolicy(new Cors(false, null, List.of("*"), List.of("*"), null, null))
                .apply(request("GET", "Origin", "https://a.example"), new UrlResponse(200, List.of(), new byte[0]))
                .header("Access-Control-Allow-Origin")).isEqualTo("*");
    }
}
