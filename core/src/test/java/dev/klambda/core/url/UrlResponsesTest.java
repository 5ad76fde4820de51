package dev.klambda.core.url;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UrlResponsesTest {

    static UrlResponse v2(String payload) {
        return UrlResponses.fromApiGatewayV2(payload.getBytes(StandardCharsets.UTF_8));
    }

    static String body(UrlResponse response) {
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = { "\"Hello\"", "42", "[1,2]", "{\"message\":\"hi\"}", "null" })
    void answersAnyOtherJsonAs200WithTheOutputVerbatim(String payload) {
        UrlResponse response = v2(payload);
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.header("Content-Type")).isEqualTo("application/json");
        assertThat(body(response)).isEqualTo(payload);
    }

    @Test
    void followsAStructuredAnswer() {
        UrlResponse response = v2("""
                {"statusCode": 201, "headers": {"Content-Type": "text/plain", "X-Custom": "1"},
                 "cookies": ["a=1; Max-Age=78000", "b=2"], "body": "created"}""");
        assertThat(response.status()).isEqualTo(201);
        assertThat(response.header("content-type")).isEqualTo("text/plain");
        assertThat(response.header("X-Custom")).isEqualTo("1");
        assertThat(response.headers()).filteredOn(h -> h.getKey().equals("Set-Cookie")).extracting(e -> e.getValue())
                .containsExactly("a=1; Max-Age=78000", "b=2");
        assertThat(body(response)).isEqualTo("created");
    }

    @Test
    void decodesABase64BodyAndDefaultsTheContentType() {
        byte[] png = { (byte) 0x89, 'P', 'N', 'G' };
        UrlResponse response = v2("{\"statusCode\": 200, \"isBase64Encoded\": true, \"body\": \""
                + Base64.getEncoder().encodeToString(png) + "\", \"multiValueHeaders\": {\"X-A\": [\"1\", \"2\"]}}");
        assertThat(response.body()).isEqualTo(png);
        assertThat(response.header("Content-Type")).isEqualTo("application/json");
        assertThat(response.headers()).filteredOn(h -> h.getKey().equals("X-A")).hasSize(2);
    }

    @Test
    void answersWhatNoRuleCanReadWith502() {
        assertThat(v2("not json").status()).isEqualTo(502);
        assertThat(v2("{\"statusCode\": 99}").status()).isEqualTo(502);
        assertThat(v2("{\"statusCode\": 200, \"isBase64Encoded\": true, \"body\": \"%%%\"}").status()).isEqualTo(502);
        assertThat(UrlResponses.internalError().status()).isEqualTo(502);
    }

    @Test
    void readsAnAlbTargetsAnswer() {
        UrlResponse response = UrlResponses.fromAlb("""
                {"statusCode": 200, "statusDescription": "200 OK", "isBase64Encoded": false,
                 "multiValueHeaders": {"Set-cookie": ["a=1", "b=2"], "Content-Type": ["application/json"]}, "body": "{}"}"""
                .getBytes(StandardCharsets.UTF_8));
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.headers()).filteredOn(h -> h.getKey().equals("Set-cookie")).hasSize(2);
        assertThat(body(response)).isEqualTo("{}");
        assertThat(UrlResponses.fromAlb("\"plain\"".getBytes(StandardCharsets.UTF_8)).status()).isEqualTo(502);
    }
}
