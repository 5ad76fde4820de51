package dev.klambda.agent;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A process the agent supervises (the runtime, or an external extension): started with exactly
 * the given environment, its stdout and stderr read line by line into the log, its exit observed.
 */
final class RuntimeProcess {

    /** Lambda splits log events at 256 KB; a longer line without a newline is cut there. */
    private static final int MAX_LINE_BYTES = 256 * 1024;

    private final Process process;
    /** The pipes behind the process's stdout and stderr, as /proc names them ({@code pipe:[inode]}); empty without /proc. */
    private final Set<Path> outputPipes;
    private final List<FileInputStream> probes;
    private final AtomicInteger readersBusy = new AtomicInteger();
    private final CompletableFuture<Void> drained = new CompletableFuture<>();
    private final AtomicInteger openStreams = new AtomicInteger(2);
    private final List<ProcessHandle> terminated = new CopyOnWriteArrayList<>();

    private RuntimeProcess(Process process) {
        this.process = process;
        this.outputPipes = outputPipes(process.pid());
        this.probes = probes(outputPipes);
    }

    /** Starts {@code command} in {@code directory} with {@code environment} only; output lines go to {@code log}. */
    static RuntimeProcess start(List<String> command, Map<String, String> environment, Path directory, LogRecorder log)
            throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile());
        builder.environment().clear();
        builder.environment().putAll(environment);
        builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        RuntimeProcess runtime = new RuntimeProcess(builder.start());
        runtime.pump(runtime.process.getInputStream(), log, "stdout");
        runtime.pump(runtime.process.getErrorStream(), log, "stderr");
        return runtime;
    }

    ProcessHandle handle() {
        return process.toHandle();
    }

    /** Completes with the exit code once the process has exited and its output has been read. */
    CompletableFuture<Integer> exit() {
        // An orphaned grandchild may keep the pipes open; the log need not wait for it long.
        return process.onExit().thenCompose(p -> drained.copy().completeOnTimeout(null, 500, TimeUnit.MILLISECONDS)
                .thenApply(ignored -> p.exitValue()));
    }

    /**
     * Whether everything the process has written so far has been read into the log. The runtime
     * writes its logs before it posts a response, so once this holds the invocation's lines are in.
     */
    boolean outputDrained() {
        if (readersBusy.get() != 0) {
            return false;
        }
        try {
            for (FileInputStream probe : probes) {
                if (probe.available() > 0) {
                    return false;
                }
            }
            return readersBusy.get() == 0;
        } catch (IOException e) {
            return true;
        }
    }

    /** The pipes that fds 1 and 2 of {@code pid} write into, e.g. {@code pipe:[4711]}; empty where /proc cannot tell. */
    private static Set<Path> outputPipes(long pid) {
        Set<Path> pipes = new HashSet<>();
        for (String fd : List.of("1", "2")) {
            try {
                Path target = Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "fd", fd));
                if (target.toString().startsWith("pipe:")) {
                    pipes.add(target);
                }
            } catch (IOException | UnsupportedOperationException e) {
                // no /proc: drain checks trust the readers alone, and kill() reaches descendants only
            }
        }
        return Set.copyOf(pipes);
    }

    /**
     * Second handles on our read ends of the child's stdout and stderr pipes, found through /proc
     * (Linux): asking them how many bytes wait in a pipe never blocks, whereas the Process
     * streams are locked while the log readers wait in read(). Empty where /proc cannot tell.
     */
    private static List<FileInputStream> probes(Set<Path> pipes) {
        List<FileInputStream> probes = new ArrayList<>();
        Set<Path> targets = new HashSet<>(pipes);
        if (targets.isEmpty()) {
            return probes;
        }
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                try {
                    if (targets.remove(Files.readSymbolicLink(fd))) {
                        probes.add(new FileInputStream(fd.toFile()));
                    }
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        } catch (IOException e) {
            // no /proc: drain checks trust the readers alone
        }
        return probes;
    }

    /** Releases the pipe probes. */
    void closeProbes() {
        for (FileInputStream probe : probes) {
            try {
                probe.close();
            } catch (IOException e) {
                // nothing to do
            }
        }
    }

    /** SIGTERM to the process; what it started is remembered, so a later {@link #kill()} reaches it even if orphaned. */
    void terminate() {
        process.descendants().forEach(terminated::add);
        process.destroy();
    }

    /**
     * SIGKILL to the process and everything it started, so that nothing of it can still call the
     * Runtime API once a new runtime runs. The process goes first: if its children died first, it
     * could wake up and start another before its own end (a shell whose {@code wait} returns starts
     * its next {@code curl .../next}), and that orphan would be nobody's descendant any more. What it
     * left orphaned, in that way or on purpose, still writes into its stdout or stderr; that finds it.
     */
    void kill() {
        List<ProcessHandle> tree = process.descendants().toList();
        process.destroyForcibly();
        tree.forEach(ProcessHandle::destroyForcibly);
        terminated.forEach(ProcessHandle::destroyForcibly);
        Set<Long> killed = new HashSet<>();
        killed.add(process.pid());
        tree.forEach(p -> killed.add(p.pid()));
        terminated.forEach(p -> killed.add(p.pid()));
        // a killed process forks no more, but what it forked just before shows up in the next round
        boolean more = true;
        while (more) {
            more = false;
            for (ProcessHandle holder : pipeHolders()) {
                if (killed.add(holder.pid())) {
                    holder.destroyForcibly();
                    more = true;
                }
            }
        }
    }

    /** The live processes whose stdout or stderr is one of {@link #outputPipes} (Linux /proc; empty elsewhere). */
    private List<ProcessHandle> pipeHolders() {
        List<ProcessHandle> holders = new ArrayList<>();
        if (outputPipes.isEmpty()) {
            return holders;
        }
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(Path.of("/proc"),
                p -> Character.isDigit(p.getFileName().toString().charAt(0)))) {
            for (Path proc : processes) {
                for (String fd : List.of("1", "2")) {
                    try {
                        if (outputPipes.contains(Files.readSymbolicLink(proc.resolve("fd").resolve(fd)))) {
                            ProcessHandle.of(Long.parseLong(proc.getFileName().toString())).ifPresent(holders::add);
                            break;
                        }
                    } catch (IOException | NumberFormatException e) {
                        // gone, not ours to read, or no such fd
                    }
                }
            }
        } catch (IOException e) {
            // no /proc: descendants were all kill() could reach
        }
        return holders;
    }

    private void pump(InputStream stream, LogRecorder log, String name) {
        // A platform thread: reading a pipe blocks in native code for as long as the runtime is
        // quiet, which would pin a virtual thread's carrier and starve every other virtual thread.
        Thread.ofPlatform().daemon().name("klambda-log-" + name + "-" + process.pid()).start(() -> {
            byte[] buffer = new byte[8192];
            ByteArrayOutputStream line = new ByteArrayOutputStream(256);
            try {
                int read;
                while ((read = stream.read(buffer)) > 0) {
                    readersBusy.incrementAndGet();
                    try {
                        for (int i = 0; i < read; i++) {
                            byte b = buffer[i];
                            if (b == '\n') {
                                emit(line, log);
                            } else if (line.size() >= MAX_LINE_BYTES) {
                                emit(line, log);
                                line.write(b);
                            } else {
                                line.write(b);
                            }
                        }
                    } finally {
                        readersBusy.decrementAndGet();
                    }
                }
            } catch (IOException e) {
                // the stream closed with the process
            } finally {
                if (line.size() > 0) {
                    emit(line, log);
                }
                if (openStreams.decrementAndGet() == 0) {
                    closeProbes();
                    drained.complete(null);
                }
            }
        });
    }

    private static void emit(ByteArrayOutputStream line, LogRecorder log) {
        byte[] bytes = line.toByteArray();
        int length = bytes.length;
        if (length > 0 && bytes[length - 1] == '\r') {
            length--;
        }
        log.line(new String(bytes, 0, length, StandardCharsets.UTF_8));
        line.reset();
    }
}
