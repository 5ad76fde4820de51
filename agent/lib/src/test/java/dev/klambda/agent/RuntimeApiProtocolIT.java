package dev.klambda.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

import dev.klambda.core.net.FreePorts;

/**
 * The Runtime API's answers to a runtime that breaks the protocol, checked by playing the runtime
 * over HTTP (the process the agent starts only sleeps): wrong and repeated request ids, posts out
 * of turn, the stubbed Logs and Telemetry APIs.
 */
class RuntimeApiProtocolIT {

    @TempDir
    Path dir;
    Vertx vertx = Vertx.vertx();
    ExecutionEnvironment environment;
    HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stop() throws Exception {
        if (environment != null) {
            environment.shutdown().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        vertx.close().toCompletionStage().toCompletableFuture().get();
    }

    HttpResponse<String> call(String method, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + environment.runtimeApiPort() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    /** An environment whose runtime only sleeps, so that the test can play the runtime over HTTP. */
    void startWithoutARuntime(Duration timeout) throws Exception {
        startWithoutARuntime(timeout, 0);
    }

    void startWithoutARuntime(Duration timeout, int port) throws Exception {
        Path task = dir.resolve("task");
        TestFunctions.executable(task.resolve("bootstrap"), "#!/bin/sh\nexec sleep 600\n");
        environment = ExecutionEnvironment.create(vertx, TestFunctions.spec("provided.al2023", null, task, null, null, 128,
                timeout, Map.of()),
                new RuntimeLaunchers(new Interpreters(Optional.empty(), Optional.empty(),
                        Path.of("java"))),
                MemoryLimits.sampling(), line -> {
                }, port).toCompletableFuture().get(10, TimeUnit.SECONDS);
        environment.init();
    }

    @Test
    void answersProtocolErrorsAsTheEmulatorDoes() throws Exception {
        startWithoutARuntime(Duration.ofSeconds(30));

        HttpResponse<String> early = call("POST", "/2018-06-01/runtime/invocation/nobody/response", "{}");
        assertThat(early.statusCode()).isEqualTo(403);
        assertThat(early.body()).contains("\"errorType\":\"InvalidStateTransition\"");

        // we are the runtime: asking for the next event ends INIT, and an invocation arrives
        CompletableFuture<HttpResponse<String>> next = http.sendAsync(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + environment.runtimeApiPort() + "/2018-06-01/runtime/invocation/next")).build(),
                HttpResponse.BodyHandlers.ofString());
        CompletableFuture<InvokeResult> result = environment.invoke(InvokeRequest.of("req-1", "{\"a\":1}".getBytes()))
                .toCompletableFuture();
        HttpResponse<String> event = next.get(10, TimeUnit.SECONDS);
        assertThat(event.statusCode()).isEqualTo(200);
        assertThat(event.body()).isEqualTo("{\"a\":1}");
        assertThat(event.headers().firstValue("Lambda-Runtime-Aws-Request-Id")).hasValue("req-1");
        assertThat(Long.parseLong(event.headers().firstValue("Lambda-Runtime-Deadline-Ms").orElseThrow()))
                .isGreaterThan(System.currentTimeMillis());

        HttpResponse<String> wrongId = call("POST", "/2018-06-01/runtime/invocation/req-2/response", "{}");
        assertThat(wrongId.statusCode()).isEqualTo(400);
        assertThat(wrongId.body()).isEqualTo("{\"errorMessage\":\"Invalid request ID\",\"errorType\":\"InvalidRequestID\"}");

        HttpResponse<String> initError = call("POST", "/2018-06-01/runtime/init/error", "{}");
        assertThat(initError.statusCode()).as("not initialising any more").isEqualTo(403);

        HttpResponse<String> ok = call("POST", "/2018-06-01/runtime/invocation/req-1/response", "\"done\"");
        assertThat(ok.statusCode()).isEqualTo(202);
        assertThat(ok.body()).isEqualTo("{\"status\":\"OK\"}");
        assertThat(new String(result.get(10, TimeUnit.SECONDS).payload())).isEqualTo("\"done\"");

        HttpResponse<String> again = call("POST", "/2018-06-01/runtime/invocation/req-1/response", "\"twice\"");
        assertThat(again.statusCode()).as("a second answer to the same request").isEqualTo(400);

        HttpResponse<String> badMode = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + environment.runtimeApiPort() + "/2018-06-01/runtime/invocation/req-1/response"))
                .header("Lambda-Runtime-Function-Response-Mode", "sideways").POST(HttpRequest.BodyPublishers.ofString("x"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(badMode.statusCode()).isEqualTo(400);
        assertThat(badMode.body()).contains("InvalidFunctionResponseMode");

        assertThat(call("PUT", "/2020-08-15/logs", "{}").body()).contains("Logs.NotSupported");
        assertThat(call("PUT", "/2022-07-01/telemetry", "{}").body()).contains("Telemetry.NotSupported");
        assertThat(call("GET", "/2018-06-01/nothing", null).statusCode()).isEqualTo(404);

        HttpResponse<String> unknownExtension = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + environment.runtimeApiPort() + "/2020-01-01/extension/event/next"))
                .header("Lambda-Extension-Identifier", "nope")
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(unknownExtension.statusCode()).isEqualTo(403);
        assertThat(unknownExtension.body()).contains("Extension.InvalidExtensionIdentifier");
    }

    @Test
    void closesAKilledRuntimesServerSoNothingItSentReachesTheNextRuntime() throws Exception {
        startWithoutARuntime(Duration.ofSeconds(1), 0);
        int oldPort = environment.runtimeApiPort();
        playARuntimeThatTimesOut(oldPort);
        await().atMost(Duration.ofSeconds(5)).until(() -> environment.state() == ExecutionEnvironment.State.INITIALIZING
                && environment.runtimeApiPort() != oldPort);
        assertThatThrownBy(() -> new Connection(oldPort)).as("the killed runtime's server is gone")
                .isInstanceOf(ConnectException.class);
        playTheNextRuntime(environment.runtimeApiPort());
    }

    @Test
    void aFixedPortIsListenedOnAgainForTheNextRuntime() throws Exception {
        int port = FreePorts.belowEphemeralRange();
        startWithoutARuntime(Duration.ofSeconds(1), port);
        playARuntimeThatTimesOut(port);
        assertThat(environment.runtimeApiPort()).isEqualTo(port);
        await().atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() -> {
            new Connection(port).close();
            return environment.state() == ExecutionEnvironment.State.INITIALIZING;
        });
        playTheNextRuntime(port);
    }

    @Test
    void aFixedPortIsBoundAgainAsSoonAsItsServerHasClosed() throws Exception {
        int port = FreePorts.belowEphemeralRange();
        // as the environment does for each new runtime: the next server listens once the last one's close completed
        Future<RuntimeApiServer> servers = RuntimeApiServer.start(vertx, null, "127.0.0.1", port);
        for (int round = 0; round < 100; round++) {
            servers = servers.compose(RuntimeApiServer::close)
                    .compose(closed -> RuntimeApiServer.start(vertx, null, "127.0.0.1", port));
        }
        RuntimeApiServer last = servers.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        assertThat(last.port()).isEqualTo(port);
        last.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /**
     * Takes an event on {@code port} and never answers it: the timeout kills this runtime and closes
     * its server, connections and all.
     */
    private void playARuntimeThatTimesOut(int port) throws Exception {
        try (Connection old = new Connection(port)) {
            old.send("GET", NEXT, null);
            CompletableFuture<InvokeResult> timedOut = environment.invoke(InvokeRequest.of("req-1", "1".getBytes()))
                    .toCompletableFuture();
            assertThat(old.read().header("Lambda-Runtime-Aws-Request-Id")).isEqualTo("req-1");
            assertThat(timedOut.get(10, TimeUnit.SECONDS).errorType()).isEqualTo("Sandbox.Timedout");
            assertThat(old.closedByServer()).isTrue();
        }
    }

    /** Asks for the next event on {@code port} as a fresh runtime would, and answers one invocation. */
    private void playTheNextRuntime(int port) throws Exception {
        try (Connection fresh = new Connection(port)) {
            fresh.send("GET", NEXT, null);
            await().atMost(Duration.ofSeconds(5)).until(() -> environment.state() == ExecutionEnvironment.State.IDLE);
            CompletableFuture<InvokeResult> result = environment.invoke(InvokeRequest.of("req-2", "2".getBytes()))
                    .toCompletableFuture();
            assertThat(fresh.read().header("Lambda-Runtime-Aws-Request-Id")).as("the new runtime gets its event")
                    .isEqualTo("req-2");
            fresh.send("POST", "/2018-06-01/runtime/invocation/req-2/response", "\"fresh\"");
            assertThat(fresh.read().status()).isEqualTo(202);
            assertThat(new String(result.get(10, TimeUnit.SECONDS).payload(), StandardCharsets.UTF_8))
                    .isEqualTo("\"fresh\"");
        }
    }

    static final String NEXT = "/2018-06-01/runtime/invocation/next";

    record Response(int status, Map<String, String> headers, String body) {

        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** One HTTP/1.1 connection kept open across requests, as a runtime client with keep-alive keeps it. */
    static final class Connection implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;

        Connection(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(10_000);
            in = new BufferedInputStream(socket.getInputStream());
        }

        void send(String method, String path, String body) throws IOException {
            byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            String head = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + bytes.length + "\r\n\r\n";
            socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().write(bytes);
            socket.getOutputStream().flush();
        }

        Response read() throws IOException {
            int status = Integer.parseInt(line().split(" ")[1]);
            Map<String, String> headers = new TreeMap<>();
            for (String line = line(); !line.isEmpty(); line = line()) {
                int colon = line.indexOf(':');
                headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
            byte[] body = in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0")));
            return new Response(status, headers, new String(body, StandardCharsets.UTF_8));
        }

        boolean closedByServer() throws IOException {
            return in.read() == -1;
        }

        private String line() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b = in.read(); b != '\n'; b = in.read()) {
                if (b == -1) {
                    throw new IOException("connection closed");
                }
                if (b != '\r') {
                    line.write(b);
                }
            }
            return line.toString(StandardCharsets.US_ASCII);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
