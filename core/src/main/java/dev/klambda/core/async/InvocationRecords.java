package dev.klambda.core.async;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Lambda's invocation record: what on-success and on-failure destinations of asynchronous
 * invocations receive ({@code version}, {@code timestamp}, {@code requestContext},
 * {@code requestPayload}, {@code responseContext}, {@code responsePayload}), and the error
 * attributes of a dead letter.
 */
public final class InvocationRecords {

    /** Why a record was sent: Lambda's {@code requestContext.condition}. */
    public enum Condition {
        Success,
        RetriesExhausted,
        EventAgeExceeded,
        ZeroReservedConcurrency
    }

    /**
     * The function's answer to the last attempt.
     *
     * @param functionError {@code Unhandled} when the function failed, else null
     * @param payload the function's output or error document
     */
    public record Response(String executedVersion, String functionError, byte[] payload) {
    }

    /** The most of an error message a dead letter carries (Lambda's first 1 KB). */
    public static final int MAX_ERROR_MESSAGE = 1024;

    private static final JsonFactory JSON = new JsonFactory();
    private static final ObjectMapper MAPPER = new ObjectMapper(JSON);
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private InvocationRecords() {
    }

    /**
     * The record of one event.
     *
     * @param functionArn the function with the version that ran (Lambda's records are always qualified)
     * @param requestPayload the event, which the Invoke API accepted as JSON
     * @param response the last attempt's answer, or null when the function never answered
     */
    public static byte[] record(Instant timestamp, String requestId, String functionArn, Condition condition,
            int approximateInvokeCount, byte[] requestPayload, Response response) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(requestPayload.length
                + (response == null ? 0 : response.payload().length) + 512);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("version", "1.0");
            json.writeStringField("timestamp", TIMESTAMP.format(timestamp));
            json.writeObjectFieldStart("requestContext");
            json.writeStringField("requestId", requestId);
            json.writeStringField("functionArn", functionArn);
            json.writeStringField("condition", condition.name());
            json.writeNumberField("approximateInvokeCount", approximateInvokeCount);
            json.writeEndObject();
            json.writeFieldName("requestPayload");
            writeJson(json, requestPayload);
            if (response != null) {
                writeResponseContext(json, response);
                json.writeFieldName("responsePayload");
                writeJson(json, response.payload());
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Lambda's {@code responseContext} of a record: the status, the version that ran, the function error. */
    public static void writeResponseContext(JsonGenerator json, Response response) throws IOException {
        json.writeObjectFieldStart("responseContext");
        json.writeNumberField("statusCode", 200);
        json.writeStringField("executedVersion", response.executedVersion());
        if (response.functionError() != null) {
            json.writeStringField("functionError", response.functionError());
        }
        json.writeEndObject();
    }

    /**
     * A dead letter's {@code ErrorMessage}: the error document's {@code errorMessage} (or the whole
     * answer when it has none), cut to {@link #MAX_ERROR_MESSAGE} bytes.
     */
    public static String errorMessage(byte[] errorDocument) {
        String message = null;
        try {
            JsonNode document = MAPPER.readTree(errorDocument);
            if (document != null && document.path("errorMessage").isTextual()) {
                message = document.get("errorMessage").asText();
            }
        } catch (IOException e) {
            // Not JSON: the answer itself is the message.
        }
        if (message == null) {
            message = new String(errorDocument, StandardCharsets.UTF_8);
        }
        return truncate(message, MAX_ERROR_MESSAGE);
    }

    /** {@code text} cut to at most {@code maxBytes} of UTF-8, never inside a character. */
    static String truncate(String text, int maxBytes) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= maxBytes) {
            return text;
        }
        int end = maxBytes;
        while (end > 0 && (bytes[end] & 0xC0) == 0x80) {
            end--;
        }
        return new String(bytes, 0, end, StandardCharsets.UTF_8);
    }

    /** Writes {@code value} as the JSON it is, or as a string when it is not one JSON value. */
    private static void writeJson(JsonGenerator json, byte[] value) throws IOException {
        if (isJson(value)) {
            json.writeRawValue(new String(value, StandardCharsets.UTF_8));
        } else {
            json.writeString(new String(value, StandardCharsets.UTF_8));
        }
    }

    private static boolean isJson(byte[] value) {
        try (JsonParser parser = JSON.createParser(value)) {
            if (parser.nextToken() == null) {
                return false;
            }
            parser.skipChildren();
            return parser.nextToken() == null;
        } catch (IOException e) {
            return false;
        }
    }
}
