package dev.klambda.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.DoubleAccumulator;
import java.util.stream.Collectors;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import dev.klambda.agent.Interpreters;
import dev.klambda.core.name.Arns;
import dev.klambda.core.net.FreePorts;
import dev.klambda.invoker.async.AsyncEvent;
import dev.klambda.invoker.async.AsyncRecords;
import dev.klambda.invoker.async.AsyncTopics;

/**
 * Asynchronous invocations on the packaged standalone platform, as a client sees them: the latency
 * of an Event call's 202 (the event stored in the embedded Kafka broker) at concurrency 1 and 16,
 * and how many events per second it accepts and then runs to completion through the poller on a
 * no-op Python function, for several values of {@code klambda.async.max-running}, with the CPU its
 * JVM and the Python runtimes used.
 */
public final class AsyncBenchmarks {

    /** BENCH_RUNS: Event calls whose 202 is timed, per concurrency (5,000 at one caller took under 2 s). */
    static final int RUNS = Integer.parseInt(System.getenv().getOrDefault("BENCH_RUNS", "20000"));
    static final int WARM_UP = 500;
    /**
     * BENCH_ROUNDS: throughput runs one after another on each platform. One run lasts 3-5 s, and consecutive
     * runs on this machine differ by up to 20%: the median of several says more than any one.
     */
    static final int ROUNDS = Integer.parseInt(System.getenv().getOrDefault("BENCH_ROUNDS", "3"));
    /** BENCH_EVENTS: events enqueued in each throughput run. */
    static final int EVENTS = Integer.parseInt(System.getenv().getOrDefault("BENCH_EVENTS", "20000"));
    /**
     * BENCH_WARMUP_EVENTS: events run before the throughput run. The broker, its clients, Vert.x and
     * the invoker in one JVM are a lot of code for C2 on 2 cores: after 10,000 events the compiler
     * threads still took 35-40% of the platform's CPU during the run, after 300,000 about 30%.
     */
    static final int WARMUP_EVENTS = Integer.parseInt(System.getenv().getOrDefault("BENCH_WARMUP_EVENTS", "100000"));
    /** BENCH_DRAIN_EVENTS: events written straight to the queue topic in each drain run. */
    static final int DRAIN_EVENTS = Integer.parseInt(System.getenv().getOrDefault("BENCH_DRAIN_EVENTS", "50000"));
    /** The standalone platform's own account, whose events the drain run writes. */
    static final String ACCOUNT = "000000000000";
    /** BENCH_CALLERS: callers enqueueing in the throughput runs, one connection each. */
    static final int CALLERS = Integer.parseInt(System.getenv().getOrDefault("BENCH_CALLERS", "16"));
    /** BENCH_MAX_RUNNING: the {@code klambda.async.max-running} values tried, one platform started for each. */
    static final List<Integer> MAX_RUNNING = Arrays.stream(System.getenv().getOrDefault("BENCH_MAX_RUNNING", "16,64")
            .split(",")).map(String::trim).map(Integer::valueOf).toList();
    /** The poller's default, the platform on which the 202's latency is measured (when it is among those tried). */
    static final int DEFAULT_MAX_RUNNING = 64;
    static final byte[] EVENT = "{}".getBytes(StandardCharsets.UTF_8);
    static final Map<String, String> EVENT_CALL = Map.of("X-Amz-Invocation-Type", "Event");
    static final Duration POLL = Duration.ofMillis(20);
    /** How often the concurrency gauge is read during a throughput run. */
    static final Duration SAMPLE = Duration.ofMillis(250);

    private final Path repository;
    private final Path work;
    private final Interpreters interpreters = Interpreters.detect(System.getenv());
    private final BenchProcesses processes = new BenchProcesses(interpreters);
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<String> threadSplits = new ArrayList<>();
    private final List<String> drainSplits = new ArrayList<>();
    /** End-to-end events/s of each throughput round, by max-running; NaN where not all completed in time. */
    private final Map<Integer, List<Double>> endToEnd = new TreeMap<>();

    AsyncBenchmarks(Path repository) throws IOException {
        this.repository = repository;
        this.work = Files.createTempDirectory("klambda-async-bench-");
    }

    public static void main(String[] args) throws Exception {
        Path repository = Path.of(System.getProperty("bench.repository", "..")).toAbsolutePath().normalize();
        AsyncBenchmarks bench = new AsyncBenchmarks(repository);
        try {
            System.out.println(bench.run());
        } finally {
            bench.processes.close();
        }
        System.exit(0);
    }

    String run() throws Exception {
        // noop has no reserved concurrency: the poller's max-running, not a throttle, should bound what runs at
        // once. zero's events are accepted and then dropped by the poller without an invocation.
        BenchProcesses.noopFunctions(work, "zero", 0);
        int latencyAt = MAX_RUNNING.contains(DEFAULT_MAX_RUNNING) ? DEFAULT_MAX_RUNNING : MAX_RUNNING.getLast();
        List<String> latencyRows = new ArrayList<>();
        String enqueueAlone = "";
        List<String> throughputRows = new ArrayList<>();
        List<String> drainRows = new ArrayList<>();
        for (int maxRunning : MAX_RUNNING) {
            Platform platform = start(maxRunning);
            try {
                platform.warmUp();
                for (int round = 1; round <= ROUNDS; round++) {
                    throughputRows.add(platform.throughput(round));
                }
                drainRows.add(platform.drain());
                if (maxRunning == latencyAt) {
                    for (int callers : List.of(1, 16)) {
                        latencyRows.add(platform.latency(callers));
                    }
                    enqueueAlone = platform.enqueueAlone();
                }
            } finally {
                platform.stop();
            }
        }
        StringBuilder out = new StringBuilder();
        out.append("## Async invocations: enqueue latency and throughput (").append(LocalDate.now()).append(")\n\n");
        out.append(AgentBenchmarks.machine(interpreters)).append('\n');
        out.append("Targets (async invocations): the 202 of an Event call at most 5 ms at p99; at least 5,000 ")
                .append("events/s through the queue to a no-op function.\n\n");
        out.append("### The 202 of an Event call (").append(RUNS).append(" per concurrency, after ").append(WARM_UP)
                .append(" warm-up; klambda.async.max-running ").append(latencyAt).append(")\n\n")
                .append("Signed `Invoke` calls with `X-Amz-Invocation-Type: Event` and a `{}` payload to the packaged ")
                .append("standalone platform, one HTTP/1.1 keep-alive connection per caller (signed before the clock ")
                .append("starts). The 202 comes once the embedded broker stored the event (acks=all, idempotent ")
                .append("producer). The poller runs the events at the same time on the same 2 cores, as it would in ")
                .append("use; each row starts with the queue drained, after the throughput run below.\n\n")
                .append("| concurrency | p50 | p90 | p99 | max | 202s/s |\n| --- | --- | --- | --- | --- | --- |\n");
        latencyRows.forEach(out::append);
        out.append('\n');
        out.append("### Enqueue alone: ").append(String.format(Locale.ROOT, "%,d", EVENTS)).append(" events from ")
                .append(CALLERS).append(" callers to a function with reserved concurrency 0\n\n")
                .append("The same calls, pre-signed, to a function the poller never invokes: it reads each event and ")
                .append("drops it (ZeroReservedConcurrency, one log line each). What the HTTP, SigV4 and Kafka ")
                .append("path costs without the invocations.\n\n")
                .append("| enqueue events/s | p50 | p99 | platform JVM CPU |\n| --- | --- | --- | --- |\n")
                .append(enqueueAlone).append('\n');
        out.append("### Throughput: ").append(String.format(Locale.ROOT, "%,d", EVENTS)).append(" events from ")
                .append(CALLERS).append(" callers to a no-op Python function\n\n")
                .append("One platform per `klambda.async.max-running` (the events attempted at once, and so the ")
                .append("most environments the function should need), after ")
                .append(String.format(Locale.ROOT, "%,d", WARMUP_EVENTS)).append(" warm-up events that also grow ")
                .append("the pool; ").append(ROUNDS)
                .append(" rounds one after another on it. The callers send as fast as the 202s come back (requests signed beforehand). ")
                .append("Enqueue: events over the time from the first call to the last 202, while the poller is ")
                .append("already running them. End to end: events over the time from the first call until ")
                .append("`lambda_invocations_total` minus `lambda_errors_total` of the function (on /q/metrics, read ")
                .append("from the last 202 on, every ").append(POLL.toMillis()).append(" ms near the end) grew by all ")
                .append("of them: ")
                .append("completed invocations, not events taken from the queue. CPU from /proc over that time, as ")
                .append("cores busy on average: the platform's JVM (HTTP, SigV4, Kafka broker, producer and ")
                .append("consumer, poller, invoker, the environments' agents), the Python runtimes, the load ")
                .append("generator's JVM, and every other process on the machine. Peak concurrency: the highest ")
                .append("`lambda_concurrent_executions` seen, read every ").append(SAMPLE.toMillis())
                .append(" ms; cold starts: `lambda_cold_starts_total` during the run; environments: Python ")
                .append("runtimes alive at the end.\n\n")
                .append("| max-running | round | enqueue events/s | end-to-end events/s | completed when the last 202 came ")
                .append("| platform JVM CPU | Python runtimes CPU | load generator CPU | other processes CPU ")
                .append("| peak concurrency | cold starts | environments |\n")
                .append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        throughputRows.forEach(out::append);
        out.append("\nMedian end to end over the rounds: ").append(endToEnd.entrySet().stream()
                .map(rates -> String.format(Locale.ROOT, "max-running %d **%.0f** events/s (rounds: %s)", rates.getKey(),
                        median(rates.getValue()), rates.getValue().stream()
                                .map(r -> String.format(Locale.ROOT, "%.0f", r)).collect(Collectors.joining(", "))))
                .collect(Collectors.joining("; "))).append(".\n");
        out.append("\nThe platform JVM's CPU over each throughput run, from /proc per thread (names as Linux keeps them, "
                + "digits as N):\n\n");
        threadSplits.forEach(split -> out.append("- ").append(split).append('\n'));
        out.append('\n');
        out.append("### From the queue alone: ").append(String.format(Locale.ROOT, "%,d", DRAIN_EVENTS))
                .append(" events written straight to the queue topic, to the same function\n\n")
                .append("On each platform after its throughput run: one Kafka producer in the load generator writes ")
                .append("the events to `").append(AsyncTopics.EVENTS).append("` in klambda's own record format ")
                .append("(acks=all, idempotent, batched), as fast as the broker takes them, while the poller already ")
                .append("runs them. No HTTP, SigV4 or 202 on the platform's side: this is the poller's and the ")
                .append("invoker's share of the work, which a cluster runs in poller pods apart from the invokers that ")
                .append("answer the Event calls. Events/s over the time from the first record sent until the ")
                .append("function's completed invocations (as above) grew by all of them; written in: until the last ")
                .append("record was acknowledged.\n\n")
                .append("| max-running | events/s through the queue | written in | platform JVM CPU ")
                .append("| Python runtimes CPU | load generator CPU | peak concurrency |\n")
                .append("| --- | --- | --- | --- | --- | --- | --- |\n");
        drainRows.forEach(out::append);
        out.append("\nThe platform JVM's CPU over each run from the queue alone:\n\n");
        drainSplits.forEach(split -> out.append("- ").append(split).append('\n'));
        return out.toString();
    }

    private Platform start(int maxRunning) throws Exception {
        int port = FreePorts.belowEphemeralRange();
        int kafkaPort = FreePorts.belowEphemeralRange();
        Process process = processes.standalone(repository, port, work.resolve("home-" + maxRunning),
                work.resolve("manifests"), Map.of("KLAMBDA_ASYNC_MAX_RUNNING", Integer.toString(maxRunning),
                        "KLAMBDA_KAFKA_PORT", Integer.toString(kafkaPort)));
        return new Platform(maxRunning, process, port, "127.0.0.1:" + kafkaPort);
    }

    /** A function's counters and gauge on the platform's /q/metrics. */
    private record Counters(double invocations, double errors, double throttles, double retries, double received,
            double dropped, double coldStarts, double concurrent) {

        double completed() {
            return invocations - errors;
        }
    }

    /** What a group of callers sent: each call's time to its 202 in µs, and when the first began and the last ended. */
    private record Sent(double[] micros, long begin, long end) {

        double perSecond() {
            return micros.length / ((end - begin) / 1e9);
        }
    }

    /** CPU seconds so far: the platform's JVM and its runtimes, the load generator, the whole machine. */
    private record Cpu(Map<Long, Double> platform, double bench, double machine) {

        static Cpu now(Process platform) {
            return new Cpu(ProcStats.cpuSecondsOfTree(platform.toHandle()),
                    ProcStats.cpuSeconds(ProcessHandle.current().pid()), ProcStats.MachineCpu.now().busy());
        }

        double jvmSince(Cpu before, long pid) {
            return platform.getOrDefault(pid, 0.0) - before.platform.getOrDefault(pid, 0.0);
        }

        double runtimesSince(Cpu before, long pid) {
            double runtimes = 0;
            for (Map.Entry<Long, Double> process : platform.entrySet()) {
                if (process.getKey() != pid) {
                    runtimes += process.getValue() - before.platform.getOrDefault(process.getKey(), 0.0);
                }
            }
            return runtimes;
        }
    }

    /** One started platform with a given max-running, and the measurements made on it. */
    private final class Platform {

        private final int maxRunning;
        private final Process process;
        private final URI noop;
        private final URI zero;
        private final URI metrics;
        private final String bootstrap;

        Platform(int maxRunning, Process process, int port, String bootstrap) {
            this.maxRunning = maxRunning;
            this.process = process;
            this.bootstrap = bootstrap;
            this.noop = URI.create("http://127.0.0.1:" + port + "/2015-03-31/functions/noop/invocations");
            this.zero = URI.create("http://127.0.0.1:" + port + "/2015-03-31/functions/zero/invocations");
            this.metrics = URI.create("http://127.0.0.1:" + port + "/q/metrics");
        }

        /**
         * Events enough to start the environments max-running needs and to compile the hot paths, with
         * /q/metrics read meanwhile as in the measured runs. Without it, the first measured run's reads
         * were the first requests of another kind through HTTP code compiled for Invoke calls alone, and
         * the compiler threads took 1.3-1.9 s of that 3.4-3.9 s run; with it, 0.9 s of 3.1 s.
         */
        void warmUp() throws Exception {
            Counters before = counters("noop");
            try (PeakConcurrency sampler = new PeakConcurrency()) {
                sampler.start();
                Sent sent = send(noop, CALLERS, WARMUP_EVENTS / CALLERS, sign(noop, CALLERS, WARMUP_EVENTS / CALLERS),
                        () -> {
                        });
                awaitCompleted(before.completed() + sent.micros().length, Duration.ofSeconds(120));
            }
        }

        String latency(int callers) throws Exception {
            Counters before = counters("noop");
            int warm = send(noop, callers, WARM_UP / callers + 1, null, () -> {
            }).micros().length;
            Sent sent = send(noop, callers, RUNS / callers, null, () -> {
            });
            long drained = awaitCompleted(before.completed() + warm + sent.micros().length, Duration.ofSeconds(120));
            if (drained < 0) {
                throw new IllegalStateException("the events of the latency run were not all invoked within 120 s");
            }
            Stats stats = Stats.of(sent.micros());
            return "| " + callers + " | " + stats.us(50) + " | " + stats.us(90) + " | **" + stats.us(99) + "** | "
                    + stats.us(100) + " | " + String.format(Locale.ROOT, "%.0f", sent.perSecond()) + " |\n";
        }

        String enqueueAlone() throws Exception {
            Counters before = counters("zero");
            List<List<Map<String, String>>> signed = sign(zero, CALLERS, EVENTS / CALLERS);
            Cpu[] cpuBefore = new Cpu[1];
            Sent sent = send(zero, CALLERS, EVENTS / CALLERS, signed, () -> cpuBefore[0] = Cpu.now(process));
            Cpu cpuAfter = Cpu.now(process);
            double jvm = cpuAfter.jvmSince(cpuBefore[0], process.pid());
            double seconds = (sent.end() - sent.begin()) / 1e9;
            // The next platform starts once these are gone.
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (counters("zero").dropped() - before.dropped() < sent.micros().length && System.nanoTime() < deadline) {
                Thread.sleep(POLL.toMillis());
            }
            Stats stats = Stats.of(sent.micros());
            return String.format(Locale.ROOT, "| **%.0f** (%.2f s) | %s | %s | %.2f cores (%.0f µs per event) |%n",
                    sent.perSecond(), seconds, stats.us(50), stats.us(99), jvm / seconds,
                    jvm / sent.micros().length * 1e6);
        }

        String throughput(int round) throws Exception {
            Counters before = counters("noop");
            List<List<Map<String, String>>> signed = sign(noop, CALLERS, EVENTS / CALLERS);
            Cpu[] cpuBefore = new Cpu[1];
            PeakConcurrency peak = new PeakConcurrency();
            List<Map<String, double[]>> threadsBefore = new ArrayList<>();
            Sent sent = send(noop, CALLERS, EVENTS / CALLERS, signed, () -> {
                cpuBefore[0] = Cpu.now(process);
                threadsBefore.add(ProcStats.threadCpuSeconds(process.pid()));
                peak.start();
            });
            int events = sent.micros().length;
            double completedAtLast202 = counters("noop").completed() - before.completed();
            long done = awaitCompleted(before.completed() + events, Duration.ofSeconds(60 + events / 100));
            long end = done < 0 ? System.nanoTime() : done;
            Cpu cpuAfter = Cpu.now(process);
            Map<String, double[]> threadsAfter = ProcStats.threadCpuSeconds(process.pid());
            peak.close();
            Counters after = counters("noop");
            double seconds = (end - sent.begin()) / 1e9;
            double jvm = cpuAfter.jvmSince(cpuBefore[0], process.pid());
            double runtimes = cpuAfter.runtimesSince(cpuBefore[0], process.pid());
            double bench = cpuAfter.bench() - cpuBefore[0].bench();
            double others = Math.max(0, cpuAfter.machine() - cpuBefore[0].machine() - jvm - runtimes - bench);
            System.err.printf(Locale.ROOT,
                    "max-running %d: %d events, %.0f completed, %.0f errors, %.0f throttles, %.0f retries, %.0f received%s%n",
                    maxRunning, events, after.completed() - before.completed(), after.errors() - before.errors(),
                    after.throttles() - before.throttles(), after.retries() - before.retries(),
                    after.received() - before.received(), done < 0 ? " (NOT ALL COMPLETED in time)" : "");
            threadSplits.add(threadSplit("max-running " + maxRunning + ", round " + round, threadsBefore.getFirst(),
                    threadsAfter, events));
            endToEnd.computeIfAbsent(maxRunning, m -> new ArrayList<>()).add(done < 0 ? Double.NaN : events / seconds);
            return String.format(Locale.ROOT,
                    "| %d | %d | %.0f (%.2f s) | %s | %.0f | %.2f cores (%.0f µs per event) | %.2f cores (%.0f µs per "
                            + "event) | %.2f cores | %.2f cores | %.0f | %.0f | %d |%n",
                    maxRunning, round, sent.perSecond(), (sent.end() - sent.begin()) / 1e9,
                    rate(done, seconds, after.completed() - before.completed(), events), completedAtLast202,
                    jvm / seconds, jvm / events * 1e6, runtimes / seconds, runtimes / events * 1e6, bench / seconds,
                    others / seconds, peak.highest(), after.coldStarts() - before.coldStarts(),
                    process.descendants().count());
        }

        /**
         * Writes {@link #DRAIN_EVENTS} events for noop straight to the queue topic and times them
         * until all completed.
         */
        String drain() throws Exception {
            Counters before = counters("noop");
            String functionArn = Arns.function("us-east-1", ACCOUNT, "noop");
            Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                    ProducerConfig.LINGER_MS_CONFIG, 5, ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
            AtomicReference<Exception> failed = new AtomicReference<>();
            PeakConcurrency peak = new PeakConcurrency();
            peak.start();
            Cpu cpuBefore;
            Map<String, double[]> threadsBefore;
            long begin;
            long written;
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config, new StringSerializer(),
                    new ByteArraySerializer())) {
                // Connected and with the topic's metadata before the clock starts.
                producer.partitionsFor(AsyncTopics.EVENTS);
                cpuBefore = Cpu.now(process);
                threadsBefore = ProcStats.threadCpuSeconds(process.pid());
                begin = System.nanoTime();
                for (int i = 0; i < DRAIN_EVENTS; i++) {
                    AsyncEvent event = AsyncEvent.accepted(UUID.randomUUID().toString(), ACCOUNT, functionArn, EVENT,
                            Instant.now(), null);
                    producer.send(AsyncRecords.toRecord(AsyncTopics.EVENTS, event), (metadata, failure) -> {
                        if (failure != null) {
                            failed.set(failure);
                        }
                    });
                }
                producer.flush();
                written = System.nanoTime();
            }
            if (failed.get() != null) {
                throw new IllegalStateException("writing the events failed", failed.get());
            }
            long done = awaitCompleted(before.completed() + DRAIN_EVENTS,
                    Duration.ofSeconds(60 + DRAIN_EVENTS / 100));
            long end = done < 0 ? System.nanoTime() : done;
            Cpu cpuAfter = Cpu.now(process);
            drainSplits.add(threadSplit("max-running " + maxRunning, threadsBefore,
                    ProcStats.threadCpuSeconds(process.pid()), DRAIN_EVENTS));
            peak.close();
            double seconds = (end - begin) / 1e9;
            double jvm = cpuAfter.jvmSince(cpuBefore, process.pid());
            double runtimes = cpuAfter.runtimesSince(cpuBefore, process.pid());
            double bench = cpuAfter.bench() - cpuBefore.bench();
            String rate = rate(done, seconds, counters("noop").completed() - before.completed(), DRAIN_EVENTS);
            return String.format(Locale.ROOT,
                    "| %d | %s | %.2f s | %.2f cores (%.0f µs per event) | %.2f cores (%.0f µs per event) | %.2f cores "
                            + "| %.0f |%n",
                    maxRunning, rate, (written - begin) / 1e9, jvm / seconds, jvm / DRAIN_EVENTS * 1e6,
                    runtimes / seconds, runtimes / DRAIN_EVENTS * 1e6, bench / seconds, peak.highest());
        }

        /** Events per second in bold, or how many of them completed when not all did (done &lt; 0). */
        private static String rate(long done, double seconds, double completed, int events) {
            return done < 0
                    ? String.format(Locale.ROOT, "not all within %.0f s (%.0f of %d)", seconds, completed, events)
                    : String.format(Locale.ROOT, "**%.0f** (%.2f s)", events / seconds, seconds);
        }

        /** The highest {@code lambda_concurrent_executions} of noop, read every {@link #SAMPLE} until closed. */
        private final class PeakConcurrency implements AutoCloseable {

            private final AtomicBoolean sampling = new AtomicBoolean(true);
            private final DoubleAccumulator highest = new DoubleAccumulator(Math::max, 0);
            private final Thread thread = Thread.ofVirtual().unstarted(this::sample);

            void start() {
                thread.start();
            }

            double highest() {
                return highest.get();
            }

            private void sample() {
                try {
                    while (sampling.get()) {
                        highest.accumulate(counters("noop").concurrent());
                        Thread.sleep(SAMPLE.toMillis());
                    }
                } catch (Exception e) {
                    // stopped
                }
            }

            @Override
            public void close() throws InterruptedException {
                sampling.set(false);
                thread.join();
            }
        }

        /** Where the platform JVM's CPU of a throughput run went: its largest thread groups, user and system time. */
        private String threadSplit(String run, Map<String, double[]> before, Map<String, double[]> after, int events) {
            Map<String, Double> byGroup = new HashMap<>();
            double user = 0;
            double system = 0;
            for (Map.Entry<String, double[]> group : after.entrySet()) {
                double[] was = before.getOrDefault(group.getKey(), new double[2]);
                double u = group.getValue()[0] - was[0];
                double s = group.getValue()[1] - was[1];
                user += u;
                system += s;
                byGroup.put(group.getKey(), u + s);
            }
            String largest = byGroup.entrySet().stream().sorted(Map.Entry.<String, Double> comparingByValue().reversed())
                    .limit(7).map(g -> String.format(Locale.ROOT, "`%s` %.1f s", g.getKey(), g.getValue()))
                    .collect(Collectors.joining(", "));
            return String.format(Locale.ROOT, "%s: %.1f s user and %.1f s system (%.0f µs per event); by "
                    + "thread: %s", run, user, system, (user + system) / events * 1e6, largest);
        }

        /** Signed headers of {@code each} Event calls to {@code uri} for each of {@code callers} callers. */
        private List<List<Map<String, String>>> sign(URI uri, int callers, int each) {
            List<List<Map<String, String>>> signed = new ArrayList<>();
            for (int c = 0; c < callers; c++) {
                List<Map<String, String>> own = new ArrayList<>(each);
                for (int i = 0; i < each; i++) {
                    own.add(SigV4.post(uri, EVENT, EVENT_CALL));
                }
                signed.add(own);
            }
            return signed;
        }

        /**
         * {@code callers} callers send {@code each} Event calls to {@code uri} over a connection of
         * their own, all starting together right after {@code atStart} ran; with the headers of
         * {@code signed}, or (null) each call signed just before its clock starts.
         */
        private Sent send(URI uri, int callers, int each, List<List<Map<String, String>>> signed, Runnable atStart)
                throws Exception {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<long[]>> results = new ArrayList<>();
            try (ExecutorService pool = Executors.newFixedThreadPool(callers)) {
                for (int c = 0; c < callers; c++) {
                    List<Map<String, String>> own = signed == null ? null : signed.get(c);
                    results.add(pool.submit(() -> {
                        // Per call: its begin and end, in nanoseconds.
                        long[] times = new long[2 * each];
                        try (RawHttpClient client = new RawHttpClient(uri)) {
                            start.await();
                            for (int i = 0; i < each; i++) {
                                Map<String, String> headers = own != null ? own.get(i)
                                        : SigV4.post(uri, EVENT, EVENT_CALL);
                                times[2 * i] = System.nanoTime();
                                int status = client.post(uri.getRawPath(), headers, EVENT);
                                times[2 * i + 1] = System.nanoTime();
                                if (status != 202) {
                                    throw new IllegalStateException("an Event call answered " + status);
                                }
                            }
                        }
                        return times;
                    }));
                }
                // The connections are open before the clock starts.
                Thread.sleep(100);
                atStart.run();
                start.countDown();
                double[] micros = new double[callers * each];
                long begin = Long.MAX_VALUE;
                long end = Long.MIN_VALUE;
                int n = 0;
                for (Future<long[]> result : results) {
                    long[] times = result.get();
                    for (int i = 0; i < each; i++) {
                        micros[n++] = (times[2 * i + 1] - times[2 * i]) / 1000.0;
                    }
                    begin = Math.min(begin, times[0]);
                    end = Math.max(end, times[times.length - 1]);
                }
                return new Sent(micros, begin, end);
            }
        }

        /**
         * Reads /q/metrics until {@code target} invocations of noop completed; returns when (nanoTime), or -1 after
         * {@code timeout}. Far from the target it reads less often (each read costs the platform CPU), never
         * more than about 50,000 events/s apart, and every {@link #POLL} near it.
         */
        private long awaitCompleted(double target, Duration timeout) throws Exception {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                double remaining = target - counters("noop").completed();
                if (remaining <= 0) {
                    return System.nanoTime();
                }
                Thread.sleep(Math.clamp((long) (remaining / 50), POLL.toMillis(), 10 * POLL.toMillis()));
            }
            return -1;
        }

        private Counters counters(String function) throws Exception {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(metrics).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("/q/metrics answered " + response.statusCode());
            }
            String text = response.body();
            return new Counters(sum(text, "lambda_invocations_total", function),
                    sum(text, "lambda_errors_total", function), sum(text, "lambda_throttles_total", function),
                    sum(text, "klambda_async_retries_total", function),
                    sum(text, "klambda_async_events_received_total", function),
                    sum(text, "klambda_async_events_dropped_total", function),
                    sum(text, "lambda_cold_starts_total", function), sum(text, "lambda_concurrent_executions", function));
        }

        /** Stops the platform and the runtimes it started, so that the next one has the machine. */
        void stop() throws InterruptedException {
            List<ProcessHandle> runtimes = process.descendants().toList();
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
            runtimes.forEach(ProcessHandle::destroy);
        }
    }

    /** The middle value (the mean of the middle two of an even count); NaN, a run that did not complete, sorts last. */
    static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /** The sum of the samples of {@code name} for {@code function}. */
    private static double sum(String metrics, String name, String function) {
        return metrics.lines().filter(l -> l.startsWith(name + "{") && l.contains("function=\"" + function + "\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }
}
