package dev.klambda.it.cluster;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One run of a container: a local process with exactly the given environment, its stdout and
 * stderr appended to the container's log file. Stopping it reaches everything it started, as
 * stopping a container does.
 */
final class ContainerProcess {

    private final Process process;
    private final Path log;
    private final long logOffset;
    private final Instant startedAt;
    /** Descendants seen when a stop began: once the parent is dead they are orphans, no longer its descendants. */
    private final Set<ProcessHandle> seen = new LinkedHashSet<>();

    private ContainerProcess(Process process, Path log, long logOffset, Instant startedAt) {
        this.process = process;
        this.log = log;
        this.logOffset = logOffset;
        this.startedAt = startedAt;
    }

    /** Starts {@code command} in {@code directory}, after writing {@code header} as a line of {@code log}. */
    static ContainerProcess start(List<String> command, Map<String, String> environment, Path directory, Path log,
            String header) throws IOException {
        Files.createDirectories(log.getParent());
        Files.writeString(log, header + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        long offset = Files.size(log);
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().clear();
        builder.environment().putAll(environment);
        return new ContainerProcess(builder.start(), log, offset, Instant.now());
    }

    long pid() {
        return process.pid();
    }

    Instant startedAt() {
        return startedAt;
    }

    /** Completes with the exit code when the process has exited. */
    CompletableFuture<Integer> exit() {
        return process.onExit().thenApply(Process::exitValue);
    }

    boolean alive() {
        return process.isAlive();
    }

    /** The process and everything it started that is still alive. */
    List<ProcessHandle> tree() {
        List<ProcessHandle> tree = new ArrayList<>();
        if (process.isAlive()) {
            tree.add(process.toHandle());
        }
        remember();
        seen.stream().filter(ProcessHandle::isAlive).forEach(tree::add);
        return tree;
    }

    /** SIGKILL to the process and everything it started; completes when they have all exited. */
    synchronized CompletableFuture<Void> kill() {
        remember();
        List<CompletableFuture<ProcessHandle>> exits = new ArrayList<>();
        process.destroyForcibly();
        exits.add(process.toHandle().onExit());
        for (ProcessHandle descendant : seen) {
            descendant.destroyForcibly();
            exits.add(descendant.onExit());
        }
        return CompletableFuture.allOf(exits.toArray(CompletableFuture[]::new));
    }

    /**
     * SIGTERM to the process (the agent stops its runtime when it gets one, as in a pod), then
     * SIGKILL to the whole tree if it has not exited within {@code grace}. Completes when the
     * process and everything it started have exited.
     */
    CompletableFuture<Void> terminate(Duration grace) {
        remember();
        process.destroy();
        return process.onExit().copy().orTimeout(grace.toMillis(), TimeUnit.MILLISECONDS)
                .handle((ignored, timeout) -> kill())
                .thenCompose(killed -> killed);
    }

    /** The last {@code count} lines this run wrote. */
    String tail(int count) {
        try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
            long length = file.length();
            long from = Math.max(logOffset, length - 16 * 1024);
            byte[] bytes = new byte[(int) (length - from)];
            file.seek(from);
            file.readFully(bytes);
            String[] lines = new String(bytes, StandardCharsets.UTF_8).strip().split("\\R");
            return String.join("\n", Arrays.asList(lines).subList(Math.max(0, lines.length - count), lines.length));
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    private synchronized void remember() {
        process.descendants().forEach(seen::add);
    }
}
