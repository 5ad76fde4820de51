package dev.klambda.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** External extensions, the memory limit, and the RIE-compatible invoke endpoint, with real processes. */
class ExtensionsAndLimitsIT extends EnvironmentTest {

    static final String EXTENSION = """
            #!/bin/sh
            API="http://${AWS_LAMBDA_RUNTIME_API}/2020-01-01/extension"
            HEADERS="$(mktemp)"
            [ -n "${EXTENSION_DELAY:-}" ] && sleep "$EXTENSION_DELAY"
            curl -sS -D "$HEADERS" -X POST "$API/register" -H "Lambda-Extension-Name: $(basename "$0")" \\
              -d '{"events":["INVOKE","SHUTDOWN"]}' > "$EVENTS_FILE.register"
            ID="$(grep -i '^Lambda-Extension-Identifier:' "$HEADERS" | cut -d' ' -f2 | tr -d '\\r\\n')"
            echo "extension registered"
            while true; do
              EVENT="$(curl -sS "$API/event/next" -H "Lambda-Extension-Identifier: $ID")"
              echo "$EVENT" >> "$EVENTS_FILE"
              case "$EVENT" in
                *SHUTDOWN*) exit 0 ;;
                *INVOKE*) [ -n "${EXTENSION_HANG:-}" ] && { sleep 30 & wait $!; } ;;
              esac
            done
            """;

    static RuntimeLaunchers launchers = new RuntimeLaunchers(
            new Interpreters(Optional.empty(), Optional.empty(), Path.of("java")));

    ExecutionEnvironment start(Path opt, int memoryMb, Map<String, String> env) throws Exception {
        return start(opt, memoryMb, Duration.ofSeconds(10), env);
    }

    ExecutionEnvironment start(Path opt, int memoryMb, Duration timeout, Map<String, String> env) throws Exception {
        EnvironmentSpec spec = TestFunctions.spec("provided.al2023", null, TestFunctions.shellFunction(dir), opt, null,
                memoryMb, timeout, env);
        return create(spec, launchers);
    }

    @Test
    void externalExtensionsTakePartInInitInvokeAndShutdown() throws Exception {
        Path opt = dir.resolve("opt");
        TestFunctions.executable(opt.resolve("extensions/recorder"), EXTENSION);
        Path events = dir.resolve("events");
        start(opt, 128, Map.of("EVENTS_FILE", events.toString(), "EXTENSION_DELAY", "0.5"));

        InvokeResult result = environment.invoke(new InvokeRequest("req-x", "1".getBytes(), 0, null,
                "Root=1-abc", null, null, false)).toCompletableFuture().get(20, TimeUnit.SECONDS);
        assertThat(new String(result.payload(), StandardCharsets.UTF_8)).isEqualTo("{\"echo\":1}");
        assertThat(result.initDurationMillis()).as("INIT waits for the extension to register and ask for events")
                .isGreaterThanOrEqualTo(500.0);
        assertThat(Files.readString(dir.resolve("events.register")))
                .isEqualTo("{\"functionName\":\"test-fn\",\"functionVersion\":\"$LATEST\",\"handler\":\"\"}");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(Files.readString(events))
                .contains("\"eventType\":\"INVOKE\"")
                .contains("\"requestId\":\"req-x\"")
                .contains("\"invokedFunctionArn\":\"arn:aws:lambda:us-east-1:000000000000:function:test-fn\"")
                .contains("\"tracing\":{\"type\":\"X-Amzn-Trace-Id\",\"value\":\"Root=1-abc\"}"));
        assertThat(logs).contains("extension registered");

        environment.shutdown().toCompletableFuture().get(10, TimeUnit.SECONDS);
        environment = null;
        assertThat(Files.readString(events)).contains("\"eventType\":\"SHUTDOWN\"").contains("\"shutdownReason\":\"spindown\"");
    }

    @Test
    void anExtensionThatNeverFinishesItsInvokeWorkIsResetAtTheTimeout() throws Exception {
        Path opt = dir.resolve("opt");
        TestFunctions.executable(opt.resolve("extensions/stuck"), EXTENSION);
        start(opt, 128, Duration.ofSeconds(1),
                Map.of("EVENTS_FILE", dir.resolve("events").toString(), "EXTENSION_HANG", "1"));

        InvokeResult first = environment.invoke(InvokeRequest.of("req-stuck", "1".getBytes())).toCompletableFuture()
                .get(20, TimeUnit.SECONDS);
        assertThat(new String(first.payload(), StandardCharsets.UTF_8)).as("the caller has its answer at once")
                .isEqualTo("{\"echo\":1}");
        InvokeResult second = environment.invoke(InvokeRequest.of("req-later", "2".getBytes())).toCompletableFuture()
                .get(20, TimeUnit.SECONDS);
        assertThat(new String(second.payload(), StandardCharsets.UTF_8)).isEqualTo("{\"echo\":2}");
        assertThat(second.coldStart()).as("the stuck environment was reset").isTrue();
    }

    @Test
    void killsARuntimeThatExceedsTheMemorySize() throws Exception {
        Path root = TestFunctions.shellFunction(dir);
        // `tail /dev/zero` holds an ever-growing line in memory: a classic memory hog
        Files.writeString(root.resolve("bootstrap"), Files.readString(root.resolve("bootstrap"))
                .replace("*crash*)", "*eat*) tail /dev/zero ;;\n    *crash*)"));
        EnvironmentSpec spec = TestFunctions.spec("provided.al2023", null, root, null, null, 128, Duration.ofSeconds(20),
                Map.of());
        create(spec, launchers);
        InvokeResult result = environment.invoke(InvokeRequest.of("req-oom", "\"eat\"".getBytes())).toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
        assertThat(result.functionError()).isEqualTo("Unhandled");
        assertThat(result.errorType()).isEqualTo("Runtime.OutOfMemory");
        assertThat(new String(result.payload(), StandardCharsets.UTF_8)).isEqualTo(
                "{\"errorType\":\"Runtime.OutOfMemory\",\"errorMessage\":\"RequestId: req-oom Error: Runtime exited with error: signal: killed\"}");
        assertThat(result.maxMemoryUsedMb()).isGreaterThanOrEqualTo(128);
        InvokeResult after = environment.invoke(InvokeRequest.of("req-after", "1".getBytes())).toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
        assertThat(new String(after.payload(), StandardCharsets.UTF_8)).isEqualTo("{\"echo\":1}");
    }

    @Test
    void servesInvocationsLikeTheRuntimeInterfaceEmulator() throws Exception {
        start(null, 128, Map.of());
        InvokeServer server = InvokeServer.start(vertx, environment, "127.0.0.1", 0).toCompletionStage().toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
        try {
            HttpClient http = HttpClient.newHttpClient();
            URI invoke = URI.create("http://127.0.0.1:" + server.port() + InvokeServer.INVOKE_PATH);
            URI ready = URI.create("http://127.0.0.1:" + server.port() + InvokeServer.READY_PATH);
            assertThat(http.send(HttpRequest.newBuilder(ready).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                    .as("not initialised yet").isEqualTo(503);

            HttpResponse<String> ok = http.send(
                    HttpRequest.newBuilder(invoke).POST(HttpRequest.BodyPublishers.ofString("{\"a\":1}"))
                            .header("X-Amz-Log-Type", "Tail").header("Lambda-Runtime-Aws-Request-Id", "rie-1").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.body()).isEqualTo("{\"echo\":{\"a\":1}}");
            assertThat(ok.headers().firstValue("X-Amz-Function-Error")).isEmpty();
            assertThat(ok.headers().firstValue("X-Klambda-Init-Duration")).isPresent();
            assertThat(new String(Base64.getDecoder().decode(ok.headers().firstValue("X-Amz-Log-Result").orElseThrow())))
                    .contains("START RequestId: rie-1").contains("REPORT RequestId: rie-1");

            HttpResponse<String> failed = http
                    .send(HttpRequest.newBuilder(invoke).POST(HttpRequest.BodyPublishers.ofString("\"fail\""))
                            .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(failed.statusCode()).isEqualTo(200);
            assertThat(failed.headers().firstValue("X-Amz-Function-Error")).hasValue("Unhandled");
            assertThat(http.send(HttpRequest.newBuilder(ready).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                    .isEqualTo(200);

            CompletableFuture<HttpResponse<String>> slow = http.sendAsync(HttpRequest.newBuilder(invoke)
                    .POST(HttpRequest.BodyPublishers.ofString("\"hang\"")).build(), HttpResponse.BodyHandlers.ofString());
            await().atMost(Duration.ofSeconds(5)).until(() -> environment.state() == ExecutionEnvironment.State.BUSY);
            HttpResponse<String> busy = http.send(HttpRequest.newBuilder(invoke).POST(HttpRequest.BodyPublishers.ofString("1"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(busy.statusCode()).isEqualTo(409);
            assertThat(busy.body()).contains("\"errorType\":\"Environment.Busy\"");
            slow.cancel(true);

            HttpResponse<String> huge = http.send(HttpRequest.newBuilder(invoke)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[InvokeServer.MAX_REQUEST_BYTES + 1])).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(huge.statusCode()).isEqualTo(413);
            assertThat(huge.body()).contains("RequestEntityTooLargeException");
        } finally {
            server.close();
        }
    }
}
