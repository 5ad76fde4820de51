package dev.klambda.core.url;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Turns what a function answered into the HTTP response of its URL, by Lambda function URLs' rules
 * (payload format 2.0) or an ALB target's.
 */
public final class UrlResponses {

    private static final ObjectMapper JSON = new ObjectMapper();

    private UrlResponses() {
    }

    /** What the caller gets when the function failed or answered something no rule can read. */
    public static UrlResponse internalError() {
        return UrlResponse.of(502, "application/json", "{\"Message\":\"Internal Server Error\"}");
    }

    /**
     * Function URLs' rule: a JSON object with {@code statusCode} describes the response (headers,
     * multiValueHeaders, cookies as Set-Cookie headers, body, isBase64Encoded); any other JSON value
     * is the body of a 200 {@code application/json} response, verbatim. Anything else is a 502.
     */
    public static UrlResponse fromApiGatewayV2(byte[] payload) {
        JsonNode answer = parse(payload);
        if (answer == null) {
            return internalError();
        }
        if (!answer.isObject() || !answer.has("statusCode")) {
            return new UrlResponse(200, List.of(Map.entry("Content-Type", "application/json")), payload);
        }
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        addHeaders(answer.get("headers"), answer.get("multiValueHeaders"), headers);
        JsonNode cookies = answer.get("cookies");
        if (cookies != null && cookies.isArray()) {
            for (JsonNode cookie : cookies) {
                headers.add(Map.entry("Set-Cookie", cookie.asText()));
            }
        }
        if (headers.stream().noneMatch(h -> h.getKey().equalsIgnoreCase("Content-Type"))) {
            headers.add(Map.entry("Content-Type", "application/json"));
        }
        return structured(answer, headers);
    }

    /** An ALB target's response: statusCode, headers or multiValueHeaders, body, isBase64Encoded; else a 502. */
    public static UrlResponse fromAlb(byte[] payload) {
        JsonNode answer = parse(payload);
        if (answer == null || !answer.isObject() || !answer.has("statusCode")) {
            return internalError();
        }
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        addHeaders(answer.get("headers"), answer.get("multiValueHeaders"), headers);
        return structured(answer, headers);
    }

    private static UrlResponse structured(JsonNode answer, List<Map.Entry<String, String>> headers) {
        int status = answer.get("statusCode").asInt(0);
        if (status < 100 || status > 599) {
            return internalError();
        }
        JsonNode body = answer.get("body");
        byte[] bytes;
        if (body == null || body.isNull()) {
            bytes = new byte[0];
        } else if (answer.path("isBase64Encoded").asBoolean(false)) {
            try {
                bytes = Base64.getDecoder().decode(body.asText());
            } catch (IllegalArgumentException e) {
                return internalError();
            }
        } else {
            bytes = (body.isTextual() ? body.asText() : body.toString()).getBytes(StandardCharsets.UTF_8);
        }
        return new UrlResponse(status, headers, bytes);
    }

    private static void addHeaders(JsonNode single, JsonNode multi, List<Map.Entry<String, String>> headers) {
        if (multi != null && multi.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = multi.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> header = it.next();
                for (JsonNode value : header.getValue()) {
                    headers.add(Map.entry(header.getKey(), value.asText()));
                }
            }
        }
        if (single != null && single.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = single.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> header = it.next();
                if (headers.stream().noneMatch(h -> h.getKey().equalsIgnoreCase(header.getKey()))) {
                    headers.add(Map.entry(header.getKey(), header.getValue().asText()));
                }
            }
        }
    }

    private static JsonNode parse(byte[] payload) {
        try {
            return payload.length == 0 ? null : JSON.readTree(payload);
        } catch (IOException e) {
            return null;
        }
    }
}
