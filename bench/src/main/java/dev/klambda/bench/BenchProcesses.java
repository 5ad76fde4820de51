package dev.klambda.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import dev.klambda.agent.Interpreters;

/**
 * Starts the JVMs a benchmark measures (the packaged standalone platform, agent hosts), with their
 * output in a file (BENCH_LOG when set, else a temporary one), and waits for each to print its ready
 * line; closing destroys every one still running.
 */
final class BenchProcesses implements AutoCloseable {

    private final Interpreters interpreters;
    private final List<Process> processes = new ArrayList<>();

    BenchProcesses(Interpreters interpreters) {
        this.interpreters = interpreters;
    }

    /**
     * The packaged standalone platform on {@code port}, with its state under {@code home}, the
     * manifests of {@code manifests}, its Kafka broker on a free port, and any further environment
     * (KLAMBDA_* settings).
     * BENCH_JFR=&lt;file&gt; records a profile of it for its whole life.
     */
    Process standalone(Path repository, int port, Path home, Path manifests, Map<String, String> settings)
            throws Exception {
        // The broker on a free port: 9092, the default, may be another platform's on a shared machine.
        Map<String, String> environment = new HashMap<>(Map.of("KLAMBDA_KAFKA_PORT", "0"));
        environment.putAll(settings);
        environment.putAll(Map.of("KLAMBDA_PORT", Integer.toString(port), "KLAMBDA_HOME", home.toString(),
                "KLAMBDA_MANIFESTS", manifests.toString()));
        String jfr = System.getenv("BENCH_JFR");
        if (jfr != null) {
            environment.put("JAVA_TOOL_OPTIONS", "-XX:StartFlightRecording=filename=" + jfr
                    + ",settings=profile,jdk.ExecutionSample#period=2ms");
        }
        return start("klambda standalone is listening on", List.of("-jar",
                repository.resolve("standalone/target/quarkus-app/quarkus-run.jar").toString()), environment);
    }

    Process start(String readyLine, List<String> args, Map<String, String> environment) throws Exception {
        return start(readyLine, args, environment, line -> {
        });
    }

    /**
     * Starts a JVM with {@code args} and returns once it printed a line containing {@code readyLine}.
     * Its output goes to a file, not a pipe: reading the function log lines of a run would cost the
     * load generator CPU on the cores it shares with the platform.
     */
    Process start(String readyLine, List<String> args, Map<String, String> environment, Consumer<String> onReady)
            throws Exception {
        List<String> command = new ArrayList<>();
        // BENCH_SERVER_CPUS pins the servers (and the runtimes they start) apart from the load generator.
        String cpus = System.getenv("BENCH_SERVER_CPUS");
        if (cpus != null) {
            command.addAll(List.of("taskset", "-c", cpus));
        }
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(args);
        String logFile = System.getenv("BENCH_LOG");
        Path log = logFile == null ? Files.createTempFile("klambda-bench-", ".log") : Path.of(logFile);
        if (logFile == null) {
            log.toFile().deleteOnExit();
        }
        long from = Files.exists(log) ? Files.size(log) : 0;
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(javaOptions(environment));
        interpreters.python().ifPresent(python -> builder.environment().put("KLAMBDA_PYTHON", python.toString()));
        Process process = builder.start();
        processes.add(process);
        onReady.accept(awaitLine(log, from, readyLine, process, Duration.ofSeconds(120)));
        return process;
    }

    /**
     * The first line from byte {@code from} of {@code log} that contains {@code text}, read again every
     * 20 ms as the process writes it (until then it prints a few start-up lines only).
     */
    private static String awaitLine(Path log, long from, String text, Process process, Duration timeout)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String written;
            try (InputStream in = Files.newInputStream(log)) {
                in.skipNBytes(from);
                written = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            Optional<String> line = written.substring(0, written.lastIndexOf('\n') + 1).lines()
                    .filter(l -> l.contains(text)).findFirst();
            if (line.isPresent()) {
                return line.get();
            }
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("no '" + text + "' within " + timeout.toSeconds() + " s"
                        + (process.isAlive() ? "" : " (the process exited)") + ": " + written);
            }
            Thread.sleep(20);
        }
    }

    /** BENCH_JAVA_OPTS: JVM options for every JVM started, to compare settings (e.g. a garbage collector). */
    private static Map<String, String> javaOptions(Map<String, String> environment) {
        Map<String, String> withOptions = new HashMap<>(environment);
        String options = System.getenv("BENCH_JAVA_OPTS");
        if (options != null) {
            withOptions.merge("JAVA_TOOL_OPTIONS", options, (a, b) -> a + " " + b);
        }
        return withOptions;
    }

    /**
     * Writes the manifests of {@code noop}, a Python function that returns None, and of
     * {@code other} on the same code with {@code reservedConcurrency}, under {@code work/manifests}.
     *
     * @return the manifest directory
     */
    static Path noopFunctions(Path work, String other, int reservedConcurrency) throws IOException {
        Path code = Files.createDirectories(work.resolve("manifests/noop/src"));
        Files.writeString(code.resolve("handler.py"), "def handler(event, context):\n    return None\n");
        String spec = "{runtime: python3.12, handler: handler.handler, code: {path: src}, timeout: 30";
        Files.writeString(work.resolve("manifests/noop/function.yaml"), """
                apiVersion: klambda.dev/v1alpha1
                kind: Function
                metadata: {name: noop}
                spec: %s}
                ---
                apiVersion: klambda.dev/v1alpha1
                kind: Function
                metadata: {name: %s}
                spec: %s, reservedConcurrentExecutions: %d}
                """.formatted(spec, other, spec, reservedConcurrency));
        return work.resolve("manifests");
    }

    @Override
    public void close() {
        processes.forEach(Process::destroy);
    }
}
