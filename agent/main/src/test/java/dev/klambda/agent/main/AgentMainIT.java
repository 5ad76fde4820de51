package dev.klambda.agent.main;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.klambda.core.net.FreePorts;

/**
 * The packaged agent as a pod runs it: configured by KLAMBDA_* variables, pre-warming the runtime,
 * taking invocations on its HTTP port (on every interface, or on a test harness pod's own loopback
 * address), passing KLAMBDA_ENV_* to the function, and shutting the runtime down on SIGTERM.
 */
class AgentMainIT {

    static final String BOOTSTRAP = """
            #!/bin/sh
            API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
            trap '[ -n "$TERM_MARKER" ] && touch "$TERM_MARKER"; exit 0' TERM
            HEADERS="$(mktemp)"
            while true; do
              # in the background, so that SIGTERM runs the trap at once instead of after curl returns
              curl -sS -D "$HEADERS" -o "$HEADERS.event" "$API/invocation/next" & wait $!
              EVENT="$(cat "$HEADERS.event")"
              ID="$(grep -i '^Lambda-Runtime-Aws-Request-Id:' "$HEADERS" | cut -d' ' -f2 | tr -d '\\r\\n')"
              curl -sS -X POST "$API/invocation/$ID/response" -d "{\\"greeting\\":\\"$GREETING\\",\\"name\\":\\"$AWS_LAMBDA_FUNCTION_NAME\\",\\"api\\":\\"$AWS_LAMBDA_RUNTIME_API\\"}" >/dev/null
            done
            """;

    @TempDir
    Path dir;

    @Test
    void runsOneEnvironmentAsAPodDoes() throws Exception {
        Path marker = dir.resolve("terminated");
        int invokePort = FreePorts.belowEphemeralRange();
        int runtimePort = FreePorts.belowEphemeralRange();
        Map<String, String> env = new HashMap<>(Map.of("KLAMBDA_INVOKE_PORT", Integer.toString(invokePort),
                "KLAMBDA_RUNTIME_API_PORT", Integer.toString(runtimePort), "KLAMBDA_ENV_TERM_MARKER", marker.toString()));
        Serving agent = serve(env, "0.0.0.0", invokePort);
        try {
            HttpClient http = HttpClient.newHttpClient();
            URI ready = URI.create("http://127.0.0.1:" + invokePort + "/klambda/ready");
            await("pre-warmed and ready").atMost(Duration.ofSeconds(20)).until(() -> http
                    .send(HttpRequest.newBuilder(ready).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
            HttpResponse<String> response = invoke(http, "127.0.0.1", invokePort);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body())
                    .isEqualTo("{\"greeting\":\"hello\",\"name\":\"pod-fn\",\"api\":\"127.0.0.1:" + runtimePort + "\"}");
            assertThat(response.headers().firstValue("X-Klambda-Init-Duration"))
                    .as("INIT ran when the pod started, so the first call did not wait for it").isEmpty();
            // The answer goes out before the runtime's output is drained and END and REPORT are written.
            await("the invocation's log lines").atMost(Duration.ofSeconds(10)).until(() -> List.copyOf(agent.output).stream()
                    .anyMatch(l -> l.startsWith("REPORT RequestId:")));
        } finally {
            agent.stop();
        }
        assertThat(marker).as("the runtime got SIGTERM").exists();
        assertThat(agent.output).anyMatch(l -> l.startsWith("START RequestId:"));
    }

    @Test
    void servesFromItsOwnLoopbackAddressAsATestHarnessPodDoes() throws Exception {
        String host = "127.0.0.7";
        int invokePort = FreePorts.belowEphemeralRange();
        int runtimePort = FreePorts.belowEphemeralRange();
        Serving agent = serve(new HashMap<>(Map.of("KLAMBDA_INVOKE_HOST", host, "KLAMBDA_RUNTIME_API_HOST", host,
                "KLAMBDA_INVOKE_PORT", Integer.toString(invokePort), "KLAMBDA_RUNTIME_API_PORT",
                Integer.toString(runtimePort))), host, invokePort);
        try {
            HttpClient http = HttpClient.newHttpClient();
            URI ready = URI.create("http://" + host + ":" + invokePort + "/klambda/ready");
            await("pre-warmed and ready").atMost(Duration.ofSeconds(20)).until(() -> http
                    .send(HttpRequest.newBuilder(ready).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
            HttpResponse<String> response = invoke(http, host, invokePort);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).as("the runtime reached the Runtime API on the pod's address")
                    .contains("\"api\":\"" + host + ":" + runtimePort + "\"");
            assertThat(listens("127.0.0.1", invokePort)).as("invocations are taken on the pod's address only").isFalse();
            assertThat(listens("127.0.0.1", runtimePort)).as("so is the Runtime API").isFalse();
        } finally {
            agent.stop();
        }
    }

    @Test
    void runsAContainerImagesEntrypointWithItsCommand() throws Exception {
        // the image's entrypoint, outside the task root, takes the greeting from its first argument (the CMD)
        Path entry = Files.createDirectories(dir.resolve("image")).resolve("entry.sh");
        Files.writeString(entry, BOOTSTRAP.replace("API=", "GREETING=\"$1\"\nAPI="));
        Files.setPosixFilePermissions(entry, PosixFilePermissions.fromString("rwxr-xr-x"));
        int invokePort = FreePorts.belowEphemeralRange();
        Serving agent = serve(new HashMap<>(Map.of("KLAMBDA_INVOKE_PORT", Integer.toString(invokePort),
                "KLAMBDA_RUNTIME_API_PORT", Integer.toString(FreePorts.belowEphemeralRange()), "KLAMBDA_IMAGE_ENTRY_POINT",
                "[\"" + entry + "\"]", "KLAMBDA_IMAGE_COMMAND", "[\"from-the-command\"]")), "0.0.0.0", invokePort);
        try {
            HttpResponse<String> response = invoke(HttpClient.newHttpClient(), "127.0.0.1", invokePort);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).contains("\"greeting\":\"from-the-command\"");
        } finally {
            agent.stop();
        }
    }

    @Test
    void anImageEntrypointThatIsNotThereFailsTheInvocationAsLambdaDoes() throws Exception {
        int invokePort = FreePorts.belowEphemeralRange();
        Serving agent = serve(new HashMap<>(Map.of("KLAMBDA_EAGER_INIT", "false", "KLAMBDA_INVOKE_PORT",
                Integer.toString(invokePort), "KLAMBDA_RUNTIME_API_PORT", Integer.toString(FreePorts.belowEphemeralRange()),
                "KLAMBDA_IMAGE_ENTRY_POINT", "[\"/lambda-entrypoint.sh\"]", "KLAMBDA_HANDLER", "app.handler")), "0.0.0.0",
                invokePort);
        try {
            HttpResponse<String> response = invoke(HttpClient.newHttpClient(), "127.0.0.1", invokePort);
            assertThat(response.headers().firstValue("X-Amz-Function-Error")).contains("Unhandled");
            assertThat(response.body()).contains("Runtime.InvalidEntrypoint", "/lambda-entrypoint.sh");
        } finally {
            agent.stop();
        }
    }

    @Test
    void isReadyAtOnceWhenInitWaitsForTheFirstInvocation() throws Exception {
        int invokePort = FreePorts.belowEphemeralRange();
        Serving agent = serve(new HashMap<>(Map.of("KLAMBDA_EAGER_INIT", "false", "KLAMBDA_INVOKE_PORT",
                Integer.toString(invokePort), "KLAMBDA_RUNTIME_API_PORT", Integer.toString(FreePorts.belowEphemeralRange()))),
                "0.0.0.0",
                invokePort);
        try {
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> ready = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + invokePort + "/klambda/ready")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ready.statusCode()).as("the probe would otherwise keep the first invocation away for ever")
                    .isEqualTo(200);
            assertThat(ready.body()).isEqualTo("NEW");
            HttpResponse<String> response = invoke(http, "127.0.0.1", invokePort);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("X-Klambda-Init-Duration")).as("a cold start").isPresent();
        } finally {
            agent.stop();
        }
    }

    @Test
    void refusesAnUnknownMode() throws Exception {
        AgentProcess.Finished finished = AgentProcess.run(Map.of(), "fecth");

        assertThat(finished.exitCode()).as(finished.output()).isEqualTo(2);
        assertThat(finished.stderr()).containsExactly(
                "klambda-agent: unknown mode 'fecth' (usage: klambda-agent [serve] | fetch | install <directory>)");
    }

    @Test
    void passesOnlyPrefixedVariablesToTheFunction() {
        assertThat(AgentLifecycle.userEnvironment(Map.of("KLAMBDA_ENV_DB_URL", "x", "KUBERNETES_SERVICE_HOST", "y",
                "KLAMBDA_RUNTIME", "python3.12", "KLAMBDA_ENV_", "z"))).isEqualTo(Map.of("DB_URL", "x"));
    }

    /** A serving agent and what it has printed. */
    record Serving(Process process, List<String> output, Thread reader) {

        void stop() throws Exception {
            process.destroy();
            assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
            reader.join(Duration.ofSeconds(10));
        }
    }

    /** Starts the agent serving a function whose bootstrap answers with its greeting, name and Runtime API address. */
    Serving serve(Map<String, String> env, String invokeHost, int invokePort) throws Exception {
        Path task = Files.createDirectories(dir.resolve("task"));
        Path bootstrap = Files.writeString(task.resolve("bootstrap"), BOOTSTRAP);
        Files.setPosixFilePermissions(bootstrap, PosixFilePermissions.fromString("rwxr-xr-x"));
        env.putAll(Map.of("KLAMBDA_FUNCTION_NAME", "pod-fn", "KLAMBDA_RUNTIME", "provided.al2023", "KLAMBDA_TASK_ROOT",
                task.toString(), "KLAMBDA_OPT_DIRECTORY", dir.resolve("opt").toString(), "KLAMBDA_ENV_GREETING", "hello"));
        Process agent = AgentProcess.builder(env).redirectErrorStream(true).start();
        List<String> output = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch listening = new CountDownLatch(1);
        Thread reader = Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader lines = new BufferedReader(
                    new InputStreamReader(agent.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    output.add(line);
                    if (line.contains("takes invocations on " + invokeHost + ":" + invokePort)) {
                        listening.countDown();
                    }
                }
            } catch (Exception e) {
                // ended
            }
        });
        Serving serving = new Serving(agent, output, reader);
        if (!listening.await(60, TimeUnit.SECONDS)) {
            serving.stop();
            assertThat(false).as("the agent listens; its output: %s", output).isTrue();
        }
        return serving;
    }

    static HttpResponse<String> invoke(HttpClient http, String host, int port) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + "/2015-03-31/functions/function/invocations"))
                        .POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static boolean listens(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 2000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
