package dev.klambda.poller.mapping;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.JsonStringEncoder;

/**
 * Lambda's self-managed Kafka event: records grouped under {@code "<topic>-<partition>"}, key and
 * value in base64, headers as lists of Java's signed bytes. Each record is rendered once, when it is
 * read; a batch is then the records' bytes inside the envelope, so its size is known exactly before
 * it is built.
 */
public final class KafkaEvents {

    public static final String EVENT_SOURCE = "SelfManagedKafka";

    private static final JsonFactory JSON = new JsonFactory();

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

    /** The size of the event {@link #event} builds, without building it. */
    public static long size(String bootstrapServers, String partitionKey, List<byte[]> records) {
        long size = prefix(bootstrapServers, partitionKey).length + SUFFIX.length + Math.max(0, records.size() - 1);
        for (byte[] record : records) {
            size += record.length;
        }
        return size;
    }

    /** The event for {@code records} of one partition, rendered by {@link #record}, in offset order. */
    public static byte[] event(String bootstrapServers, String partitionKey, List<byte[]> records) {
        byte[] prefix = prefix(bootstrapServers, partitionKey);
        ByteArrayOutputStream out = new ByteArrayOutputStream(
                (int) Math.min(Integer.MAX_VALUE - 8, size(bootstrapServers, partitionKey, records)));
        out.writeBytes(prefix);
        for (int i = 0; i < records.size(); i++) {
            if (i > 0) {
                out.write(',');
            }
            out.writeBytes(records.get(i));
        }
        out.writeBytes(SUFFIX);
        return out.toByteArray();
    }

    private static final byte[] SUFFIX = "]}}".getBytes(StandardCharsets.UTF_8);

    private static byte[] prefix(String bootstrapServers, String partitionKey) {
        return ("{\"eventSource\":\"" + EVENT_SOURCE + "\",\"bootstrapServers\":\"" + quote(bootstrapServers)
                + "\",\"records\":{\"" + quote(partitionKey) + "\":[").getBytes(StandardCharsets.UTF_8);
    }

    private static String quote(String text) {
        return new String(JsonStringEncoder.getInstance().quoteAsString(text));
    }

    private static int base64Length(byte[] bytes) {
        return bytes == null ? 0 : (bytes.length + 2) / 3 * 4;
    }
}
