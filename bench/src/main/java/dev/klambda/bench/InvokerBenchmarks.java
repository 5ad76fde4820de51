package dev.klambda.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import dev.klambda.agent.Interpreters;
import dev.klambda.agent.RuntimeFiles;
import dev.klambda.core.net.FreePorts;

/**
 * The invoker's cost, measured from outside as a client sees it: invocations of a no-op Python
 * function through the packaged standalone platform (SigV4 verification, resolution, admission,
 * dispatch to its warm pool) against the same function behind the packaged agent's own endpoint
 * (what an invoker calls in a cluster), in the same run, at concurrency 1 and 16; and the
 * throughput of the platform with 8 warm environments, with the CPU its JVM and the runtimes used.
 */
public final class InvokerBenchmarks {

    /**
     * BENCH_RUNS: calls measured per path and concurrency; more narrow the p99 estimate. 5,000 at 16 callers were
     * half a second per path, in which one collection or compilation moved a p99 by more than 2 ms.
     */
    static final int RUNS = Integer.parseInt(System.getenv().getOrDefault("BENCH_RUNS", "20000"));
    /**
     * BENCH_WARMUP_CALLS: calls per path before the measured ones. 500 left the JIT compiling during the
     * measurement, which on 2 cores shows in the invoker's p99.
     */
    static final int WARM_UP = Integer.parseInt(System.getenv().getOrDefault("BENCH_WARMUP_CALLS", "20000"));
    static final int BLOCK = 250;
    static final int THROUGHPUT_SECONDS = Integer.getInteger("bench.invoker.seconds", 10);
    static final byte[] EVENT = "{}".getBytes(StandardCharsets.UTF_8);

    private final Path repository;
    private final Path work;
    private final Interpreters interpreters = Interpreters.detect(System.getenv());
    private final Map<String, RawHttpClient> clients = new java.util.concurrent.ConcurrentHashMap<>();
    private final BenchProcesses processes = new BenchProcesses(interpreters);

    InvokerBenchmarks(Path repository) throws IOException {
        this.repository = repository;
        this.work = Files.createTempDirectory("klambda-invoker-bench-");
    }

    public static void main(String[] args) throws Exception {
        Path repository = Path.of(System.getProperty("bench.repository", "..")).toAbsolutePath().normalize();
        InvokerBenchmarks bench = new InvokerBenchmarks(repository);
        try {
            System.out.println(bench.run());
        } finally {
            bench.processes.close();
        }
        System.exit(0);
    }

    String run() throws Exception {
        Path manifests = BenchProcesses.noopFunctions(work, "noop8", 8);
        Path code = manifests.resolve("noop/src");
        int platformPort = FreePorts.belowEphemeralRange();
        Process platform = processes.standalone(repository, platformPort, work.resolve("home"),
                manifests, Map.of());
        Path runtimes = RuntimeFiles.unpack(work.resolve("runtimes"));
        URI invoker = URI.create("http://127.0.0.1:" + platformPort + "/2015-03-31/functions/noop/invocations");
        StringBuilder out = new StringBuilder();
        out.append("## Invoker: warm overhead and throughput (").append(LocalDate.now()).append(")\n\n");
        out.append(AgentBenchmarks.machine(interpreters)).append('\n');
        out.append("### Warm invocation: through the invoker vs the agent's own endpoint (").append(RUNS)
                .append(" each per concurrency, alternating blocks of ").append(BLOCK).append(", after ")
                .append(WARM_UP).append(" warm-up)\n\n")
                .append("The same no-op Python handler and runtime client behind both; one HTTP/1.1 keep-alive ")
                .append("connection per caller. Invoker: the packaged standalone platform, signed requests ")
                .append("(signed before the clock starts), its warm pool. Agent: as many environments as callers in one ")
                .append("JVM of their own, each behind the agent's RIE-compatible endpoint, as an invoker in a cluster ")
                .append("reaches pods. Both log START/END/REPORT lines; the client is a blocking socket loop.\n\n")
                .append("| concurrency | invoker p50 | invoker p99 | agent p50 | agent p99 | invoker adds p50 | invoker adds p99 |\n")
                .append("| --- | --- | --- | --- | --- | --- | --- |\n");
        // BENCH_CONCURRENCY=1 (or 16) measures one row only, for quick comparisons.
        String only = System.getenv("BENCH_CONCURRENCY");
        for (int callers : only == null ? List.of(1, 16) : List.of(Integer.parseInt(only))) {
            List<String> ports = new ArrayList<>();
            Process host = processes.start("agents ready on ", List.of("-cp", System.getProperty("java.class.path"),
                    AgentHost.class.getName(), Integer.toString(callers), code.toString(), runtimes.toString()), Map.of(),
                    line -> ports.addAll(List.of(line.substring("agents ready on ".length()).split(","))));
            List<URI> agents = ports.stream()
                    .map(p -> URI.create("http://127.0.0.1:" + p + "/2015-03-31/functions/function/invocations"))
                    .toList();
            out.append(overhead(callers, invoker, agents));
            host.destroy();
            host.waitFor();
        }
        out.append('\n').append(throughput(platform, platformPort));
        return out.toString();
    }

    /** Latencies at {@code callers} concurrent callers, each with its own agent on the direct path. */
    private String overhead(int callers, URI invoker, List<URI> agents) throws Exception {
        List<Double> viaInvoker = new ArrayList<>();
        List<Double> direct = new ArrayList<>();
        int perCaller = Math.max(BLOCK, RUNS / callers);
        measure(callers, i -> invoker, true, WARM_UP / callers + 1, new ArrayList<>());
        measure(callers, agents::get, false, WARM_UP / callers + 1, new ArrayList<>());
        for (int done = 0; done < perCaller; done += BLOCK / Math.max(1, callers / 4)) {
            int block = BLOCK / Math.max(1, callers / 4);
            measure(callers, i -> invoker, true, block, viaInvoker);
            measure(callers, agents::get, false, block, direct);
        }
        Stats a = Stats.of(viaInvoker.stream().mapToDouble(Double::doubleValue).toArray());
        Stats d = Stats.of(direct.stream().mapToDouble(Double::doubleValue).toArray());
        System.err.printf(Locale.ROOT, "concurrency %d: invoker p90 %s p95 %s p99.9 %s; agent p90 %s p95 %s p99.9 %s%n",
                callers, a.us(90), a.us(95), a.us(99.9), d.us(90), d.us(95), d.us(99.9));
        return "| " + callers + " | " + a.us(50) + " | " + a.us(99) + " | " + d.us(50) + " | " + d.us(99) + " | **"
                + String.format(Locale.ROOT, "%.0f µs", a.percentile(50) - d.percentile(50)) + "** | "
                + String.format(Locale.ROOT, "%.0f µs", a.percentile(99) - d.percentile(99)) + " |\n";
    }

    private interface Target {
        URI of(int caller);
    }

    private void measure(int callers, Target target, boolean signed, int each, List<Double> into) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<double[]>> results = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        try {
            for (int c = 0; c < callers; c++) {
                URI uri = target.of(c);
                // One connection per caller and server, kept across blocks as an SDK keeps its pool.
                RawHttpClient client = clients.computeIfAbsent(c + " " + uri, k -> connect(uri));
                results.add(pool.submit(() -> {
                    double[] micros = new double[each];
                    start.await();
                    for (int i = 0; i < each; i++) {
                        Map<String, String> headers = signed ? SigV4.post(uri, EVENT, Map.of()) : Map.of();
                        long begin = System.nanoTime();
                        int status = client.post(uri.getRawPath(), headers, EVENT);
                        micros[i] = (System.nanoTime() - begin) / 1000.0;
                        if (status != 200) {
                            throw new IllegalStateException(uri + " answered " + status);
                        }
                    }
                    return micros;
                }));
            }
            start.countDown();
            for (Future<double[]> result : results) {
                for (double micros : result.get()) {
                    into.add(micros);
                }
            }
        } finally {
            pool.shutdown();
        }
    }

    private static RawHttpClient connect(URI uri) {
        try {
            return new RawHttpClient(uri);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private String throughput(Process platform, int port) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + port + "/2015-03-31/functions/noop8/invocations");
        int callers = 8;
        measure(callers, i -> uri, true, 200, new ArrayList<>());
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong completed = new AtomicLong();
        Map<Long, Double> cpuBefore = ProcStats.cpuSecondsOfTree(platform.toHandle());
        long begin = System.nanoTime();
        try (ExecutorService pool = Executors.newFixedThreadPool(callers)) {
            for (int c = 0; c < callers; c++) {
                pool.submit(() -> {
                    try (RawHttpClient client = new RawHttpClient(uri)) {
                        while (!stop.get()) {
                            if (client.post(uri.getRawPath(), SigV4.post(uri, EVENT, Map.of()), EVENT) == 200) {
                                completed.incrementAndGet();
                            }
                        }
                    }
                    return null;
                });
            }
            Thread.sleep(THROUGHPUT_SECONDS * 1000L);
            stop.set(true);
        }
        double seconds = (System.nanoTime() - begin) / 1e9;
        Map<Long, Double> cpuAfter = ProcStats.cpuSecondsOfTree(platform.toHandle());
        double jvm = cpuAfter.getOrDefault(platform.pid(), 0.0) - cpuBefore.getOrDefault(platform.pid(), 0.0);
        double runtimes = 0;
        for (Map.Entry<Long, Double> process : cpuAfter.entrySet()) {
            if (process.getKey() != platform.pid()) {
                runtimes += process.getValue() - cpuBefore.getOrDefault(process.getKey(), 0.0);
            }
        }
        return "### Throughput: 8 callers, a no-op Python function with reserved concurrency 8 (" + THROUGHPUT_SECONDS
                + " s, after 1,600 warm-up calls)\n\n"
                + "CPU from /proc: the platform's JVM (HTTP, SigV4, invoker, the 8 environments' agents) and the 8 "
                + "Python runtimes, as cores busy on average; the load generator runs on the same 2 cores.\n\n"
                + "| invocations/s | platform JVM CPU | Python runtimes CPU |\n| --- | --- | --- |\n"
                + String.format(Locale.ROOT, "| %.0f | %.2f cores (%.0f µs per invocation) | %.2f cores |%n",
                        completed.get() / seconds, jvm / seconds, jvm / completed.get() * 1e6, runtimes / seconds);
    }
}
