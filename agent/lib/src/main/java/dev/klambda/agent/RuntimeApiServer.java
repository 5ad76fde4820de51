package dev.klambda.agent;

import java.io.IOException;
import java.net.BindException;
import java.util.HashSet;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * The HTTP face of one environment on a loopback address: the Runtime API ({@code /2018-06-01}), the
 * Extensions API ({@code /2020-01-01}), and the Logs and Telemetry APIs answered as the Runtime
 * Interface Emulator answers them. It parses requests and hands them to the environment, on the
 * environment's own event loop.
 *
 * <p>
 * Each runtime the environment starts gets a server of its own, closed when that runtime is
 * killed. Closing the listening socket also drops connections the kernel accepted but the server
 * had not taken yet, so a request a killed runtime sent just before it died can never reach the
 * runtime that replaces it.
 */
final class RuntimeApiServer {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RUNTIME = "/2018-06-01/runtime/";
    private static final String INVOCATION = RUNTIME + "invocation/";
    private static final String EXTENSION = "/2020-01-01/extension/";
    /** A body bigger than this is not read; requests other than responses stay far below it. */
    private static final int MAX_BODY_BYTES = PlatformErrors.MAX_RESPONSE_BYTES;
    /** How often, and how far apart, a fixed port still held by the last runtime's server is tried again: 2 s in all. */
    private static final int REBIND_ATTEMPTS = 100;
    private static final long REBIND_PAUSE_MS = 20;

    private final HttpServer server;
    private final ExecutionEnvironment environment;

    private RuntimeApiServer(HttpServer server, ExecutionEnvironment environment) {
        this.server = server;
        this.environment = environment;
    }

    /**
     * Listens on {@code host:port} (0 for any free port). A fixed port is tried again for a while when
     * it is still taken: Netty reports a listening socket closed before the JDK has released it (a
     * channel registered with a selector keeps its descriptor until the selector's next select), so
     * the next runtime's server, bound right after the last one closed, can find its port in use.
     */
    static Future<RuntimeApiServer> start(Vertx vertx, ExecutionEnvironment environment, String host, int port) {
        return start(vertx, environment, host, port, port == 0 ? 0 : REBIND_ATTEMPTS);
    }

    private static Future<RuntimeApiServer> start(Vertx vertx, ExecutionEnvironment environment, String host, int port,
            int retries) {
        HttpServerOptions options = new HttpServerOptions().setHost(host).setPort(port).setTcpNoDelay(true)
                .setIdleTimeout(0).setMaxInitialLineLength(16 * 1024)
                // runtimes send X-Ray error causes of up to 1 MiB in a header
                .setMaxHeaderSize(2 * 1024 * 1024);
        HttpServer server = vertx.createHttpServer(options);
        RuntimeApiServer api = new RuntimeApiServer(server, environment);
        server.requestHandler(api::handle);
        return server.listen().map(s -> api).recover(failed -> {
            if (retries == 0 || !(failed instanceof BindException)) {
                return Future.failedFuture(failed);
            }
            return vertx.timer(REBIND_PAUSE_MS).compose(v -> start(vertx, environment, host, port, retries - 1));
        });
    }

    int port() {
        return server.actualPort();
    }

    Future<Void> close() {
        return server.close();
    }

    private void handle(HttpServerRequest request) {
        String path = request.path();
        HttpMethod method = request.method();
        HttpServerResponse response = request.response();
        if (!environment.listensWith(this)) {
            // sent to a runtime's server just before the environment closed it to start another runtime
            json(response, 403, "{\"errorMessage\":\"State transition from Shutdown failed for runtime. Error: this "
                    + "connection belongs to a runtime that has been shut down\",\"errorType\":\"InvalidStateTransition\"}")
                    .onComplete(v -> request.connection().close());
            return;
        }
        if (path.startsWith(INVOCATION)) {
            String rest = path.substring(INVOCATION.length());
            if (rest.equals("next") && method == HttpMethod.GET) {
                environment.onNext(response);
                return;
            }
            int slash = rest.indexOf('/');
            if (slash > 0 && method == HttpMethod.POST) {
                String requestId = rest.substring(0, slash);
                String action = rest.substring(slash + 1);
                if (action.equals("response")) {
                    String mode = request.getHeader("Lambda-Runtime-Function-Response-Mode");
                    if (mode != null && !mode.equalsIgnoreCase("streaming")) {
                        error(response, 400, "InvalidFunctionResponseMode", "Invalid function response mode");
                        return;
                    }
                    readBody(request, (body, tooLarge) -> environment.onResponse(requestId, body, tooLarge,
                            request.getHeader("Content-Type"), response));
                    return;
                }
                if (action.equals("error")) {
                    readBody(request, (body, tooLarge) -> environment.onError(requestId, body,
                            request.getHeader("Lambda-Runtime-Function-Error-Type"), request.getHeader("Content-Type"),
                            response));
                    return;
                }
            }
        } else if (path.equals(RUNTIME + "init/error") && method == HttpMethod.POST) {
            readBody(request, (body, tooLarge) -> environment.onInitError(body,
                    request.getHeader("Lambda-Runtime-Function-Error-Type"), request.getHeader("Content-Type"), response));
            return;
        } else if (path.startsWith(EXTENSION)) {
            String action = path.substring(EXTENSION.length());
            String identifier = request.getHeader("Lambda-Extension-Identifier");
            switch (action) {
                case "register" -> {
                    if (method == HttpMethod.POST) {
                        readBody(request, (body, tooLarge) -> environment.onRegister(request.getHeader("Lambda-Extension-Name"),
                                request.getHeader("Lambda-Extension-Accept-Feature"), body, response));
                        return;
                    }
                }
                case "event/next" -> {
                    if (method == HttpMethod.GET) {
                        environment.onExtensionNext(identifier, response);
                        return;
                    }
                }
                case "init/error", "exit/error" -> {
                    if (method == HttpMethod.POST) {
                        readBody(request, (body, tooLarge) -> environment.onExtensionError(identifier,
                                request.getHeader("Lambda-Extension-Function-Error-Type"), body, action.equals("init/error"),
                                response));
                        return;
                    }
                }
                default -> {
                }
            }
        } else if (path.equals("/2020-08-15/logs") && method == HttpMethod.PUT) {
            json(response, 202, "{\"errorMessage\":\"Logs API is not supported\",\"errorType\":\"Logs.NotSupported\"}");
            return;
        } else if (path.equals("/2022-07-01/telemetry") && method == HttpMethod.PUT) {
            json(response, 202,
                    "{\"errorMessage\":\"Telemetry API is not supported\",\"errorType\":\"Telemetry.NotSupported\"}");
            return;
        } else if (path.equals("/2018-06-01/ping")) {
            response.setStatusCode(200).end("pong");
            return;
        }
        error(response, 404, "NotFound", "No such Runtime API resource: " + method + " " + path);
    }

    private interface BodyHandler {
        void accept(Buffer body, boolean tooLarge);
    }

    /** Reads a body of at most {@link #MAX_BODY_BYTES}; a bigger one is drained and reported as too large. */
    private static void readBody(HttpServerRequest request, BodyHandler handler) {
        String length = request.getHeader("Content-Length");
        if (length != null) {
            try {
                if (Long.parseLong(length.trim()) > MAX_BODY_BYTES) {
                    request.handler(ignored -> {
                    });
                    request.endHandler(v -> handler.accept(Buffer.buffer(), true));
                    return;
                }
            } catch (NumberFormatException e) {
                error(request.response(), 400, "InvalidRequestFormat", "Invalid Content-Length");
                return;
            }
        }
        Buffer body = Buffer.buffer();
        boolean[] tooLarge = { false };
        request.handler(chunk -> {
            if (!tooLarge[0]) {
                if (body.length() + chunk.length() > MAX_BODY_BYTES) {
                    tooLarge[0] = true;
                } else {
                    body.appendBuffer(chunk);
                }
            }
        });
        request.endHandler(v -> handler.accept(tooLarge[0] ? Buffer.buffer() : body, tooLarge[0]));
    }

    static void accepted(HttpServerResponse response) {
        json(response, 202, "{\"status\":\"OK\"}");
    }

    static void error(HttpServerResponse response, int status, String errorType, String errorMessage) {
        json(response, status, "{\"errorMessage\":\"" + PlatformErrors.escape(errorMessage) + "\",\"errorType\":\""
                + PlatformErrors.escape(errorType) + "\"}");
    }

    private static Future<Void> json(HttpServerResponse response, int status, String body) {
        if (response.ended() || response.closed()) {
            return Future.succeededFuture();
        }
        return response.setStatusCode(status).putHeader("Content-Type", "application/json").end(body);
    }

    /** The {@code events} of an extension registration, or null when the body is not a valid one. */
    static Set<String> eventsOf(Buffer body) {
        try {
            JsonNode json = JSON.readTree(body.getBytes());
            Set<String> events = new HashSet<>();
            if (json == null || json.isMissingNode()) {
                return events;
            }
            for (JsonNode event : json.path("events")) {
                if (!event.isTextual() || !(event.asText().equals("INVOKE") || event.asText().equals("SHUTDOWN"))) {
                    return null;
                }
                events.add(event.asText());
            }
            return events;
        } catch (IOException e) {
            return null;
        }
    }

    /** An error-cause document without its {@code errorCause} member, which is for X-Ray only. */
    static byte[] withoutErrorCause(byte[] document) {
        try {
            JsonNode json = JSON.readTree(document);
            if (json instanceof ObjectNode object && object.has("errorCause")) {
                object.remove("errorCause");
                return JSON.writeValueAsBytes(object);
            }
        } catch (IOException e) {
            // not JSON: forward as it came
        }
        return document;
    }

    /** The {@code errorType} member of an error document, when it has one. */
    static String errorTypeOf(byte[] document) {
        try {
            JsonNode json = JSON.readTree(document);
            JsonNode type = json == null ? null : json.get("errorType");
            return type != null && type.isTextual() ? type.asText() : null;
        } catch (IOException e) {
            return null;
        }
    }
}
