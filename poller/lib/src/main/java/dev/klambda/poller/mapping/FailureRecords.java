package dev.klambda.poller.mapping;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import dev.klambda.core.async.InvocationRecords;

/**
 * Lambda's on-failure record of a Kafka event source mapping: {@code requestContext},
 * {@code responseContext} (absent when the function never answered), and {@code KafkaBatchInfo}
 * with the batch's offsets and timestamps. Kafka topic destinations get one record per failed Kafka
 * record, carrying that record's own one-record event as {@code payload}.
 */
public final class FailureRecords {

    /** Why records were given up: Lambda's {@code requestContext.condition}. */
    public enum Condition {
        RetryAttemptsExhausted,
        /** The records were older than MaximumRecordAgeInSeconds when their turn came. */
        RecordAgeExceeded,
        /** A single record makes an event over the invocation payload limit. */
        MaximumPayloadSizeExceeded
    }

    /** A failed Kafka record: where it was and when it was written. */
    public record Failed(long offset, long timestamp) {
    }

    private static final JsonFactory JSON = new JsonFactory();
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private FailureRecords() {
    }

    /**
     * The record of a failed batch of one partition.
     *
     * @param response the last attempt's answer, or null when there was none
     */
    public static byte[] batch(Instant now, String requestId, String functionArn, Condition condition, int invokeCount,
            InvocationRecords.Response response, String bootstrapServers, String partitionKey, List<Failed> records,
            long payloadSize) {
        return write(now, requestId, functionArn, condition, invokeCount, response, json -> {
            json.writeNumberField("batchSize", records.size());
            json.writeStringField("bootstrapServers", bootstrapServers);
            json.writeNumberField("payloadSize", payloadSize);
            json.writeObjectFieldStart("recordsInfo");
            json.writeObjectFieldStart(partitionKey);
            Failed first = records.getFirst();
            Failed last = records.getLast();
            json.writeStringField("firstRecordOffset", Long.toString(first.offset()));
            json.writeStringField("lastRecordOffset", Long.toString(last.offset()));
            json.writeStringField("firstRecordTimestamp", TIMESTAMP.format(Instant.ofEpochMilli(first.timestamp())));
            json.writeStringField("lastRecordTimestamp", TIMESTAMP.format(Instant.ofEpochMilli(last.timestamp())));
            json.writeEndObject();
            json.writeEndObject();
        }, null);
    }

    /** The record of one failed Kafka record, for a Kafka topic destination. */
    public static byte[] single(Instant now, String requestId, String functionArn, Condition condition,
            int invokeCount, InvocationRecords.Response response, String bootstrapServers, Failed record,
            byte[] event) {
        return write(now, requestId, functionArn, condition, invokeCount, response, json -> {
            json.writeNumberField("batchSize", 1);
            json.writeStringField("bootstrapServers", bootstrapServers);
            json.writeNumberField("payloadSize", event.length);
            json.writeObjectFieldStart("recordInfo");
            json.writeStringField("offset", Long.toString(record.offset()));
            json.writeStringField("timestamp", TIMESTAMP.format(Instant.ofEpochMilli(record.timestamp())));
            json.writeEndObject();
        }, event);
    }

    private interface Fields {
        void write(JsonGenerator json) throws IOException;
    }

    private static byte[] write(Instant now, String requestId, String functionArn, Condition condition,
            int invokeCount, InvocationRecords.Response response, Fields batchInfo, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512 + (payload == null ? 0 : payload.length));
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeObjectFieldStart("requestContext");
            json.writeStringField("requestId", requestId);
            json.writeStringField("functionArn", functionArn);
            json.writeStringField("condition", condition.name());
            json.writeNumberField("approximateInvokeCount", invokeCount);
            json.writeEndObject();
            if (response == null) {
                json.writeNullField("responseContext");
            } else {
                InvocationRecords.writeResponseContext(json, response);
            }
            json.writeStringField("version", "1.0");
            json.writeStringField("timestamp", TIMESTAMP.format(now));
            json.writeObjectFieldStart("KafkaBatchInfo");
            batchInfo.write(json);
            json.writeEndObject();
            if (payload != null) {
                json.writeFieldName("payload");
                json.writeRawValue(new String(payload, StandardCharsets.UTF_8));
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
