package dev.klambda.agent.main;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged agent as a pod runs it: configured by KLAMBDA_* variables, pre-warming the runtime,
 * taking invocations on its HTTP port, passing KLAMBDA_ENV_* to the function, and shutting the
 * runtime down on SIGTERM.
 */
class AgentMainIT {

    static final String BOOTSTRAP = """
            #!/bin/sh
            API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
            trap 'touch "$TERM_MARKER"; exit 0' TERM
            HEADERS="$(mktemp)"
            while true; do
              # in the background, so that SIGTERM runs the trap at once instead of after curl returns
              curl -sS -D "$HEADERS" -o "$HEADERS.event" "$API/invocation/next" & wait $!
              EVENT="$(cat "$HEADERS.event")"
              ID="$(grep -i '^Lambda-Runtime-Aws-Request-Id:' "$HEADERS" | cut -d' ' -f2 | tr -d '\\r\\n')"
              curl -sS -X POST "$API/invocation/$ID/response" -d "{\\"greeting\\":\\"$GREETING\\",\\"name\\":\\"$AWS_LAMBDA_FUNCTION_NAME\\"}" >/dev/null
            done
            """;

    @TempDir
    Path dir;

    @Test
    void runsOneEnvironmentAsAPodDoes() throws Exception {
        Path task = Files.createDirectories(dir.resolve("task"));
        Path bootstrap = Files.writeString(task.resolve("bootstrap"), BOOTSTRAP);
        Files.setPosixFilePermissions(bootstrap, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path marker = dir.resolve("terminated");
        int invokePort = freePort();
        int runtimePort = freePort();
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder builder = new ProcessBuilder(java, "-jar", "target/quarkus-app/quarkus-run.jar")
                .redirectErrorStream(true);
        builder.environment().putAll(Map.of("KLAMBDA_FUNCTION_NAME", "pod-fn", "KLAMBDA_RUNTIME", "provided.al2023",
                "KLAMBDA_TASK_ROOT", task.toString(), "KLAMBDA_OPT_DIRECTORY", dir.resolve("opt").toString(),
                "KLAMBDA_INVOKE_PORT", Integer.toString(invokePort), "KLAMBDA_RUNTIME_API_PORT", Integer.toString(runtimePort),
                "KLAMBDA_ENV_GREETING", "hello", "KLAMBDA_ENV_TERM_MARKER", marker.toString()));
        Process agent = builder.start();
        List<String> output = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch listening = new CountDownLatch(1);
        Thread reader = Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader lines = new BufferedReader(
                    new InputStreamReader(agent.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    output.add(line);
                    if (line.contains("takes invocations on :" + invokePort)) {
                        listening.countDown();
                    }
                }
            } catch (Exception e) {
                // ended
            }
        });
        try {
            assertThat(listening.await(60, TimeUnit.SECONDS)).as("agent output: %s", output).isTrue();
            HttpClient http = HttpClient.newHttpClient();
            URI ready = URI.create("http://127.0.0.1:" + invokePort + "/klambda/ready");
            await("pre-warmed and ready").atMost(Duration.ofSeconds(20)).until(() -> http
                    .send(HttpRequest.newBuilder(ready).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + invokePort + "/2015-03-31/functions/function/invocations"))
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("{\"greeting\":\"hello\",\"name\":\"pod-fn\"}");
            assertThat(response.headers().firstValue("X-Klambda-Init-Duration"))
                    .as("INIT ran when the pod started, so the first call did not wait for it").isEmpty();
            // The answer goes out before the runtime's output is drained and END and REPORT are written.
            await("the invocation's log lines").atMost(Duration.ofSeconds(10)).until(() -> List.copyOf(output).stream()
                    .anyMatch(l -> l.startsWith("REPORT RequestId:")));
        } finally {
            agent.destroy();
            assertThat(agent.waitFor(20, TimeUnit.SECONDS)).isTrue();
        }
        reader.join(Duration.ofSeconds(10));
        assertThat(marker).as("the runtime got SIGTERM").exists();
        assertThat(output).anyMatch(l -> l.startsWith("START RequestId:"));
    }

    @Test
    void passesOnlyPrefixedVariablesToTheFunction() {
        assertThat(AgentLifecycle.userEnvironment(Map.of("KLAMBDA_ENV_DB_URL", "x", "KUBERNETES_SERVICE_HOST", "y",
                "KLAMBDA_RUNTIME", "python3.12", "KLAMBDA_ENV_", "z"))).isEqualTo(Map.of("DB_URL", "x"));
    }

    static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
