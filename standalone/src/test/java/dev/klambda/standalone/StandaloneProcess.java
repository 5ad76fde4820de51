package dev.klambda.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A running copy of the packaged platform, started the way {@code ./klambda up} starts it
 * ({@code KLAMBDA_*} variables, {@code java -jar}), and everything it printed.
 */
public record StandaloneProcess(Process process, int port, List<String> output) {

    static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");

    /**
     * Starts the platform with its state in {@code home} and the manifests in {@code manifests},
     * and returns once it listens.
     *
     * @param environment further variables, e.g. KLAMBDA_MAPPINGS_* settings
     */
    public static StandaloneProcess start(Path home, Path manifests, Map<String, String> environment)
            throws Exception {
        int port = freePort();
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder builder = new ProcessBuilder(java, "-jar", JAR.toString()).redirectErrorStream(true);
        Map<String, String> variables = new HashMap<>(Map.of("KLAMBDA_PORT", String.valueOf(port), "KLAMBDA_HOME",
                home.toString(), "KLAMBDA_MANIFESTS", manifests.toString(), "KLAMBDA_KAFKA_PORT", "0"));
        variables.putAll(environment);
        builder.environment().putAll(variables);
        Process process = builder.start();
        List<String> output = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch listening = new CountDownLatch(1);
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader lines = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    output.add(line);
                    if (line.startsWith("klambda standalone is listening on")) {
                        listening.countDown();
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        });
        assertThat(listening.await(60, TimeUnit.SECONDS)).as("banner within 60 s; output: %s", output).isTrue();
        return new StandaloneProcess(process, port, output);
    }

    /** Ends the process as {@code kill -9} does, and waits until it is gone. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("killed within 30 s").isTrue();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
