package dev.klambda.it.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.klambda.core.net.FreePorts;
import dev.klambda.it.cluster.ClusterPlatform;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvocationType;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;

/**
 * Crash safety of asynchronous invocations: while 5,000 accepted events are in flight, the whole
 * standalone process (HTTP, the embedded broker, the poller and the runtimes it started) is killed
 * with SIGKILL at random moments, once while events are still being sent and several times while
 * they are processed, and started again on the same KLAMBDA_HOME and ports. Afterwards every event
 * that got a 202 has been processed at least once; duplicates are counted, not forbidden. The
 * function holds its first events until all are queued, so the kills while processing always
 * find most of the 5,000 still in the queue, however fast or slow the machine is.
 *
 * <p>
 * The function appends {@code <id> <request id>} to a file outside KLAMBDA_HOME, one
 * {@code write(2)} per line on an {@code O_APPEND} descriptor, so lines of concurrent runtimes
 * never interleave. The kill moments come from a seed that is printed; {@code -Dklambda.it.seed=...}
 * repeats a run's choices.
 */
// A last resort: every wait has its own bound. About 2 minutes on an idle 2-core machine; several
// times that when other builds share it.
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class AsyncCrashIT {

    static final int EVENTS = Integer.getInteger("klambda.it.async-crash.events", 5000);
    static final int CALLERS = 8;
    static final int KILLS_WHILE_PROCESSING = 3;
    static final String FUNCTION = "appender";
    static final Pattern LINE = Pattern
            .compile("(ev-\\d{5}) ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})");
    /** A start on a loaded machine: the JVM, the broker recovering its log after a kill, the manifests. */
    static final Duration START = Duration.ofSeconds(120);
    /** How long the poller may take to get from one kill moment to the next, a restart included. */
    static final Duration PROGRESS = Duration.ofSeconds(90);
    static final Duration DRAIN = Duration.ofSeconds(120);

    static final String HANDLER = """
            import os
            import time

            # One descriptor per runtime: with O_APPEND each write(2) lands whole at the end of the file.
            OUTPUT = os.open(os.environ["APPEND_TO"], os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
            HOLD = os.environ["HOLD_WHILE"]
            WORK = float(os.environ["WORK_SECONDS"])


            def handler(event, context):
                # The test holds the first events here until every event is queued.
                while os.path.exists(HOLD):
                    time.sleep(0.01)
                time.sleep(WORK)
                line = ("%s %s\\n" % (event["id"], context.aws_request_id)).encode()
                written = os.write(OUTPUT, line)
                if written != len(line):
                    raise OSError("short write: %d of %d bytes" % (written, len(line)))
            """;

    final long seed = Long.getLong("klambda.it.seed", System.currentTimeMillis());
    final Random random = new Random(seed);
    Path work;
    /** While this file exists, the function waits before it runs an event. */
    Path hold;
    StandaloneProcess.Settings settings;
    volatile StandaloneProcess platform;
    int starts;
    int kills;
    AppendedLines output;
    LambdaClient lambda;
    Callers callers;

    @BeforeEach
    void writeFunction() throws IOException {
        Path target = Files.createDirectories(ClusterPlatform.repositoryRoot().resolve("integration-tests/target"));
        work = Files.createTempDirectory(target, "async-crash-").toAbsolutePath();
        Path processed = work.resolve("processed.txt");
        hold = Files.createFile(work.resolve("hold"));
        Path manifests = Files.createDirectories(work.resolve("manifests"));
        Files.writeString(Files.createDirectories(manifests.resolve("src")).resolve("handler.py"), HANDLER);
        Files.writeString(manifests.resolve("function.yaml"), """
                apiVersion: klambda.dev/v1alpha1
                kind: Function
                metadata: {name: %s}
                spec:
                  runtime: python3.12
                  handler: handler.handler
                  code: {path: src}
                  timeout: 900
                  environment: {variables: {APPEND_TO: "%s", HOLD_WHILE: "%s", WORK_SECONDS: "0.02"}}
                """.formatted(FUNCTION, processed, hold));
        output = new AppendedLines(processed);
        settings = new StandaloneProcess.Settings(ClusterPlatform.repositoryRoot().resolve(
                "standalone/target/quarkus-app/quarkus-run.jar"), work.resolve("home"), manifests,
                FreePorts.belowEphemeralRange(), FreePorts.belowEphemeralRange(), List.of("-Xmx512m", "-XX:+UseSerialGC",
                        "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                        // Eight runtimes at most, each busy 20 ms per event: at most 400 events a
                        // second, so that kills while processing land at many different points.
                        "-Dklambda.async.max-running=8",
                        // As in standalone's test profile: retries within seconds, not minutes.
                        "-Dklambda.async.retry-delays=1s,2s", "-Dklambda.async.first-backoff=200ms",
                        "-Dklambda.async.max-backoff=2s"));
        lambda = LambdaClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + settings.port()))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClientBuilder(Apache5HttpClient.builder().maxConnections(2 * CALLERS)
                        .connectionTimeout(Duration.ofSeconds(5)).socketTimeout(Duration.ofSeconds(30)))
                // Every failed call is seen by the callers, who send it again themselves.
                .overrideConfiguration(c -> c.retryStrategy(r -> r.maxAttempts(1))).build();
        log("seed %d (-Dklambda.it.seed=%d repeats this run's kill moments), work directory %s", seed, seed, work);
    }

    @AfterEach
    void stop() {
        if (callers != null) {
            callers.pool.shutdownNow();
        }
        if (lambda != null) {
            lambda.close();
        }
        if (platform != null) {
            platform.close();
        }
    }

    @Test
    void processesEveryAcceptedEventAtLeastOnceThoughThePlatformIsKilledRepeatedly() throws Exception {
        long began = System.nanoTime();
        platform = start();
        callers = new Callers();
        callers.start();

        int enqueueKill = (int) (EVENTS * moment());
        awaitUntil("until " + enqueueKill + " events were accepted", START, callers.accepted::size, enqueueKill);
        Set<String> acceptedBeforeKill = crash("while sending");
        callers.awaitDone(START.plus(PROGRESS));
        Map<String, String> accepted = Map.copyOf(callers.accepted);
        assertThat(accepted).as("events that got a 202 in the end").hasSize(EVENTS);

        // All 5,000 are in flight now. The queue is divided into as many slices as there are kills
        // plus one; each kill comes at a random point of its slice, once the poller has got there.
        Files.delete(hold);
        int slice = EVENTS / (KILLS_WHILE_PROCESSING + 1);
        for (int k = 0; k < KILLS_WHILE_PROCESSING; k++) {
            int at = k * slice + (int) (slice * moment());
            awaitUntil("until " + at + " events were processed (the poller resumes after restart " + starts + ")",
                    PROGRESS, output::processed, at);
            crash("while processing");
        }

        try {
            await().atMost(DRAIN).pollInterval(Duration.ofMillis(250))
                    .until(() -> output.missing(accepted).isEmpty());
        } catch (ConditionTimeoutException e) {
            List<String> missing = output.missing(accepted);
            throw new AssertionError(missing.size() + " accepted events were never processed, e.g. "
                    + missing.subList(0, Math.min(10, missing.size())) + "; " + ends(missing, accepted)
                    + "; the platform said:\n" + tail(platform.logs()), e);
        }
        // Stopped, the platform writes no more lines: what follows looks at the file as it stays.
        platform.close();
        AppendedLines.Summary summary = output.summary();

        assertThat(summary.malformed()).as("lines that are not '<id> <request id>' (torn or interleaved)").isEmpty();
        assertThat(summary.unfinished()).as("bytes after the last newline").isEmpty();
        assertThat(summary.ids()).as("ids in the file").isSubsetOf(accepted.keySet());
        assertThat(output.missing(accepted)).as("accepted events never processed").isEmpty();
        int duplicates = summary.lines() - summary.ids().size();
        assertThat(duplicates).as("duplicates").isGreaterThanOrEqualTo(0);
        log("%d events accepted (%d failed calls sent again, %d accepted before the kill while sending), %d kills, "
                + "%d lines: %d duplicates (%d of the same request, %d of a call sent again); %.1f s",
                accepted.size(), callers.failedCalls.get(), acceptedBeforeKill.size(), kills, summary.lines(), duplicates,
                summary.lines() - summary.requests(), summary.requests() - summary.ids().size(),
                (System.nanoTime() - began) / 1e9);
    }

    /** A random point in 20% to 80% of an interval. */
    double moment() {
        return 0.2 + 0.6 * random.nextDouble();
    }

    StandaloneProcess start() throws IOException, InterruptedException {
        starts++;
        return StandaloneProcess.start(settings, work.resolve("standalone-" + starts + ".log"), START);
    }

    /**
     * SIGKILL to the platform and its runtimes, then a start on the same home and ports. Callers
     * whose calls fail meanwhile wait for the start.
     *
     * @return the events accepted before the kill
     */
    Set<String> crash(String when) throws IOException, InterruptedException {
        CompletableFuture<Void> back = new CompletableFuture<>();
        callers.up = back;
        long killed = System.nanoTime();
        platform.kill();
        kills++;
        Set<String> accepted = Set.copyOf(callers.accepted.keySet());
        int processed = output.processed();
        int lines = output.lines();
        platform = start();
        long ready = System.nanoTime();
        back.complete(null);
        // The poller shows it resumed by the first line its runtimes write, a redelivery or a new event.
        String resumed = "the function is held";
        if (!Files.exists(hold)) {
            assertThat(processed).as("events processed when killed " + when).isLessThan(EVENTS);
            awaitUntil("until the poller resumed after restart " + starts, PROGRESS, output::lines, lines + 1);
            resumed = "the poller resumed " + (System.nanoTime() - ready) / 1_000_000 + " ms after";
        }
        log("kill %d %s: %d accepted, %d processed; ready again in %d ms, %s", kills, when, accepted.size(), processed,
                (ready - killed) / 1_000_000, resumed);
        return accepted;
    }

    void awaitUntil(String what, Duration atMost, IntSupplier count, int target) {
        try {
            await().atMost(atMost).pollInterval(Duration.ofMillis(10)).until(() -> count.getAsInt() >= target);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("no progress within " + atMost + " " + what + ": at " + count.getAsInt()
                    + "; the platform said:\n" + tail(platform.logs()), e);
        }
    }

    /**
     * How the execution environments ended the invocations of {@code missing}, from the REPORT
     * lines of every start: whether the poller lost them, or an environment ended them without
     * the function writing its line.
     */
    String ends(List<String> missing, Map<String, String> accepted) throws IOException {
        Map<String, String> reports = new HashMap<>();
        for (int start = 1; start <= starts; start++) {
            try (var lines = Files.lines(work.resolve("standalone-" + start + ".log"), StandardCharsets.ISO_8859_1)) {
                lines.filter(line -> line.contains("REPORT RequestId: "))
                        .forEach(line -> reports.put(line.substring(line.indexOf("REPORT RequestId: ") + 18)
                                .split("\t", 2)[0], line));
            }
        }
        Map<String, Integer> counts = new TreeMap<>();
        List<String> examples = new ArrayList<>();
        for (String id : missing) {
            String report = reports.get(accepted.get(id));
            String end = report == null ? "never run (no REPORT)"
                    : report.contains("Status: ") ? "ended with " + report.substring(report.indexOf("Status: ")).trim()
                            : "ended normally (REPORT without Status) but wrote no line";
            counts.merge(end, 1, Integer::sum);
            if (report != null && examples.size() < 3) {
                examples.add(report.trim());
            }
        }
        return "their invocations: " + counts + ", e.g. " + examples;
    }

    static String tail(String logs) {
        List<String> lines = logs.lines().filter(line -> !line.contains("START RequestId")
                && !line.contains("END RequestId") && !line.contains("REPORT RequestId")).toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }

    static void log(String format, Object... args) {
        System.out.printf(Locale.ROOT, "AsyncCrashIT: " + format + "%n", args);
    }

    /**
     * Senders of the events {@code ev-00000} to {@code ev-04999}: each takes the next id and sends it
     * until it gets its 202. A call that fails (the platform was killed) is sent again, as a client
     * would, once the platform is back; its first attempt may have been stored or not.
     */
    final class Callers {

        final ExecutorService pool = Executors.newFixedThreadPool(CALLERS);
        final AtomicInteger next = new AtomicInteger();
        /** The id of each event that got a 202, and the request id in that 202. */
        final Map<String, String> accepted = new ConcurrentHashMap<>();
        final AtomicInteger failedCalls = new AtomicInteger();
        /** Completes once the platform takes calls again after a kill. */
        volatile CompletableFuture<Void> up = CompletableFuture.completedFuture(null);
        final List<Future<?>> running = new ArrayList<>();

        void start() {
            for (int c = 0; c < CALLERS; c++) {
                running.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < EVENTS; i = next.getAndIncrement()) {
                        send(String.format(Locale.ROOT, "ev-%05d", i));
                    }
                    return null;
                }));
            }
        }

        void send(String id) throws Exception {
            SdkBytes payload = SdkBytes.fromUtf8String("{\"id\":\"" + id + "\"}");
            for (int failures = 0;; failures++) {
                try {
                    InvokeResponse response = lambda.invoke(r -> r.functionName(FUNCTION)
                            .invocationType(InvocationType.EVENT).payload(payload));
                    assertThat(response.statusCode()).as("status of " + id).isEqualTo(202);
                    accepted.put(id, response.responseMetadata().requestId());
                    return;
                } catch (SdkException e) {
                    failedCalls.incrementAndGet();
                    CompletableFuture<Void> back = up;
                    if (!back.isDone()) {
                        back.get();
                    } else if (failures >= 100) {
                        throw new IllegalStateException(id + " failed " + failures + " times with the platform up", e);
                    } else {
                        // The kill may not have been announced yet, or the pool held a dead connection:
                        // go again once a kill is announced or the platform answers ready.
                        await().atMost(START).pollInterval(Duration.ofMillis(50))
                                .until(() -> up != back || platform.ready());
                    }
                }
            }
        }

        void awaitDone(Duration atMost) throws Exception {
            long deadline = System.nanoTime() + atMost.toNanos();
            for (Future<?> caller : running) {
                caller.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        }
    }

    /**
     * The file the function appends to, read as it grows: complete lines are parsed, and bytes after
     * the last newline wait for the rest of their line.
     */
    static final class AppendedLines {

        record Summary(int lines, int requests, Set<String> ids, List<String> malformed, String unfinished) {
        }

        private final Path file;
        private long offset;
        private final StringBuilder unfinished = new StringBuilder();
        private final Map<String, Set<String>> requestsById = new HashMap<>();
        private final List<String> malformed = new ArrayList<>();
        private int lines;

        AppendedLines(Path file) {
            this.file = file;
        }

        /** How many distinct events the file names so far. */
        synchronized int processed() {
            read();
            return requestsById.size();
        }

        /** How many lines the file has so far. */
        synchronized int lines() {
            read();
            return lines;
        }

        /** The accepted events whose 202's request id the file does not name yet, sorted. */
        synchronized List<String> missing(Map<String, String> accepted) {
            read();
            return accepted.entrySet().stream()
                    .filter(e -> !requestsById.getOrDefault(e.getKey(), Set.of()).contains(e.getValue()))
                    .map(Map.Entry::getKey).sorted().toList();
        }

        synchronized Summary summary() {
            read();
            int requests = requestsById.values().stream().mapToInt(Set::size).sum();
            return new Summary(lines, requests, new HashSet<>(requestsById.keySet()), List.copyOf(malformed),
                    unfinished.toString());
        }

        private void read() {
            if (!Files.exists(file)) {
                return;
            }
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
                int n;
                while ((n = channel.read(buffer, offset)) > 0) {
                    offset += n;
                    unfinished.append(new String(buffer.array(), 0, n, StandardCharsets.US_ASCII));
                    buffer.clear();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            int end;
            while ((end = unfinished.indexOf("\n")) >= 0) {
                String line = unfinished.substring(0, end);
                unfinished.delete(0, end + 1);
                lines++;
                Matcher matcher = LINE.matcher(line);
                if (matcher.matches()) {
                    requestsById.computeIfAbsent(matcher.group(1), id -> new HashSet<>()).add(matcher.group(2));
                } else {
                    malformed.add(line);
                }
            }
        }
    }
}
