package dev.klambda.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.klambda.agent.handlers.EchoHandler;
import dev.klambda.agent.handlers.StreamHandler;

/** AWS's own Java runtime interface client, from Maven Central, running handlers through the agent. */
class JavaRuntimeIT extends EnvironmentTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static Path runtimeDir;

    @TempDir
    static Path shared;

    @BeforeAll
    static void start() {
        runtimeDir = RuntimeFiles.unpack(shared.resolve("cache"));
    }

    /** A task root with the compiled handler classes, as a Lambda Java zip holds them. */
    Path taskRoot() throws Exception {
        Path task = dir.resolve("task");
        for (Class<?> handler : List.of(EchoHandler.class, StreamHandler.class)) {
            String resource = handler.getName().replace('.', '/') + ".class";
            Path target = task.resolve(resource);
            Files.createDirectories(target.getParent());
            try (var in = handler.getClassLoader().getResourceAsStream(resource)) {
                Files.copy(in, target);
            }
        }
        return task;
    }

    InvokeResult run(String handler, String payload) throws Exception {
        if (environment == null) {
            EnvironmentSpec spec = TestFunctions.spec("java21", handler, taskRoot(), dir.resolve("opt"), runtimeDir, 512,
                    Duration.ofSeconds(30), Map.of("GREETING", "hej"));
            RuntimeLaunchers launchers = new RuntimeLaunchers(Interpreters.detect(System.getenv()));
            create(spec, launchers);
        }
        return environment.invoke(InvokeRequest.of("java-" + System.nanoTime(), payload.getBytes(StandardCharsets.UTF_8)))
                .toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    @Test
    void runsARequestHandlerWithLambdasContext() throws Exception {
        InvokeResult result = run(EchoHandler.class.getName() + "::handleRequest", "{\"name\":\"x\"}");
        assertThat(result.functionError()).as(new String(result.payload())).isNull();
        JsonNode out = JSON.readTree(result.payload());
        assertThat(out.at("/event/name").asText()).isEqualTo("x");
        assertThat(out.get("functionName").asText()).isEqualTo("test-fn");
        assertThat(out.get("functionVersion").asText()).isEqualTo("$LATEST");
        assertThat(out.get("invokedFunctionArn").asText()).isEqualTo("arn:aws:lambda:us-east-1:000000000000:function:test-fn");
        assertThat(out.get("memoryLimitInMB").asInt()).isEqualTo(512);
        assertThat(out.get("remainingTimeInMillis").asLong()).isBetween(1L, 30_000L);
        assertThat(out.get("logGroupName").asText()).isEqualTo("/aws/lambda/test-fn");
        assertThat(out.get("region").asText()).isEqualTo("us-east-1");
        assertThat(out.get("greeting").asText()).isEqualTo("hej");
        assertThat(logs).anyMatch(l -> l.contains("handling " + out.get("awsRequestId").asText()));

        InvokeResult failed = run(EchoHandler.class.getName() + "::handleRequest", "{\"fail\":true}");
        assertThat(failed.functionError()).isEqualTo("Unhandled");
        JsonNode error = JSON.readTree(failed.payload());
        assertThat(error.get("errorType").asText()).isEqualTo("java.lang.IllegalStateException");
        assertThat(error.get("errorMessage").asText()).isEqualTo("failed on purpose");
        assertThat(error.get("stackTrace").isArray()).isTrue();
        assertThat(error.get("stackTrace").get(0).asText()).contains("EchoHandler.handleRequest");
    }

    @Test
    void runsARequestStreamHandler() throws Exception {
        InvokeResult result = run(StreamHandler.class.getName(), "\"quiet\"");
        assertThat(new String(result.payload(), StandardCharsets.UTF_8)).isEqualTo("\"QUIET\"");
    }

    @Test
    void reportsAMissingHandlerClassAsAnInitError() throws Exception {
        InvokeResult result = run("com.example.Missing::handleRequest", "{}");
        assertThat(result.functionError()).isEqualTo("Unhandled");
        JsonNode error = JSON.readTree(result.payload());
        assertThat(error.get("errorMessage").asText()).contains("com.example.Missing");
        assertThat(result.errorType()).isNotBlank();
    }
}
