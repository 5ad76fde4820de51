package dev.klambda.poller.mapping;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Lambda's self-managed Kafka event: records grouped under {@code "<topic>-<partition>"}, key and
 * value in base64, headers as lists of Java's signed bytes. Each record is rendered once, when it is
 * read; a batch is then the records' bytes inside its partition's {@link EventEnvelope}, so its size is
 * known exactly before it is built.
 */
public final class KafkaEvents {

    public static final String EVENT_SOURCE = "SelfManagedKafka";

    private static final JsonFactory JSON = new JsonFactory();
    private static final ObjectMapper MAPPER = new ObjectMapper(JSON);

    private KafkaEvents() {
    }

    /** The JSON object of one record, as it appears in the event's list for its partition. */
    public static byte[] record(ConsumerRecord<byte[], byte[]> record) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(
                256 + base64Length(record.key()) + base64Length(record.value()));
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("topic", record.topic());
            json.writeNumberField("partition", record.partition());
            json.writeNumberField("offset", record.offset());
            json.writeNumberField("timestamp", record.timestamp());
            json.writeStringField("timestampType", record.timestampType().name());
            // Lambda leaves out what the record does not have (its Go event type marks both omitempty).
            if (record.key() != null) {
                json.writeStringField("key", Base64.getEncoder().encodeToString(record.key()));
            }
            if (record.value() != null) {
                json.writeStringField("value", Base64.getEncoder().encodeToString(record.value()));
            }
            json.writeArrayFieldStart("headers");
            for (Header header : record.headers()) {
                json.writeStartObject();
                json.writeArrayFieldStart(header.key());
                byte[] value = header.value() == null ? new byte[0] : header.value();
                for (byte b : value) {
                    json.writeNumber(b);
                }
                json.writeEndArray();
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The key a partition's records are listed under: {@code "<topic>-<partition>"}. */
    public static String partitionKey(String topic, int partition) {
        return topic + "-" + partition;
    }

    /** The envelope of one partition's events on the cluster at {@code bootstrapServers}. */
    public static EventEnvelope envelope(String bootstrapServers, String partitionKey) {
        return new EventEnvelope("{\"eventSource\":\"" + EVENT_SOURCE + "\",\"bootstrapServers\":\""
                + quote(bootstrapServers) + "\",\"records\":{\"" + quote(partitionKey) + "\":[", "]}}");
    }

    /**
     * What filter patterns see of a record: its metadata, and its key and value as JSON when they
     * are JSON, else as text.
     */
    public static JsonNode filterView(ConsumerRecord<byte[], byte[]> record) {
        ObjectNode view = JsonNodeFactory.instance.objectNode();
        view.put("topic", record.topic());
        view.put("partition", record.partition());
        view.put("offset", record.offset());
        view.put("timestamp", record.timestamp());
        view.put("timestampType", record.timestampType().name());
        if (record.key() != null) {
            view.set("key", decoded(record.key()));
        }
        if (record.value() != null) {
            view.set("value", decoded(record.value()));
        }
        return view;
    }

    private static JsonNode decoded(byte[] bytes) {
        try {
            JsonNode json = MAPPER.readTree(bytes);
            if (json != null) {
                return json;
            }
        } catch (IOException e) {
            // Not JSON: matched as text.
        }
        return JsonNodeFactory.instance.textNode(new String(bytes, StandardCharsets.UTF_8));
    }

    private static String quote(String text) {
        return new String(JsonStringEncoder.getInstance().quoteAsString(text));
    }

    private static int base64Length(byte[] bytes) {
        return bytes == null ? 0 : (bytes.length + 2) / 3 * 4;
    }
}
