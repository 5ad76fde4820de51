package dev.klambda.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vertx.core.Vertx;

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
        environment.shutdown().toCompletableFuture().get(10, TimeUnit.SECONDS);
        vertx.close().toCompletionStage().toCompletableFuture().get();
    }

    HttpResponse<String> call(String method, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + environment.runtimeApiPort() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void answersProtocolErrorsAsTheEmulatorDoes() throws Exception {
        Path task = dir.resolve("task");
        TestFunctions.executable(task.resolve("bootstrap"), "#!/bin/sh\nexec sleep 600\n");
        environment = ExecutionEnvironment.create(vertx, TestFunctions.spec("provided.al2023", null, task, null, null, 128,
                Duration.ofSeconds(30), Map.of()),
                new RuntimeLaunchers(new Interpreters(Optional.empty(), Optional.empty(),
                        Path.of("java"))),
                MemoryLimits.sampling(), line -> {
                }, 0).toCompletableFuture().get(10, TimeUnit.SECONDS);
        environment.init();

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
}
