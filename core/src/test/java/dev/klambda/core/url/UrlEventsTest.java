package dev.klambda.core.url;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

class UrlEventsTest {

    static final ObjectMapper JSON = new ObjectMapper();

    static UrlRequest request(String method, String rawQuery, byte[] body, UrlRequest.IamCaller caller,
            String... headers) {
        List<Map.Entry<String, String>> list = new java.util.ArrayList<>();
        for (int i = 0; i < headers.length; i += 2) {
            list.add(Map.entry(headers[i], headers[i + 1]));
        }
        return new UrlRequest(method, "/my/path%20x", rawQuery, list, body, "203.0.113.9", "HTTP/1.1",
                "hello.lambda-url.us-east-1.on.aws", "hello", "req-1", 1_583_348_638_390L, caller);
    }

    static JsonNode v2(UrlRequest request) throws Exception {
        return JSON.readTree(UrlEvents.apiGatewayV2(request));
    }

    @Test
    void writesPayloadFormatTwoAsFunctionUrlsDo() throws Exception {
        JsonNode event = v2(request("POST", "parameter1=value1&parameter1=value2&parameter2=a%20b", "Hello".getBytes(),
                null, "Content-Type", "text/plain", "Header1", "value1", "header1", "value2", "User-Agent", "agent",
                "Cookie", "cookie1=a; cookie2=b"));

        assertThat(event.get("version").asText()).isEqualTo("2.0");
        assertThat(event.get("routeKey").asText()).isEqualTo("$default");
        assertThat(event.get("rawPath").asText()).isEqualTo("/my/path%20x");
        assertThat(event.get("rawQueryString").asText()).isEqualTo("parameter1=value1&parameter1=value2&parameter2=a%20b");
        assertThat(event.get("cookies")).extracting(JsonNode::asText).containsExactly("cookie1=a", "cookie2=b");
        assertThat(event.at("/headers/header1").asText()).as("repeated headers joined, names lower case")
                .isEqualTo("value1,value2");
        assertThat(event.get("headers").has("cookie")).isFalse();
        assertThat(event.at("/queryStringParameters/parameter1").asText()).isEqualTo("value1,value2");
        assertThat(event.at("/queryStringParameters/parameter2").asText()).isEqualTo("a b");
        assertThat(event.at("/requestContext/accountId").asText()).isEqualTo("anonymous");
        assertThat(event.at("/requestContext/apiId").asText()).isEqualTo("hello");
        assertThat(event.at("/requestContext/domainName").asText()).isEqualTo("hello.lambda-url.us-east-1.on.aws");
        assertThat(event.at("/requestContext/domainPrefix").asText()).isEqualTo("hello");
        assertThat(event.at("/requestContext/http/method").asText()).isEqualTo("POST");
        assertThat(event.at("/requestContext/http/path").asText()).isEqualTo("/my/path%20x");
        assertThat(event.at("/requestContext/http/protocol").asText()).isEqualTo("HTTP/1.1");
        assertThat(event.at("/requestContext/http/sourceIp").asText()).isEqualTo("203.0.113.9");
        assertThat(event.at("/requestContext/http/userAgent").asText()).isEqualTo("agent");
        assertThat(event.at("/requestContext/requestId").asText()).isEqualTo("req-1");
        assertThat(event.at("/requestContext/stage").asText()).isEqualTo("$default");
        assertThat(event.at("/requestContext/time").asText()).isEqualTo("04/Mar/2020:19:03:58 +0000");
        assertThat(event.at("/requestContext/timeEpoch").asLong()).isEqualTo(1_583_348_638_390L);
        assertThat(event.at("/requestContext").has("authorizer")).isFalse();
        assertThat(event.get("body").asText()).isEqualTo("Hello");
        assertThat(event.get("isBase64Encoded").asBoolean()).isFalse();
    }

    @Test
    void leavesOutWhatARequestDoesNotHave() throws Exception {
        JsonNode event = v2(request("GET", null, new byte[0], null));
        assertThat(event.get("rawQueryString").asText()).isEmpty();
        assertThat(event.has("cookies")).isFalse();
        assertThat(event.has("queryStringParameters")).isFalse();
        assertThat(event.has("body")).isFalse();
        assertThat(event.get("isBase64Encoded").asBoolean()).isFalse();
    }

    @Test
    void describesTheIamCallerOfAnAwsIamUrl() throws Exception {
        JsonNode event = v2(request("GET", null, new byte[0],
                new UrlRequest.IamCaller("AKIAEXAMPLE", "111122223333", "arn:aws:iam::111122223333:root")));
        assertThat(event.at("/requestContext/accountId").asText()).isEqualTo("111122223333");
        assertThat(event.at("/requestContext/authorizer/iam/accessKey").asText()).isEqualTo("AKIAEXAMPLE");
        assertThat(event.at("/requestContext/authorizer/iam/userArn").asText()).isEqualTo("arn:aws:iam::111122223333:root");
    }

    @ParameterizedTest(name = "{0}: base64 {1}")
    @CsvSource({ "application/json, false", "text/html; charset=utf-8, false", "application/problem+json, false",
            "application/xml, false", "application/octet-stream, true", "application/x-www-form-urlencoded, true",
            "image/png, true" })
    void sendsTextBodiesAsTextAndTheRestAsBase64(String contentType, boolean base64) throws Exception {
        byte[] body = "a=1&b=\u00e9".getBytes(StandardCharsets.UTF_8);
        JsonNode event = v2(request("POST", null, body, null, "Content-Type", contentType));
        assertThat(event.get("isBase64Encoded").asBoolean()).isEqualTo(base64);
        assertThat(base64 ? Base64.getDecoder().decode(event.get("body").asText())
                : event.get("body").asText().getBytes(StandardCharsets.UTF_8)).isEqualTo(body);
    }

    @Test
    void writesAnAlbEventWithSingleOrMultipleValues() throws Exception {
        UrlRequest request = request("GET", "query=1234ABCD&query=x%20y", new byte[0], null, "Accept", "a",
                "X-Forwarded-For", "1.2.3.4", "accept", "b");

        JsonNode single = JSON.readTree(UrlEvents.alb(request, false, "arn:tg"));
        assertThat(single.at("/requestContext/elb/targetGroupArn").asText()).isEqualTo("arn:tg");
        assertThat(single.get("httpMethod").asText()).isEqualTo("GET");
        assertThat(single.get("path").asText()).isEqualTo("/my/path%20x");
        assertThat(single.at("/queryStringParameters/query").asText()).as("the last value, as received")
                .isEqualTo("x%20y");
        assertThat(single.at("/headers/accept").asText()).isEqualTo("b");
        assertThat(single.has("multiValueHeaders")).isFalse();

        JsonNode multi = JSON.readTree(UrlEvents.alb(request, true, "arn:tg"));
        assertThat(multi.at("/multiValueQueryStringParameters/query")).extracting(JsonNode::asText)
                .containsExactly("1234ABCD", "x%20y");
        assertThat(multi.at("/multiValueHeaders/accept")).extracting(JsonNode::asText).containsExactly("a", "b");
        assertThat(multi.has("headers")).isFalse();
        assertThat(multi.has("queryStringParameters")).isFalse();
    }
}
