package dev.klambda.standalone.async;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

/**
 * The test's side of the async test functions, an HTTP server in the test JVM. The {@code worker}
 * function asks {@code /attempt} what to do with each attempt of an event: the event's own
 * {@code failTimes} (fail that many attempts, then succeed; -1 for always) and {@code sleepMs}
 * decide. Every other path records what was POSTed there: HTTP destinations and the
 * {@code collector} function deliver there.
 */
public final class FunctionControl implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();

    /** One attempt the function made. */
    public record Attempt(String requestId, JsonNode event, Instant at) {
    }

    /** One POST to a destination path. */
    public record Delivery(JsonNode body, Map<String, List<String>> headers) {
    }

    private final HttpServer server;
    private final List<Attempt> attempts = new CopyOnWriteArrayList<>();
    private final Map<String, List<Delivery>> deliveries = new ConcurrentHashMap<>();

    public FunctionControl() {
        server = loopbackServer(this::handle);
    }

    /** A started HTTP server on a free loopback port that hands every request to {@code handler}. */
    public static HttpServer loopbackServer(HttpHandler handler) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", handler);
        server.start();
        return server;
    }

    /** The URL functions and destinations reach the server at. */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The attempts made for events whose {@code id} is {@code id}. */
    public List<Attempt> attempts(String id) {
        return attempts.stream().filter(a -> a.event().path("id").asText().equals(id)).toList();
    }

    /** What was delivered to {@code /destination/<name>}, for events whose {@code id} is {@code id}. */
    public List<Delivery> deliveries(String name, String id) {
        return deliveries.getOrDefault("/destination/" + name, List.of()).stream()
                .filter(d -> d.body().path("requestPayload").path("id").asText().equals(id)
                        || d.body().path("id").asText().equals(id))
                .toList();
    }

    private void handle(HttpExchange exchange) throws IOException {
        JsonNode body;
        try (InputStream in = exchange.getRequestBody()) {
            body = JSON.readTree(in.readAllBytes());
        }
        String path = exchange.getRequestURI().getPath();
        byte[] answer = "{}".getBytes(StandardCharsets.UTF_8);
        if (path.equals("/attempt")) {
            JsonNode event = body.path("event");
            attempts.add(new Attempt(body.path("requestId").asText(), event, Instant.now()));
            answer = JSON.writeValueAsBytes(decide(event));
        } else {
            deliveries.computeIfAbsent(path, p -> new CopyOnWriteArrayList<>())
                    .add(new Delivery(body, Map.copyOf(exchange.getRequestHeaders())));
        }
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, answer.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(answer);
        }
    }

    private ObjectNode decide(JsonNode event) {
        ObjectNode decision = JSON.createObjectNode();
        int failTimes = event.path("failTimes").asInt(0);
        int attempt = attempts(event.path("id").asText()).size();
        if (failTimes < 0 || attempt <= failTimes) {
            decision.put("fail", "attempt " + attempt + " of " + event.path("id").asText() + " fails");
        }
        if (event.has("sleepMs")) {
            decision.put("sleepMs", event.path("sleepMs").asInt());
        }
        return decision;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
