package dev.klambda.standalone.mapping;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import dev.klambda.standalone.async.FunctionControl;

/**
 * The test's side of the {@code batches} function: records every batch the function got, and
 * decides what it does from the records' own values: {@code failTimes} fails the batch while the
 * record has been seen that many times or fewer (-1: always); {@code reportTimes} answers with the
 * record as a batch item failure while it has been seen that many times or fewer; {@code holdMillis}
 * keeps the function busy that long (a slow function), so the test can count batches running at once.
 */
public final class BatchControl implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One record as the function saw it: a Kafka record's partition and offset, or a queue message's
     * id and receive count.
     */
    public record Seen(String partition, long offset, String messageId, int receiveCount, JsonNode value) {

        String id() {
            return value.path("id").asText();
        }
    }

    /** One invocation: its request id, the whole event, its records in event order, and when it came. */
    public record Batch(String requestId, JsonNode event, List<Seen> records, boolean failed, Instant at) {

        String topic() {
            return records.getFirst().value().path("topic").asText();
        }
    }

    private final HttpServer server;
    private final List<Batch> batches = new CopyOnWriteArrayList<>();
    private final Map<String, Integer> seenTimes = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
    private final Map<String, Integer> peaks = new ConcurrentHashMap<>();

    public BatchControl() {
        server = FunctionControl.loopbackServer(this::handle);
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The batches whose records belong to {@code topic} (the test puts the topic in every value). */
    public List<Batch> batches(String topic) {
        return batches.stream().filter(b -> b.topic().equals(topic)).toList();
    }

    /** The records of {@code topic} in the batches that succeeded, in the order the function saw them. */
    public List<Seen> processed(String topic) {
        List<Seen> out = new ArrayList<>();
        batches(topic).stream().filter(b -> !b.failed()).forEach(b -> out.addAll(b.records()));
        return out;
    }

    /** The most batches of {@code topic} the function ran at once. */
    public int peakConcurrency(String topic) {
        return peaks.getOrDefault(topic, 0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        JsonNode body;
        try (InputStream in = exchange.getRequestBody()) {
            body = JSON.readTree(in.readAllBytes());
        }
        List<Seen> records = new ArrayList<>();
        body.path("seen").forEach(s -> records.add(new Seen(s.path("partition").asText(null), s.path("offset").asLong(),
                s.path("messageId").asText(null), s.path("receiveCount").asInt(), s.path("value"))));
        String topic = records.getFirst().value().path("topic").asText();
        AtomicInteger now = running.computeIfAbsent(topic, t -> new AtomicInteger());
        peaks.merge(topic, now.incrementAndGet(), Math::max);
        try {
            long hold = records.stream().mapToLong(r -> r.value().path("holdMillis").asLong()).max().orElse(0);
            if (hold > 0) {
                Thread.sleep(hold);
            }
            answer(exchange, body, records);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            now.decrementAndGet();
        }
    }

    private synchronized void answer(HttpExchange exchange, JsonNode body, List<Seen> records) throws IOException {
        ObjectNode answer = JSON.createObjectNode();
        Seen reported = null;
        boolean fail = false;
        for (Seen record : records) {
            // Ids are the test's own within a topic; the same id may come again in another test.
            int times = seenTimes.merge(record.value().path("topic").asText() + "/" + record.id(), 1, Integer::sum);
            int failTimes = record.value().path("failTimes").asInt(0);
            if (failTimes < 0 || times <= failTimes) {
                fail = true;
            }
            if (reported == null && times <= record.value().path("reportTimes").asInt(0)) {
                reported = record;
            }
        }
        if (fail) {
            answer.put("fail", "a record of the batch fails");
        } else if (reported != null && reported.messageId() != null) {
            answer.putObject("response").putArray("batchItemFailures").addObject().put("itemIdentifier",
                    reported.messageId());
        } else if (reported != null) {
            answer.putObject("response").putArray("batchItemFailures").addObject().putObject("itemIdentifier")
                    .put("partition", reported.partition()).put("offset", reported.offset());
        }
        batches.add(new Batch(body.path("requestId").asText(), body.path("event"), List.copyOf(records),
                fail || reported != null, Instant.now()));
        byte[] bytes = JSON.writeValueAsBytes(answer);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
