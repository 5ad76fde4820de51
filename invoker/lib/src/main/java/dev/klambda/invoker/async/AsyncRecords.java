package dev.klambda.invoker.async;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * How an {@link AsyncEvent} is a Kafka record: the request id as key, the event as value
 * (untouched, so large payloads are never copied into an envelope), everything else in headers.
 */
public final class AsyncRecords {

    static final String CALLER = "klambda-caller";
    static final String FUNCTION = "klambda-function";
    static final String ENQUEUED_AT = "klambda-enqueued-at";
    static final String ATTEMPTS = "klambda-attempts";
    static final String BACKOFFS = "klambda-backoffs";
    static final String DUE = "klambda-due";
    static final String TRACE = "klambda-trace";

    private AsyncRecords() {
    }

    /** The record for {@code event} on {@code topic}. */
    public static ProducerRecord<String, byte[]> toRecord(String topic, AsyncEvent event) {
        Headers headers = new RecordHeaders();
        add(headers, CALLER, event.callerAccount());
        add(headers, FUNCTION, event.functionArn());
        add(headers, ENQUEUED_AT, Long.toString(event.enqueuedAt().toEpochMilli()));
        if (event.attempts() > 0) {
            add(headers, ATTEMPTS, Integer.toString(event.attempts()));
        }
        if (event.backoffs() > 0) {
            add(headers, BACKOFFS, Integer.toString(event.backoffs()));
        }
        if (event.due() != null) {
            add(headers, DUE, Long.toString(event.due().toEpochMilli()));
        }
        if (event.traceId() != null) {
            add(headers, TRACE, event.traceId());
        }
        return new ProducerRecord<>(topic, null, event.requestId(), event.payload(), headers);
    }

    /**
     * The event a record holds.
     *
     * @throws IllegalArgumentException when the record is not one of ours (no request id, a
     *         missing or malformed header)
     */
    public static AsyncEvent fromRecord(ConsumerRecord<String, byte[]> record) {
        Headers headers = record.headers();
        if (record.key() == null || record.value() == null) {
            throw new IllegalArgumentException("the record has no request id or no event");
        }
        try {
            String due = text(headers, DUE, false);
            String attempts = text(headers, ATTEMPTS, false);
            String backoffs = text(headers, BACKOFFS, false);
            return new AsyncEvent(record.key(), text(headers, CALLER, true), text(headers, FUNCTION, true),
                    record.value(), Instant.ofEpochMilli(Long.parseLong(text(headers, ENQUEUED_AT, true))),
                    attempts == null ? 0 : Integer.parseInt(attempts), backoffs == null ? 0 : Integer.parseInt(backoffs),
                    due == null ? null : Instant.ofEpochMilli(Long.parseLong(due)), text(headers, TRACE, false));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a header is not a number: " + e.getMessage(), e);
        }
    }

    private static void add(Headers headers, String name, String value) {
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(Headers headers, String name, boolean required) {
        Header header = headers.lastHeader(name);
        if (header == null || header.value() == null) {
            if (required) {
                throw new IllegalArgumentException("the record has no " + name + " header");
            }
            return null;
        }
        return new String(header.value(), StandardCharsets.UTF_8);
    }
}
