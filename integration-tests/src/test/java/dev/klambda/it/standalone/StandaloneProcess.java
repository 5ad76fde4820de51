package dev.klambda.it.standalone;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import dev.klambda.it.cluster.Readiness;

/**
 * The packaged standalone platform ({@code standalone/target/quarkus-app/quarkus-run.jar}) as a
 * process of its own, which a test may SIGKILL and start again on the same {@code KLAMBDA_HOME}
 * and ports, as a machine would after a crash. Output goes to a log file of each start.
 */
final class StandaloneProcess implements AutoCloseable {

    /** Where a platform lives and listens; every start of the same one uses the same. */
    record Settings(Path jar, Path home, Path manifests, int port, int kafkaPort, List<String> jvmOptions) {
    }

    private final Settings settings;
    private final Process process;
    private final Path log;

    private StandaloneProcess(Settings settings, Process process, Path log) {
        this.settings = settings;
        this.process = process;
        this.log = log;
    }

    /**
     * Starts the platform and waits until it is ready ({@code /q/health/ready}: manifests loaded).
     *
     * @throws IllegalStateException when the jar is missing, or the platform exits or is not ready in time
     */
    static StandaloneProcess start(Settings settings, Path log, Duration timeout) throws IOException, InterruptedException {
        if (!Files.isRegularFile(settings.jar())) {
            throw new IllegalStateException(settings.jar() + " is missing: build the standalone module first (mvn package)");
        }
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(settings.jvmOptions());
        command.addAll(List.of("-jar", settings.jar().toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
        builder.environment().putAll(Map.of("KLAMBDA_HOME", settings.home().toString(), "KLAMBDA_MANIFESTS",
                settings.manifests().toString(), "KLAMBDA_PORT", Integer.toString(settings.port()), "KLAMBDA_KAFKA_PORT",
                Integer.toString(settings.kafkaPort())));
        StandaloneProcess platform = new StandaloneProcess(settings, builder.start(), log);
        Runtime.getRuntime().addShutdownHook(new Thread(platform::close));
        new Readiness(platform.url()).require("standalone", platform.process, timeout, platform::logs, platform::kill);
        return platform;
    }

    /** Whether the platform answers ready now. */
    boolean ready() throws InterruptedException {
        return new Readiness(url()).ready();
    }

    String url() {
        return "http://127.0.0.1:" + settings.port();
    }

    /** What the platform printed so far. */
    String logs() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /**
     * SIGKILL to the JVM (with it the embedded broker and the poller), then to the runtimes it had
     * started, as a crash of the machine's klambda would leave nothing of it running. The JVM goes
     * first so that it starts no runtime after the others were found.
     */
    void kill() throws InterruptedException {
        List<ProcessHandle> runtimes = process.descendants().toList();
        process.destroyForcibly();
        process.waitFor();
        // A runtime started just before the kill is nobody's descendant any more; its command line
        // names the runtime clients under this platform's home.
        String home = settings.home().toString();
        List<ProcessHandle> orphans = ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(line -> line.contains(home)).orElse(false)).toList();
        List<ProcessHandle> all = Stream.concat(runtimes.stream(), orphans.stream()).toList();
        all.forEach(ProcessHandle::destroyForcibly);
        // All at once: the exit of a process that is not our child is noticed by polling, about
        // a second for each.
        try {
            CompletableFuture.allOf(all.stream().map(ProcessHandle::onExit).toArray(CompletableFuture[]::new))
                    .get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("runtimes outlived SIGKILL: "
                    + all.stream().filter(ProcessHandle::isAlive).map(ProcessHandle::pid).toList(), e);
        }
    }

    /**
     * Stops the platform: SIGTERM, and SIGKILL if it has not stopped after 20 seconds; runtimes it
     * left behind get SIGKILL either way.
     */
    @Override
    public void close() {
        try {
            if (process.isAlive()) {
                process.destroy();
                process.waitFor(20, TimeUnit.SECONDS);
            }
            kill();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
