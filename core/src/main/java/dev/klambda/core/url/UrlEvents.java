package dev.klambda.core.url;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

/**
 * The events a function behind a URL receives: API Gateway HTTP API payload format 2.0, exactly as
 * Lambda function URLs send it, or an Application Load Balancer target's event. Written with a
 * streaming generator: no reflection, one pass.
 */
public final class UrlEvents {

    private static final JsonFactory JSON = new JsonFactory();
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ENGLISH)
            .withZone(ZoneOffset.UTC);

    private UrlEvents() {
    }

    /** Lambda function URLs' event: payload format 2.0 with routeKey and stage {@code $default}. */
    public static byte[] apiGatewayV2(UrlRequest request) {
        return write(json -> {
            json.writeStartObject();
            json.writeStringField("version", "2.0");
            json.writeStringField("routeKey", "$default");
            json.writeStringField("rawPath", request.rawPath());
            json.writeStringField("rawQueryString", request.rawQuery() == null ? "" : request.rawQuery());
            List<String> cookies = cookies(request);
            if (!cookies.isEmpty()) {
                json.writeArrayFieldStart("cookies");
                for (String cookie : cookies) {
                    json.writeString(cookie);
                }
                json.writeEndArray();
            }
            json.writeObjectFieldStart("headers");
            for (Map.Entry<String, List<String>> header : headers(request).entrySet()) {
                if (!header.getKey().equals("cookie")) {
                    json.writeStringField(header.getKey(), String.join(",", header.getValue()));
                }
            }
            json.writeEndObject();
            Map<String, List<String>> query = query(request.rawQuery(), true);
            if (!query.isEmpty()) {
                json.writeObjectFieldStart("queryStringParameters");
                for (Map.Entry<String, List<String>> parameter : query.entrySet()) {
                    json.writeStringField(parameter.getKey(), String.join(",", parameter.getValue()));
                }
                json.writeEndObject();
            }
            json.writeObjectFieldStart("requestContext");
            UrlRequest.IamCaller caller = request.caller();
            json.writeStringField("accountId", caller == null ? "anonymous" : caller.accountId());
            json.writeStringField("apiId", request.urlId());
            if (caller != null) {
                json.writeObjectFieldStart("authorizer");
                json.writeObjectFieldStart("iam");
                json.writeStringField("accessKey", caller.accessKey());
                json.writeStringField("accountId", caller.accountId());
                json.writeStringField("callerId", caller.accessKey());
                json.writeNullField("cognitoIdentity");
                json.writeNullField("principalOrgId");
                json.writeStringField("userArn", caller.userArn());
                json.writeStringField("userId", caller.accessKey());
                json.writeEndObject();
                json.writeEndObject();
            }
            json.writeStringField("domainName", request.domainName());
            json.writeStringField("domainPrefix", request.urlId());
            json.writeObjectFieldStart("http");
            json.writeStringField("method", request.method());
            json.writeStringField("path", request.rawPath());
            json.writeStringField("protocol", request.protocol());
            json.writeStringField("sourceIp", request.sourceIp());
            json.writeStringField("userAgent", request.header("User-Agent"));
            json.writeEndObject();
            json.writeStringField("requestId", request.requestId());
            json.writeStringField("routeKey", "$default");
            json.writeStringField("stage", "$default");
            json.writeStringField("time", TIME.format(Instant.ofEpochMilli(request.timeEpochMillis())));
            json.writeNumberField("timeEpoch", request.timeEpochMillis());
            json.writeEndObject();
            writeBody(json, request);
            json.writeEndObject();
        });
    }

    /**
     * An Application Load Balancer target's event. With {@code multiValue} (the target group's
     * {@code lambda.multi_value_headers.enabled}) headers and query parameters come as arrays under
     * {@code multiValueHeaders} and {@code multiValueQueryStringParameters}, never both forms;
     * without it a repeated header or parameter keeps its last value. Query values stay as received.
     */
    public static byte[] alb(UrlRequest request, boolean multiValue, String targetGroupArn) {
        return write(json -> {
            json.writeStartObject();
            json.writeObjectFieldStart("requestContext");
            json.writeObjectFieldStart("elb");
            json.writeStringField("targetGroupArn", targetGroupArn);
            json.writeEndObject();
            json.writeEndObject();
            json.writeStringField("httpMethod", request.method());
            json.writeStringField("path", request.rawPath());
            Map<String, List<String>> query = query(request.rawQuery(), false);
            Map<String, List<String>> headers = headers(request);
            if (multiValue) {
                writeMultiValue(json, "multiValueQueryStringParameters", query);
                writeMultiValue(json, "multiValueHeaders", headers);
            } else {
                writeLastValue(json, "queryStringParameters", query);
                writeLastValue(json, "headers", headers);
            }
            writeBody(json, request);
            json.writeEndObject();
        });
    }

    /** Whether a body of this content type travels as text; everything else is base64. */
    static boolean isText(String contentType) {
        if (contentType == null) {
            return false;
        }
        return contentType.startsWith("text/") || contentType.endsWith("/json") || contentType.endsWith("+json")
                || contentType.endsWith("/xml") || contentType.endsWith("+xml") || contentType.endsWith("/javascript");
    }

    private static void writeBody(JsonGenerator json, UrlRequest request) throws IOException {
        if (request.body().length == 0) {
            json.writeBooleanField("isBase64Encoded", false);
            return;
        }
        boolean text = isText(request.contentType());
        json.writeStringField("body", text ? new String(request.body(), StandardCharsets.UTF_8)
                : Base64.getEncoder().encodeToString(request.body()));
        json.writeBooleanField("isBase64Encoded", !text);
    }

    private static void writeMultiValue(JsonGenerator json, String field, Map<String, List<String>> values)
            throws IOException {
        json.writeObjectFieldStart(field);
        for (Map.Entry<String, List<String>> entry : values.entrySet()) {
            json.writeArrayFieldStart(entry.getKey());
            for (String value : entry.getValue()) {
                json.writeString(value);
            }
            json.writeEndArray();
        }
        json.writeEndObject();
    }

    private static void writeLastValue(JsonGenerator json, String field, Map<String, List<String>> values)
            throws IOException {
        json.writeObjectFieldStart(field);
        for (Map.Entry<String, List<String>> entry : values.entrySet()) {
            json.writeStringField(entry.getKey(), entry.getValue().get(entry.getValue().size() - 1));
        }
        json.writeEndObject();
    }

    /** Headers by lower-case name, values in the order received. */
    private static Map<String, List<String>> headers(UrlRequest request) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (Map.Entry<String, String> header : request.headers()) {
            headers.computeIfAbsent(header.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>(1))
                    .add(header.getValue());
        }
        return headers;
    }

    private static List<String> cookies(UrlRequest request) {
        List<String> cookies = new ArrayList<>();
        for (Map.Entry<String, String> header : request.headers()) {
            if (header.getKey().equalsIgnoreCase("Cookie")) {
                for (String cookie : header.getValue().split(";")) {
                    if (!cookie.isBlank()) {
                        cookies.add(cookie.trim());
                    }
                }
            }
        }
        return cookies;
    }

    /** Query parameters in order, decoded or as received. */
    static Map<String, List<String>> query(String rawQuery, boolean decode) {
        Map<String, List<String>> query = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return query;
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            String name = equals < 0 ? pair : pair.substring(0, equals);
            String value = equals < 0 ? "" : pair.substring(equals + 1);
            if (decode) {
                name = decode(name);
                value = decode(value);
            }
            query.computeIfAbsent(name, k -> new ArrayList<>(1)).add(value);
        }
        return query;
    }

    private static String decode(String encoded) {
        try {
            return URLDecoder.decode(encoded, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return encoded;
        }
    }

    private interface Writer {
        void write(JsonGenerator json) throws IOException;
    }

    private static byte[] write(Writer writer) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            writer.write(json);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return out.toByteArray();
    }
}
